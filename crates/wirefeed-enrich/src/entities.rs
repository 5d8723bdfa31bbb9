//! Places, organisations and people: from gazetteer hits, the dateline, the credits, and
//! title-plus-name patterns ("Defence Minister Sergei Shoigu", "adviser, Yuri Ushakov").

use aho_corasick::AhoCorasick;
use regex::RegexBuilder;
use regex_automata::{meta, Anchored, Input};
use wirefeed_model::{Entity, Place, PlaceKind, Story};

use crate::gazetteer::Gazetteer;
use crate::Target;

/// The `rel` of anything we found in the text rather than in the metadata.
const MENTIONED: &str = "mentioned";

/// Builds `story.places`: the dateline city first, then places in order of first mention.
pub(crate) fn places(gaz: &Gazetteer, story: &Story, hits: &[&Target]) -> Vec<Place> {
    let mut out: Vec<Place> = Vec::new();
    let mut push = |p: Place| {
        if !out.iter().any(|q| q.kind == p.kind && q.name == p.name) {
            out.push(p);
        }
    };
    if let Some(d) = &story.dateline {
        let city = gaz.city(&d.city);
        let code = city
            .map(|c| gaz.countries[c.country].code.get_ref().clone())
            .or_else(|| {
                let country = gaz.country(d.country.as_deref()?)?;
                Some(country.code.get_ref().clone())
            });
        push(Place {
            name: city.map_or_else(|| d.city.clone(), |c| c.name.clone()),
            kind: PlaceKind::City,
            country_code: code,
            rel: "dateline".into(),
        });
    }
    let country = |i: usize| {
        let c = &gaz.countries[i];
        Place {
            name: c.name.clone(),
            kind: PlaceKind::Country,
            country_code: Some(c.code.get_ref().clone()),
            rel: MENTIONED.into(),
        }
    };
    for t in hits {
        match **t {
            // A capital in running text is nearly always the government acting ("Moscow
            // wanted talks"), so it stands for the country, like a metonym.
            Target::Country(i) => push(country(i)),
            Target::City(j) => {
                let city = &gaz.cities[j];
                let capital = gaz.countries[city.country].capital.as_ref() == Some(&city.name);
                if !capital {
                    push(Place {
                        name: city.name.clone(),
                        kind: PlaceKind::City,
                        country_code: Some(gaz.countries[city.country].code.get_ref().clone()),
                        rel: MENTIONED.into(),
                    });
                }
                push(country(city.country));
            }
            Target::Region(k) => push(Place {
                name: gaz.regions[k].name.get_ref().clone(),
                kind: PlaceKind::Region,
                country_code: None,
                rel: MENTIONED.into(),
            }),
            _ => {}
        }
    }
    out
}

/// Builds `story.organisations` in order of first mention.
pub(crate) fn organisations(
    gaz: &Gazetteer,
    hits: &[&Target],
    patterns: &OrgPatterns,
    texts: &[&str],
) -> Vec<Entity> {
    let mut out: Vec<Entity> = Vec::new();
    let names = hits
        .iter()
        .filter_map(|t| match **t {
            Target::Organisation(i) => Some(gaz.organisations[i].name.get_ref().clone()),
            _ => None,
        })
        .chain(patterns.find(texts));
    for name in names {
        if !out.iter().any(|e| e.name == name) {
            out.push(Entity {
                name,
                rel: MENTIONED.into(),
            });
        }
    }
    out
}

/// Organisations no list can hold: ministries, named by pattern ("Russian Defence Ministry",
/// "Ministry of Foreign Affairs").
pub(crate) struct OrgPatterns {
    pub(crate) re: regex::Regex,
    /// `re` with ASCII classes, for text without non-ASCII letters or spaces (most wire copy,
    /// also with typographic punctuation): the same matches there (a property test checks),
    /// and far cheaper to run cold. The Unicode classes' reverse
    /// automaton (which finds where a match starts) made each new lazy-DFA state cost ~40k
    /// instructions; on 5,000 Reuters stories it was 4.5% of wirefeed's instructions
    /// (callgrind), for 162 matches.
    pub(crate) ascii: regex::Regex,
}

/// Capitalised words that start a sentence rather than a ministry's name.
const NOT_ORG_WORDS: &[&str] = &[
    "The", "A", "An", "In", "On", "At", "But", "And", "Its", "His", "Her", "Their", "Said", "By",
];

impl OrgPatterns {
    pub fn new() -> Self {
        OrgPatterns {
            re: Self::build(r"\p{Lu}", r"\p{L}", r"\p{Ll}", r"\s"),
            ascii: Self::build("A-Z", "A-Za-z", "a-z", r"[\t\n\x0B\x0C\r ]"),
        }
    }

    /// The pattern with its classes (upper case, letter, lower case: bracket contents) and
    /// space (an atom) filled in.
    fn build(upper: &str, letter: &str, lower: &str, space: &str) -> regex::Regex {
        let word = format!(r"[{upper}][{letter}.'’-]*");
        let pattern = format!(
            r"(?-u:\b)(?:(?:{word}{space}+){{1,3}}Ministry|Ministry{space}+of{space}+(?:the{space}+)?[{upper}][{lower}]+(?:{space}+(?:and{space}+)?[{upper}][{lower}]+){{0,3}})"
        );
        // Same reason as the people pattern: a bigger cache keeps it in the lazy DFA.
        RegexBuilder::new(&pattern)
            .dfa_size_limit(64 << 20)
            .build()
            .expect("organisation pattern compiles")
    }

    /// The pattern for `text`: ASCII classes when no other character of it is a letter or a
    /// space (typographic quotes and dashes are neither, and `’` is the same literal in both).
    pub(crate) fn pattern_for(&self, text: &str) -> &regex::Regex {
        if wirefeed_model::chars::ascii_classes_suffice(text) {
            &self.ascii
        } else {
            &self.re
        }
    }

    pub fn find(&self, texts: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        // Every match contains "Ministry"; the pattern starts with up to three arbitrary
        // capitalised words, which gives the regex no literal prefix to skip ahead with, so
        // this check spares it the texts (nearly all) that cannot match.
        for text in texts.iter().filter(|t| t.contains("Ministry")) {
            for m in self.pattern_for(text).find_iter(text) {
                let words: Vec<&str> = m
                    .as_str()
                    .split_whitespace()
                    .skip_while(|w| NOT_ORG_WORDS.contains(w))
                    .collect();
                // "Ministry" alone names nothing.
                if words.len() > 1 {
                    out.push(words.join(" "));
                }
            }
        }
        out
    }
}

const TITLES: &str = r"(?:(?:Deputy|Vice|Prime|Foreign|Defen[cs]e|Finance|Interior|Economy|Energy|Trade|Justice|Health|Foreign\s+Affairs)\s+)?(?:President|Minister|Chancellor|Premier)
|(?:(?:Under|Assistant|Deputy)\s+)?Secretary(?:\s+of\s+(?:State|Defen[cs]e|the\s+Treasury|Homeland\s+Security|\p{Lu}\p{Ll}+))?(?:-General)?
|(?:Defen[cs]e|Foreign|Treasury|Energy|Commerce|Health|Interior|Home)\s+Secretary
|Senator|Sen\.|Rep\.|Representative|Governor|Gov\.|Mayor|General|Gen\.|Admiral|Adm\.|Colonel|Col\.
|Ambassador|King|Queen|Prince|Princess|Pope|Chairman|Chairwoman|Chief\s+Executive|Spokesman|Spokeswoman|Judge|Leader|Director
|counterpart|adviser|advisor|aide|spokesman|spokeswoman|spokesperson|envoy|ambassador|minister|leader|chief|chairman|director|president|secretary|premier|chancellor|governor|senator";

/// One name token: "Sergei", "MacSwan", "Jean-Claude".
const TOKEN: &str = r"\p{Lu}\p{Ll}+(?:\p{Lu}\p{Ll}+)?(?:-\p{Lu}\p{Ll}+)?";

/// Capitalised words that follow a title but are not names.
const NOT_NAMES: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "the",
    "a",
    "an",
    "he",
    "she",
    "they",
    "it",
    "this",
    "that",
    "on",
    "in",
    "at",
    "for",
    "and",
    "but",
    "of",
    "said",
    "says",
    "told",
    "department",
    "ministry",
    "office",
    "council",
    "house",
    "party",
    "committee",
    "agency",
    "government",
    "administration",
    "assembly",
    "staff",
    "co",
    "corp",
    "inc",
    "ltd",
    "motors",
    "electric",
    "group",
    "bank",
    "court",
    "state",
    "states",
    "reuters",
];

/// Finds people mentioned with a title, and resolves later surname-only mentions.
///
/// Speed: run unanchored over whole texts, the pattern's Unicode letter classes make a large
/// lazy DFA that thrashes its cache on capitalised wire text (it was ~40% of the enricher's
/// time). Every match starts with a title, and the title alternation has a finite set of
/// literal prefixes ("President", "Defence Minister", "Secretary of ", "aide", …), which
/// `regex-syntax` extracts from the pattern itself so they cannot drift from it. An
/// Aho-Corasick scan finds where those prefixes occur, and the same pattern is then run
/// anchored at those positions only. Trying the candidates in order and resuming after each
/// match finds exactly the matches `find_iter` would.
pub(crate) struct PeopleFinder {
    re: meta::Regex,
    /// Literal prefixes of the titles; `None` if they could not be extracted as a finite set
    /// (the pattern is then searched unanchored, as before).
    starts: Option<TitleStarts>,
    stop: foldhash::HashSet<String>,
}

impl PeopleFinder {
    pub fn new(gaz: &Gazetteer) -> Self {
        let titles = TITLES.replace('\n', "");
        let pattern = format!(
            r"(?-u:\b)(?:{titles}),?\s+(?P<name>{TOKEN}(?:\s+(?:\p{{Lu}}\.\s+)?{TOKEN}){{0,3}})"
        );
        let mut stop: foldhash::HashSet<String> = NOT_NAMES.iter().map(|s| s.to_string()).collect();
        stop.extend(gaz.single_words());
        PeopleFinder {
            // The pattern is a constant, so a failure is a programming error caught by every test.
            re: meta::Regex::builder()
                .configure(meta::Config::new().hybrid_cache_capacity(64 << 20))
                .build(&pattern)
                .expect("people pattern compiles"),
            starts: title_prefixes(&titles),
            stop,
        }
    }

    /// The same finder searching unanchored, without the prefix scan: the reference that
    /// tests compare the fast path with.
    #[cfg(test)]
    pub(crate) fn unanchored(gaz: &Gazetteer) -> Self {
        PeopleFinder {
            starts: None,
            ..PeopleFinder::new(gaz)
        }
    }

    /// The name captured by each match of the pattern in `text`, in order.
    pub(crate) fn names<'t>(&self, text: &'t str, out: &mut Vec<&'t str>) {
        let mut caps = self.re.create_captures();
        let mut push = |caps: &regex_automata::util::captures::Captures| {
            if let Some(span) = caps.get_group_by_name("name") {
                out.push(&text[span.range()]);
            }
        };
        let Some(starts) = &self.starts else {
            for caps in self.re.captures_iter(text) {
                push(&caps);
            }
            return;
        };
        // The leftmost prefix occurrence from `from` on is the next place a match can start;
        // after a failed attempt the search goes on from the next byte, so a prefix starting
        // inside the one just tried ("Sen." in "Senator") is not missed.
        let mut from = 0;
        while let Some(start) = starts.find(text, from) {
            let input = Input::new(text).range(start..).anchored(Anchored::Yes);
            self.re.search_captures(&input, &mut caps);
            from = match caps.get_match() {
                Some(found) => {
                    push(&caps);
                    found.end()
                }
                None => start + 1,
            };
        }
    }

    /// Full names of the people mentioned in `texts`, in order, deduplicated. A one-word
    /// mention ("Minister Shoigu") is kept only as the full name it abbreviates.
    pub fn find(&self, texts: &[&str]) -> Vec<String> {
        let mut candidates = Vec::new();
        let mut names = Vec::new();
        for text in texts {
            names.clear();
            self.names(text, &mut names);
            for name in &names {
                let words: Vec<&str> = name
                    .split_whitespace()
                    .take_while(|w| !self.stop.contains(&w.to_lowercase()))
                    .collect();
                if !words.is_empty() {
                    candidates.push(words.join(" "));
                }
            }
        }
        let full: Vec<&String> = candidates.iter().filter(|n| n.contains(' ')).collect();
        let mut out: Vec<String> = Vec::new();
        for name in &candidates {
            let resolved = if name.contains(' ') {
                Some(name.clone())
            } else {
                full.iter()
                    .find(|f| f.rsplit(' ').next() == Some(name.as_str()))
                    .map(|f| (*f).clone())
            };
            if let Some(n) = resolved {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        out
    }
}

/// Where the literal prefixes every match of `titles` starts with occur: the leftmost
/// position from `from` on.
enum TitleStarts {
    /// Teddy (SIMD, `aho_corasick::packed`) over the prefixes cut to [`TEDDY_PATTERNS`]: it
    /// tests 16 or 32 positions at once on the first bytes, where the automaton below walks
    /// one byte at a time (that walk was 4% of wirefeed's instructions on the load
    /// benchmark's input, callgrind).
    Packed(aho_corasick::packed::Searcher),
    /// Without SSSE3 or AVX2. A full DFA: 78 prefixes make a small one, faster than the
    /// contiguous NFA the builder picks by default.
    Automaton(AhoCorasick),
}

/// The most patterns `aho_corasick::packed` builds Teddy for (its heuristic limit; beyond it
/// the builder gives up).
const TEDDY_PATTERNS: usize = 64;

impl TitleStarts {
    fn find(&self, text: &str, from: usize) -> Option<usize> {
        match self {
            TitleStarts::Packed(s) => s.find_in(text, aho_corasick::Span::from(from..text.len())),
            TitleStarts::Automaton(a) => a.find(aho_corasick::Input::new(text).range(from..)),
        }
        .map(|m| m.start())
    }
}

/// [`TitleStarts`] for `titles`, or `None` when its prefixes are not a finite set of
/// non-empty literals.
fn title_prefixes(titles: &str) -> Option<TitleStarts> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::parse(&format!("(?:{titles})")).ok()?;
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    let literals: Vec<&[u8]> = seq.literals()?.iter().map(|l| l.as_bytes()).collect();
    if literals.is_empty() || literals.iter().any(|l| l.is_empty()) {
        return None;
    }
    // Cut to the longest length at which few enough remain: a cut literal occurs wherever
    // the literal does, so no start is lost; the anchored pattern rejects the extra ones
    // ("Senat" in "Senate"). 78 literals make 63 at five bytes; Teddy's fingerprint looks
    // at four.
    let longest = literals.iter().map(|l| l.len()).max().unwrap_or(0);
    let packed = (1..=longest)
        .rev()
        .map(|n| shortest_prefixes(literals.iter().map(|l| &l[..l.len().min(n)])))
        .find(|p| p.len() <= TEDDY_PATTERNS)
        .and_then(|prefixes| {
            aho_corasick::packed::Config::new()
                .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                .builder()
                .extend(&prefixes)
                .build()
        });
    tracing::debug!(
        literals = literals.len(),
        teddy = packed.is_some(),
        "people title prefixes"
    );
    match packed {
        Some(searcher) => Some(TitleStarts::Packed(searcher)),
        None => AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(shortest_prefixes(literals.iter().copied()))
            .ok()
            .map(TitleStarts::Automaton),
    }
}

/// The literals that do not start with another one, sorted. Every position where a dropped
/// literal occurs is one where the literal it starts with occurs, so the same positions are
/// found with fewer literals.
fn shortest_prefixes<'a>(literals: impl Iterator<Item = &'a [u8]>) -> Vec<&'a [u8]> {
    let mut all: Vec<&[u8]> = literals.collect();
    all.sort_unstable();
    all.dedup();
    // Sorted, every literal between a kept one and a literal it starts starts with it too,
    // so checking against the last kept one is enough.
    let mut kept: Vec<&[u8]> = Vec::with_capacity(all.len());
    for l in all {
        if !kept.last().is_some_and(|k| l.starts_with(k)) {
            kept.push(l);
        }
    }
    kept
}

/// Builds `story.people`: credited staff first (with their role), then people mentioned.
pub(crate) fn people(finder: &PeopleFinder, story: &Story, texts: &[&str]) -> Vec<Entity> {
    let mut out: Vec<Entity> = Vec::new();
    for c in &story.credits {
        let e = Entity {
            name: c.name.clone(),
            rel: c.role.rel().into(),
        };
        if !out.contains(&e) {
            out.push(e);
        }
    }
    for name in finder.find(texts) {
        if !out.iter().any(|e| e.name == name) {
            out.push(Entity {
                name,
                rel: MENTIONED.into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checked against the plain definition on every subset of a set with chains, shared
    /// starts and duplicates.
    #[test]
    fn shortest_prefixes_keeps_the_literals_no_other_starts() {
        let set: [&[u8]; 8] = [
            b"Sen",
            b"Sen.",
            b"Senator",
            b"Secretary",
            b"Sec",
            b"S",
            b"aide",
            b"Sen",
        ];
        for mask in 0u32..1 << set.len() {
            let pick: Vec<&[u8]> = (0..set.len())
                .filter(|i| mask & 1 << i != 0)
                .map(|i| set[i])
                .collect();
            let mut want: Vec<&[u8]> = pick
                .iter()
                .copied()
                .filter(|l| !pick.iter().any(|p| p.len() < l.len() && l.starts_with(p)))
                .collect();
            want.sort_unstable();
            want.dedup();
            assert_eq!(shortest_prefixes(pick.iter().copied()), want, "{mask:b}");
        }
    }

    /// The shipped titles fit Teddy where the CPU has it, so the fast scan is what runs.
    #[test]
    fn shipped_titles_take_the_packed_scan() {
        let starts = title_prefixes(&TITLES.replace('\n', "")).expect("finite prefixes");
        if std::arch::is_x86_feature_detected!("ssse3") {
            assert!(matches!(starts, TitleStarts::Packed(_)));
        }
    }
}
