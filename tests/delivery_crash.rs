//! The delivery promise under process crashes: a feed releasing 2,000 stories (some later
//! updated) over time, `wirefeed` SIGKILLed at random points ten times and restarted, then a
//! `read_committed` consumer must see every (story, version) exactly once. Finally a graceful
//! stop and a restart must add nothing.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;

const STORIES: usize = 2000;
/// Every tenth story gets an `UPDATE 1` version later.
const UPDATE_EVERY: usize = 10;

/// A feed that releases stories over time; what it has released stays in the feed.
struct FeedClock {
    started: Instant,
}

impl FeedClock {
    /// Stories released so far: 60 every 100 ms, so all 2,000 within ~3.5 s.
    fn released(&self) -> usize {
        ((self.started.elapsed().as_millis() / 100) as usize * 60).min(STORIES)
    }
}

/// A deterministic, distinct body for story `i` (version `v`): unique words so that no two
/// stories are near-duplicates of each other.
fn body(i: usize, v: u32) -> String {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut words = Vec::new();
    for _ in 0..60 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        words.push(format!("w{:x}", x % 0xFFFFF));
    }
    let lead = format!(
        "LONDON, Oct 3 (Reuters) - Story {i:04} reports {}.",
        words[..20].join(" ")
    );
    let mut paras = vec![lead, words[20..40].join(" "), words[40..].join(" ")];
    if v > 1 {
        paras.push(format!(
            "The update adds detail number {i} about {}.",
            words[5..15].join(" ")
        ));
    }
    paras.join("\n\n")
}

fn feed_xml(clock: &FeedClock) -> String {
    let released = clock.released();
    let mut items = String::new();
    for i in (0..released).rev() {
        // The update appears once 600 more stories have been released after the original.
        let updated = i % UPDATE_EVERY == 0
            && released >= (i + 600).min(STORIES)
            && clock.started.elapsed() > Duration::from_millis(1500);
        let versions: &[u32] = if updated { &[1, 2] } else { &[1] };
        for &v in versions {
            let title = if v == 1 {
                format!("Story {i:04} headline")
            } else {
                format!("UPDATE 1-Story {i:04} headline")
            };
            items.push_str(&format!(
                "<item><title>{title}</title><guid isPermaLink=\"false\">story-{i}</guid><link>http://wire.test/story/{i}</link><description><![CDATA[{}]]></description></item>\n",
                body(i, v).replace("\n\n", "<br/><br/>")
            ));
        }
    }
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>crash</title><link>http://wire.test/</link><description>d</description>\n{items}</channel></rss>")
}

/// A tiny xorshift generator: random kill points that the log can reproduce from the seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_story_version_exactly_once_through_ten_sigkills() {
    let clock = Arc::new(FeedClock {
        started: Instant::now(),
    });
    let app = axum::Router::new().route(
        "/feed.rss",
        axum::routing::get({
            let clock = clock.clone();
            move || {
                let clock = clock.clone();
                async move { ([("content-type", "application/rss+xml")], feed_xml(&clock)) }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let tmp = tempfile::tempdir().unwrap();
    let topic = unique("wire.test.crash");
    let config = format!(
        r#"
listen = "127.0.0.1:0"
state_dir = "state"
[[source]]
name = "crashfeed"
kind = "http"
url = "http://{http}/feed.rss"
interval = "200ms"
[sink]
kind = "kafka"
[sink.kafka]
brokers = "{brokers}"
topic = "{topic}"
dlq_topic = "{topic}.dlq"
transactional_id = "{topic}"
batch_linger = "50ms"
partitions = 3
"#,
        brokers = brokers()
    );
    let config_path = tmp.path().join("wirefeed.toml");
    std::fs::write(&config_path, config).unwrap();
    let args = ["run", "--config", config_path.to_str().unwrap()];

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("kill schedule seed: {seed}");
    let mut rng = Rng(seed);
    let mut kills = 0;
    for round in 0..10 {
        let log = tmp.path().join(format!("run-{round}.log"));
        let mut wf = Wirefeed::start(&args, &log);
        let alive_ms = 300 + rng.next() % 2200;
        tokio::time::sleep(Duration::from_millis(alive_ms)).await;
        if wf.child.try_wait().unwrap().is_some() {
            panic!(
                "wirefeed exited on its own in round {round}:\n{}",
                wf.log_text()
            );
        }
        let _ = wf.child.kill(); // SIGKILL
        let _ = wf.child.wait();
        kills += 1;
        println!("round {round}: SIGKILL after {alive_ms} ms");
    }

    // Let the feed finish releasing, then run to completion.
    while clock.started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let updates = (0..STORIES).filter(|i| i % UPDATE_EVERY == 0).count();
    let expected = STORIES + updates;
    let mut wf = Wirefeed::start(&args, &tmp.path().join("final.log"));
    let records = tokio::task::spawn_blocking({
        let topic = topic.clone();
        move || {
            consume(
                &topic,
                expected,
                Duration::from_secs(5),
                Duration::from_secs(180),
            )
        }
    })
    .await
    .unwrap();
    let (status, took) = wf.terminate();
    assert!(
        status.success(),
        "graceful stop failed: {status:?}\n{}",
        wf.log_text()
    );
    assert!(
        took < Duration::from_secs(10),
        "graceful stop took {took:?}"
    );

    // One more start after the graceful stop: it must find everything published.
    let mut again = Wirefeed::start(&args, &tmp.path().join("again.log"));
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (status, _) = again.terminate();
    assert!(status.success(), "{}", again.log_text());
    let after = tokio::task::spawn_blocking({
        let topic = topic.clone();
        move || {
            consume(
                &topic,
                expected,
                Duration::from_secs(3),
                Duration::from_secs(60),
            )
        }
    })
    .await
    .unwrap();

    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut by_story: BTreeMap<usize, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for r in &records {
        let version = r.value["version"].as_str().unwrap().to_string();
        *seen.entry((r.key.clone(), version.clone())).or_default() += 1;
        let headline = r.value["headlines"][0]["value"].as_str().unwrap();
        let n: usize = headline
            .trim_start_matches("Story ")
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let e = by_story.entry(n).or_default();
        e.0.insert(r.key.clone());
        e.1.insert(version);
    }
    let duplicates: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    let missing: Vec<usize> = (0..STORIES)
        .filter(|i| {
            let want: BTreeSet<String> = if i % UPDATE_EVERY == 0 {
                ["1", "2"].map(String::from).into()
            } else {
                ["1"].map(String::from).into()
            };
            by_story.get(i).map(|(_, v)| v != &want).unwrap_or(true)
        })
        .collect();
    println!(
        "crash test: {kills} SIGKILLs, expected {expected} records, consumed {} ({} distinct (uri, version)), {} duplicated, {} stories missing or wrong; after graceful stop + restart: {}",
        records.len(),
        seen.len(),
        duplicates.len(),
        missing.len(),
        after.len()
    );
    assert!(duplicates.is_empty(), "duplicates: {duplicates:?}");
    assert!(
        missing.is_empty(),
        "missing or wrong versions for stories {missing:?}"
    );
    assert!(
        by_story.values().all(|(keys, _)| keys.len() == 1),
        "a story's versions must share one uri"
    );
    assert_eq!(records.len(), expected);
    assert_eq!(
        after.len(),
        expected,
        "the restart after a graceful stop published again"
    );
}
