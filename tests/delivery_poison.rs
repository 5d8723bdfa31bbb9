//! Poison input: malformed documents and a record the broker refuses go to the dead-letter
//! topic with their reason in headers, the good stories around them are still delivered, and
//! the refused story is forgotten by the window (its trimmed re-send is a first version).

mod common;

use std::time::Duration;

use common::*;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;

fn story(headline: &str, words: usize, seed: u64) -> String {
    let mut x = seed | 1;
    let body: Vec<String> = (0..words)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("q{:x}", x % 0xFFFFFF)
        })
        .collect();
    format!(
        "{headline}\n\nOSLO, Jan 9 (Reuters) - {}.\n",
        body.join(" ")
    )
}

/// A topic that refuses records over 20 kB, as a cluster with a tight limit would.
async fn create_tight_topic(topic: &str) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .create()
        .unwrap();
    let t = NewTopic::new(topic, 1, TopicReplication::Fixed(1)).set("max.message.bytes", "20000");
    let res = admin
        .create_topics(&[t], &AdminOptions::new())
        .await
        .unwrap();
    assert!(res[0].is_ok(), "{res:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_goes_to_the_dead_letter_topic_and_the_pipeline_keeps_going() {
    poison(true).await;
}

/// The same with the at-least-once producer, whose refusals arrive as delivery reports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_at_least_once() {
    poison(false).await;
}

async fn poison(exactly_once: bool) {
    let topic = unique("wire.test.poison");
    let dlq = format!("{topic}.dlq");
    // The main topic refuses records over 20 kB, as a cluster with a tight limit would.
    create_tight_topic(&topic).await;

    let tmp = tempfile::tempdir().unwrap();
    let drop_dir = tmp.path().join("drop");
    std::fs::create_dir(&drop_dir).unwrap();
    std::fs::write(drop_dir.join("01_good.txt"), story("Good story one", 80, 1)).unwrap();
    std::fs::write(
        drop_dir.join("02_truncated.xml"),
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item><title>cut",
    )
    .unwrap();
    std::fs::write(drop_dir.join("03_empty.txt"), "\n \n").unwrap();
    // ~70 kB of incompressible text: fine for the normalizer, too large for the topic.
    std::fs::write(drop_dir.join("04_huge.txt"), story("Huge story", 8000, 4)).unwrap();
    std::fs::write(drop_dir.join("05_good.txt"), story("Good story two", 80, 5)).unwrap();

    let config = format!(
        r#"
listen = "127.0.0.1:0"
[[source]]
name = "poison"
kind = "dir"
path = "{drop}"
[sink]
kind = "kafka"
[sink.kafka]
brokers = "{brokers}"
topic = "{topic}"
dlq_topic = "{dlq}"
transactional_id = "{topic}"
exactly_once = {exactly_once}
compression = "none"
"#,
        drop = drop_dir.display(),
        brokers = brokers()
    );
    let config_path = tmp.path().join("wirefeed.toml");
    std::fs::write(&config_path, config).unwrap();
    let mut wf = Wirefeed::start(
        &["run", "--config", config_path.to_str().unwrap()],
        &tmp.path().join("wirefeed.log"),
    );

    let good = tokio::task::spawn_blocking({
        let topic = topic.clone();
        move || consume(&topic, 2, Duration::from_secs(3), Duration::from_secs(60))
    })
    .await
    .unwrap();
    let dead = tokio::task::spawn_blocking(move || {
        consume(&dlq, 3, Duration::from_secs(3), Duration::from_secs(60))
    })
    .await
    .unwrap();
    // The publisher trims the refused story and sends it again under the same headline: it
    // is the first version anyone receives, not version 2 of the refused one.
    // Written beside the folder and renamed in, so a scan never reads it half-written.
    let staged = tmp.path().join("06_huge_trimmed.txt");
    std::fs::write(&staged, story("Huge story", 80, 6)).unwrap();
    std::fs::rename(&staged, drop_dir.join("06_huge_trimmed.txt")).unwrap();
    let all = tokio::task::spawn_blocking({
        let topic = topic.clone();
        move || consume(&topic, 3, Duration::from_secs(3), Duration::from_secs(60))
    })
    .await
    .unwrap();
    let (status, _) = wf.terminate();
    assert!(status.success(), "{}", wf.log_text());

    let headlines: Vec<&str> = good
        .iter()
        .map(|r| r.value["headlines"][0]["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        headlines,
        ["Good story one", "Good story two"],
        "{}",
        wf.log_text()
    );

    let find = |stage: &str, class: &str| {
        dead.iter().find(|r| {
            r.header("error-stage") == Some(stage) && r.header("error-class") == Some(class)
        })
    };
    let truncated =
        find("fetch", "parse").unwrap_or_else(|| panic!("no parse dead letter: {dead:#?}"));
    assert!(
        truncated.raw.starts_with(b"<?xml"),
        "the raw document is the value"
    );
    assert!(truncated
        .header("error-message")
        .unwrap()
        .contains("02_truncated.xml"));
    assert!(find("fetch", "empty").is_some(), "{dead:#?}");
    let huge =
        find("sink", "rejected").unwrap_or_else(|| panic!("no rejected dead letter: {dead:#?}"));
    assert!(
        huge.header("error-message")
            .unwrap()
            .to_lowercase()
            .contains("too large"),
        "{:?}",
        huge.header("error-message")
    );
    let record: serde_json::Value =
        serde_json::from_slice(&huge.raw).expect("the refused ninjs record is the value");
    assert_eq!(record["headlines"][0]["value"], "Huge story");
    for r in &dead {
        assert_eq!(r.header("source"), Some("poison"));
        assert!(r.header("failed-at").is_some());
    }
    assert_eq!(dead.len(), 3, "{dead:#?}");

    let trimmed: Vec<_> = all
        .iter()
        .filter(|r| r.value["headlines"][0]["value"] == "Huge story")
        .collect();
    assert_eq!(trimmed.len(), 1, "{}", wf.log_text());
    assert_eq!(trimmed[0].value["version"], "1", "{:#?}", trimmed[0].value);
    assert!(
        wf.log_text()
            .contains("refused story forgotten by the window"),
        "{}",
        wf.log_text()
    );
}

/// `ingest --decisions` names a story the broker refused: its `emitted` line is followed by a
/// `rejected` one from the sink with the broker's reason, so an audit of a backfill does not
/// count it as published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_decisions_name_a_story_the_broker_refused() {
    let topic = unique("wire.test.refused");
    create_tight_topic(&topic).await;

    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("backfill");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("01_good.txt"), story("Good story", 80, 1)).unwrap();
    std::fs::write(input.join("02_huge.txt"), story("Huge story", 8000, 4)).unwrap();
    let config_path = tmp.path().join("wirefeed.toml");
    std::fs::write(
        &config_path,
        format!(
            "[sink]\nkind = \"kafka\"\n[sink.kafka]\nbrokers = \"{}\"\ntopic = \"{topic}\"\n\
             dlq_topic = \"{topic}.dlq\"\ntransactional_id = \"{topic}\"\ncompression = \"none\"\n",
            brokers()
        ),
    )
    .unwrap();
    let decisions = tmp.path().join("decisions.jsonl");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["ingest", input.to_str().unwrap(), "--config"])
        .arg(&config_path)
        .arg("--decisions")
        .arg(&decisions)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{log}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&decisions)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let about = |headline: &str| -> Vec<(String, Option<String>)> {
        lines
            .iter()
            .filter(|l| l["item"] == headline)
            .map(|l| {
                (
                    l["decision"].as_str().unwrap().to_string(),
                    l["stage"].as_str().map(String::from),
                )
            })
            .collect()
    };
    assert_eq!(
        about("Good story"),
        [("emitted".to_string(), None)],
        "{lines:#?}"
    );
    assert_eq!(
        about("Huge story"),
        [
            ("emitted".to_string(), None),
            ("rejected".to_string(), Some("sink".to_string()))
        ],
        "{lines:#?}"
    );
    let refused = lines.iter().find(|l| l["decision"] == "rejected").unwrap();
    assert!(
        refused["reason"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("too large"),
        "{refused}"
    );
    assert_eq!(refused["version"], 1);
    assert!(refused["input"].as_str().unwrap().ends_with("02_huge.txt"));
}
