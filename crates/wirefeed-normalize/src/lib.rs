//! Turns one raw feed or wire item into one clean story version.
//!
//! This crate is the normalize stage of the wirefeed pipeline. It takes a
//! [`wirefeed_model::RawItem`] as the fetch stage produced it (HTML or hard-wrapped wire text,
//! scraper debris, agency headline prefixes, a credits trailer) and returns a
//! [`wirefeed_model::Story`] with:
//! - clean text: a headline and one-line paragraphs, HTML converted with a real parser,
//!   debris and the `(Reporting by …)` trailer removed;
//! - wire metadata: the parsed dateline (kept in the first paragraph, as wire copy does),
//!   credits and `by`, genres and pubstatus from headline prefixes, an advisory `ednote`;
//! - identity: a stable `uri`, a `version`, a body `fingerprint`, and the language;
//! - across items, the [`StoryState`] window: updates continue their story's uri with a higher
//!   version, exact and near (SimHash) re-posts are dropped; persistent in redb.
//!
//! It is **not** for: fetching or parsing feeds (the fetch stage), topic, place and entity
//! tagging (the enrich stage fills `subjects`, `places`, `organisations`, `people`), or
//! publishing. It does no network I/O; the only file it touches is the [`StoryState`] database.
//!
//! Read first: [`Normalizer`] (with its [`NormalizeConfig`] and [`NormalizeError`]) and
//! [`StoryState`] (check now, commit after the sink's ack). The rules live in one module per
//! concern: `html` (markup to paragraphs), `text` (paragraphs, line joining, debris),
//! `headline` (agency prefixes), `dateline`,
//! `credits` (trailer), `identity` (uri, canonical link, fingerprint, language), `simhash`
//! (SimHash-64 and its block index), `state` (the window).

mod config;
mod credits;
mod dateline;
mod error;
mod headline;
mod html;
mod identity;
mod normalizer;
mod simhash;
mod state;
mod text;

pub use config::{DuplicatePolicy, NormalizeConfig};
pub use error::NormalizeError;
pub use identity::{canonical_link, detect_language, fast_detector_decides, LanguageDetector};
pub use normalizer::Normalizer;
pub use simhash::{simhash_of, MAX_NEAR_DISTANCE};
pub use state::{
    Decision, DuplicateKind, Restored, StateConfig, StateError, StoryState, STATE_FILE,
};
