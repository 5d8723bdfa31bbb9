//! The compacted state topic stays bounded by the story window: a topic wirefeed creates
//! deletes entries older than the window, and a restart restores only entries committed inside
//! it, each as old as its commit (the Kafka record's timestamp). Real broker, real binary.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>http://example.com/</link>
<item><guid>old-story</guid><title>Port workers end strike after pay deal</title>
<description>Dock workers at the country's largest port ended a two-week strike on Tuesday
after unions and employers agreed a pay rise of six percent over two years. Shipping lines
said it would take several days to clear the backlog of containers. The strike had delayed
exports of grain and coffee and raised freight costs across the region.</description></item>
<item><guid>recent-story</guid><title>Central bank holds rates as inflation eases</title>
<description>The central bank kept its benchmark interest rate unchanged on Wednesday, saying
inflation had eased for a third month but remained above its target. Policymakers voted seven
to two to hold, with two members favouring a cut. The governor said further easing would
depend on wage growth and energy prices in the coming months.</description></item>
</channel></rss>"#;

fn config(http: std::net::SocketAddr, topic: &str, state_topic: &str) -> String {
    format!(
        r#"
listen = "127.0.0.1:0"
state_dir = "state"
[[source]]
name = "wire"
kind = "http"
url = "http://{http}/feed.rss"
[normalize]
window = "2d"
[sink]
kind = "kafka"
[sink.kafka]
brokers = "{brokers}"
topic = "{topic}"
dlq_topic = "{topic}.dlq"
state_topic = "{state_topic}"
transactional_id = "{topic}"
partitions = 1
"#,
        brokers = brokers()
    )
}

fn admin() -> AdminClient<DefaultClientContext> {
    ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .create()
        .unwrap()
}

async fn topic_config(topic: &str, key: &str) -> Option<String> {
    let results = admin()
        .describe_configs(&[ResourceSpecifier::Topic(topic)], &AdminOptions::new())
        .await
        .unwrap();
    let resource = results.into_iter().next().unwrap().unwrap();
    resource.get(key).and_then(|e| e.value.clone())
}

/// Runs `wirefeed run --once` in a fresh directory (no local story window) and returns its log.
fn run_once(config: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("wirefeed.toml");
    std::fs::write(&path, config).unwrap();
    let log = tmp.path().join("run.log");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_wirefeed"))
        .args(["run", "--once", "--config", path.to_str().unwrap()])
        .current_dir(tmp.path())
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .status()
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "wirefeed failed: {text}");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_topic_is_bounded_by_the_window_and_restores_only_what_is_inside_it() {
    let http = serve_files(vec![(
        "/feed.rss",
        "application/rss+xml",
        FEED.as_bytes().to_vec(),
    )])
    .await;

    // 1. A first run publishes both stories and creates its state topic with a retention of
    //    the window (2 days), on top of compaction.
    let first = unique("wire.test.statetopic");
    let first_state = format!("{first}.state");
    run_once(&config(http, &first, &first_state));
    assert_eq!(
        topic_config(&first_state, "cleanup.policy")
            .await
            .as_deref(),
        Some("compact,delete")
    );
    assert_eq!(
        topic_config(&first_state, "retention.ms").await.as_deref(),
        Some("172800000")
    );
    let entries = tokio::task::spawn_blocking({
        let t = first_state.clone();
        move || consume(&t, 2, Duration::from_secs(1), Duration::from_secs(60))
    })
    .await
    .unwrap();
    assert_eq!(entries.len(), 2, "one state entry per published story");

    // 2. The same entries in an operator's compact-only state topic, one committed three days
    //    ago (before the window), one an hour ago.
    let second = unique("wire.test.statetopic2");
    let second_state = format!("{second}.state");
    let compact = NewTopic::new(&second_state, 1, TopicReplication::Fixed(1))
        .set("cleanup.policy", "compact");
    for r in admin()
        .create_topics(&[compact], &AdminOptions::new())
        .await
        .unwrap()
    {
        r.unwrap();
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .create()
        .unwrap();
    for e in &entries {
        let guid = e.value["guid"].as_str().unwrap();
        let age_ms = if guid == "old-story" {
            3 * 24 * 3600 * 1000
        } else {
            3600 * 1000
        };
        producer
            .send(
                BaseRecord::to(&second_state)
                    .key(&e.key)
                    .payload(&e.raw)
                    .timestamp(now_ms - age_ms),
            )
            .map_err(|(e, _)| e)
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();

    // 3. A restart without its local window reads that topic: the recent entry is restored
    //    (the story is a duplicate again), the old one is not (the story is new again).
    let log = run_once(&config(http, &second, &second_state));
    assert!(
        log.contains("the state topic never deletes old entries"),
        "no warning about the compact-only state topic:\n{log}"
    );
    assert!(
        log.contains("older_than_window=1") && log.contains("missing_locally=1"),
        "restore did not sort the entries by age:\n{log}"
    );
    let published = tokio::task::spawn_blocking({
        let t = second.clone();
        move || consume(&t, 1, Duration::from_secs(2), Duration::from_secs(60))
    })
    .await
    .unwrap();
    let headlines: Vec<&str> = published
        .iter()
        .map(|r| r.value["headlines"][0]["value"].as_str().unwrap())
        .collect();
    assert_eq!(headlines, ["Port workers end strike after pay deal"]);

    // 4. The first state topic after its retention was cut below the window (by hand, or by
    //    a window made longer since it was created): wirefeed says so, and leaves it alone.
    let alter =
        rdkafka::admin::AlterConfig::new(rdkafka::admin::ResourceSpecifier::Topic(&first_state))
            .set("retention.ms", "3600000");
    for r in admin()
        .alter_configs(&[alter], &AdminOptions::new())
        .await
        .unwrap()
    {
        r.unwrap();
    }
    let log = run_once(&config(http, &first, &first_state));
    assert!(
        log.contains("before they leave the story window")
            && log.contains("retention.ms=172800000"),
        "no warning about a retention shorter than the window:\n{log}"
    );
    assert_eq!(
        topic_config(&first_state, "retention.ms").await.as_deref(),
        Some("3600000")
    );
}
