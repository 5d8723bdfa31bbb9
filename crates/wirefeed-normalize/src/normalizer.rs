//! The normalize pipeline: one [`RawItem`] in, one [`Story`] out.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use wirefeed_model::{PubStatus, RawItem, Story, TextKind};

use crate::text::{self, Debris};
use crate::{credits, dateline, headline, html, identity, NormalizeConfig, NormalizeError};

/// An editor's advisory under the headline: `(Adds Pentagon comment in paragraph 5)`. It may
/// be its own paragraph or run into the first one when no blank line follows it.
static ADVISORY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\((?P<note>(?:Adds|Updates|Recasts|Corrects|Changes|Fixes|Removes|Inserts|Refiles|",
        r"Repeats|Rewrites|Clarifies|Deletes|Replaces|Moves|Restores|Expands|Writes through|",
        r"Withdraws|Kills|Previous|This story|Corrected|Updated|Refiled|Repeated)\b",
        r"[^()]*(?:\([^()]*\)[^()]*)*)\)\s*"
    ))
    .expect("advisory regex compiles")
});

/// A Reuters contact block: `((gabriela.baczynska@thomsonreuters.com; +7 495 …))`.
static CONTACT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\(\(.*\)\)$").expect("contact regex compiles"));

/// A `Keywords:` line some wires append.
static KEYWORDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^keywords\s*:").expect("keywords regex compiles"));

/// Cleans items into stories. Build once; [`Normalizer::normalize`] takes `&self` and can be
/// shared between tasks.
pub struct Normalizer {
    config: NormalizeConfig,
    debris: Debris,
}

impl Normalizer {
    /// Validates the config and prepares its rules.
    pub fn new(config: NormalizeConfig) -> Result<Normalizer, NormalizeError> {
        if config.max_body_bytes == 0 {
            return Err(NormalizeError::InvalidConfig {
                key: "max_body_bytes",
                reason: "must be greater than 0".into(),
            });
        }
        if config.max_derived_headline_chars < 10 {
            return Err(NormalizeError::InvalidConfig {
                key: "max_derived_headline_chars",
                reason: "must be at least 10".into(),
            });
        }
        if config.language_sample_chars < crate::identity::MIN_SAMPLE_CHARS {
            return Err(NormalizeError::InvalidConfig {
                key: "language_sample_chars",
                reason: format!("must be at least {}", crate::identity::MIN_SAMPLE_CHARS),
            });
        }
        if config.near_distance > crate::MAX_NEAR_DISTANCE {
            return Err(NormalizeError::InvalidConfig {
                key: "near_distance",
                reason: format!("must be at most {}", crate::MAX_NEAR_DISTANCE),
            });
        }
        if config.max_window_stories == 0 {
            return Err(NormalizeError::InvalidConfig {
                key: "max_window_stories",
                reason: "must be greater than 0".into(),
            });
        }
        // Compile every pattern now, so a bad one fails at startup and the first items do not
        // wait for it (the dateline patterns alone are ~100 M instructions, ~30 ms).
        LazyLock::force(&ADVISORY);
        LazyLock::force(&CONTACT);
        LazyLock::force(&KEYWORDS);
        crate::dateline::force_patterns();
        crate::headline::force_patterns();
        crate::credits::force_patterns();
        Ok(Normalizer {
            debris: Debris::new(&config.debris),
            config,
        })
    }

    /// The settings it was built with.
    pub fn config(&self) -> &NormalizeConfig {
        &self.config
    }

    /// Cleans one item into a story version. Does not deduplicate.
    ///
    /// The enrich fields (`subjects`, `places`, `organisations`, `people`) are left empty.
    pub fn normalize(&self, item: &RawItem) -> Result<Story, NormalizeError> {
        let source_text = [&item.content, &item.summary]
            .into_iter()
            .flatten()
            .find(|t| !t.value.trim_start().is_empty());
        if let Some(t) = source_text {
            if t.value.len() > self.config.max_body_bytes {
                return Err(NormalizeError::TooLarge {
                    size: t.value.len(),
                    limit: self.config.max_body_bytes,
                });
            }
        }
        if let Some(t) = source_text.filter(|t| t.kind == TextKind::Html) {
            let depth = html::nesting_depth(&t.value);
            if depth > self.config.max_html_depth {
                return Err(NormalizeError::TooDeep {
                    depth,
                    limit: self.config.max_html_depth,
                });
            }
        }
        let plain = match source_text {
            Some(t) if t.kind == TextKind::Html => Cow::Owned(html::to_text(&t.value)),
            Some(t) => Cow::Borrowed(t.value.as_str()),
            None => Cow::Borrowed(""),
        };
        let mut paras = text::paragraphs(&plain, &self.debris);

        let title = item
            .title
            .as_deref()
            .map(|t| self.debris.strip_prefixes(&text::clean_line(t)).to_string())
            .filter(|t| !t.is_empty() && !self.debris.is_debris_line(t));
        let mut head = title.as_deref().map(headline::parse).unwrap_or_default();

        // Head of the body: a repeated headline and advisories, in either order.
        let mut notes = Vec::new();
        while let Some(first) = paras.first() {
            if title.is_some() && self.is_headline_copy(first, &head.text) {
                paras.remove(0);
            } else if let Some(c) = first
                .starts_with('(')
                .then(|| ADVISORY.captures(first))
                .flatten()
            {
                notes.push(c["note"].trim().to_string());
                let rest = first[c.get(0).map_or(0, |m| m.end())..].to_string();
                if rest.is_empty() {
                    paras.remove(0);
                } else {
                    paras[0] = rest;
                }
            } else {
                break;
            }
        }

        // Tail of the body: trailer, contact block, keywords, in any order.
        let mut trailer = None;
        while let Some(last) = paras.last() {
            if CONTACT.is_match(last) || KEYWORDS.is_match(last) {
                paras.pop();
            } else if let (None, Some(t)) = (&trailer, credits::parse(last)) {
                trailer = Some(t);
                paras.pop();
            } else {
                break;
            }
        }

        if head.text.is_empty() {
            let Some(first) = paras.first() else {
                return Err(NormalizeError::Empty(
                    item.guid
                        .clone()
                        .or_else(|| item.link.clone())
                        .unwrap_or_else(|| "-".into()),
                ));
            };
            head = headline::parse(&truncate_words(
                first,
                self.config.max_derived_headline_chars,
            ));
        }

        let reference = item.published.or(item.updated).unwrap_or(item.fetched_at);
        let dateline = paras.first().and_then(|p| dateline::parse(p, reference));
        let link = item
            .link
            .as_deref()
            .map(identity::canonical_link)
            .filter(|l| !l.is_empty());
        let guid = item
            .guid
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty());
        let (credits, by) = match trailer {
            Some(t) => (t.credits, Some(t.by)),
            None if !item.authors.is_empty() => (Vec::new(), Some(item.authors.join(", "))),
            None => (Vec::new(), None),
        };

        // The feed's declared language wins; detection fills the gap (wire text and many
        // feeds declare none).
        let language = item
            .language
            .as_deref()
            .and_then(identity::primary_language)
            .or_else(|| {
                self.config
                    .detect_language
                    .then(|| {
                        identity::detect_language(
                            &head.text,
                            &paras,
                            self.config.language_detector,
                            self.config.language_sample_chars,
                        )
                    })
                    .flatten()
            });
        Ok(Story {
            uri: identity::story_uri(&item.source, guid, link.as_deref(), &head.text),
            version: item
                .version
                .unwrap_or_else(|| head.update.map_or(1, |n| n.saturating_add(1))),
            source: item.source.clone(),
            format: item.format,
            fingerprint: identity::fingerprint(&paras, &head.text),
            headline: head.text,
            paragraphs: paras,
            link,
            guid: guid.map(String::from),
            dateline,
            credits,
            by,
            language,
            firstcreated: item.published,
            versioncreated: item.updated.or(item.published).unwrap_or(item.fetched_at),
            fetched_at: item.fetched_at,
            pubstatus: if head.canceled {
                PubStatus::Canceled
            } else {
                PubStatus::Usable
            },
            genres: head.genres,
            ednote: (!notes.is_empty()).then(|| notes.join("; ")),
            subjects: Vec::new(),
            places: Vec::new(),
            organisations: Vec::new(),
            people: Vec::new(),
            duplicate_of: None,
            origin: item.origin.clone(),
        })
    }

    /// Whether a body paragraph just repeats the headline (with or without its prefixes).
    fn is_headline_copy(&self, paragraph: &str, headline: &str) -> bool {
        // Prefixes and debris add a few dozen bytes at most; a first paragraph much longer
        // than the headline (nearly always) is not parsed and lowercased for nothing.
        if paragraph.len() > 2 * headline.len() + 256 {
            return false;
        }
        let p = headline::parse(self.debris.strip_prefixes(paragraph)).text;
        eq_lowercase(&p, headline)
    }
}

/// `a.to_lowercase() == b.to_lowercase()`, deciding on the common ASCII prefix without
/// lowercasing when it can: a first paragraph rarely repeats the headline, and with a curly
/// quote in it `str::to_lowercase` went char by char through the whole paragraph (2% of the
/// instructions on typographic text, callgrind). Exact: an ASCII char lowercases to one ASCII
/// char and no char lowercases to nothing, so the first ASCII mismatch, or one string ending
/// inside the other's ASCII prefix, makes the lowercase strings differ.
fn eq_lowercase(a: &str, b: &str) -> bool {
    for (x, y) in a.bytes().zip(b.bytes()) {
        if !x.is_ascii() || !y.is_ascii() {
            return a.to_lowercase() == b.to_lowercase();
        }
        if !x.eq_ignore_ascii_case(&y) {
            return false;
        }
    }
    a.len() == b.len()
}

/// `s` cut at a word boundary to at most `max` characters.
fn truncate_words(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(i) if i > 0 => cut[..i].to_string(),
        _ => cut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use wirefeed_model::{ErrorClass, ItemFormat, Text};

    fn item(title: Option<&str>, body: Option<Text>) -> RawItem {
        let mut i = RawItem::new(Arc::from("test"), ItemFormat::WireText);
        i.title = title.map(String::from);
        i.content = body;
        i
    }

    fn normalizer() -> Normalizer {
        Normalizer::new(NormalizeConfig::default()).unwrap()
    }

    #[test]
    fn language_declared_detected_or_off() {
        let body = "The ministers said on Tuesday that the talks would resume next month in \
                    Brussels, after the allies agreed on a new plan for the radar sites.";
        let mut i = item(Some("Talks to resume"), Some(Text::plain(body)));
        assert_eq!(
            normalizer().normalize(&i).unwrap().language.as_deref(),
            Some("en")
        );
        i.language = Some("fr-CA".into());
        assert_eq!(
            normalizer().normalize(&i).unwrap().language.as_deref(),
            Some("fr")
        );
        i.language = None;
        let off = Normalizer::new(NormalizeConfig {
            detect_language: false,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(off.normalize(&i).unwrap().language, None);
    }

    #[test]
    fn empty_item_is_an_error() {
        let err = normalizer().normalize(&item(None, None)).unwrap_err();
        assert!(matches!(err, NormalizeError::Empty(_)));
        assert_eq!(err.class(), ErrorClass::Empty);
        let err = normalizer()
            .normalize(&item(Some("  "), Some(Text::html("<script>x</script>"))))
            .unwrap_err();
        assert_eq!(err.class(), ErrorClass::Empty);
    }

    #[test]
    fn too_large_is_an_error() {
        let n = Normalizer::new(NormalizeConfig {
            max_body_bytes: 10,
            ..Default::default()
        })
        .unwrap();
        let err = n
            .normalize(&item(Some("H"), Some(Text::plain("x".repeat(11)))))
            .unwrap_err();
        assert!(matches!(
            err,
            NormalizeError::TooLarge {
                size: 11,
                limit: 10
            }
        ));
        assert_eq!(err.class(), ErrorClass::TooLarge);
    }

    #[test]
    fn deeply_nested_html_is_refused_before_parsing() {
        let mut i = item(Some("H"), Some(Text::html("<div>".repeat(200_000))));
        i.format = ItemFormat::Rss;
        let start = std::time::Instant::now();
        let err = normalizer().normalize(&i).unwrap_err();
        assert!(matches!(
            err,
            NormalizeError::TooDeep {
                depth: 200_000,
                limit: 512
            }
        ));
        assert_eq!(err.class(), ErrorClass::TooLarge);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn invalid_config_is_refused() {
        let cfg = NormalizeConfig {
            max_body_bytes: 0,
            ..Default::default()
        };
        assert!(matches!(
            Normalizer::new(cfg),
            Err(NormalizeError::InvalidConfig {
                key: "max_body_bytes",
                ..
            })
        ));
        let cfg = NormalizeConfig {
            language_sample_chars: 49,
            ..Default::default()
        };
        assert!(matches!(
            Normalizer::new(cfg),
            Err(NormalizeError::InvalidConfig {
                key: "language_sample_chars",
                ..
            })
        ));
    }

    #[test]
    fn headline_from_body_when_title_missing() {
        let s = normalizer()
            .normalize(&item(None, Some(Text::plain("First line here\n\nSecond."))))
            .unwrap();
        assert_eq!(s.headline, "First line here");
        assert_eq!(s.paragraphs, ["First line here", "Second."]);
    }

    #[test]
    fn headline_only_item_is_kept() {
        let s = normalizer()
            .normalize(&item(Some("STORY WITHDRAWN"), None))
            .unwrap();
        assert_eq!(s.pubstatus, PubStatus::Canceled);
        assert!(s.paragraphs.is_empty());
    }

    #[test]
    fn advisory_and_repeated_headline_leave_body() {
        let body = "UPDATE 1-Talks resume\n\n(Adds Pentagon comment in paragraph 5)\n\nBERLIN, May 3 (Reuters) - Talks resumed.\n\n((jo.hart@example.com; +49 30 1234))\n\nKeywords: GERMANY/TALKS";
        let s = normalizer()
            .normalize(&item(
                Some("UPDATE 1-Talks resume"),
                Some(Text::plain(body)),
            ))
            .unwrap();
        assert_eq!(s.headline, "Talks resume");
        assert_eq!(s.version, 2);
        assert_eq!(
            s.ednote.as_deref(),
            Some("Adds Pentagon comment in paragraph 5")
        );
        assert_eq!(s.paragraphs, ["BERLIN, May 3 (Reuters) - Talks resumed."]);
        assert_eq!(s.dateline.unwrap().city, "Berlin");
    }

    #[test]
    fn advisory_run_into_first_paragraph() {
        let body = "(Adds quotes)\nBERLIN, May 3 (Reuters) - Talks resumed.";
        let s = normalizer()
            .normalize(&item(Some("Talks"), Some(Text::plain(body))))
            .unwrap();
        assert_eq!(s.ednote.as_deref(), Some("Adds quotes"));
        assert_eq!(s.paragraphs, ["BERLIN, May 3 (Reuters) - Talks resumed."]);
    }

    #[test]
    fn html_item_with_summary_fallback_and_metadata() {
        let mut i = item(Some("ANALYSIS-Why &amp; how"), None);
        i.format = ItemFormat::Rss;
        i.summary = Some(Text::html(
            "<p>PARIS, France (AFP) - One.</p><p>Advertisement</p><p>Two &amp; three.</p>",
        ));
        i.content = Some(Text::html("   "));
        i.guid = Some(" g-1 ".into());
        i.link = Some("https://Example.com/x?utm_source=rss#top".into());
        i.language = Some("en-GB".into());
        i.authors = vec!["Jo Hart".into()];
        i.version = Some(7);
        let s = normalizer().normalize(&i).unwrap();
        assert_eq!(s.paragraphs, ["PARIS, France (AFP) - One.", "Two & three."]);
        assert_eq!(s.genres, ["Analysis"]);
        assert_eq!(s.link.as_deref(), Some("https://example.com/x"));
        assert_eq!(s.guid.as_deref(), Some("g-1"));
        assert_eq!(s.language.as_deref(), Some("en"));
        assert_eq!(s.by.as_deref(), Some("Jo Hart"));
        assert_eq!(s.version, 7);
        assert_eq!(s.versioncreated, s.fetched_at);
        let d = s.dateline.unwrap();
        assert_eq!(
            (d.city.as_str(), d.country.as_deref()),
            ("Paris", Some("France"))
        );
    }

    #[test]
    fn truncation_at_word_boundary() {
        assert_eq!(truncate_words("one two three", 9), "one two");
        assert_eq!(truncate_words("short", 9), "short");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The same answer as comparing `to_lowercase`, on strings mixing ASCII with the
        /// chars whose lowercase is special: final sigma, Kelvin sign (lowercases to ASCII),
        /// dotted capital I (two chars), sharp s, curly quotes.
        #[test]
        fn eq_lowercase_is_comparing_lowercase(
            a in proptest::collection::vec(proptest::sample::select(PIECES.to_vec()), 0..8),
            b in proptest::collection::vec(proptest::sample::select(PIECES.to_vec()), 0..8),
            same in proptest::bool::ANY,
        ) {
            let a: String = a.concat();
            // Half the cases compare a string with a case variant of itself.
            let b: String = if same { a.to_uppercase() } else { b.concat() };
            proptest::prop_assert_eq!(eq_lowercase(&a, &b), a.to_lowercase() == b.to_lowercase());
            proptest::prop_assert_eq!(eq_lowercase(&b, &a), a.to_lowercase() == b.to_lowercase());
        }
    }

    const PIECES: &[&str] = &[
        "a", "A", "b", "B", "k", "K", "\u{212A}", "i", "I", "\u{130}", "\u{3A3}", "\u{3C3}",
        "\u{3C2}", "\u{DF}", "SS", "ss", "\u{2019}", " ", "-", "1",
    ];
}
