//! Plain text to paragraphs: Unicode NFC, paragraph split on blank lines, hard-wrapped lines
//! joined, whitespace collapsed, debris lines dropped.

use std::borrow::Cow;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Characters that carry nothing and only break matching: zero-width space, BOM, soft hyphen.
/// (Zero-width joiners are kept: they matter in some scripts and in emoji.)
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{00AD}') || (c.is_control() && !c.is_whitespace())
}

/// Collapses every run of Unicode whitespace (including no-break spaces) to one space, drops
/// invisible characters, and trims.
pub(crate) fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    collapse_into(&mut out, s);
    out
}

/// Whether [`collapse_ws`] would return `s` unchanged (most wire lines): no ASCII control
/// characters, single inner spaces and none at either end, and no non-ASCII character that
/// is whitespace or invisible (typographic quotes, dashes and letters are neither). Written
/// as folds without an early exit so the compiler vectorizes them: this runs on every line
/// of every body.
pub(crate) fn is_collapsed(s: &str) -> bool {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return true;
    };
    // Most lines are printable ASCII: one vectorized pass says so. Otherwise a second tells
    // ASCII control characters (below a space, or DEL) from non-ASCII bytes, and only then
    // are non-ASCII characters looked at. (A single pass computing both did not vectorize:
    // four times the instructions.)
    let unprintable = b
        .iter()
        .fold(false, |acc, &c| acc | (c.wrapping_sub(0x20) >= 0x5f));
    let control = unprintable
        && b.iter()
            .fold(false, |acc, &c| acc | (c < 0x20) | (c == 0x7f));
    let non_ascii = unprintable && !control;
    let double_space = b
        .iter()
        .zip(&b[1..])
        .fold(false, |acc, (&x, &y)| acc | ((x == b' ') & (y == b' ')));
    first != b' '
        && last != b' '
        && !control
        && !double_space
        && !(non_ascii
            && wirefeed_model::chars::any_rare_char(s, |c| c.is_whitespace() || is_invisible(c)))
}

/// [`collapse_ws`] into a reused buffer (cleared first): one pass and no allocation. Runs of
/// characters kept as they are (printable ASCII, and non-ASCII characters that are neither
/// whitespace nor invisible: letters, typographic quotes and dashes) are copied whole; only
/// non-ASCII characters are decoded. (Decoding every character of text with a curly quote in
/// it cost ~48k instructions a story on typographic wire copy, callgrind.)
pub(crate) fn collapse_into(out: &mut String, s: &str) {
    out.clear();
    if is_collapsed(s) {
        out.push_str(s);
        return;
    }
    // `i` stays on a character boundary: it moves a byte over ASCII, a character otherwise.
    let char_at = |i: usize| s[i..].chars().next().unwrap_or(' ');
    let b = s.as_bytes();
    let mut space = false;
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() {
            if (0x21..0x7f).contains(&b[i]) {
                i += 1;
            } else if b[i] < 0x80 {
                break;
            } else {
                let c = char_at(i);
                if c.is_whitespace() || is_invisible(c) {
                    break;
                }
                i += c.len_utf8();
            }
        }
        if i > start {
            if space {
                out.push(' ');
                space = false;
            }
            out.push_str(&s[start..i]);
        }
        // What ended the run: whitespace, or a character that is dropped.
        if i < b.len() {
            let c = char_at(i);
            if c.is_whitespace() {
                space = !out.is_empty();
            }
            i += c.len_utf8();
        }
    }
}

/// `s` in Unicode NFC, without copying when it already is (the quick check answers for
/// ASCII and most precomposed text without decomposing anything). Text whose non-ASCII
/// characters are all NFC starters (quick check Yes, combining class 0: curly quotes,
/// dashes, precomposed letters) passes the quick check by its definition, so only those
/// characters are looked at: the whole-text quick check was 2% of the instructions on
/// typographic text (callgrind).
pub(crate) fn nfc(s: &str) -> Cow<'_, str> {
    let starter = |c: char| {
        canonical_combining_class(c) == 0 && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes
    };
    if wirefeed_model::chars::non_ascii_chars(s).all(starter)
        || is_nfc_quick(s.chars()) == IsNormalized::Yes
    {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfc().collect())
    }
}

/// NFC plus [`collapse_ws`]: the form every headline and paragraph is kept in.
pub(crate) fn clean_line(s: &str) -> String {
    collapse_ws(&nfc(s))
}

/// Splits text into paragraphs on blank lines and joins the hard-wrapped lines inside each
/// paragraph with one space. A line ending in a word-internal hyphen (`veto-` + `wielding`)
/// is joined without a space, since wire copy breaks compounds only at their hyphen. Lines
/// that are debris are dropped wherever they occur, without ending the paragraph.
pub(crate) fn paragraphs(text: &str, debris: &Debris) -> Vec<String> {
    // `\r\n` and a lone `\r` (old Mac files) both end a line.
    let text = if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    };
    let text = nfc(&text);
    let mut out = Vec::new();
    // Built in one buffer that keeps its capacity; each paragraph is copied out at its size.
    let mut cur = String::with_capacity(text.len());
    let mut buf = String::new();
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    for end in ends {
        let raw = &text[start..end];
        start = end + 1;
        // A clean line (nearly all of them, once the indent is trimmed) is used as it is, not
        // copied first. Trimming whitespace at the ends does not change what it collapses to.
        let raw = raw.trim_ascii();
        let line: &str = if is_collapsed(raw) {
            raw
        } else {
            collapse_into(&mut buf, raw);
            &buf
        };
        if line.is_empty() {
            if !cur.is_empty() {
                out.push(cur.as_str().to_owned());
                cur.clear();
            }
            continue;
        }
        if debris.is_debris_line(line) {
            continue;
        }
        if !cur.is_empty() && !joins_tight(&cur, line) {
            cur.push(' ');
        }
        cur.push_str(line);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether `next` continues a hyphenated word broken at the end of `prev`.
fn joins_tight(prev: &str, next: &str) -> bool {
    let mut tail = prev.chars().rev();
    tail.next() == Some('-')
        && tail.next().is_some_and(char::is_alphanumeric)
        && next.chars().next().is_some_and(char::is_alphanumeric)
}

/// The comparison form of a character for debris matching: lowercase, with the typographic
/// apostrophes a CMS substitutes equal to the ASCII one.
fn fold_char(c: char) -> char {
    match c {
        '\u{2019}' | '\u{2018}' | '`' => '\'',
        c => c.to_lowercase().next().unwrap_or(c),
    }
}

fn fold(s: &str) -> Vec<char> {
    collapse_ws(s).chars().map(fold_char).collect()
}

/// The first `max` characters of an already whitespace-collapsed line, folded.
fn fold_head(s: &str, max: usize) -> Vec<char> {
    s.chars().take(max).map(fold_char).collect()
}

/// Strips `prefix` (already folded) from the start of `s`, comparing folded characters.
fn strip_prefix_folded<'a>(s: &'a str, prefix: &[char]) -> Option<&'a str> {
    let mut it = s.char_indices();
    for &p in prefix {
        let (_, c) = it.next()?;
        if fold_char(c) != p {
            return None;
        }
    }
    Some(it.next().map_or("", |(i, _)| &s[i..]))
}

/// Characters of a line compared with the start of every debris entry before the full match.
const HEAD: usize = 3;

/// Trailing punctuation ignored when a whole line is compared with a debris entry.
const TRAILING: &[char] = &['.', '!', ':', '…', '>', '›', '»', ' '];

struct Entry {
    folded: Vec<char>,
    /// Whether a line that merely starts with the entry is debris too.
    prefix: bool,
}

/// The configured debris list, folded once at startup.
pub(crate) struct Debris {
    entries: Vec<Entry>,
    /// The longest entry, in characters: a line is only folded that far, since a longer line
    /// can only match an entry as a prefix (this runs on every line of every body).
    longest: usize,
    /// The first (up to) [`HEAD`] folded characters of each entry: a line starting with none
    /// of them is not debris, which settles almost every line without folding all of it.
    /// `None` when an entry is all trailing punctuation (it matches lines by what is left
    /// after trimming). Each head is packed by [`pack_head`] with the mask of its length, so
    /// a line is tested against all of them with one integer compare each.
    heads: Option<Vec<(u64, u64)>>,
}

/// Up to [`HEAD`] characters in one integer, 21 bits each (every `char` fits in 21 bits).
/// An absent character packs as 0, which no folded debris character is (collapsing drops
/// control characters), so a line shorter than a head never matches it.
fn pack_head(chars: impl Iterator<Item = char>) -> (u64, u64) {
    chars
        .take(HEAD)
        .enumerate()
        .fold((0, 0), |(packed, mask), (i, c)| {
            (
                packed | (c as u64) << (21 * i),
                mask | 0x1f_ffff << (21 * i),
            )
        })
}

impl Debris {
    pub(crate) fn new(list: &[String]) -> Debris {
        let entries = list
            .iter()
            .map(|e| collapse_ws(e))
            .filter(|e| !e.is_empty())
            .map(|e| Entry {
                prefix: e.ends_with(':') || e.split(' ').count() >= 3,
                folded: fold(&e),
            })
            .collect::<Vec<Entry>>();
        let longest = entries.iter().map(|e| e.folded.len()).max().unwrap_or(0);
        // A line matches an entry only if it starts with the entry's bare form (the entry
        // without trailing punctuation), so that form's first characters are a safe filter.
        let heads = entries
            .iter()
            .map(|e| {
                let bare = e.folded.len()
                    - e.folded
                        .iter()
                        .rev()
                        .take_while(|c| TRAILING.contains(c))
                        .count();
                (bare > 0).then(|| pack_head(e.folded[..bare].iter().copied()))
            })
            .collect::<Option<Vec<_>>>()
            .map(|mut heads| {
                heads.sort_unstable();
                heads.dedup();
                heads
            });
        Debris {
            entries,
            longest,
            heads,
        }
    }

    /// `false` when no entry can start `s`: it starts with none of the heads.
    fn may_start_with_entry(&self, s: &str) -> bool {
        let Some(heads) = &self.heads else {
            return true;
        };
        let b = s.as_bytes();
        let (head, _) = if b.len() >= HEAD && b[..HEAD].is_ascii() {
            // ASCII folds byte by byte: lowercase, with the backtick an apostrophe.
            pack_head(b[..HEAD].iter().map(|&c| match c {
                b'`' => '\'',
                c => c.to_ascii_lowercase() as char,
            }))
        } else {
            pack_head(s.chars().map(fold_char))
        };
        heads.iter().any(|&(h, mask)| head & mask == h)
    }

    /// Whether a (whitespace-collapsed) body line is debris.
    pub(crate) fn is_debris_line(&self, line: &str) -> bool {
        if !self.may_start_with_entry(line) {
            return false;
        }
        let folded = fold_head(line.trim_end_matches(TRAILING), self.longest + 1);
        self.entries.iter().any(|e| {
            let bare: &[char] = {
                let mut end = e.folded.len();
                while end > 0 && TRAILING.contains(&e.folded[end - 1]) {
                    end -= 1;
                }
                &e.folded[..end]
            };
            folded == bare || (e.prefix && folded.starts_with(&e.folded))
        })
    }

    /// Strips debris entries from the start of a headline, repeatedly, keeping the rest.
    pub(crate) fn strip_prefixes<'a>(&self, mut s: &'a str) -> &'a str {
        'again: loop {
            // A string an entry starts also starts with that entry's head.
            if !self.may_start_with_entry(s) {
                return s;
            }
            for e in &self.entries {
                if let Some(rest) = strip_prefix_folded(s, &e.folded) {
                    let rest = rest.trim_start();
                    if !rest.is_empty() {
                        s = rest;
                        continue 'again;
                    }
                }
            }
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NormalizeConfig;

    fn check(input: &str, expected: &[&str]) {
        let debris = Debris::new(&NormalizeConfig::default().debris);
        assert_eq!(paragraphs(input, &debris), expected, "input: {input:?}");
    }

    #[test]
    fn line_joining() {
        check("a b\nc d", &["a b c d"]);
        check("one\n\ntwo", &["one", "two"]);
        check("one\r\n\r\ntwo\r\nthree", &["one", "two three"]);
        check("  \u{a0}MOSCOW, March 25 -\n x", &["MOSCOW, March 25 - x"]);
        check("one\n \t \n\n\ntwo", &["one", "two"]);
        check("veto-\nwielding members", &["veto-wielding members"]);
        check("the talks -\nand more", &["the talks - and more"]);
        check("wide    spaced\ttext", &["wide spaced text"]);
        check("zero\u{200B}width", &["zerowidth"]);
        check("", &[]);
        // NFC: e + combining acute becomes one character.
        check("Cafe\u{301}", &["Caf\u{e9}"]);
    }

    #[test]
    fn debris_lines() {
        check("a\n\nAdvertisement\n\nb", &["a", "b"]);
        check("a\nADVERTISEMENT\nb", &["a b"]);
        check(
            "Advertisement spending rose",
            &["Advertisement spending rose"],
        );
        check("Click here to subscribe to our newsletter.\n\nx", &["x"]);
        check("You\u{2019}re reading: Headline\n\nx", &["x"]);
        check("Share this article\n\nx", &["x"]);
        check("Share this", &["Share this"]);
        check(
            "We use cookies to improve your experience. By continuing you agree.\n\nx",
            &["x"],
        );
        check(
            "a\n\nAccept all cookies\n\nCookie settings\n\nb",
            &["a", "b"],
        );
        check("Follow us on Twitter and Facebook\n\nx", &["x"]);
        check("Cookies are a snack", &["Cookies are a snack"]);
    }

    #[test]
    fn debris_entries_starting_or_made_of_punctuation() {
        let debris = Debris::new(&["» Read more".to_string(), "***".to_string()]);
        assert!(debris.is_debris_line("» Read more"));
        assert!(!debris.is_debris_line("Read more about it"));
        let stars = Debris::new(&["***".to_string()]);
        assert!(stars.is_debris_line("***"));
        assert!(!stars.is_debris_line("a***"));
    }

    #[test]
    fn collapse_ascii_and_unicode_alike() {
        for s in [
            "  a\t b\x0b c\x01d  ",
            " \u{a0}é  \u{200b}x\u{2003}y ",
            "",
            "\x01 \x02",
        ] {
            let want = s
                .split_whitespace()
                .map(|w| w.chars().filter(|&c| !is_invisible(c)).collect::<String>())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(collapse_ws(s), want, "{s:?}");
        }
    }

    #[test]
    fn headline_prefix_strip() {
        let debris = Debris::new(&NormalizeConfig::default().debris);
        assert_eq!(
            debris.strip_prefixes("You're reading: Headline"),
            "Headline"
        );
        assert_eq!(debris.strip_prefixes("YOU’RE READING:Headline"), "Headline");
        assert_eq!(debris.strip_prefixes("Headline"), "Headline");
        assert_eq!(debris.strip_prefixes("You're reading:"), "You're reading:");
    }

    /// The plain way to do what `collapse_into` does: a character at a time.
    fn collapse_reference(s: &str) -> String {
        let mut out = String::new();
        let mut space = false;
        for c in s.chars() {
            if c.is_whitespace() {
                space = !out.is_empty();
            } else if !is_invisible(c) {
                if space {
                    out.push(' ');
                    space = false;
                }
                out.push(c);
            }
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// Copying runs gives what a character at a time gives, on text of ASCII, typographic
        /// punctuation, letters, every kind of space and invisible and control characters.
        #[test]
        fn collapse_copies_runs_as_a_char_loop_would(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "word", "x", " ", "  ", "\t", "\n", "\r\n", "\x0B", "\x0C", "\x01", "\x7F",
                    "\u{a0}", "\u{2009}", "\u{3000}", "\u{85}", "\u{200B}", "\u{FEFF}", "\u{AD}",
                    "\u{200D}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2013}", "\u{2014}", "é",
                    "Zoë", "日本", "😀", ".", ",",
                ]),
                0..30,
            ),
        ) {
            let text = parts.concat();
            let mut out = String::from("stale");
            collapse_into(&mut out, &text);
            proptest::prop_assert_eq!(&out, &collapse_reference(&text), "text {:?}", text);
        }
    }

    /// A line with any non-ASCII whitespace or invisible character is not collapsed.
    #[test]
    fn every_collapsible_non_ascii_character_is_found() {
        for c in (0x80..=0x10FFFF).filter_map(char::from_u32) {
            if c.is_whitespace() || is_invisible(c) {
                assert!(!is_collapsed(&format!("a\u{2019}{c}b")), "{c:?}");
            }
        }
        assert!(is_collapsed(
            "\u{201C}It\u{2019}s done \u{2013} now,\u{201D} Zoë said in 日本"
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// `is_collapsed` says yes exactly when collapsing changes nothing.
        #[test]
        fn is_collapsed_when_collapsing_changes_nothing(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "word", "x", " ", "  ", "\t", "\n", "\x01", "\x7F", "\u{a0}", "\u{2009}",
                    "\u{3000}", "\u{85}", "\u{200B}", "\u{FEFF}", "\u{AD}", "\u{200D}",
                    "\u{2019}", "\u{201C}", "\u{2013}", "é", "日本", "😀", ".",
                ]),
                0..12,
            ),
        ) {
            let text = parts.concat();
            proptest::prop_assert_eq!(is_collapsed(&text), collapse_ws(&text) == text, "text {:?}", text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// `nfc` is NFC, and borrowed only when the text already was (the quick check may
        /// answer Maybe for NFC text, which is then copied): on ASCII, typographic
        /// punctuation, precomposed and decomposed letters, combining marks in and out of
        /// order, Hangul jamo, singletons (Ohm, Angstrom) and characters with no
        /// decomposition.
        #[test]
        fn nfc_is_nfc(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "word", "e", "A", " ", "\u{2019}", "\u{201C}", "\u{2013}", "\u{e9}",
                    "\u{301}", "\u{323}", "\u{302}", "\u{1100}", "\u{1161}", "\u{AC00}",
                    "\u{2126}", "\u{212B}", "\u{f900}", "\u{1E0A}", "\u{fb01}", "\u{a0}",
                    "\u{2000}", "\u{343}", "\u{e0}", "\u{5d0}", "\u{5b4}", "\u{5b0}", "\u{1F600}",
                ]),
                0..12,
            ),
        ) {
            let text = parts.concat();
            let want: String = text.nfc().collect();
            let got = nfc(&text);
            proptest::prop_assert_eq!(&*got, want.as_str(), "text {:?}", text);
            proptest::prop_assert!(matches!(got, Cow::Owned(_)) || want == text);
        }
    }
}
