//! One Aho-Corasick automaton for every phrase we look for (topic phrases, places,
//! organisations), with spelling variants generated at build time and word-boundary and
//! case checks applied to each match.
//!
//! Matching is leftmost-longest among matches on word boundaries, so a longer phrase
//! swallows the shorter ones inside it: "New England Patriots" hides "Patriot", "missile
//! defence" hides "defence". The taxonomy relies on this for disambiguation.
//!
//! Speed: a phrase that starts with a letter or digit can only count where a word starts, so
//! the automaton is built anchored and walked from word starts only, instead of running an
//! unanchored search through every byte. In an unanchored search short keys ("us", "eu",
//! "art") match inside most words and keep the automaton away from its start state; each
//! such match had to be found, boundary-checked and thrown away, and could swallow a real
//! match overlapping it ("campus sanctions"). Anchored walks stop at the first byte no key
//! continues with (3.7 transitions per word on Reuters text). At each start the longest key
//! that sits on word boundaries and has acceptable case wins. The automaton is a contiguous
//! NFA (0.4 MB for the default taxonomy and gazetteer, 3,638 keys) rather than a DFA (7.5 MB,
//! mostly cache misses); measured, the DFA was no faster on these short walks.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use aho_corasick::automaton::Automaton;
use aho_corasick::nfa::contiguous;
use aho_corasick::{Anchored, MatchKind};

use crate::error::EnrichError;

/// How the text of a match must be cased for it to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Casing {
    /// Any case: topic phrases ("Missile Defence", "missile defence").
    Any,
    /// Exactly this text: acronyms ("US" must not match "us", "NATO").
    Exact(String),
    /// The first letter must be upper case: names ("Turkey" but not "turkey").
    Proper,
}

/// How to treat a phrase when adding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// A topic phrase: case-insensitive unless it is an acronym.
    Phrase,
    /// A proper name: capitalised unless it is an acronym.
    Name,
}

pub(crate) struct MatcherBuilder<T> {
    index: HashMap<String, usize>,
    targets: Vec<Vec<(T, Casing)>>,
}

/// A compiled phrase set. `T` is what a phrase stands for (a topic rule, a place, …).
pub(crate) struct Matcher<T> {
    /// Every key, ASCII case-insensitive, anchored: walked from candidate starts only.
    nfa: contiguous::NFA,
    /// [`WORD`], [`NON_WORD`] or [`NON_ASCII`] (decode to tell) for each byte.
    class: [u8; 256],
    /// Bytes that may start a match where no word starts: the first bytes of keys that do not
    /// begin with a letter or digit (none in the shipped files, but the taxonomy is data).
    other_start: [bool; 256],
    /// A Bloom-style bit set (one hash) of every key's leading ASCII letter-and-digit run,
    /// lowercased. A key can only match at a word start whose own run equals its run (the key
    /// must end on a word boundary or continue with a non-alphanumeric byte), so a word whose
    /// run is not in the set is skipped without walking the automaton. On Reuters text about
    /// 57% of the word starts are skipped this way; the walk was most of the matching time.
    first_runs: Box<[u64; FIRST_RUN_WORDS]>,
    targets: Vec<Vec<(T, Casing)>>,
}

/// Size of [`Matcher::first_runs`] in `u64`s: 2^18 bits (32 KB), a few times the number of
/// distinct leading runs in the shipped taxonomy and gazetteer, so false positives (which
/// only cost a walk) stay rare.
const FIRST_RUN_WORDS: usize = 1 << (FIRST_RUN_BITS - 6);

/// One byte of a run's hash: rotate and xor, mixed once at the end by [`run_bit`].
/// Hand-written because it is fed byte by byte inside the scan loop that finds the run's end
/// anyway, where its dependency chain is the loop's: two cycles a byte, against four for
/// FNV-1a's multiply per byte. Only ASCII letters and digits are fed, so `| 0x20` lowercases.
/// Runs of up to nine bytes (most words) keep every bit of every byte; longer ones fold.
#[inline(always)]
fn run_hash_step(h: u64, b: u8) -> u64 {
    h.rotate_left(7) ^ u64::from(b | 0x20)
}

const RUN_HASH_SEED: u64 = 0;

#[inline(always)]
fn run_bit(h: u64) -> (usize, u64) {
    // Fibonacci hashing: the top bits of the product depend on every bit of `h`.
    let bit = (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - FIRST_RUN_BITS)) as usize;
    (bit >> 6, 1 << (bit & 63))
}

/// log2 of the number of bits in [`Matcher::first_runs`].
const FIRST_RUN_BITS: u32 = 18;

impl<T: Clone + PartialEq> MatcherBuilder<T> {
    pub fn new() -> Self {
        MatcherBuilder {
            index: HashMap::new(),
            targets: Vec::new(),
        }
    }

    /// Adds `phrase` and its variants, all standing for `target`.
    pub fn add(&mut self, phrase: &str, target: T, style: Style) {
        let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
        if is_acronym(&phrase) {
            for v in exact_variants(&phrase) {
                self.push(v.to_ascii_lowercase(), target.clone(), Casing::Exact(v));
            }
        } else {
            let casing = match style {
                Style::Phrase => Casing::Any,
                Style::Name => Casing::Proper,
            };
            for v in variants(&phrase) {
                self.push(v, target.clone(), casing.clone());
            }
        }
    }

    fn push(&mut self, key: String, target: T, casing: Casing) {
        let i = *self.index.entry(key).or_insert_with(|| {
            self.targets.push(Vec::new());
            self.targets.len() - 1
        });
        if !self.targets[i]
            .iter()
            .any(|(t, c)| *t == target && *c == casing)
        {
            self.targets[i].push((target, casing));
        }
    }

    /// Every key added so far (phrases and their variants).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(String::as_str)
    }

    pub fn build(self) -> Result<Matcher<T>, EnrichError> {
        let mut patterns = vec![String::new(); self.targets.len()];
        for (k, i) in self.index {
            patterns[i] = k;
        }
        let nfa = contiguous::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|e| EnrichError::Automaton(e.to_string()))?;
        let mut class = [NON_WORD; 256];
        for b in 0..=255u8 {
            if b.is_ascii_alphanumeric() {
                class[usize::from(b)] = WORD;
            } else if !b.is_ascii() {
                class[usize::from(b)] = NON_ASCII;
            }
        }
        let mut other_start = [false; 256];
        for p in &patterns {
            if !p.chars().next().is_some_and(is_word_char) {
                let b = p.as_bytes().first().copied().unwrap_or_default();
                other_start[usize::from(b)] = true;
                other_start[usize::from(b.to_ascii_uppercase())] = true;
            }
        }
        let mut first_runs = Box::new([0u64; FIRST_RUN_WORDS]);
        for p in &patterns {
            let run = p
                .bytes()
                .take_while(|b| class[usize::from(*b)] == WORD)
                .fold(RUN_HASH_SEED, run_hash_step);
            let (w, m) = run_bit(run);
            first_runs[w] |= m;
        }
        tracing::debug!(
            patterns = patterns.len(),
            bytes = nfa.memory_usage(),
            "phrase automaton built"
        );
        Ok(Matcher {
            nfa,
            class,
            other_start,
            first_runs,
            targets: self.targets,
        })
    }
}

impl<T> Matcher<T> {
    /// Every match in `text` that sits on word boundaries and has acceptable case, in order:
    /// `f` gets its range and the targets whose casing it satisfies (at least one).
    pub fn for_each<'a, F>(&'a self, text: &str, mut f: F)
    where
        F: FnMut(Range<usize>, &mut dyn Iterator<Item = &'a T>),
    {
        let bytes = text.as_bytes();
        let n = bytes.len();
        let mut i = 0;
        // Whether `i` is inside a word (so no phrase starting with a letter may start there).
        let mut in_word = false;
        while i < n {
            let b = bytes[i];
            let class = self.class[usize::from(b)];
            let (word, len) = match class {
                NON_WORD => (false, 1),
                WORD => (true, 1),
                _ => {
                    let c = text[i..].chars().next().unwrap_or_default();
                    (is_word_char(c), c.len_utf8())
                }
            };
            if (word && !in_word) || self.other_start[usize::from(b)] {
                // The word's leading ASCII run, hashed as it is skipped over.
                let mut run_end = i;
                let mut may_start = true;
                if class == WORD {
                    let mut h = RUN_HASH_SEED;
                    while run_end < n && self.class[usize::from(bytes[run_end])] == WORD {
                        h = run_hash_step(h, bytes[run_end]);
                        run_end += 1;
                    }
                    let (w, m) = run_bit(h);
                    may_start = self.first_runs[w] & m != 0 || self.other_start[usize::from(b)];
                }
                if let Some((end, pid)) = may_start.then(|| self.longest_at(text, i)).flatten() {
                    in_word = self.report(text, i..end, pid, &mut f);
                    i = end;
                    continue;
                }
                if word {
                    // Nothing starts here: skip the rest of the word in one tight loop.
                    i = run_end.max(i + len);
                    while i < n && self.class[usize::from(bytes[i])] == WORD {
                        i += 1;
                    }
                    in_word = true;
                    continue;
                }
            }
            in_word = word;
            i += len;
        }
    }

    /// The plain loop [`Matcher::for_each`] must agree with: one character at a time, every
    /// word start walked (no run filter).
    #[cfg(test)]
    pub fn for_each_reference<'a, F>(&'a self, text: &str, mut f: F)
    where
        F: FnMut(Range<usize>, &mut dyn Iterator<Item = &'a T>),
    {
        let mut i = 0;
        let mut in_word = false;
        while i < text.len() {
            let b = text.as_bytes()[i];
            let c = text[i..].chars().next().unwrap_or_default();
            let word = is_word_char(c);
            if (word && !in_word) || self.other_start[usize::from(b)] {
                if let Some((end, pid)) = self.longest_at(text, i) {
                    in_word = self.report(text, i..end, pid, &mut f);
                    i = end;
                    continue;
                }
            }
            in_word = word;
            i += c.len_utf8();
        }
    }

    /// Gives `f` the match `range` of key `pid` with the targets whose casing it satisfies;
    /// returns whether the match ends inside a word (a letter or digit).
    #[inline(always)]
    fn report<'a, F>(&'a self, text: &str, range: Range<usize>, pid: usize, f: &mut F) -> bool
    where
        F: FnMut(Range<usize>, &mut dyn Iterator<Item = &'a T>),
    {
        let found = &text[range.clone()];
        let mut targets = self.targets[pid]
            .iter()
            .filter(|(_, casing)| casing_ok(casing, found))
            .map(|(t, _)| t);
        f(range, &mut targets);
        found.chars().next_back().is_some_and(is_word_char)
    }

    /// The longest key starting at `start` that ends on a word boundary and whose casing
    /// some target accepts: its end and pattern index.
    #[inline(always)]
    fn longest_at(&self, text: &str, start: usize) -> Option<(usize, usize)> {
        let nfa = &self.nfa;
        // Anchored starts exist: the automaton is built with `StartKind::Anchored`.
        let mut sid = nfa.start_state(Anchored::Yes).ok()?;
        let mut best = None;
        for (n, &b) in text.as_bytes()[start..].iter().enumerate() {
            sid = nfa.next_state(Anchored::Yes, sid, b);
            if !nfa.is_special(sid) {
                continue;
            }
            if nfa.is_dead(sid) {
                break;
            }
            if nfa.is_match(sid) {
                let end = start + n + 1;
                let accepted = (0..nfa.match_len(sid))
                    .map(|k| nfa.match_pattern(sid, k))
                    .find(|&pid| {
                        nfa.pattern_len(pid) == n + 1
                            && on_word_boundaries(text, &(start..end))
                            && self.targets[pid.as_usize()]
                                .iter()
                                .any(|(_, c)| casing_ok(c, &text[start..end]))
                    });
                if let Some(pid) = accepted {
                    best = Some((end, pid.as_usize()));
                }
            }
        }
        best
    }
}

/// Byte classes for the scan: ASCII letter or digit, other ASCII, part of a longer character.
const NON_WORD: u8 = 0;
const WORD: u8 = 1;
const NON_ASCII: u8 = 2;

fn casing_ok(casing: &Casing, found: &str) -> bool {
    match casing {
        Casing::Any => true,
        Casing::Exact(s) => found == s,
        Casing::Proper => found.chars().next().is_some_and(char::is_uppercase),
    }
}

fn is_word_char(c: char) -> bool {
    wirefeed_model::chars::is_alphanumeric(c)
}

/// True when the match neither starts nor ends inside a word. A match that itself ends in
/// punctuation ("U.S.") only needs its start checked at that end.
pub(crate) fn on_word_boundaries(text: &str, range: &Range<usize>) -> bool {
    let found = &text[range.clone()];
    let starts_word = found.chars().next().is_some_and(is_word_char);
    let ends_word = found.chars().next_back().is_some_and(is_word_char);
    let before_ok = !starts_word
        || !text[..range.start]
            .chars()
            .next_back()
            .is_some_and(is_word_char);
    let after_ok = !ends_word || !text[range.end..].chars().next().is_some_and(is_word_char);
    before_ok && after_ok
}

/// An acronym has upper-case letters and no lower-case ones: "US", "U.S.", "NATO", "ICBM".
fn is_acronym(phrase: &str) -> bool {
    phrase.chars().any(|c| c.is_uppercase()) && !phrase.chars().any(|c| c.is_lowercase())
}

/// Acronyms keep their case; they get hyphen variants and a plain `s` plural ("ICBMs").
fn exact_variants(phrase: &str) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = hyphen_variants(phrase).into_iter().collect();
    if !phrase.ends_with('.') && phrase.chars().next_back().is_some_and(char::is_alphabetic) {
        let plurals: Vec<String> = out.iter().map(|v| format!("{v}s")).collect();
        out.extend(plurals);
    }
    out
}

/// British/American spelling pairs, applied as substrings in both directions. Substring
/// replacement can create non-words ("programmer" → "programmemer"); those never match, so
/// they cost a pattern and nothing else.
const SPELLINGS: &[(&str, &str)] = &[
    ("defence", "defense"),
    ("offence", "offense"),
    ("licence", "license"),
    ("programme", "program"),
    ("isation", "ization"),
    ("organise", "organize"),
    ("recognise", "recognize"),
    ("criticise", "criticize"),
    ("mobilise", "mobilize"),
    ("privatise", "privatize"),
    ("analyse", "analyze"),
    ("centre", "center"),
    ("theatre", "theater"),
    ("metre", "meter"),
    ("labour", "labor"),
    ("armour", "armor"),
    ("honour", "honor"),
    ("harbour", "harbor"),
    ("neighbour", "neighbor"),
    ("favour", "favor"),
    ("behaviour", "behavior"),
    ("colour", "color"),
    ("catalogue", "catalog"),
    ("aluminium", "aluminum"),
    ("sceptic", "skeptic"),
    ("paediatric", "pediatric"),
    ("anaesthe", "anesthe"),
    ("haemorrh", "hemorrh"),
    ("oestrogen", "estrogen"),
    ("manoeuvre", "maneuver"),
    ("jewellery", "jewelry"),
    ("travelled", "traveled"),
    ("cancelled", "canceled"),
];

/// Every lowercase variant of a non-acronym phrase: spellings × hyphenation × plural.
pub(crate) fn variants(phrase: &str) -> BTreeSet<String> {
    let mut forms: BTreeSet<String> = BTreeSet::from([phrase.to_lowercase()]);
    for (uk, us) in SPELLINGS {
        let extra: Vec<String> = forms
            .iter()
            .flat_map(|f| {
                let mut v = Vec::new();
                if f.contains(uk) {
                    v.push(f.replace(uk, us));
                } else if f.contains(us) {
                    v.push(f.replace(us, uk));
                }
                v
            })
            .collect();
        forms.extend(extra);
    }
    let hyphenated: Vec<String> = forms.iter().flat_map(|f| hyphen_variants(f)).collect();
    forms.extend(hyphenated);
    let plurals: Vec<String> = forms.iter().flat_map(|f| plurals(f)).collect();
    forms.extend(plurals);
    forms
}

/// "anti-missile" → "anti missile", "antimissile"; "missile shield" → "missile-shield".
fn hyphen_variants(phrase: &str) -> Vec<String> {
    let mut out = vec![phrase.to_string()];
    if phrase.contains('-') {
        out.push(phrase.replace('-', " "));
        out.push(phrase.replace('-', ""));
    }
    if phrase.contains(' ') {
        out.push(phrase.replace(' ', "-"));
    }
    out
}

/// Simple English plurals of the last word: +s, +es after sibilants, consonant+y → ies.
fn plurals(phrase: &str) -> Vec<String> {
    let Some(last) = phrase.chars().next_back() else {
        return Vec::new();
    };
    if !last.is_alphabetic() {
        return Vec::new();
    }
    let mut out = Vec::new();
    if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| phrase.ends_with(e))
    {
        out.push(format!("{phrase}es"));
    } else {
        out.push(format!("{phrase}s"));
    }
    let mut rev = phrase.chars().rev();
    if let (Some('y'), Some(before)) = (rev.next(), rev.next()) {
        if !"aeiou".contains(before) {
            out.push(format!("{}ies", &phrase[..phrase.len() - 1]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_cover_spelling_hyphens_and_plurals() {
        let v = variants("anti-missile defence");
        for want in [
            "anti-missile defence",
            "anti missile defense",
            "antimissile defense",
            "anti-missile defences",
            "anti-missile-defense",
        ] {
            assert!(v.contains(want), "{want} missing from {v:?}");
        }
        assert!(variants("programme").contains("programs"));
        assert!(variants("organisation").contains("organizations"));
        assert!(variants("missile battery").contains("missile batteries"));
        assert!(variants("crash").contains("crashes"));
    }

    fn matcher(items: &[(&str, Style)]) -> Matcher<usize> {
        let mut b = MatcherBuilder::new();
        for (i, (p, s)) in items.iter().enumerate() {
            b.add(p, i, *s);
        }
        b.build().unwrap()
    }

    fn found(m: &Matcher<usize>, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        m.for_each(text, |range, _| out.push(text[range].to_string()));
        out
    }

    /// The leading-run filter skips only words no key can start at: keys whose run is cut by
    /// punctuation, a hyphen, a space or a non-ASCII letter are still found, in any case, and
    /// a longer word sharing a key's first letters is not a match.
    #[test]
    fn leading_run_filter_keeps_every_match() {
        let m = matcher(&[
            ("U.S.", Style::Name),
            ("Zürich", Style::Name),
            ("al-Qaeda", Style::Name),
            ("New York", Style::Name),
            ("NATO", Style::Name),
            ("ballistic missile", Style::Phrase),
            ("G7", Style::Name),
        ]);
        assert_eq!(
            found(
                &m,
                "U.S. and NATO met in Zürich; Al-Qaeda in New York. G7: BALLISTIC MISSILE tests."
            ),
            [
                "U.S.",
                "NATO",
                "Zürich",
                "Al-Qaeda",
                "New York",
                "G7",
                "BALLISTIC MISSILE"
            ]
        );
        assert!(found(&m, "Natos Newyork ballistics G77 Zurich alqaeda").is_empty());
    }

    #[test]
    fn word_boundaries_case_and_longest_match() {
        let m = matcher(&[
            ("US", Style::Name),
            ("U.S.", Style::Name),
            ("Turkey", Style::Name),
            ("defence", Style::Phrase),
            ("missile defence", Style::Phrase),
        ]);
        assert_eq!(found(&m, "tell us about it"), Vec::<String>::new());
        assert_eq!(found(&m, "the US and U.S. officials"), ["US", "U.S."]);
        assert_eq!(found(&m, "roast turkey; Turkey said"), ["Turkey"]);
        assert_eq!(found(&m, "defenceless"), Vec::<String>::new());
        assert_eq!(found(&m, "Missile Defense plans"), ["Missile Defense"]);
        assert_eq!(found(&m, "Russia’s defences"), ["defences"]);
    }

    #[test]
    fn short_keys_do_not_match_inside_words() {
        let m = matcher(&[
            ("EU", Style::Name),
            ("UN", Style::Name),
            ("oil", Style::Phrase),
            ("art", Style::Phrase),
        ]);
        let none = Vec::<String>::new();
        assert_eq!(found(&m, "EUROPE, Europe and a neuter noun"), none);
        assert_eq!(found(&m, "under UNDERWRITING; the FUND, refund"), none);
        assert_eq!(found(&m, "toil, boiled OILSEEDS, party, PARTNERS"), none);
        assert_eq!(
            found(&m, "The EU and the UN (EU's oil art)."),
            ["EU", "UN", "EU", "oil", "art"]
        );
        assert_eq!(found(&m, "the eu and the un"), none);
    }

    #[test]
    fn a_key_rejected_at_its_end_does_not_hide_the_next_word() {
        let m = matcher(&[
            ("us sanctions", Style::Phrase),
            ("sanctions", Style::Phrase),
            ("high tech", Style::Phrase),
            ("technology", Style::Phrase),
            ("missile", Style::Phrase),
            ("missile defence", Style::Phrase),
        ]);
        // "us sanctions" starts inside "campus"; "high tech" ends inside "technology".
        assert_eq!(found(&m, "campus sanctions"), ["sanctions"]);
        assert_eq!(found(&m, "high technology"), ["technology"]);
        // The longest key that ends on a boundary wins at each word start.
        assert_eq!(found(&m, "missile defenceless"), ["missile"]);
        assert_eq!(found(&m, "missile defence"), ["missile defence"]);
    }
}
