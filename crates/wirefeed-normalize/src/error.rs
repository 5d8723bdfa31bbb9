//! Why an item could not be normalized.

use wirefeed_model::ErrorClass;

/// A reason to dead-letter an item (or, for [`NormalizeError::InvalidConfig`], to refuse to
/// start). Every per-item error is the item's fault: the stream goes on without it.
#[derive(thiserror::Error, Debug)]
pub enum NormalizeError {
    /// The item has neither a headline nor any body text after cleaning. Holds the item's
    /// guid or link (or `-`) for the log line.
    #[error("item {0} has no headline and no body text")]
    Empty(String),
    /// The body is larger than `max_body_bytes`.
    #[error("body of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    /// The HTML body nests elements deeper than `max_html_depth`.
    #[error("HTML body nests {depth} elements deep, over the limit of {limit}")]
    TooDeep { depth: usize, limit: usize },
    /// The configuration is unusable; returned only by [`crate::Normalizer::new`].
    #[error("invalid normalize config: `{key}` {reason}")]
    InvalidConfig { key: &'static str, reason: String },
}

impl NormalizeError {
    /// The dead-letter class, a closed set usable as a metric label.
    pub fn class(&self) -> ErrorClass {
        match self {
            NormalizeError::Empty(_) => ErrorClass::Empty,
            NormalizeError::TooLarge { .. } | NormalizeError::TooDeep { .. } => {
                ErrorClass::TooLarge
            }
            // Never produced for an item (only at startup), so never dead-lettered; `Parse`
            // is the closest class should a caller still ask.
            NormalizeError::InvalidConfig { .. } => ErrorClass::Parse,
        }
    }
}
