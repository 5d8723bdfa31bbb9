//! Agency headline prefixes: `UPDATE 2-`, `REFILE-`, `EXCLUSIVE-`, `RPT-UPDATE 1-`, …
//!
//! They are editing instructions, not part of the headline: they are stripped, and turned
//! into a version number, genres, or a cancellation.

use std::sync::LazyLock;

use regex::Regex;

/// One all-caps prefix and its separator. `WRAPUP`/`UPDATE` may carry a number. The
/// separator may be missing only at the end (a headline that is just `STORY WITHDRAWN`).
static CAPS_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:(?P<num_tag>UPDATE|WRAPUP|WRAP)\s*(?P<n>\d{1,3})|",
        r"(?P<tag>STORY WITHDRAWN|SPECIAL REPORT|REFILE|CORRECTED|CORRECTION|RPT|REPEAT|",
        r"EXCLUSIVE|ANALYSIS|FACTBOX|WRAPUP|BRIEF|INSIGHT|PREVIEW|INTERVIEW|TIMELINE|",
        r"COLUMN|BREAKINGVIEWS|EXPLAINER|WITHDRAWN|KILL|UPDATE|URGENT))",
        r"(?:\s*(?:--|[-\u{2013}\u{2014}:])\s*|\s*$)"
    ))
    .expect("headline prefix regex compiles")
});

/// The newer title-case style, `Exclusive: …`, `Factbox: …`.
static TITLE_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?P<tag>Exclusive|Analysis|Factbox|Explainer|Insight|Breakingviews|Interview|Timeline|Preview|Wrapup):\s+",
    )
    .expect("title-case prefix regex compiles")
});

/// What the prefixes of one headline said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Headline {
    /// The headline without prefixes.
    pub text: String,
    /// `n` of `UPDATE n-` or `WRAPUP n-`: the story's `n`-th update.
    pub update: Option<u32>,
    pub genres: Vec<String>,
    /// `WITHDRAWN`, `STORY WITHDRAWN` or `KILL`: the story must be taken down.
    pub canceled: bool,
}

fn genre(tag: &str) -> Option<&'static str> {
    Some(match tag.to_ascii_uppercase().as_str() {
        "EXCLUSIVE" => "Exclusive",
        "ANALYSIS" => "Analysis",
        "FACTBOX" => "Factbox",
        "WRAPUP" | "WRAP" => "Wrapup",
        "BRIEF" => "Brief",
        "INSIGHT" => "Insight",
        "PREVIEW" => "Preview",
        "INTERVIEW" => "Interview",
        "TIMELINE" => "Timeline",
        "COLUMN" => "Column",
        "BREAKINGVIEWS" => "Breakingviews",
        "EXPLAINER" => "Explainer",
        "SPECIAL REPORT" => "Special report",
        _ => return None,
    })
}

/// Strips every leading agency prefix from an already whitespace-collapsed headline.
pub(crate) fn parse(headline: &str) -> Headline {
    let mut out = Headline::default();
    let mut rest = headline.trim();
    // Bounded: real headlines carry two or three prefixes at most.
    for _ in 0..8 {
        // `is_match` first: it runs the lazy DFA, and most headlines have no prefix, while
        // `captures` starts the slower capturing engine at once.
        let (tag, end) = if let Some(c) = CAPS_PREFIX
            .is_match(rest)
            .then(|| CAPS_PREFIX.captures(rest))
            .flatten()
        {
            let end = c.get(0).map_or(0, |m| m.end());
            if let (Some(t), Some(n)) = (c.name("num_tag"), c.name("n")) {
                out.update = n.as_str().parse().ok().or(out.update);
                (t.as_str(), end)
            } else {
                (c.name("tag").map_or("", |t| t.as_str()), end)
            }
        } else if let Some(c) = TITLE_PREFIX
            .is_match(rest)
            .then(|| TITLE_PREFIX.captures(rest))
            .flatten()
        {
            (
                c.name("tag").map_or("", |t| t.as_str()),
                c.get(0).map_or(0, |m| m.end()),
            )
        } else {
            break;
        };
        if matches!(tag, "WITHDRAWN" | "STORY WITHDRAWN" | "KILL") {
            out.canceled = true;
        }
        if let Some(g) = genre(tag) {
            if !out.genres.iter().any(|x| x == g) {
                out.genres.push(g.to_string());
            }
        }
        if end == 0 || rest[end..].trim().is_empty() {
            // Nothing but a prefix (`STORY WITHDRAWN`): keep it as the headline.
            break;
        }
        rest = rest[end..].trim_start();
    }
    out.text = rest.to_string();
    out
}

/// Compiles this module's patterns now (see `Normalizer::new`).
pub(crate) fn force_patterns() {
    LazyLock::force(&CAPS_PREFIX);
    LazyLock::force(&TITLE_PREFIX);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `expected`: (headline, update, genres, canceled).
    fn check(input: &str, expected: (&str, Option<u32>, &[&str], bool)) {
        let h = parse(input);
        let got = (h.text.as_str(), h.update, h.genres.clone(), h.canceled);
        let want = (
            expected.0,
            expected.1,
            expected.2.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            expected.3,
        );
        assert_eq!(got, want, "input: {input:?}");
    }

    #[test]
    fn headline_prefixes() {
        check(
            "Russia asks for talks",
            ("Russia asks for talks", None, &[], false),
        );
        check(
            "UPDATE 1-Russia asks for talks",
            ("Russia asks for talks", Some(1), &[], false),
        );
        check(
            "UPDATE 3 - Russia asks",
            ("Russia asks", Some(3), &[], false),
        );
        check("REFILE-Russia asks", ("Russia asks", None, &[], false));
        check("CORRECTED-Russia asks", ("Russia asks", None, &[], false));
        check(
            "RPT-UPDATE 2-Russia asks",
            ("Russia asks", Some(2), &[], false),
        );
        check(
            "EXCLUSIVE-Russia asks",
            ("Russia asks", None, &["Exclusive"], false),
        );
        check(
            "ANALYSIS-Why Russia asks",
            ("Why Russia asks", None, &["Analysis"], false),
        );
        check(
            "FACTBOX-Missile shields",
            ("Missile shields", None, &["Factbox"], false),
        );
        check(
            "WRAPUP 2-Talks stall",
            ("Talks stall", Some(2), &["Wrapup"], false),
        );
        check(
            "BRIEF-Acme Q1 profit up",
            ("Acme Q1 profit up", None, &["Brief"], false),
        );
        check(
            "REFILE-UPDATE 1-EXCLUSIVE-X",
            ("X", Some(1), &["Exclusive"], false),
        );
        check(
            "Factbox: Missile shields",
            ("Missile shields", None, &["Factbox"], false),
        );
        check("UPDATE 1\u{2014}Em dash", ("Em dash", Some(1), &[], false));
        check("STORY WITHDRAWN", ("STORY WITHDRAWN", None, &[], true));
        check("WITHDRAWN-Russia asks", ("Russia asks", None, &[], true));
        check("KILL-Russia asks", ("Russia asks", None, &[], true));
        // Not prefixes: a capitalised acronym compound, a word that merely starts the same.
        check(
            "NATO-Russia talks resume",
            ("NATO-Russia talks resume", None, &[], false),
        );
        check("UPDATED maps show", ("UPDATED maps show", None, &[], false));
        check("Update on talks", ("Update on talks", None, &[], false));
        check("Briefing: talks", ("Briefing: talks", None, &[], false));
    }
}
