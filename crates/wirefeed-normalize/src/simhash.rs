//! SimHash-64 (Charikar 2002) over word 3-shingles, and the multi-table index of Manku,
//! Jain and Das Sarma (WWW 2007) that finds every stored hash within a small Hamming distance
//! without comparing against all of them.
//!
//! Hand-written because it is small (a few dozen lines) and the published crates either pull
//! in a tokenizer we do not want or have no index; the index is what makes it scale.

use xxhash_rust::xxh3::xxh3_64;

/// Words per shingle: 3 keeps word order (a reordered sentence changes the hash a little)
/// while one edited word changes only three features.
const SHINGLE: usize = 3;

/// Hashes of the lowercase alphanumeric words of the text, numbers included: templated
/// stories (earnings, prices) differ mostly in their numbers, which must keep them apart.
pub(crate) fn words<'a>(paragraphs: impl Iterator<Item = &'a str>) -> Vec<u64> {
    let mut out = Vec::new();
    words_into(&mut out, &mut Vec::new(), paragraphs);
    out
}

/// [`words`] into `out` (cleared first), with `lower` as scratch: the story window keeps
/// both between stories, since this runs on every story. Words are hashed in place (no
/// string per word); an ASCII paragraph is lowercased once, in bulk, and its words are
/// hashed straight from that copy.
pub(crate) fn words_into<'a>(
    out: &mut Vec<u64>,
    lower: &mut Vec<u8>,
    paragraphs: impl Iterator<Item = &'a str>,
) {
    out.clear();
    for p in paragraphs {
        // A non-ASCII char that is not alphanumeric (a typographic quote, a dash) always ends
        // a word, so the ASCII stretches between them take the fast path; only stretches with
        // non-ASCII letters go char by char. Typographic punctuation put most English news on
        // the slow path before, a fifth of the normalize stage on such text.
        if p.is_ascii() {
            lower.clear();
            lower.extend_from_slice(p.as_bytes());
            lower.make_ascii_lowercase();
            ascii_words(out, lower);
            continue;
        }
        let mut rest = p;
        while !rest.is_empty() {
            let (stretch, next) = match first_non_ascii_separator(rest) {
                Some((i, c)) => (&rest[..i], &rest[i + c.len_utf8()..]),
                None => (rest, ""),
            };
            if stretch.is_ascii() {
                lower.clear();
                lower.extend_from_slice(stretch.as_bytes());
                lower.make_ascii_lowercase();
                ascii_words(out, lower);
            } else {
                unicode_words(out, lower, stretch);
            }
            rest = next;
        }
    }
}

/// The first non-ASCII character of `s` that is not alphanumeric, and where it is; only
/// non-ASCII characters are decoded.
fn first_non_ascii_separator(s: &str) -> Option<(usize, char)> {
    let mut i = 0;
    loop {
        i += wirefeed_model::chars::ascii_prefix_len(&s.as_bytes()[i..]);
        let c = s.get(i..)?.chars().next()?;
        if !wirefeed_model::chars::is_alphanumeric(c) {
            return Some((i, c));
        }
        i += c.len_utf8();
    }
}

/// The words of `text` (runs of alphanumeric chars), each hashed lowercase.
fn unicode_words(out: &mut Vec<u64>, lower: &mut Vec<u8>, text: &str) {
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        out.push(if w.is_ascii() {
            lower.clear();
            lower.extend_from_slice(w.as_bytes());
            lower.make_ascii_lowercase();
            xxh3_64(lower)
        } else {
            xxh3_64(w.to_lowercase().as_bytes())
        });
    }
}

/// Pushes the hashes of the words (runs of ASCII digits and lowercase letters; for ASCII,
/// `char::is_alphanumeric` is `u8::is_ascii_alphanumeric`) of lowercase ASCII `text`.
fn ascii_words(out: &mut Vec<u64>, text: &[u8]) {
    wirefeed_model::chars::ascii_runs(text, [(b'0', b'9'), (b'a', b'z')], |start, end| {
        out.push(xxh3_64(&text[start..end]));
    });
}

/// The 64-bit SimHash of the word 3-shingles of `words` (word hashes from [`words`], each
/// shingle weighted once). Texts shorter than a shingle are hashed as one feature.
pub(crate) fn simhash(words: &[u64]) -> u64 {
    let shingle = |w: &[u64]| {
        let mut b = [0u8; 8 * SHINGLE];
        for (i, x) in w.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&x.to_le_bytes());
        }
        xxh3_64(&b[..w.len() * 8])
    };
    if words.len() < SHINGLE {
        return majority(std::iter::once(shingle(words)));
    }
    majority(words.windows(SHINGLE).map(shingle))
}

/// Each bit of the result is set when it is set in more than half of `hashes`.
///
/// Counting 64 bits one by one per feature dominated normalize time, so the 64 counters are
/// kept bit-sliced: `planes[k]` holds bit k of every counter. Hashes are taken in pairs: a
/// full adder puts the pair and plane 0 into plane 0 and a carry, and the carry ripples up
/// through half adders (about 13 word operations per hash for 64 counters). The eight
/// planes count to 255, so they are emptied into wide counters before they overflow.
fn majority(mut hashes: impl Iterator<Item = u64>) -> u64 {
    const PLANES: usize = 8;
    let mut counts = [0u32; 64];
    let mut planes = [0u64; PLANES];
    let mut pending = 0;
    let mut n = 0u32;
    let drain = |planes: &mut [u64; PLANES], counts: &mut [u32; 64]| {
        for (bit, c) in counts.iter_mut().enumerate() {
            let mut v = 0;
            for (k, p) in planes.iter().enumerate() {
                v |= ((p >> bit) & 1) << k;
            }
            *c += v as u32;
        }
        *planes = [0; PLANES];
    };
    // Adds `carry` at plane `from` and up.
    let ripple = |planes: &mut [u64; PLANES], from: usize, mut carry: u64| {
        for p in &mut planes[from..] {
            let next = *p & carry;
            *p ^= carry;
            carry = next;
        }
    };
    while let Some(a) = hashes.next() {
        match hashes.next() {
            Some(b) => {
                let half = planes[0] ^ a;
                let carry = (planes[0] & a) | (half & b);
                planes[0] = half ^ b;
                ripple(&mut planes, 1, carry);
                n += 2;
                pending += 2;
            }
            None => {
                ripple(&mut planes, 0, a);
                n += 1;
                pending += 1;
            }
        }
        if pending >= (1 << PLANES) - 2 {
            drain(&mut planes, &mut counts);
            pending = 0;
        }
    }
    drain(&mut planes, &mut counts);
    counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| 2 * c > n)
        .fold(0u64, |h, (bit, _)| h | (1 << bit))
}

/// The SimHash-64 of a story's body, as the story window computes it (exposed for the
/// evaluation harness and benchmarks).
pub fn simhash_of(story: &wirefeed_model::Story) -> u64 {
    simhash(&words(story.paragraphs.iter().map(String::as_str)))
}

/// Number of differing bits.
pub(crate) fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Blocks the 64 bits are cut into. By the pigeonhole principle two hashes within Hamming
/// distance 3 agree exactly on at least one of 4 blocks, so looking up each block of the
/// query in its own table finds every such neighbour. With 1 M hashes a 16-bit block bucket
/// holds ~15 entries, so a lookup checks ~60 candidates. Distances above 3 need more blocks
/// (k + 1 of them), which [`SimIndex::new`] rejects rather than silently missing matches.
const BLOCKS: usize = 4;
const BLOCK_BITS: usize = 64 / BLOCKS;

/// The largest Hamming distance the index answers exactly.
pub const MAX_NEAR_DISTANCE: u32 = BLOCKS as u32 - 1;

/// Slots of stored hashes, bucketed by each 16-bit block.
pub(crate) struct SimIndex {
    tables: Vec<Vec<Vec<u32>>>,
}

fn block(h: u64, i: usize) -> usize {
    ((h >> (i * BLOCK_BITS)) & ((1 << BLOCK_BITS) - 1)) as usize
}

impl SimIndex {
    pub(crate) fn new() -> SimIndex {
        SimIndex {
            tables: (0..BLOCKS)
                .map(|_| vec![Vec::new(); 1 << BLOCK_BITS])
                .collect(),
        }
    }

    pub(crate) fn insert(&mut self, h: u64, slot: u32) {
        for (i, t) in self.tables.iter_mut().enumerate() {
            t[block(h, i)].push(slot);
        }
    }

    pub(crate) fn remove(&mut self, h: u64, slot: u32) {
        for (i, t) in self.tables.iter_mut().enumerate() {
            let bucket = &mut t[block(h, i)];
            if let Some(p) = bucket.iter().position(|&s| s == slot) {
                bucket.swap_remove(p);
            }
        }
    }

    /// Calls `f` with every slot whose block agrees with `h` in at least one table (a
    /// superset of those within [`MAX_NEAR_DISTANCE`]); a slot may be seen more than once.
    pub(crate) fn candidates(&self, h: u64, mut f: impl FnMut(u32)) {
        for (i, t) in self.tables.iter().enumerate() {
            for &s in &t[block(h, i)] {
                f(s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `words_into` before the ASCII stretches: char by char for any non-ASCII paragraph.
    /// SimHashes are stored in the window, so the fast path must give the same words.
    fn words_reference(p: &str) -> Vec<u64> {
        p.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| xxh3_64(w.to_lowercase().as_bytes()))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn words_are_the_same_on_every_path(
            p in "[a-zA-Z0-9 ,.'’‘“”–—éÉßΣςİıＡ１\u{a0}\u{2009}日本\u{301}\t-]{0,80}"
        ) {
            let mut out = Vec::new();
            let mut lower = Vec::new();
            words_into(&mut out, &mut lower, std::iter::once(p.as_str()));
            prop_assert_eq!(out, words_reference(&p));
        }
    }

    fn hash(text: &str) -> u64 {
        simhash(&words(std::iter::once(text)))
    }

    const BASE: &str = "NATO defence ministers on Tuesday discussed where to place a new \
        batch of missile interceptors in eastern Europe, as a shield radar in northern Poland \
        moved closer to full service despite renewed objections from Russia. The talks, held \
        behind closed doors at alliance headquarters, focused on whether the United States \
        should station additional interceptor batteries in Poland and Romania or keep them on \
        ships in the Baltic and the Black Sea, two diplomats familiar with the discussion said.";

    #[test]
    fn ascii_fast_path_splits_words_like_the_general_one() {
        let long = "x".repeat(70);
        // Words ending at, crossing and filling 64-byte blocks; every ASCII byte.
        let edges = [
            "y".repeat(64),
            "x".repeat(63) + " y",
            "ab ".repeat(50),
            "q".repeat(127) + "-",
            (0u8..128).map(char::from).collect::<String>().repeat(3),
        ];
        for text in [
            BASE,
            "a-b c_d e1 ,,, F",
            "",
            long.as_str(),
            "Zürich x-y 3.5",
        ]
        .into_iter()
        .chain(edges.iter().map(String::as_str))
        {
            let general: Vec<u64> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(|w| xxh3_64(w.to_lowercase().as_bytes()))
                .collect();
            assert_eq!(words(std::iter::once(text)), general, "{text:?}");
        }
    }

    #[test]
    fn near_texts_are_near_and_different_texts_far() {
        let base = hash(BASE);
        // (variant, max distance expected, min distance expected)
        let cases: &[(String, u32, u32)] = &[
            (BASE.to_uppercase(), 0, 0),
            (BASE.replace(", ", " , "), 0, 0),
            (BASE.replace("Tuesday", "Wednesday"), 8, 0),
            (
                "OPEC ministers meeting in Vienna on Thursday agreed to extend output cuts \
                 until the end of next year, three delegates said, as Saudi Arabia pushed \
                 for deeper reductions to support prices that have slipped below $70."
                    .to_string(),
                64,
                12,
            ),
        ];
        for (variant, max, min) in cases {
            let d = distance(base, hash(variant));
            assert!(d <= *max && d >= *min, "distance {d} for {variant:?}");
        }
    }

    #[test]
    fn index_finds_every_hash_within_three_bits() {
        let mut idx = SimIndex::new();
        let stored = 0x0123_4567_89ab_cdefu64;
        idx.insert(stored, 7);
        // Flip 3 bits spread over three different blocks, and 3 bits in one block.
        for flips in [[0u32, 20, 40], [1, 2, 3], [63, 47, 31]] {
            let q = flips.iter().fold(stored, |h, &b| h ^ (1 << b));
            let mut found = Vec::new();
            idx.candidates(q, |s| found.push(s));
            assert!(found.contains(&7), "flips {flips:?}");
            assert_eq!(distance(stored, q), 3);
        }
        // Four blocks all different: not a candidate.
        let far = stored ^ 1 ^ (1 << 16) ^ (1 << 32) ^ (1 << 48);
        let mut found = Vec::new();
        idx.candidates(far, |s| found.push(s));
        assert!(found.is_empty());
        idx.remove(stored, 7);
        idx.candidates(stored, |s| found.push(s));
        assert!(found.is_empty());
    }

    #[test]
    fn majority_counts_every_bit() {
        let naive = |hs: &[u64]| {
            (0..64).fold(0u64, |acc, bit| {
                let set = hs.iter().filter(|&&h| h >> bit & 1 == 1).count();
                if 2 * set > hs.len() {
                    acc | 1 << bit
                } else {
                    acc
                }
            })
        };
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        // Lengths around the 255-feature lane drain, and skewed inputs.
        for len in [1usize, 2, 3, 254, 255, 256, 600, 1000] {
            let hs: Vec<u64> = (0..len)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if i % 3 == 0 {
                        x | 0xff00_0000_0000_00ff
                    } else {
                        x
                    }
                })
                .collect();
            assert_eq!(majority(hs.iter().copied()), naive(&hs), "len {len}");
        }
        assert_eq!(majority([u64::MAX; 300].into_iter()), u64::MAX);
        assert_eq!(majority(std::iter::empty()), 0);
    }

    #[test]
    fn short_texts_hash() {
        assert_ne!(hash("one"), hash("two"));
        assert_eq!(hash("One two"), hash("one, two"));
    }
}
