use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The wire format an item was read from. Kept on the item so later stages can log and
/// dead-letter with it, and so format-specific cleaning (wire text) can be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemFormat {
    Rss,
    Atom,
    JsonFeed,
    /// A plain-text wire-copy file: headline line, blank line, body.
    WireText,
    /// An IPTC ninjs JSON document.
    Ninjs,
    /// An IPTC NewsML-G2 news item.
    NewsmlG2,
    /// An NITF 3.x document.
    Nitf,
    /// An IPTC NewsML 1.x news item.
    Newsml1,
}

impl ItemFormat {
    /// A stable, bounded name for logs, headers and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemFormat::Rss => "rss",
            ItemFormat::Atom => "atom",
            ItemFormat::JsonFeed => "json-feed",
            ItemFormat::WireText => "wire-text",
            ItemFormat::Ninjs => "ninjs",
            ItemFormat::NewsmlG2 => "newsml-g2",
            ItemFormat::Nitf => "nitf",
            ItemFormat::Newsml1 => "newsml-1",
        }
    }
}

/// Whether a text field holds markup; the normalizer runs an HTML parser only when it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextKind {
    Plain,
    Html,
}

/// A piece of text as the publisher sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub kind: TextKind,
    pub value: String,
}

impl Text {
    pub fn plain(value: impl Into<String>) -> Self {
        Text {
            kind: TextKind::Plain,
            value: value.into(),
        }
    }
    pub fn html(value: impl Into<String>) -> Self {
        Text {
            kind: TextKind::Html,
            value: value.into(),
        }
    }
}

/// One entry of one feed or one dropped file, before any cleaning.
///
/// Serializable so that an item that fails a later stage can be dead-lettered as it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawItem {
    /// The configured source name. Bounded by the config, so safe as a metric label.
    pub source: Arc<str>,
    pub format: ItemFormat,
    /// Publisher's id for the item (RSS guid, Atom id, agency uri), when it has one.
    pub guid: Option<String>,
    pub link: Option<String>,
    pub title: Option<String>,
    pub summary: Option<Text>,
    pub content: Option<Text>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub authors: Vec<String>,
    pub categories: Vec<String>,
    pub language: Option<String>,
    /// Publisher's version number, when the format carries one (ninjs, NewsML-G2).
    pub version: Option<u32>,
    pub fetched_at: DateTime<Utc>,
    /// The input it came from: the file path (directory sources) or the feed URL. Named in
    /// the record (`altids` role `wirefeed-input`) and in `wirefeed ingest --decisions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl RawItem {
    /// An empty item of `format` from `source`, fetched now; fetchers fill in the rest.
    pub fn new(source: Arc<str>, format: ItemFormat) -> Self {
        RawItem {
            source,
            format,
            guid: None,
            link: None,
            title: None,
            summary: None,
            content: None,
            published: None,
            updated: None,
            authors: Vec::new(),
            categories: Vec::new(),
            language: None,
            version: None,
            fetched_at: Utc::now(),
            origin: None,
        }
    }

    /// The item as JSON bytes: the dead-letter payload when a later stage rejects it.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        // Serializing a struct of strings and dates cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}
