//! Story identity: the stable `uri`, canonical links, the body fingerprint, the language tag.

use xxhash_rust::xxh3::xxh3_64;

/// Query parameters that only track the click, never select the page.
fn is_tracking_param(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("utm_") || matches!(k.as_str(), "fbclid" | "gclid" | "dclid" | "msclkid")
}

/// The canonical form of a link: scheme and host lowercased, default port, fragment and
/// tracking parameters (`utm_*`, `fbclid`, `gclid`, …) dropped, an empty path made `/`.
/// Path and the remaining query are kept byte for byte (their case can matter). Text that is
/// not an absolute `scheme://host` URL is returned trimmed and otherwise unchanged.
pub fn canonical_link(link: &str) -> String {
    let link = link.trim();
    let Some((scheme, rest)) = link.split_once("://") else {
        return link.to_string();
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return link.to_string();
    }
    let scheme = scheme.to_ascii_lowercase();
    let rest = rest.split('#').next().unwrap_or("");
    let (authority, path_query) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return link.to_string();
    }
    // Lowercase the host but not any user info (`user@host`).
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => authority.split_at(i + 1),
        None => ("", authority),
    };
    let mut host = hostport.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => Some(":80"),
        "https" => Some(":443"),
        _ => None,
    };
    if let Some(port) = default_port {
        if let Some(h) = host.strip_suffix(port) {
            host = h.to_string();
        }
    }
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_query, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    let mut out = format!("{scheme}://{userinfo}{host}{path}");
    if let Some(q) = query {
        let kept: Vec<&str> = q
            .split('&')
            .filter(|kv| !kv.is_empty())
            .filter(|kv| !is_tracking_param(kv.split('=').next().unwrap_or(kv)))
            .collect();
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
    }
    out
}

/// Every story uri is this prefix and 16 hex digits.
pub(crate) const URI_PREFIX: &str = "urn:wirefeed:story:";

/// `urn:wirefeed:story:<16 hex>` from the most stable key the item has: its guid, else its
/// canonical link, else its clean headline. Guids and headlines are only unique within one
/// publisher, so they are scoped by the source name; a canonical link is global.
pub(crate) fn story_uri(
    source: &str,
    guid: Option<&str>,
    link: Option<&str>,
    headline: &str,
) -> String {
    let mut key = String::with_capacity(16 + source.len() + link.map_or(headline.len(), str::len));
    if let Some(g) = guid {
        key.extend(["guid\u{1f}", source, "\u{1f}", g]);
    } else if let Some(l) = link {
        key.extend(["link\u{1f}", l]);
    } else {
        key.extend(["headline\u{1f}", source, "\u{1f}"]);
        push_lowercase(&mut key, headline);
    };
    uri_of(xxh3_64(key.as_bytes()))
}

/// `urn:wirefeed:story:` and `id` in 16 lowercase hex digits, built by hand: `format!` cost
/// more than the rest of the uri, on every story.
pub(crate) fn uri_of(id: u64) -> String {
    let mut uri = String::with_capacity(URI_PREFIX.len() + 16);
    uri.push_str(URI_PREFIX);
    uri.extend((0..16).rev().map(|nibble| {
        char::from_digit(((id >> (4 * nibble)) & 0xf) as u32, 16).expect("a nibble is a digit")
    }));
    uri
}

/// Appends `s.to_lowercase()`, without the intermediate string for ASCII `s`.
pub(crate) fn push_lowercase(out: &mut String, s: &str) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&s.to_lowercase());
    }
}

/// xxh3-64 of the body lowercased with all whitespace collapsed, so the same text with
/// different wrapping, spacing or case hashes the same. The caller passes paragraphs already
/// free of debris, advisory and trailer. A story with no body is fingerprinted by its
/// headline, or every headline-only item would be a duplicate of every other.
pub(crate) fn fingerprint(paragraphs: &[String], headline: &str) -> u64 {
    let text: &[&str] = &[headline];
    let text = if paragraphs.is_empty() {
        lowercase_words(text.iter().copied(), headline.len())
    } else {
        // Sized once: ASCII text lowercases to as many bytes, one space between paragraphs.
        let size = paragraphs.iter().map(|p| p.len() + 1).sum();
        lowercase_words(paragraphs.iter().map(String::as_str), size)
    };
    xxh3_64(text.as_bytes())
}

/// The lowercase words of `parts` joined by single spaces; ASCII parts byte by byte (this
/// runs on every story).
fn lowercase_words<'a>(parts: impl Iterator<Item = &'a str>, size: usize) -> String {
    let mut norm = String::with_capacity(size);
    for part in parts {
        if crate::text::is_collapsed(part) {
            // Already one space between words (clean paragraphs always are).
            if !part.is_empty() {
                if !norm.is_empty() {
                    norm.push(' ');
                }
                let start = norm.len();
                norm.push_str(part);
                norm[start..].make_ascii_lowercase();
            }
            continue;
        }
        if part.is_ascii() {
            let mut space = !norm.is_empty();
            for &b in part.as_bytes() {
                if b == b' ' || (b'\t'..=b'\r').contains(&b) {
                    space = !norm.is_empty();
                } else {
                    if space {
                        norm.push(' ');
                        space = false;
                    }
                    norm.push(b.to_ascii_lowercase() as char);
                }
            }
            continue;
        }
        // Clean paragraphs have single spaces between words whatever their letters: then
        // the whole paragraph is one run, not one per word.
        let single_spaced = !part.starts_with(' ')
            && !part.ends_with(' ')
            && !part.contains("  ")
            && part.chars().all(|c| c == ' ' || !c.is_whitespace());
        if single_spaced {
            if !part.is_empty() {
                if !norm.is_empty() {
                    norm.push(' ');
                }
                push_lowercase_chars(&mut norm, part);
            }
            continue;
        }
        for word in part.split_whitespace() {
            if !norm.is_empty() {
                norm.push(' ');
            }
            push_lowercase_chars(&mut norm, word);
        }
    }
    norm
}

/// `s` lowercased char by char (`char::to_lowercase`, which fingerprints were made with: not
/// `str::to_lowercase`, whose final-sigma rule would change them), its ASCII runs in bulk.
/// Typographic quotes and dashes put most English news on this path; one char at a time it
/// was a third of the normalize stage on such text.
fn push_lowercase_chars(out: &mut String, s: &str) {
    let mut rest = s;
    while !rest.is_empty() {
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let start = out.len();
        out.push_str(&rest[..ascii]);
        out[start..].make_ascii_lowercase();
        rest = &rest[ascii..];
        if let Some(c) = rest.chars().next() {
            out.extend(c.to_lowercase());
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// The BCP 47 primary language subtag: `en-US` → `en`, `EN_gb` → `en`, `eng` → `en`.
/// `None` when the tag is not a language (`*`, empty, digits).
pub(crate) fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    if !(2..=3).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    // ISO 639-2 codes feeds use where a two-letter code exists (BCP 47 prefers the shortest).
    let short = match primary.as_str() {
        "eng" => "en",
        "fra" | "fre" => "fr",
        "deu" | "ger" => "de",
        "spa" => "es",
        "rus" => "ru",
        "ita" => "it",
        "por" => "pt",
        "ara" => "ar",
        "zho" | "chi" => "zh",
        "jpn" => "ja",
        _ => return Some(primary),
    };
    Some(short.to_string())
}

/// ISO 639-3 codes whatlang returns → the ISO 639-1 code BCP 47 prefers. Codes without a
/// two-letter form (`cmn` → `zh` is the macrolanguage; `pes` is Persian `fa`) are mapped by
/// hand; any other is kept as is, which BCP 47 also allows.
const ISO_639_3_TO_1: &[(&str, &str)] = &[
    ("epo", "eo"),
    ("eng", "en"),
    ("rus", "ru"),
    ("cmn", "zh"),
    ("spa", "es"),
    ("por", "pt"),
    ("ita", "it"),
    ("ben", "bn"),
    ("fra", "fr"),
    ("deu", "de"),
    ("ukr", "uk"),
    ("kat", "ka"),
    ("ara", "ar"),
    ("hin", "hi"),
    ("jpn", "ja"),
    ("heb", "he"),
    ("yid", "yi"),
    ("pol", "pl"),
    ("amh", "am"),
    ("jav", "jv"),
    ("kor", "ko"),
    ("nob", "nb"),
    ("dan", "da"),
    ("swe", "sv"),
    ("fin", "fi"),
    ("tur", "tr"),
    ("nld", "nl"),
    ("hun", "hu"),
    ("ces", "cs"),
    ("ell", "el"),
    ("bul", "bg"),
    ("bel", "be"),
    ("mar", "mr"),
    ("kan", "kn"),
    ("ron", "ro"),
    ("slv", "sl"),
    ("hrv", "hr"),
    ("srp", "sr"),
    ("mkd", "mk"),
    ("lit", "lt"),
    ("lav", "lv"),
    ("est", "et"),
    ("tam", "ta"),
    ("vie", "vi"),
    ("urd", "ur"),
    ("tha", "th"),
    ("guj", "gu"),
    ("uzb", "uz"),
    ("pan", "pa"),
    ("aze", "az"),
    ("ind", "id"),
    ("tel", "te"),
    ("pes", "fa"),
    ("mal", "ml"),
    ("ori", "or"),
    ("mya", "my"),
    ("nep", "ne"),
    ("sin", "si"),
    ("khm", "km"),
    ("tuk", "tk"),
    ("aka", "ak"),
    ("zul", "zu"),
    ("sna", "sn"),
    ("afr", "af"),
    ("lat", "la"),
    ("slk", "sk"),
    ("cat", "ca"),
    ("tgl", "tl"),
    ("hye", "hy"),
];

/// Characters of text the language detector looks at by default: a few paragraphs decide the
/// language as well as the whole story, and detection time grows with the text.
pub(crate) const DETECT_CHARS: usize = 250;

/// The smallest `language_sample_chars` accepted: below it even clean text is a guess.
pub(crate) const MIN_SAMPLE_CHARS: usize = 50;

/// Fewer letters than this in the sample (a price table, a one-line brief) say nothing about
/// the language; the fast detector would still name one, so it is not asked.
const MIN_LETTERS: usize = 20;

/// Which language detector runs; see `NormalizeConfig::language_detector`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LanguageDetector {
    /// `whichlang` (a logistic regression over hashed n-grams, ~3 us per story, 16 languages)
    /// for ASCII-only text and the CJK scripts; everything else goes to `whatlang`.
    #[default]
    Fast,
    /// `whatlang` for everything (69 languages, ~30-80 us per story on Reuters-21578).
    Wide,
}

/// The language of clean story text, or `None` when it is not sure.
///
/// `Wide` asks `whatlang` (trigram and script models, pure Rust, no model files). `Fast`
/// asks `whichlang` (10-30x faster, measured on Reuters-21578) where its 16 languages are
/// the only plausible answers: ASCII-only text (English and the ASCII-spelled languages it
/// knows) and Hangul, Kana and Han text. Text with accented Latin letters, Cyrillic, Arabic
/// or another script goes to `whatlang`, which knows Polish from Czech and Ukrainian from
/// Russian. What `Fast` can get wrong: an ASCII-only story in a language outside whichlang's
/// set (Indonesian, Malay, Swahili) gets the nearest of its 16; such feeds should declare
/// their language or use `Wide`.
pub fn detect_language(
    headline: &str,
    paragraphs: &[String],
    detector: LanguageDetector,
    max_chars: usize,
) -> Option<String> {
    let mut text = String::with_capacity(max_chars + 64);
    text.push_str(headline);
    for p in paragraphs {
        if text.len() >= max_chars {
            break;
        }
        text.push('\n');
        text.push_str(p);
    }
    let cut = if text.is_ascii() {
        text.len().min(max_chars)
    } else {
        text.char_indices()
            .nth(max_chars)
            .map_or(text.len(), |(i, _)| i)
    };
    let sample = &text[..cut];
    if detector == LanguageDetector::Fast {
        if let Some(code) = detect_fast(sample) {
            return code.map(String::from);
        }
    }
    let info = whatlang::detect(sample)?;
    if !info.is_reliable() {
        return None;
    }
    let code = info.lang().code();
    let short = ISO_639_3_TO_1
        .iter()
        .find(|(three, _)| *three == code)
        .map_or(code, |(_, two)| two);
    Some(short.to_string())
}

/// `Some(answer)` when whichlang can decide `sample`, `None` when whatlang must.
fn detect_fast(sample: &str) -> Option<Option<&'static str>> {
    use whatlang::Script;
    // Letters decide: typographic quotes, dashes, currency signs and no-break spaces are
    // everywhere in English news (a tenth of BBC News samples have one), and sent such text to
    // whatlang, ~10x slower, for an answer whichlang gives as well.
    // `is_ascii` first: most samples are, and it is a vectorized byte scan, not a decode.
    if sample.is_ascii() || sample.chars().all(|c| c.is_ascii() || !c.is_alphabetic()) {
        let enough_letters = sample
            .bytes()
            .filter(u8::is_ascii_alphabetic)
            .nth(MIN_LETTERS - 1)
            .is_some();
        if !enough_letters {
            return Some(None);
        }
    } else if !matches!(
        whatlang::detect_script(sample),
        Some(Script::Hangul | Script::Hiragana | Script::Katakana | Script::Mandarin)
    ) {
        return None;
    }
    Some(Some(whichlang_code(whichlang::detect_language(sample))))
}

/// ISO 639-1 code of a whichlang language.
fn whichlang_code(lang: whichlang::Lang) -> &'static str {
    use whichlang::Lang;
    match lang {
        Lang::Ara => "ar",
        Lang::Cmn => "zh",
        Lang::Deu => "de",
        Lang::Eng => "en",
        Lang::Fra => "fr",
        Lang::Hin => "hi",
        Lang::Ita => "it",
        Lang::Jpn => "ja",
        Lang::Kor => "ko",
        Lang::Nld => "nl",
        Lang::Por => "pt",
        Lang::Rus => "ru",
        Lang::Spa => "es",
        Lang::Swe => "sv",
        Lang::Tur => "tr",
        Lang::Vie => "vi",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The fingerprint text as it was first made: fingerprints are stored in the window and
    /// the state topic, so no faster path may change one.
    fn lowercase_words_reference(parts: &[&str]) -> String {
        let mut norm = String::new();
        for part in parts {
            for word in part.split_whitespace() {
                if !norm.is_empty() {
                    norm.push(' ');
                }
                norm.extend(word.chars().flat_map(char::to_lowercase));
            }
        }
        norm
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn fingerprint_text_is_the_same_on_every_path(
            parts in proptest::collection::vec(
                "[a-zA-Z0-9 ,.'’“”–éÉßΣİ\u{a0}\u{2009}日本\u{301}\t\n-]{0,40}",
                0..4,
            )
        ) {
            let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
            prop_assert_eq!(
                lowercase_words(refs.iter().copied(), 0),
                lowercase_words_reference(&refs)
            );
        }
    }

    fn check(input: &str, expected: &str) {
        assert_eq!(canonical_link(input), expected, "input: {input:?}");
    }

    #[test]
    fn canonical_links() {
        check("https://Example.COM/a/B?x=1", "https://example.com/a/B?x=1");
        check("HTTPS://example.com/a#section", "https://example.com/a");
        check(
            "https://example.com/a?utm_source=rss&id=7&utm_medium=feed",
            "https://example.com/a?id=7",
        );
        check("https://example.com/a?fbclid=abc", "https://example.com/a");
        check(
            "https://example.com/a?gclid=x&UTM_Campaign=y",
            "https://example.com/a",
        );
        check("http://example.com:80/a", "http://example.com/a");
        check("https://example.com:8443/a", "https://example.com:8443/a");
        check("https://example.com", "https://example.com/");
        check("https://example.com?id=1", "https://example.com/?id=1");
        check("  https://example.com/a  ", "https://example.com/a");
        check("not a url", "not a url");
        check("/relative/path", "/relative/path");
    }

    /// Story uris are persisted and published: their values must not change. This is the
    /// original implementation.
    fn story_uri_reference(
        source: &str,
        guid: Option<&str>,
        link: Option<&str>,
        headline: &str,
    ) -> String {
        let key = if let Some(g) = guid {
            format!("guid\u{1f}{source}\u{1f}{g}")
        } else if let Some(l) = link {
            format!("link\u{1f}{l}")
        } else {
            format!("headline\u{1f}{source}\u{1f}{}", headline.to_lowercase())
        };
        format!("{URI_PREFIX}{:016x}", xxh3_64(key.as_bytes()))
    }

    #[test]
    fn story_uris_are_stable() {
        for (source, guid, link, headline) in [
            (
                "reuters",
                Some("G-1"),
                Some("https://x.com/A"),
                "Talks RESUME",
            ),
            ("s", None, Some("https://x.com/A"), "Talks"),
            ("s", None, None, "ÉCLAIR Σ talks"),
            ("", None, None, ""),
        ] {
            assert_eq!(
                story_uri(source, guid, link, headline),
                story_uri_reference(source, guid, link, headline)
            );
        }
    }

    #[test]
    fn uri_digits() {
        for id in [0, 1, 0xdead_beef, u64::MAX, 0x0123_4567_89ab_cdef] {
            assert_eq!(uri_of(id), format!("{URI_PREFIX}{id:016x}"));
        }
        let mut s = "x".to_string();
        push_lowercase(&mut s, "AbC ÉΣ");
        assert_eq!(s, "xabc éς");
    }

    #[test]
    fn uri_keys() {
        let by_guid = story_uri("s", Some("g1"), Some("https://x/"), "H");
        assert_eq!(
            by_guid,
            story_uri("s", Some("g1"), Some("https://y/"), "Other")
        );
        assert_ne!(by_guid, story_uri("t", Some("g1"), None, "H"));
        let by_link = story_uri("s", None, Some("https://x/"), "H");
        assert_eq!(by_link, story_uri("t", None, Some("https://x/"), "Other"));
        assert_eq!(
            story_uri("s", None, None, "Head"),
            story_uri("s", None, None, "HEAD")
        );
        assert!(by_guid.starts_with("urn:wirefeed:story:"));
        assert_eq!(by_guid.len(), "urn:wirefeed:story:".len() + 16);
    }

    /// The fingerprint is persisted (state database, Kafka state topic): its value must not
    /// change. This is the original per-word implementation.
    fn fingerprint_reference(paragraphs: &[String], headline: &str) -> u64 {
        let mut norm = String::new();
        let text: Box<dyn Iterator<Item = &str>> = if paragraphs.is_empty() {
            Box::new(std::iter::once(headline))
        } else {
            Box::new(paragraphs.iter().map(String::as_str))
        };
        for word in text.flat_map(str::split_whitespace) {
            if !norm.is_empty() {
                norm.push(' ');
            }
            norm.extend(word.chars().flat_map(char::to_lowercase));
        }
        xxh3_64(norm.as_bytes())
    }

    #[test]
    fn fingerprint_is_stable() {
        let cases: &[(&[&str], &str)] = &[
            (&["One two", "Three"], "h"),
            (
                &["  A\tb\x0bC  ", "", " x\x01y ", "Ünïcode  WÖRDS\u{a0}here"],
                "h",
            ),
            (&[], "Only A Headline"),
            (&[], ""),
            (&["", " "], "h"),
        ];
        for (paras, head) in cases {
            let paras: Vec<String> = paras.iter().map(|p| p.to_string()).collect();
            assert_eq!(
                fingerprint(&paras, head),
                fingerprint_reference(&paras, head),
                "{paras:?}"
            );
        }
    }

    #[test]
    fn fingerprint_ignores_wrapping_and_case() {
        let a = fingerprint(&["One two".into(), "Three".into()], "h");
        assert_eq!(a, fingerprint(&["one  two three".into()], "other"));
        assert_ne!(a, fingerprint(&["One two".into()], "h"));
        assert_ne!(fingerprint(&[], "a"), fingerprint(&[], "b"));
    }

    #[test]
    fn detected_languages() {
        let cases = [
            (
                "Russia asks for regular U.S. missile defense consultations",
                "Russia has asked the United States to hold regular consultations on \
                 missile defense, the foreign ministry said on Monday.",
                Some("en"),
            ),
            // Typographic punctuation and a currency sign, as most publishers write.
            (
                "Markets rally as the pound \u{2014} at \u{a3}1.27 \u{2014} firms",
                "\u{201c}We don\u{2019}t expect the rally to last,\u{201d} one trader said on \
                 Monday, as investors weighed the central bank\u{2019}s next move.",
                Some("en"),
            ),
            (
                "La Russie demande des consultations",
                "La Russie a demandé aux États-Unis de tenir des consultations régulières \
                 sur la défense antimissile, a indiqué lundi le ministère des Affaires étrangères.",
                Some("fr"),
            ),
            (
                "Russland fordert Konsultationen",
                "Russland hat die Vereinigten Staaten aufgefordert, regelmäßige Gespräche über \
                 die Raketenabwehr zu führen, teilte das Außenministerium am Montag mit.",
                Some("de"),
            ),
            (
                "Россия просит консультаций",
                "Россия попросила Соединенные Штаты проводить регулярные консультации по \
                 противоракетной обороне, сообщило в понедельник министерство иностранных дел.",
                Some("ru"),
            ),
            (
                "Japan exports rise",
                "日本の輸出は3月に前年比で増加したと財務省が月曜日に発表した。自動車と半導体が伸びた。",
                Some("ja"),
            ),
            (
                "Italia, il governo approva il bilancio",
                "Il governo ha approvato il bilancio per il prossimo anno dopo una lunga \
                 riunione con i sindacati e le regioni, ha detto il ministro lunedi sera.",
                Some("it"),
            ),
            // Too little text to be sure.
            ("OK", "", None),
            ("Shr 12 cts", "Net 1,234 vs 1,100", None),
        ];
        for detector in [LanguageDetector::Fast, LanguageDetector::Wide] {
            for (headline, body, want) in cases {
                let got = detect_language(headline, &[body.to_string()], detector, DETECT_CHARS);
                assert_eq!(got.as_deref(), want, "{headline} ({detector:?})");
            }
        }
    }

    #[test]
    fn languages() {
        let cases = [
            ("en", Some("en")),
            ("en-US", Some("en")),
            ("EN_gb", Some("en")),
            ("eng", Some("en")),
            ("haw", Some("haw")),
            ("*", None),
            ("", None),
            ("english", None),
        ];
        for (input, want) in cases {
            assert_eq!(primary_language(input).as_deref(), want, "input: {input:?}");
        }
    }
}
