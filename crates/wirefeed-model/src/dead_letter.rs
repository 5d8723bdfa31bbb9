use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The pipeline stage where something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Fetch,
    Normalize,
    Enrich,
    Sink,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Fetch => "fetch",
            Stage::Normalize => "normalize",
            Stage::Enrich => "enrich",
            Stage::Sink => "sink",
        }
    }
}

/// Why an item was dead-lettered. A closed set so it can be a metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The document or item could not be parsed.
    Parse,
    /// The item parsed but has nothing publishable (no headline and no body).
    Empty,
    /// The item exceeds a configured size limit.
    TooLarge,
    /// The record could not be serialized.
    Serialize,
    /// The broker or file sink refused the record permanently.
    Rejected,
}

impl ErrorClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Parse => "parse",
            ErrorClass::Empty => "empty",
            ErrorClass::TooLarge => "too_large",
            ErrorClass::Serialize => "serialize",
            ErrorClass::Rejected => "rejected",
        }
    }
}

/// An item that a stage could not process. It travels down the same channels as good items
/// so that the sink writes it to the dead-letter output: nothing accepted is dropped silently.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    pub stage: Stage,
    pub class: ErrorClass,
    /// Human-readable reason; goes into a header and a log line, never a metric label.
    pub message: String,
    pub source: Arc<str>,
    /// The offending input as received (raw bytes or the serialized [`crate::RawItem`]).
    #[serde(skip)]
    pub payload: Vec<u8>,
    pub at: DateTime<Utc>,
    /// The input it came from (file path or feed URL), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl DeadLetter {
    pub fn new(
        stage: Stage,
        class: ErrorClass,
        source: Arc<str>,
        message: impl Into<String>,
        payload: Vec<u8>,
    ) -> Self {
        DeadLetter {
            stage,
            class,
            message: message.into(),
            source,
            payload,
            at: Utc::now(),
            origin: None,
        }
    }

    /// Names the input (file path or feed URL) the dead letter came from.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }
}

/// What travels on the channel between two stages: a good item, or a dead letter on its way
/// to the sink. Stages pass `Dead` through untouched.
#[derive(Debug, Clone)]
pub enum Flow<T> {
    Item(T),
    Dead(DeadLetter),
}
