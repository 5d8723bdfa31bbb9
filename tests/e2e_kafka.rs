//! The whole pipeline against the real broker: HTTP feeds served on 127.0.0.1 and a watched
//! directory in, records consumed back from Kafka with a real consumer.

mod common;

use std::time::Duration;

use common::*;

fn sample(path: &str) -> Vec<u8> {
    std::fs::read(repo().join("config/samples").join(path)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stories_from_http_feeds_and_a_watched_dir_reach_kafka_once_and_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let drop_dir = tmp.path().join("drop");
    std::fs::create_dir(&drop_dir).unwrap();
    for f in [
        "001_missile_defense.txt",
        "002_missile_defense_update.txt",
        "003_missile_defense_repost.txt",
        "004_energy.txt",
    ] {
        std::fs::write(drop_dir.join(f), sample(&format!("wire/{f}"))).unwrap();
    }
    // A poison file: must be dead-lettered, and must not stop anything else.
    std::fs::write(
        drop_dir.join("005_broken.xml"),
        b"<rss version=\"2.0\"><channel><item><title>cut off",
    )
    .unwrap();

    let http = serve_files(vec![
        (
            "/world.rss",
            "application/rss+xml",
            sample("feeds/world.rss"),
        ),
        (
            "/defense.atom",
            "application/atom+xml",
            sample("feeds/defense.atom"),
        ),
    ])
    .await;

    let topic = unique("wire.test.stories");
    let dlq = format!("{topic}.dlq");
    let port = free_port();
    let config = format!(
        r#"
listen = "127.0.0.1:{port}"
state_dir = "state"
[[source]]
name = "world"
kind = "http"
url = "http://{http}/world.rss"
interval = "1s"
[[source]]
name = "defense"
kind = "http"
url = "http://{http}/defense.atom"
interval = "1s"
[[source]]
name = "drop"
kind = "dir"
path = "drop"
interval = "500ms"
[sink]
kind = "kafka"
[sink.kafka]
brokers = "{brokers}"
topic = "{topic}"
dlq_topic = "{dlq}"
transactional_id = "{topic}"
partitions = 2
[[sink.kafka.route]]
topic = "{topic}.defense"
tags = ["missile-defense"]
"#,
        brokers = brokers()
    );
    let config_path = tmp.path().join("wirefeed.toml");
    std::fs::write(&config_path, config).unwrap();
    let mut wf = Wirefeed::start(
        &["run", "--config", config_path.to_str().unwrap()],
        &tmp.path().join("wirefeed.log"),
    );

    let base = format!("http://127.0.0.1:{port}");
    assert!(
        wait_http_ok(&format!("{base}/healthz"), Duration::from_secs(30)).await,
        "{}",
        wf.log_text()
    );

    // 3 wire stories (the re-post is dropped) + 3 RSS items + 2 Atom entries. Several polls
    // happen while we wait, so repeated polling must not add records either.
    let records = tokio::task::spawn_blocking({
        let topic = topic.clone();
        move || consume(&topic, 8, Duration::from_secs(4), Duration::from_secs(90))
    })
    .await
    .unwrap();
    let log = wf.log_text();
    assert_eq!(
        records.len(),
        8,
        "records: {:#?}\nlog:\n{log}",
        records
            .iter()
            .map(|r| &r.value["headlines"][0]["value"])
            .collect::<Vec<_>>()
    );

    let v = validator();
    for r in &records {
        assert_valid_ninjs(&v, &r.value);
        assert_eq!(
            r.key,
            r.value["uri"].as_str().unwrap(),
            "key must be the story uri"
        );
        assert_eq!(r.header("content-type"), Some("application/ninjs+json"));
        assert_eq!(r.header("ninjs-version"), Some("2.2"));
        assert_eq!(r.header("story-version"), r.value["version"].as_str());
        assert!(["world", "defense", "drop"].contains(&r.header("source").unwrap()));
    }

    let headline = "NATO allies weigh new interceptor sites as Poland radar nears service";
    let missile: Vec<_> = records
        .iter()
        .filter(|r| r.value["headlines"][0]["value"] == headline)
        .collect();
    // The original and its UPDATE 1: one story uri, versions 1 and 2; the re-post adds nothing.
    assert_eq!(missile.len(), 2, "{missile:#?}");
    assert_eq!(missile[0].key, missile[1].key);
    let mut versions: Vec<_> = missile
        .iter()
        .map(|r| r.value["version"].as_str().unwrap().to_string())
        .collect();
    versions.sort();
    assert_eq!(versions, ["1", "2"]);
    let first = missile.iter().find(|r| r.value["version"] == "1").unwrap();
    let rec = &first.value;
    assert!(!rec["headlines"][0]["value"]
        .as_str()
        .unwrap()
        .contains("You're reading"));
    assert_eq!(rec["located"], "Brussels");
    let by = rec["by"].as_str().unwrap();
    assert!(
        by.contains("Reporting by Marta Lindqvist") && by.contains("Editing by David Orme"),
        "{by}"
    );
    let body = rec["bodies"][0]["value"].as_str().unwrap();
    assert!(
        body.starts_with(
            "BRUSSELS, Oct 14 (Reuters) - NATO defence ministers on Tuesday discussed"
        ),
        "{body}"
    );
    assert!(
        !body.contains("Reporting by"),
        "credits must leave the body"
    );
    let paragraphs: Vec<&str> = body.split("\n\n").collect();
    assert!(
        paragraphs.iter().all(|p| !p.contains('\n')),
        "hard wraps must be joined: {paragraphs:#?}"
    );
    let subjects = rec["subjects"].as_array().unwrap();
    let has = |field: &str, value: &str| subjects.iter().any(|s| s[field] == value);
    assert!(has("literal", "missile-defense"), "{subjects:#?}");
    assert!(has(
        "uri",
        "http://cv.iptc.org/newscodes/mediatopic/20000602"
    ));
    assert!(has(
        "uri",
        "http://cv.iptc.org/newscodes/mediatopic/20000598"
    ));
    let people = rec["people"].as_array().unwrap();
    assert!(
        people
            .iter()
            .any(|p| p["name"] == "Marta Lindqvist" && p["rel"] == "reporter"),
        "{people:#?}"
    );
    assert!(people
        .iter()
        .any(|p| p["name"] == "David Orme" && p["rel"] == "editor"));

    // Routing: exactly the missile-defense stories also went to the defense topic.
    let tagged: std::collections::BTreeSet<(String, String)> = records
        .iter()
        .filter(|r| {
            r.value["subjects"]
                .as_array()
                .is_some_and(|a| a.iter().any(|s| s["literal"] == "missile-defense"))
        })
        .map(|r| {
            (
                r.key.clone(),
                r.value["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(tagged.len() >= 2, "{tagged:?}");
    let routed = tokio::task::spawn_blocking({
        let t = format!("{topic}.defense");
        let n = tagged.len();
        move || consume(&t, n, Duration::from_secs(2), Duration::from_secs(30))
    })
    .await
    .unwrap();
    let routed: std::collections::BTreeSet<(String, String)> = routed
        .iter()
        .map(|r| {
            (
                r.key.clone(),
                r.value["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(routed, tagged);

    // The poison file went to the dead-letter topic with its reason in headers.
    let dead = tokio::task::spawn_blocking(move || {
        consume(&dlq, 1, Duration::from_secs(1), Duration::from_secs(30))
    })
    .await
    .unwrap();
    assert_eq!(dead.len(), 1, "{dead:#?}");
    assert_eq!(dead[0].header("error-stage"), Some("fetch"));
    assert_eq!(dead[0].header("error-class"), Some("parse"));
    assert_eq!(dead[0].header("source"), Some("drop"));
    assert!(
        dead[0].raw.starts_with(b"<rss"),
        "the raw document is the value"
    );

    // Metrics agree with what was consumed.
    let text = get_text(&format!("{base}/metrics")).await;
    assert_eq!(
        metric(
            &text,
            "wirefeed_sink_records_total{outcome=\"acked\",output=\"stories\"}"
        ),
        Some(8.0),
        "{text}"
    );
    assert_eq!(
        metric(
            &text,
            "wirefeed_sink_records_total{outcome=\"acked\",output=\"dead_letter\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        metric(
            &text,
            "wirefeed_normalize_stories_total{outcome=\"duplicate\",source=\"drop\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric(&text, "wirefeed_stories_published_total{source=\"world\"}"),
        Some(3.0)
    );
    assert_eq!(
        metric(
            &text,
            "wirefeed_stories_published_total{source=\"defense\"}"
        ),
        Some(2.0)
    );
    assert_eq!(
        metric(&text, "wirefeed_stories_published_total{source=\"drop\"}"),
        Some(3.0)
    );
    assert!(
        metric(
            &text,
            "wirefeed_enrich_tags_total{topic=\"missile-defense\"}"
        )
        .unwrap()
            >= 2.0
    );
    assert!(
        metric(
            &text,
            "wirefeed_fetch_requests_total{outcome=\"not_modified\",source=\"world\"}"
        )
        .unwrap()
            >= 1.0,
        "conditional GET must yield 304s: {text}"
    );
    assert!(
        metric(
            &text,
            "wirefeed_sink_transactions_total{outcome=\"committed\"}"
        )
        .unwrap()
            >= 1.0,
        "{text}"
    );
    let routed_series = format!("wirefeed_sink_routed_records_total{{topic=\"{topic}.defense\"}}");
    assert_eq!(
        metric(&text, &routed_series),
        Some(tagged.len() as f64),
        "{text}"
    );
    assert_eq!(get_text(&format!("{base}/readyz")).await.trim(), "ready");

    // Graceful shutdown: exit 0 well within 10 s.
    let (status, took) = wf.terminate();
    assert!(status.success(), "{status:?}\n{}", wf.log_text());
    assert!(took < Duration::from_secs(10), "{took:?}");
}
