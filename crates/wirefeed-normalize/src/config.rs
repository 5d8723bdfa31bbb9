//! Configuration of the normalize stage.

use std::time::Duration;

use serde::Deserialize;

use crate::{LanguageDetector, StateConfig};

/// Rules for cleaning items. Every field has a default, so an empty `[normalize]` table (or
/// none) is valid; unknown keys are rejected so a typo fails at startup instead of being ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NormalizeConfig {
    /// Scraper and page debris to remove, compared case-insensitively (curly and straight
    /// apostrophes are equal). A body line equal to an entry is dropped. An entry ending in
    /// `:` or of three or more words is also a prefix: a line starting with it is dropped
    /// (`Click here to subscribe to …`). Entries are stripped from the start of the headline
    /// (`You're reading: <headline>`). One-word entries such as `Advertisement` only ever
    /// match a whole line, so body text starting with that word survives.
    pub debris: Vec<String>,
    /// The largest body (the chosen content or summary, as received, in bytes) that is
    /// cleaned; a larger item is rejected as `too_large` before any parsing.
    pub max_body_bytes: usize,
    /// The deepest element nesting accepted in HTML bodies; deeper markup is rejected as
    /// `too_large` before parsing, because HTML parsing time grows with the square of the depth
    /// (real articles nest a few dozen levels).
    pub max_html_depth: usize,
    /// When an item has no title, the headline is taken from the first body paragraph, cut
    /// at a word boundary to at most this many characters.
    pub max_derived_headline_chars: usize,
    /// Detect the language of items whose feed declares none (ninjs `language`). A deployment
    /// whose feeds all declare their language, or that does not need it, can turn it off.
    pub detect_language: bool,
    /// Which detector: `fast` (whichlang where its 16 languages are the only plausible
    /// answers, whatlang for the rest) or `wide` (whatlang, 69 languages, 10-30x slower: at
    /// most ~10 MB/s per core on Reuters-21578). See `LanguageDetector`.
    pub language_detector: LanguageDetector,
    /// Characters of headline and body the detector reads (at least 50). Detection time grows
    /// with it, and it was half of the normalize stage's time at 400; see
    /// `examples/lang_eval.rs` for accuracy by length on the UDHR in whichlang's 16 languages.
    pub language_sample_chars: usize,
    /// How long a published story version is remembered, for versions and duplicates. A
    /// re-post or update arriving later is treated as a new story. Wire stories are updated
    /// and syndicated within days; a week covers the long tail.
    #[serde(with = "humantime_serde")]
    pub window: Duration,
    /// The most story versions remembered; the oldest are forgotten first. About 150 bytes
    /// of memory each: the default of 1 M stays within 300 MB (measured: 160 MB with the
    /// database open).
    pub max_window_stories: usize,
    /// Largest SimHash-64 Hamming distance at which two bodies are near-duplicates (a
    /// re-post with small edits). 0 turns near-duplicate detection off; at most 3, the
    /// largest the index answers exactly. Chosen with `examples/dedup_eval.rs`: of 130 M
    /// pairs of distinct Reuters-21578 bodies (40+ words) 114 are within 3 bits, and every
    /// one the window flagged is a re-send with corrections (3-shingle Jaccard >= 0.8): no
    /// false merges on Reuters or BBC News. The price is recall on edited re-posts: one
    /// changed word is caught 59% of the time, an appended sentence 30%.
    pub near_distance: u32,
    /// Bodies with fewer words are only checked for exact duplicates: short templated items
    /// (briefs, price lines) differ in a few words, which moves few SimHash bits.
    pub near_min_words: usize,
    /// What becomes of a re-post (an exact or near duplicate of a story in the window):
    /// `drop` (counted, not published) or `pointer` (published as a small partial record with
    /// its own uri, no body and an association to the original; see [`DuplicatePolicy`]).
    pub duplicates: DuplicatePolicy,
}

/// What becomes of a re-post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DuplicatePolicy {
    /// Dropped and counted.
    #[default]
    Drop,
    /// Published as a pointer to the original ([`crate::StoryState::pointer`]): consumers
    /// that track syndication see who re-posted what, without a second copy of the text.
    Pointer,
}

impl NormalizeConfig {
    /// The story window settings.
    pub fn state(&self) -> StateConfig {
        StateConfig {
            window: self.window,
            max_stories: self.max_window_stories,
            near_distance: self.near_distance,
            near_min_words: self.near_min_words,
        }
    }
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        let state = StateConfig::default();
        NormalizeConfig {
            debris: [
                "You're reading:",
                "Click here to subscribe",
                "Share this article",
                "Advertisement",
                "Read more:",
                "We use cookies",
                "This website uses cookies",
                "This site uses cookies",
                "Accept cookies",
                "Accept all cookies",
                "Cookie settings",
                "Subscribe to our newsletter",
                "Sign up for our newsletter",
                "Follow us on",
            ]
            .map(String::from)
            .to_vec(),
            max_body_bytes: 1024 * 1024,
            max_html_depth: 512,
            max_derived_headline_chars: 200,
            detect_language: true,
            language_detector: LanguageDetector::default(),
            language_sample_chars: crate::identity::DETECT_CHARS,
            window: state.window,
            max_window_stories: state.max_stories,
            near_distance: state.near_distance,
            near_min_words: state.near_min_words,
            duplicates: DuplicatePolicy::default(),
        }
    }
}
