//! Configuration of the normalize stage.

use serde::Deserialize;

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
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        NormalizeConfig {
            debris: [
                "You're reading:",
                "Click here to subscribe",
                "Share this article",
                "Advertisement",
                "Read more:",
            ]
            .map(String::from)
            .to_vec(),
            max_body_bytes: 1024 * 1024,
            max_html_depth: 512,
            max_derived_headline_chars: 200,
        }
    }
}
