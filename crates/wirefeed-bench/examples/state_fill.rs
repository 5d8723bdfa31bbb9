//! Fills a state topic with `Published` entries of a given age, to measure what a restart
//! costs when the state topic holds more than the story window (the restore-memory figures in
//! BENCHMARKS.md came from this). Not part of `scripts/bench`: it is a one-off experiment.
//!
//! `cargo run --release -p wirefeed-bench --example state_fill -- TOPIC OLD RECENT`
//! creates TOPIC compact-only (as wirefeed created state topics before they had a retention)
//! and writes OLD entries committed 8 to 60 days ago, then RECENT entries of the last day.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, topic, old, recent] = args.as_slice() else {
        anyhow::bail!("usage: state_fill TOPIC OLD RECENT");
    };
    let (old, recent): (u64, u64) = (old.parse()?, recent.parse()?);
    let brokers =
        std::env::var("WIREFEED_TEST_BROKERS").unwrap_or_else(|_| "127.0.0.1:9092".into());
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()?;
    let topic_spec =
        NewTopic::new(topic, 1, TopicReplication::Fixed(1)).set("cleanup.policy", "compact");
    for r in admin
        .create_topics(&[topic_spec], &AdminOptions::new())
        .await?
    {
        r.map_err(|(t, e)| anyhow::anyhow!("cannot create {t}: {e}"))?;
    }
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("linger.ms", "20")
        .set("compression.type", "zstd")
        .set("queue.buffering.max.messages", "1000000")
        .create()?;
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let day = 24 * 3600 * 1000i64;
    for i in 0..old + recent {
        let at = if i < old {
            now_ms - 60 * day + (i as i64 * 52 * day) / old.max(1) as i64
        } else {
            now_ms - day + ((i - old) as i64 * day) / recent.max(1) as i64
        };
        // A distinct fingerprint per entry (splitmix64 of the index).
        let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        let fp = z ^ (z >> 31);
        let key = format!("{fp:016x}");
        let value = serde_json::json!({
            "uri": format!("urn:wirefeed:story:{fp:016x}"),
            "version": 1,
            "fingerprint": key,
            "source": "wire",
            "guid": format!("tag:example.com,2026:story-{i}"),
            "link": format!("https://example.com/news/2026/11/story-{i}.html"),
            "headline": format!("Central bank holds rates as inflation eases in month {i}"),
        })
        .to_string();
        let mut record = BaseRecord::to(topic)
            .key(&key)
            .payload(&value)
            .timestamp(at);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                    record = r;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((e, _)) => return Err(e.into()),
            }
        }
    }
    producer.flush(Duration::from_secs(120))?;
    eprintln!("state_fill: {old} old + {recent} recent entries in {topic}");
    Ok(())
}
