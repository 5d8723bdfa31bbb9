//! The fetch stage: turns sources into [`RawItem`]s.
//!
//! Two kinds of source: [`HttpSource`] polls a feed URL ([`run_http`]: conditional GET with
//! validators persisted in the state dir, per-host limits via [`HostLimiter`], adaptive
//! interval, `Retry-After`, hand-followed redirects, ninjs paging), and [`DirSource`] watches a
//! directory for dropped files ([`run_dir`]). Both hand every document to [`read_document`],
//! which decodes it to UTF-8, picks the format (RSS, Atom, JSON Feed, ninjs, NewsML-G2, NITF,
//! wire text) and yields a [`Document`] of [`Entry`]s, each with one [`RawItem`]; both send
//! only entries that are new or changed since the last poll, so the normalizer sees each
//! version once per run. [`Document::to_universal`] is the `wirefeed parse` view.
//!
//! Not for: cleaning text or deciding what is a duplicate story (normalize does), or remembering
//! across restarts what was published (the normalizer's story window does, after the sink
//! acknowledges).
//!
//! Contract with the next stage: a document that cannot be read or parsed becomes one
//! [`Flow::Dead`] carrying the raw bytes; the source itself keeps polling.

mod dates;
mod dir;
mod document;
mod encoding;
mod extensions;
mod feed;
mod g2;
mod hosts;
mod http;
mod ninjs;
mod seen;
mod state;
mod universal;
mod validate;
mod validate_ext;
mod xml;

use std::time::Duration;

use wirefeed_model::{Flow, RawItem};

pub use dates::parse_date;
pub use dir::{list as list_files, run_dir, DirSource};
pub use document::{
    parse_document, parse_wire_text, read_document, Document, DocumentKind, Enclosure, Entry,
    FeedMeta, FetchError, Format, Person, PollHints,
};
pub use encoding::{decode, Decoded};
pub use hosts::{DocumentLimiter, HostLimiter};
pub use http::{build_client, fetch_document, run_http, Auth, HttpSource};
pub use state::FetchStates;

/// The channel a source sends on. Bounded: a slow pipeline blocks polling instead of growing
/// memory.
pub type ItemSender = tokio::sync::mpsc::Sender<Flow<RawItem>>;

/// Default cap on one document, compressed or not: large enough for any real feed page.
pub const DEFAULT_MAX_BYTES: usize = 20 * 1024 * 1024;

/// Default time between polls of one source.
/// Documents in flight (downloading, or their items going downstream) across all sources.
pub const DEFAULT_DOCUMENTS_IN_HAND: usize = 32;

pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);
