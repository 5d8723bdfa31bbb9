//! The credits trailer that ends wire copy:
//! `(Reporting by Gabriela Baczynska in Brussels; Additional reporting by A and B; Editing by C)`.

use std::sync::LazyLock;

use regex::Regex;
use wirefeed_model::{Credit, CreditRole};

/// A role phrase; every segment of a trailer starts with one.
static ROLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(?P<role>reporting\s+and\s+writing|additional\s+reporting|reporting|writing|",
        r"written|editing|edited|compiled|compiling)\s+by\s+"
    ))
    .expect("credit role regex compiles")
});

/// The first words of the [`ROLE`] phrases.
const ROLE_WORDS: &[&str] = &[
    "reporting",
    "additional",
    "writing",
    "written",
    "editing",
    "edited",
    "compiled",
    "compiling",
];

/// Separators between the names of one role.
static NAME_SEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s*(?:,|;|&|\band\b)\s*").expect("name separator regex compiles")
});

/// `Name in Place`.
static LOCATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<name>.+?)\s+in\s+(?P<place>\p{Lu}.*)$").expect("location regex compiles")
});

/// Lowercase words that may appear inside a personal name.
const NAME_PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "da", "das", "do", "dos", "du", "di", "del", "della", "la",
    "le", "al", "el", "bin", "ibn", "ter", "ten", "y", "e",
];

/// A parsed trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trailer {
    pub credits: Vec<Credit>,
    /// The trailer text without parentheses, for ninjs `by`.
    pub by: String,
}

fn roles(phrase: &str) -> &'static [CreditRole] {
    let p = phrase.to_ascii_lowercase();
    let p: Vec<&str> = p.split_whitespace().collect();
    match p.as_slice() {
        ["reporting", "and", "writing"] => &[CreditRole::Reporting, CreditRole::Writing],
        ["additional", "reporting"] => &[CreditRole::AdditionalReporting],
        ["reporting"] => &[CreditRole::Reporting],
        ["writing"] | ["written"] => &[CreditRole::Writing],
        ["editing"] | ["edited"] => &[CreditRole::Editing],
        _ => &[CreditRole::Compiling],
    }
}

/// Whether a word sequence looks like a personal name (so prose such as `Reporting by the
/// agency showed …` in a last paragraph is not taken for a trailer).
fn plausible_name(name: &str) -> bool {
    let words: Vec<&str> = name.split_whitespace().collect();
    !words.is_empty()
        && words.len() <= 6
        && words[0].chars().next().is_some_and(char::is_uppercase)
        && words.iter().all(|w| {
            let first = w.chars().next().unwrap_or(' ');
            first.is_uppercase()
                || NAME_PARTICLES
                    .contains(&w.split('-').next().unwrap_or(w).to_lowercase().as_str())
        })
}

fn plausible_place(place: &str) -> bool {
    let words = place.split_whitespace().count();
    (1..=4).contains(&words) && place.chars().next().is_some_and(char::is_uppercase)
}

/// Parses a whole paragraph as a credits trailer, or returns `None` if it is not one.
pub(crate) fn parse(paragraph: &str) -> Option<Trailer> {
    let p = paragraph.trim().trim_end_matches('.');
    let inner = match (p.strip_prefix('('), p.strip_suffix(')')) {
        (Some(_), Some(_)) => &p[1..p.len() - 1],
        (None, None) => p,
        // Unbalanced: a sentence that happens to open or close a parenthesis.
        _ => return None,
    };
    let inner = inner.trim();
    // A trailer is a line, not an essay.
    if inner.len() > 600 {
        return None;
    }
    // The first role phrase must open the trailer: check that before scanning all of it
    // (this runs on the last paragraph of every story).
    if !ROLE_WORDS.iter().any(|w| {
        inner
            .get(..w.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(w))
    }) {
        return None;
    }
    let matches: Vec<_> = ROLE.captures_iter(inner).collect();
    let first = matches.first()?.get(0)?;
    if first.start() != 0 {
        return None;
    }
    let mut credits = Vec::new();
    for (i, c) in matches.iter().enumerate() {
        let whole = c.get(0)?;
        let end = matches
            .get(i + 1)
            .and_then(|n| n.get(0))
            .map_or(inner.len(), |m| m.start());
        let mut names = inner[whole.end()..end]
            .trim()
            .trim_end_matches([';', ',', ' ', '.']);
        if let Some(s) = names.strip_suffix(" and") {
            names = s.trim_end_matches([';', ',', ' ']);
        }
        // Keep the final dot of an abbreviation (`D.C.`, `N.Y.`) the trim above took off.
        let raw = &inner[whole.end()..end];
        let b = names.as_bytes();
        if b.len() >= 2
            && b[b.len() - 2] == b'.'
            && b[b.len() - 1].is_ascii_uppercase()
            && raw.trim_end().trim_end_matches([';', ',', ' ']).len() > names.len()
        {
            names = &raw.trim_start()[..names.len() + 1];
        }
        let mut group: Vec<(String, Option<String>)> = Vec::new();
        for piece in NAME_SEP
            .split(names)
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (name, place) = match LOCATED.captures(piece) {
                Some(l) => (
                    l.name("name").map_or("", |m| m.as_str()).trim(),
                    l.name("place").map(|m| m.as_str().trim()),
                ),
                None => (piece, None),
            };
            // `A in Washington, D.C.` / `B in Paris, France`: a one-word piece right after a
            // located name qualifies that place; personal names have two words or more.
            if place.is_none() && !piece.contains(' ') {
                if let Some((_, Some(prev))) = group.last_mut() {
                    prev.push_str(", ");
                    prev.push_str(piece);
                    continue;
                }
            }
            if !plausible_name(name) || place.is_some_and(|p| !plausible_place(p)) {
                return None;
            }
            group.push((name.to_string(), place.map(String::from)));
        }
        if group.is_empty() {
            return None;
        }
        // `Reporting by A and B in City`: the place covers the names before it that have none.
        let mut carried: Option<String> = None;
        for entry in group.iter_mut().rev() {
            match &entry.1 {
                Some(p) => carried = Some(p.clone()),
                None => entry.1 = carried.clone(),
            }
        }
        for role in roles(&c["role"]) {
            credits.extend(group.iter().map(|(name, location)| Credit {
                role: *role,
                name: name.clone(),
                location: location.clone(),
            }));
        }
    }
    Some(Trailer {
        credits,
        by: crate::text::collapse_ws(inner),
    })
}

/// Compiles this module's patterns now (see `Normalizer::new`).
pub(crate) fn force_patterns() {
    LazyLock::force(&ROLE);
    LazyLock::force(&NAME_SEP);
    LazyLock::force(&LOCATED);
}

#[cfg(test)]
mod tests {
    use super::*;
    use CreditRole::*;

    /// `expected`: (role, name, location) triples, or `None` when it is not a trailer.
    fn check(input: &str, expected: Option<&[(CreditRole, &str, Option<&str>)]>) {
        let got = parse(input).map(|t| t.credits);
        let want = expected.map(|e| {
            e.iter()
                .map(|(role, name, location)| Credit {
                    role: *role,
                    name: name.to_string(),
                    location: location.map(String::from),
                })
                .collect::<Vec<_>>()
        });
        assert_eq!(got, want, "input: {input:?}");
    }

    #[test]
    fn credits() {
        check(
            "(Reporting by Gabriela Baczynska; Editing by Angus MacSwan)",
            Some(&[
                (Reporting, "Gabriela Baczynska", None),
                (Editing, "Angus MacSwan", None),
            ]),
        );
        check(
            "(Reporting by Anna Kowalczyk and Tom Reed in Brussels; Editing by Jo Hart)",
            Some(&[
                (Reporting, "Anna Kowalczyk", Some("Brussels")),
                (Reporting, "Tom Reed", Some("Brussels")),
                (Editing, "Jo Hart", None),
            ]),
        );
        check(
            "(Reporting by A Smith in Brussels; Additional reporting by B Nowak in Warsaw; Editing by C Day)",
            Some(&[
                (Reporting, "A Smith", Some("Brussels")),
                (AdditionalReporting, "B Nowak", Some("Warsaw")),
                (Editing, "C Day", None),
            ]),
        );
        check(
            "(Writing by Mark Trevelyan, Editing by Jon Boyle and Kevin Liffey)",
            Some(&[
                (Writing, "Mark Trevelyan", None),
                (Editing, "Jon Boyle", None),
                (Editing, "Kevin Liffey", None),
            ]),
        );
        check(
            "(Compiled by Ludwig van Dorn; editing by Ana Ruiz)",
            Some(&[
                (Compiling, "Ludwig van Dorn", None),
                (Editing, "Ana Ruiz", None),
            ]),
        );
        check(
            "(Reporting by Lin Wu in Beijing and Ivan Petrov in Moscow)",
            Some(&[
                (Reporting, "Lin Wu", Some("Beijing")),
                (Reporting, "Ivan Petrov", Some("Moscow")),
            ]),
        );
        check(
            "(Additional reporting by Sara Lee in New York)",
            Some(&[(AdditionalReporting, "Sara Lee", Some("New York"))]),
        );
        check(
            "Reporting and writing by Omar al-Hamadi; Editing by Tom Finn",
            Some(&[
                (Reporting, "Omar al-Hamadi", None),
                (Writing, "Omar al-Hamadi", None),
                (Editing, "Tom Finn", None),
            ]),
        );
        check(
            "(Reporting By Jan Novak; Editing by Ed Stone.)",
            Some(&[(Reporting, "Jan Novak", None), (Editing, "Ed Stone", None)]),
        );
        check(
            "(Reporting by Ann Lee in Washington, D.C.; Additional reporting by Bo Chen in Paris, France and Cy Dunn; Editing by Ed Fox)",
            Some(&[
                (Reporting, "Ann Lee", Some("Washington, D.C.")),
                (AdditionalReporting, "Bo Chen", Some("Paris, France")),
                (AdditionalReporting, "Cy Dunn", None),
                (Editing, "Ed Fox", None),
            ]),
        );
        // Not trailers.
        check("Reporting by the agency showed the plan was delayed.", None);
        check("He said (Reporting by A B)", None);
        check("(Adds Pentagon comment in paragraph 5)", None);
        check("(Reporting by)", None);
        check("Russia has frequently said it was unlikely to cut.", None);
    }

    #[test]
    fn by_line_is_trailer_text() {
        let t = parse("(Reporting by Gabriela Baczynska; Editing by Angus MacSwan)").unwrap();
        assert_eq!(
            t.by,
            "Reporting by Gabriela Baczynska; Editing by Angus MacSwan"
        );
    }
}
