//! The sink stage: the only crate that knows Kafka.
//!
//! [`Sink::run`] consumes the final [`Flow`]s of the pipeline and writes each story as an IPTC
//! ninjs 2.2 record, and each dead letter to the dead-letter output, to one of two backends:
//! - [`KafkaSink`]: an idempotent producer (`acks=all`), key = story uri, headers naming the
//!   content type, ninjs version, story version and source;
//! - [`FileSink`]: JSON Lines on local disk — the embedded default that needs no broker.
//!
//! Contract: `on_done` is called once for every story: with [`Delivery::Published`] only after
//! its record is durable (broker acknowledgement, or written and fsync'd), so state that
//! depends on delivery (the dedup store) never runs ahead of it; with
//! [`Delivery::DeadLettered`] when the backend refused it for good and it went to the
//! dead-letter output instead (never dropped), so that state can forget it.

mod file;
mod kafka;
mod stats;
pub mod tail;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::Receiver;
use tokio::task::JoinHandle;
use wirefeed_model::{Flow, Published, Story};
use wirefeed_telemetry::{Health, Metrics};

pub use file::FileSink;
pub use kafka::{KafkaConfig, KafkaSink, Route};

/// Largest dead-letter value we send: the offending input is evidence, not data to
/// reproduce byte for byte, and an oversized item must not be rejected a second time.
pub const MAX_DEAD_LETTER_PAYLOAD: usize = 256 * 1024;

/// Entries in flight between the restore reader and the window it fills.
const RESTORE_CHANNEL: usize = 1024;

/// One story version the sink committed, as [`Sink::restore`] reads it back.
#[derive(Debug, Clone)]
pub struct Committed {
    pub entry: Published,
    /// When it was committed: the Kafka record's timestamp, or for the file sink the
    /// file's last modification (every line was written by then). `None` when the sink
    /// cannot tell, and the reader then takes it as recent.
    pub at: Option<DateTime<Utc>>,
}

/// What became of a story given to [`Sink::run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery<'a> {
    /// Durable: acknowledged by the broker, or written and fsync'd.
    Published,
    /// Refused for good (too large for the topic, not serializable): dead-lettered instead,
    /// for this reason.
    DeadLettered { reason: &'a str },
}

/// What a restore read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestoreStats {
    /// Entries passed on.
    pub entries: u64,
    /// Records that are not entries (foreign writes, tombstones); logged and skipped.
    pub unreadable: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("Kafka: {0}")]
    Kafka(String),
    /// The transactional producer cannot continue; `fenced` when another instance with the
    /// same transactional id took over.
    #[error("Kafka (fatal{}): {message}", if *fenced { ", fenced by another instance" } else { "" })]
    Fatal { fenced: bool, message: String },
    /// The reader of [`Sink::restore`] stopped taking entries (it failed first).
    #[error("restore abandoned by its reader")]
    RestoreAbandoned,
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Where records go.
pub enum Sink {
    Kafka(Box<KafkaSink>),
    File(FileSink),
}

impl Sink {
    /// Everything this sink has durably published before, for rebuilding delivery-dependent
    /// state at startup (Kafka: the state topic, read_committed; file: the output file).
    /// Streamed one entry at a time through a small channel: a state topic can hold far
    /// more than the story window, and holding it whole at startup once cost more memory than
    /// the window itself. The task's result says whether everything was read.
    pub fn restore(
        &self,
    ) -> (
        Receiver<Committed>,
        JoinHandle<Result<RestoreStats, SinkError>>,
    ) {
        let (tx, rx) = tokio::sync::mpsc::channel(RESTORE_CHANNEL);
        let task = match self {
            Sink::Kafka(k) => k.restore(tx),
            Sink::File(f) => f.restore(tx),
        };
        (rx, task)
    }

    /// Writes every flow from `rx` until the channel closes, then flushes.
    pub async fn run<F>(
        self,
        rx: Receiver<Flow<Story>>,
        metrics: Arc<Metrics>,
        health: Arc<Health>,
        on_done: F,
    ) -> Result<(), SinkError>
    where
        F: FnMut(&Story, Delivery<'_>) + Send,
    {
        match self {
            Sink::Kafka(k) => k.run(rx, metrics, health, on_done).await,
            Sink::File(f) => f.run(rx, metrics, on_done).await,
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
    // Room for the body and the rest of the record up front: growing the buffer as it is
    // written reallocated and copied it several times a story (callgrind).
    let text: usize = story.paragraphs.iter().map(|p| p.len() + 2).sum();
    let mut out = Vec::with_capacity(text + story.headline.len() + 2048);
    serde_json::to_writer(&mut out, &story.to_ninjs())?;
    Ok(out)
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
