//! The sink stage: the only crate that knows Kafka.
//!
//! [`Sink::run`] consumes the final [`Flow`]s of the pipeline and writes each story as an IPTC
//! ninjs 2.2 record, and each dead letter to the dead-letter output, to one of two backends:
//! - [`KafkaSink`]: an idempotent producer (`acks=all`), key = story uri, headers naming the
//!   content type, ninjs version, story version and source;
//! - [`FileSink`]: JSON Lines on local disk — the embedded default that needs no broker.
//!
//! Contract: `on_ack` is called for a story only after its record is durable (broker
//! acknowledgement, or written and fsync'd), so state that depends on delivery (the dedup
//! store) never runs ahead of it. A record the backend rejects permanently is dead-lettered,
//! never dropped.

mod file;
mod kafka;
pub mod tail;

use std::sync::Arc;

use tokio::sync::mpsc::Receiver;
use wirefeed_model::{Flow, Story};
use wirefeed_telemetry::Metrics;

pub use file::FileSink;
pub use kafka::{KafkaConfig, KafkaSink};

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("Kafka: {0}")]
    Kafka(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Where records go.
pub enum Sink {
    Kafka(KafkaSink),
    File(FileSink),
}

impl Sink {
    /// Writes every flow from `rx` until the channel closes, then flushes.
    pub async fn run<F>(
        self,
        rx: Receiver<Flow<Story>>,
        metrics: Arc<Metrics>,
        on_ack: F,
    ) -> Result<(), SinkError>
    where
        F: FnMut(&Story) + Send,
    {
        match self {
            Sink::Kafka(k) => k.run(rx, metrics, on_ack).await,
            Sink::File(f) => f.run(rx, metrics, on_ack).await,
        }
    }

    /// A short description for the startup log line.
    pub fn describe(&self) -> String {
        match self {
            Sink::Kafka(k) => k.describe(),
            Sink::File(f) => f.describe(),
        }
    }
}

/// Serializes a story's ninjs record once; the bytes are what both backends write.
pub fn encode_story(story: &Story) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&story.to_ninjs())
}

/// Counts an acknowledged story in every metric that tracks delivery.
fn record_ack(metrics: &Metrics, story: &Story) {
    metrics
        .sink_records
        .with_label_values(&["stories", "acked"])
        .inc();
    metrics
        .stories_published
        .with_label_values(&[&story.source])
        .inc();
    let latency = (chrono::Utc::now() - story.fetched_at)
        .to_std()
        .unwrap_or_default();
    metrics.delivery_latency.observe(latency.as_secs_f64());
}
