//! One Aho-Corasick automaton for every phrase we look for (topic phrases, places,
//! organisations), with spelling variants generated at build time and word-boundary and
//! case checks applied to each match.
//!
//! Matching is leftmost-longest, so a longer phrase swallows the shorter ones inside it:
//! "New England Patriots" hides "Patriot", "missile defence" hides "defence". The taxonomy
//! relies on this for disambiguation.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

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
    ac: AhoCorasick,
    targets: Vec<Vec<(T, Casing)>>,
}

/// One accepted match: where it is and what it stands for.
pub(crate) struct Hit<'a, T> {
    pub range: Range<usize>,
    pub targets: Vec<&'a T>,
}

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

    pub fn build(self) -> Result<Matcher<T>, EnrichError> {
        let mut patterns = vec![String::new(); self.targets.len()];
        for (k, i) in self.index {
            patterns[i] = k;
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|e| EnrichError::Automaton(e.to_string()))?;
        tracing::debug!(
            patterns = patterns.len(),
            bytes = ac.memory_usage(),
            "phrase automaton built"
        );
        Ok(Matcher {
            ac,
            targets: self.targets,
        })
    }
}

impl<T> Matcher<T> {
    /// Every match in `text` that sits on word boundaries and has acceptable case.
    pub fn find<'a>(&'a self, text: &str) -> Vec<Hit<'a, T>> {
        let mut hits = Vec::new();
        for m in self.ac.find_iter(text) {
            let range = m.range();
            if !on_word_boundaries(text, &range) {
                continue;
            }
            let found = &text[range.clone()];
            let targets: Vec<&T> = self.targets[m.pattern().as_usize()]
                .iter()
                .filter(|(_, casing)| match casing {
                    Casing::Any => true,
                    Casing::Exact(s) => found == s,
                    Casing::Proper => found.chars().next().is_some_and(char::is_uppercase),
                })
                .map(|(t, _)| t)
                .collect();
            if !targets.is_empty() {
                hits.push(Hit { range, targets });
            }
        }
        hits
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
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
        m.find(text)
            .iter()
            .map(|h| text[h.range.clone()].to_string())
            .collect()
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
}
