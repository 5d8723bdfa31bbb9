//! A broker outage mid-run: the broker is stopped for 60 s while a feed keeps releasing
//! stories. Nothing may be lost or duplicated, memory must stay bounded, `/readyz` must report
//! the outage and recover, and delivery must resume by itself. Stops and restarts the broker
//! that scripts/test started (via scripts/kafka), so it lives in its own test binary.

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

const STORIES: usize = 1500;
const OUTAGE: Duration = Duration::from_secs(60);
/// Resident memory the process may reach while buffering through the outage.
const RSS_LIMIT_BYTES: u64 = 256 * 1024 * 1024;

fn kafka(cmd: &str) {
    let status = Command::new(repo().join("scripts/kafka"))
        .arg(cmd)
        .status()
        .expect("scripts/kafka");
    assert!(status.success(), "scripts/kafka {cmd} failed");
}

fn rss_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
                    * 1024
            })
        })
        .unwrap_or(0)
}

fn feed(started: Instant) -> String {
    // 20 stories a second: the feed keeps growing through the outage.
    let released = ((started.elapsed().as_millis() / 50) as usize).min(STORIES);
    let mut items = String::new();
    for i in (0..released).rev() {
        items.push_str(&format!(
            "<item><title>Outage story {i:04}</title><guid>outage-{i}</guid><description>PARIS, May 2 (Reuters) - Item {i} of the outage test, number {i} in words {}.</description></item>\n",
            (0..30).map(|k| format!("t{}", (i * 7919 + k * 104729) % 1_000_003)).collect::<Vec<_>>().join(" ")
        ));
    }
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>o</title><link>http://o/</link><description>d</description>{items}</channel></rss>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_outage_loses_nothing_duplicates_nothing_and_recovers() {
    let started = Instant::now();
    let app = axum::Router::new().route(
        "/feed.rss",
        axum::routing::get(move || async move {
            ([("content-type", "application/rss+xml")], feed(started))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let tmp = tempfile::tempdir().unwrap();
    let topic = unique("wire.test.outage");
    let port = free_port();
    let config = format!(
        r#"
listen = "127.0.0.1:{port}"
state_dir = "state"
[pipeline]
channel_capacity = 64
backpressure_limit = "5s"
[[source]]
name = "outage"
kind = "http"
url = "http://{http}/feed.rss"
interval = "500ms"
[sink]
kind = "kafka"
[sink.kafka]
brokers = "{brokers}"
topic = "{topic}"
dlq_topic = "{topic}.dlq"
transactional_id = "{topic}"
batch_linger = "50ms"
"#,
        brokers = brokers()
    );
    let config_path = tmp.path().join("wirefeed.toml");
    std::fs::write(&config_path, config).unwrap();
    let mut wf = Wirefeed::start(
        &["run", "--config", config_path.to_str().unwrap()],
        &tmp.path().join("wirefeed.log"),
    );
    let pid = wf.child.id();
    let base = format!("http://127.0.0.1:{port}");
    assert!(
        wait_http_ok(&format!("{base}/readyz"), Duration::from_secs(30)).await,
        "{}",
        wf.log_text()
    );
    tokio::time::sleep(Duration::from_secs(8)).await;

    let before = tokio::task::spawn_blocking({
        let topic = topic.clone();
        move || consume(&topic, 1, Duration::from_secs(1), Duration::from_secs(20))
    })
    .await
    .unwrap();
    assert!(!before.is_empty(), "nothing delivered before the outage");

    println!("stopping the broker for {OUTAGE:?}");
    kafka("stop");
    let outage_started = Instant::now();
    let mut max_rss = 0;
    let mut not_ready_seen = false;
    let client = reqwest::Client::new();
    while outage_started.elapsed() < OUTAGE {
        max_rss = max_rss.max(rss_bytes(pid));
        if let Ok(r) = client
            .get(format!("{base}/readyz"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
        {
            if r.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE {
                not_ready_seen = true;
            }
        }
        assert!(
            wf.child.try_wait().unwrap().is_none(),
            "wirefeed died during the outage:\n{}",
            wf.log_text()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    kafka("start");
    let back = Instant::now();
    println!(
        "broker back; max RSS during outage {} MiB; /readyz reported not ready: {not_ready_seen}",
        max_rss / (1024 * 1024)
    );

    // Delivery must resume by itself and /readyz recover.
    let mut ready_again = None;
    while back.elapsed() < Duration::from_secs(90) {
        max_rss = max_rss.max(rss_bytes(pid));
        if let Ok(r) = client
            .get(format!("{base}/readyz"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
        {
            if r.status().is_success() {
                ready_again = Some(back.elapsed());
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let records = tokio::task::spawn_blocking({
        let topic = topic.clone();
        move || {
            consume(
                &topic,
                STORIES,
                Duration::from_secs(5),
                Duration::from_secs(180),
            )
        }
    })
    .await
    .unwrap();
    let (status, _) = wf.terminate();

    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for r in &records {
        *seen
            .entry(
                r.value["headlines"][0]["value"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
            .or_default() += 1;
    }
    let duplicates = seen.values().filter(|n| **n > 1).count();
    println!(
        "outage test: {} records for {STORIES} stories, {} distinct, {duplicates} duplicated; ready again {:?} after the broker returned; max RSS {} MiB",
        records.len(),
        seen.len(),
        ready_again,
        max_rss / (1024 * 1024)
    );
    assert!(status.success(), "{}", wf.log_text());
    assert!(not_ready_seen, "/readyz never reported the outage");
    assert!(
        ready_again.is_some(),
        "/readyz did not recover within 90 s:\n{}",
        wf.log_text()
    );
    assert_eq!(duplicates, 0);
    assert_eq!(seen.len(), STORIES, "stories lost");
    assert_eq!(records.len(), STORIES);
    assert!(
        max_rss < RSS_LIMIT_BYTES,
        "resident memory {max_rss} over {RSS_LIMIT_BYTES}"
    );
}
