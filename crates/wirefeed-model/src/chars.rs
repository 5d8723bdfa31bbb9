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
    outside_punctuation(c, char::is_alphanumeric)
}

/// `char::is_alphabetic`, the same way as [`is_alphanumeric`].
#[inline]
pub fn is_alphabetic(c: char) -> bool {
    outside_punctuation(c, char::is_alphabetic)
}

/// `class(c)`, false without asking for General Punctuation; ASCII goes straight to
/// `class`, which answers it without tables.
#[inline(always)]
fn outside_punctuation(c: char, class: fn(char) -> bool) -> bool {
    (c.is_ascii() || !GENERAL_PUNCTUATION.contains(&c)) && class(c)
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

/// Calls `f(start, end)` for every maximal run of `text`'s bytes that are ASCII and in one of
/// the inclusive `ranges` (words: letters, digits), in order. Runs are found 64 bytes at a
/// time from a bit mask of the run bytes, rather than byte by byte: the byte loop took a
/// mispredicted branch at the end of every word, and shifting each letter into a key cost
/// ~30 instructions a byte in the language check (callgrind).
// Always inlined, with `f`: as a call, the per-word closure (SimHash's xxh3) was not
// inlined and cost ~10M instructions on the profile's 5,000 stories.
#[inline(always)]
pub fn ascii_runs<const N: usize>(
    text: &[u8],
    ranges: [(u8, u8); N],
    mut f: impl FnMut(usize, usize),
) {
    let mut in_run = false;
    let mut start = 0;
    // Whether the byte before the current block was a run byte.
    let mut carry = 0u64;
    // The last block is zero-padded and always comes (empty when the length is a multiple of
    // 64), so a run reaching the end of `text` ends at a padding byte: `f` is called in one
    // place, where it is inlined.
    let full = text.len() / 64;
    for n in 0..=full {
        let base = n * 64;
        let mask = match text.get(base..base + 64) {
            Some(block) if n < full => class_mask(block.try_into().expect("64 bytes"), ranges),
            _ => {
                let mut padded = [0u8; 64];
                padded[..text.len() - base].copy_from_slice(&text[base..]);
                class_mask(&padded, ranges)
            }
        };
        // A bit for every run start and every run end (the first byte after a run).
        let mut edges = mask ^ ((mask << 1) | carry);
        carry = mask >> 63;
        while edges != 0 {
            let at = base + edges.trailing_zeros() as usize;
            edges &= edges - 1;
            if in_run {
                f(start, at);
            } else {
                start = at;
            }
            in_run = !in_run;
        }
    }
}

/// Bit i is set when `block[i]` is ASCII and in one of `ranges`. Eight bytes per word
/// operation: each byte is range-checked in its own lane, on its low seven bits (so no sum
/// carries into the next lane), and lanes whose byte is not ASCII are dropped at the end.
// Always inlined, so the loop over the constant `ranges` unrolls.
#[inline(always)]
fn class_mask<const N: usize>(block: &[u8; 64], ranges: [(u8, u8); N]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte lane: set when the (7-bit) byte is >= `lo` / > `hi`.
    let ge = |x: u64, lo: u8| x.wrapping_add((0x80 - u64::from(lo)) * ONES) & HIGH;
    let gt = |x: u64, hi: u8| x.wrapping_add((0x7f - u64::from(hi)) * ONES) & HIGH;
    let mut mask = 0u64;
    for (i, lane) in block.chunks_exact(8).enumerate() {
        let raw = u64::from_le_bytes(lane.try_into().expect("8-byte lane"));
        let x = raw & !HIGH;
        let mut hits = 0;
        for (lo, hi) in ranges {
            hits |= ge(x, lo) & !gt(x, hi);
        }
        hits &= !raw;
        // Gather the eight high bits into one byte (lane k -> bit k).
        let byte = ((hits >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
        mask |= byte << (8 * i);
    }
    mask
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

    /// The runs are the plain split's, on ASCII and non-ASCII bytes, across block edges.
    #[test]
    fn ascii_runs_are_the_split_runs() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for n in 0..500 {
            // Block edges first, then random lengths.
            let len = [0, 1, 63, 64, 65, 127, 128, 129]
                .get(n)
                .copied()
                .unwrap_or((x % 200) as usize);
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    [
                        b'a', b'Z', b'0', b' ', b'-', b'@', b'[', b'`', b'{', 0x80, 0xE2, 0xC3,
                        0xFF, b'z', b'A',
                    ][(x % 15) as usize]
                })
                .collect();
            let class = |b: u8| b.is_ascii_alphabetic();
            let mut want = Vec::new();
            let mut i = 0;
            while i < text.len() {
                if class(text[i]) {
                    let s = i;
                    while i < text.len() && class(text[i]) {
                        i += 1;
                    }
                    want.push((s, i));
                } else {
                    i += 1;
                }
            }
            let mut got = Vec::new();
            ascii_runs(&text, [(b'A', b'Z'), (b'a', b'z')], |s, e| got.push((s, e)));
            assert_eq!(got, want, "{text:?}");
        }
    }

    /// Every byte value, in every lane position.
    #[test]
    fn class_mask_marks_the_ascii_bytes_in_range() {
        for start in [0u8, 0x28, 0x40, 0x58, 0x80, 0xC0, 0xE8] {
            let mut block = [0u8; 64];
            for (i, b) in block.iter_mut().enumerate() {
                *b = start.wrapping_add(i as u8);
            }
            let want = block.iter().enumerate().fold(0u64, |m, (i, b)| {
                m | (u64::from(b.is_ascii_digit() || b.is_ascii_lowercase()) << i)
            });
            assert_eq!(
                class_mask(&block, [(b'0', b'9'), (b'a', b'z')]),
                want,
                "start {start:#x}"
            );
        }
    }
}
