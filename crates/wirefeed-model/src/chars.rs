//! Character checks shared by the text stages, for text that is mostly ASCII.

/// Whether a character of `s` whose UTF-8 starts with C2, E1, E2, E3 or EF satisfies `pred`.
/// Every non-ASCII whitespace character, C1 control, soft hyphen, zero-width space and byte
/// order mark starts with one of those bytes (a test walks all of Unicode), so for a `pred`
/// true only of such characters this is exact, while decoding only them: typographic text has
/// many E2s (quotes, dashes), and decoding those alone is far cheaper than every character.
pub fn any_rare_char(s: &str, pred: impl Fn(char) -> bool) -> bool {
    let b = s.as_bytes();
    // Lead bytes are character boundaries, so the slice is valid.
    let at = |i: usize| s[i..].chars().next().is_some_and(&pred);
    memchr::memchr3_iter(0xC2, 0xE1, 0xE2, b).any(at) || memchr::memchr2_iter(0xE3, 0xEF, b).any(at)
}

/// Whether no non-ASCII character of `s` is a letter, a number or whitespace. On such text the
/// regex classes `\p{L}`, `\p{Lu}`, `\p{Ll}`, `\p{N}`, `\d` and `\s` answer as their ASCII
/// versions (`[A-Za-z]`, `[A-Z]`, `[a-z]`, `[0-9]`, ASCII space), so a pattern written with
/// ASCII classes finds what its Unicode original finds, with a far smaller automaton.
/// Typographic quotes and dashes are none of those.
pub fn ascii_classes_suffice(s: &str) -> bool {
    non_ascii_chars(s).all(|c| !(is_alphanumeric(c) || c.is_whitespace()))
}

/// `char::is_alphanumeric`, answering for the General Punctuation block (U+2000-U+206F:
/// curly quotes, dashes, ellipsis; none of it a letter or number, a test checks) without the
/// Unicode table search, which cost ~50 instructions a typographic quote.
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        !GENERAL_PUNCTUATION.contains(&c) && c.is_alphanumeric()
    }
}

/// `char::is_alphabetic`, the same way as [`is_alphanumeric`].
#[inline]
pub fn is_alphabetic(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        !GENERAL_PUNCTUATION.contains(&c) && c.is_alphabetic()
    }
}

const GENERAL_PUNCTUATION: std::ops::RangeInclusive<char> = '\u{2000}'..='\u{206F}';

/// The non-ASCII characters of `s`, in order. ASCII is skipped eight bytes at a time, so
/// checking only the non-ASCII characters of typographic text (a curly quote or dash every
/// few hundred bytes) costs a fraction of decoding every character.
pub fn non_ascii_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        i += ascii_prefix_len(&s.as_bytes()[i..]);
        // `i` is at a lead byte (ASCII bytes are whole characters), or at the end.
        let c = s.get(i..)?.chars().next()?;
        i += c.len_utf8();
        Some(c)
    })
}

/// How many bytes `b` starts with before its first non-ASCII byte, eight at a time: the
/// byte loop `position(|b| !b.is_ascii())` cost two instructions a byte on every paragraph.
pub fn ascii_prefix_len(b: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(word) = b.get(i..i + 8) {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        if word & HIGH != 0 {
            // The lowest set high bit is the first non-ASCII byte (little-endian lanes).
            return i + (word & HIGH).trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    i + b[i..].iter().take_while(|x| x.is_ascii()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The characters `any_rare_char` is exact for all start with its lead bytes.
    #[test]
    fn every_non_ascii_space_and_invisible_character_is_found() {
        let mut buf = [0u8; 4];
        let rare = |c: char| {
            c.is_whitespace() || c.is_control() || matches!(c, '\u{AD}' | '\u{200B}' | '\u{FEFF}')
        };
        for c in (0x80..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| rare(c))
        {
            let lead = c.encode_utf8(&mut buf).as_bytes()[0];
            assert!(matches!(lead, 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF), "{c:?}");
            assert!(
                any_rare_char(&format!("a\u{2019}{c}b"), |x| x == c),
                "{c:?}"
            );
        }
        assert!(!any_rare_char("a\u{2019}\u{201C}\u{2013}é日本 b", rare));
    }

    #[test]
    fn ascii_classes_suffice_without_non_ascii_letters_digits_or_spaces() {
        assert!(ascii_classes_suffice(
            "MOSCOW, March 25 (Reuters) \u{2013} it\u{2019}s"
        ));
        for s in ["SÃO PAULO -", "Zürich", "March\u{a0}25", "Ag\u{663}"] {
            assert!(!ascii_classes_suffice(s), "{s:?}");
        }
    }

    #[test]
    fn non_ascii_chars_are_the_non_ascii_chars() {
        let texts = [
            "",
            "plain ASCII only, longer than eight bytes",
            "\u{2019}",
            "a\u{201c}quoted\u{201d} \u{2013} caf\u{e9} \u{1F600}",
            "12345678\u{e9}12345678\u{10FFFF}x",
            "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
        ];
        for t in texts {
            let want: Vec<char> = t.chars().filter(|c| !c.is_ascii()).collect();
            assert_eq!(non_ascii_chars(t).collect::<Vec<_>>(), want, "{t:?}");
            for cut in (0..=t.len()).filter(|&i| t.is_char_boundary(i)) {
                let want: Vec<char> = t[cut..].chars().filter(|c| !c.is_ascii()).collect();
                assert_eq!(non_ascii_chars(&t[cut..]).collect::<Vec<_>>(), want);
            }
        }
    }

    #[test]
    fn ascii_prefix_len_is_the_first_non_ascii_byte() {
        let mut bytes = vec![b'a'; 40];
        assert_eq!(ascii_prefix_len(&bytes), 40);
        assert_eq!(ascii_prefix_len(&[]), 0);
        for at in 0..40 {
            for high in [0x80u8, 0xC3, 0xE2, 0xFF] {
                bytes[at] = high;
                for from in 0..=at {
                    assert_eq!(ascii_prefix_len(&bytes[from..]), at - from, "{at} {from}");
                }
                bytes[at] = b'a';
            }
        }
    }

    #[test]
    fn general_punctuation_has_no_letters_or_numbers() {
        for c in GENERAL_PUNCTUATION {
            assert!(!c.is_alphanumeric(), "{c:?}");
        }
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
            assert_eq!(is_alphabetic(c), c.is_alphabetic(), "{c:?}");
        }
    }
}
