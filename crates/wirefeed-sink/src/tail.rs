//! Reading the output topics back, for `wirefeed tail`: the consumer lives here because this
//! is the only crate that knows Kafka; formatting belongs to the binary.
//!
//! The consumer joins a fresh, throwaway group and never commits offsets, so tailing leaves no
//! trace on the cluster and never steals partitions from real consumers.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Headers, Message};

use crate::SinkError;

/// What to follow.
#[derive(Debug, Clone)]
pub struct TailConfig {
    /// Bootstrap servers, `host:port[,…]`.
    pub brokers: String,
    /// Topics to follow (the story topic, and the dead-letter topic if wanted).
    pub topics: Vec<String>,
    /// Start at the oldest retained record instead of only new ones.
    pub from_beginning: bool,
    /// Extra librdkafka properties (security), applied last.
    pub properties: BTreeMap<String, String>,
}

/// One record as read from the broker.
#[derive(Debug, Clone)]
pub struct TailRecord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    /// Milliseconds since the epoch, when the broker provides it.
    pub timestamp_ms: Option<i64>,
    pub key: Option<String>,
    pub headers: Vec<(String, String)>,
    pub value: Vec<u8>,
}

impl TailRecord {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Follows `config.topics`, calling `on_record` for each record until it returns
/// [`ControlFlow::Break`]. Broker trouble is retried by librdkafka; only a consumer that
/// cannot be created or subscribed is an error.
pub async fn tail(
    config: &TailConfig,
    mut on_record: impl FnMut(TailRecord) -> ControlFlow<()>,
) -> Result<(), SinkError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut cc = ClientConfig::new();
    cc.set("bootstrap.servers", &config.brokers)
        .set(
            "group.id",
            format!("wirefeed-tail-{}-{nanos}", std::process::id()),
        )
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set(
            "auto.offset.reset",
            if config.from_beginning {
                "earliest"
            } else {
                "latest"
            },
        )
        .set("client.id", "wirefeed-tail");
    for (k, v) in &config.properties {
        cc.set(k, v);
    }
    let consumer: StreamConsumer = cc.create().map_err(|e| SinkError::Kafka(e.to_string()))?;
    let topics: Vec<&str> = config.topics.iter().map(String::as_str).collect();
    consumer
        .subscribe(&topics)
        .map_err(|e| SinkError::Kafka(e.to_string()))?;
    loop {
        let m = match consumer.recv().await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "tail: consumer error; retrying");
                continue;
            }
        };
        let headers = m
            .headers()
            .map(|h| {
                h.iter()
                    .map(|h| {
                        (
                            h.key.to_string(),
                            String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let record = TailRecord {
            topic: m.topic().to_string(),
            partition: m.partition(),
            offset: m.offset(),
            timestamp_ms: m.timestamp().to_millis(),
            key: m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
            headers,
            value: m.payload().unwrap_or_default().to_vec(),
        };
        if on_record(record).is_break() {
            return Ok(());
        }
    }
}
