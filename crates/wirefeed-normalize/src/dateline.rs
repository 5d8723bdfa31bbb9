//! Wire datelines at the start of the first paragraph: `MOSCOW, March 25 (Reuters) -`,
//! `WASHINGTON (AP) —`, `PARIS, France (AFP) -`.
//!
//! The dateline stays in the paragraph (wire convention); it is only parsed.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use regex::Regex;
use wirefeed_model::Dateline;

/// An all-caps city (several words, `ST. LOUIS`, `WASHINGTON/MOSCOW`), an optional country
/// or state in title case, an optional `Month day`, an optional `(Agency)`, then a dash.
/// At least one of date and agency must be present (checked in [`parse`]): an all-caps
/// word followed by a dash alone is too often a heading or an acronym.
static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&dateline_pattern(
        r"\p{Lu}", r"\p{L}", r"\p{N}", r"\d", r"\s",
    ))
    .expect("dateline regex compiles")
});

/// [`DATELINE`] with ASCII classes, for datelines without non-ASCII letters, digits or
/// spaces (nearly all): on such text each class matches what its Unicode original does, so
/// the captures are the same (a property test checks), but the NFA is a fraction of the size. The Unicode one's
/// capturing search cost ~52k instructions a Reuters story (callgrind), most of it clearing
/// the bounded backtracker's visited set, which grows with the NFA.
static DATELINE_ASCII: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&dateline_pattern(
        "A-Z",
        "A-Za-z",
        "0-9",
        "[0-9]",
        r"[\t\n\x0B\x0C\r ]",
    ))
    .expect("ASCII dateline regex compiles")
});

/// The dateline pattern with its classes filled in: upper-case letters, letters and numbers
/// (inside brackets), a digit and a space (atoms).
fn dateline_pattern(upper: &str, letter: &str, number: &str, digit: &str, space: &str) -> String {
    [
        r"^(?P<city>[{U}][{U}.'\u{2019}\-]+(?:[ /][{U}][{U}.'\u{2019}\-]*){0,4})",
        r"(?:,{S}*(?P<country>[{U}][{L}.'\u{2019}\-]*(?:{S}[{U}][{L}.'\u{2019}\-]*){0,3}))?",
        r"(?:,{S}*(?P<month>January|February|March|April|May|June|July|August|September|",
        r"October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?",
        r"{S}+(?P<day>{D}{1,2}))?",
        r"(?:{S}*\((?P<agency>[{L}][{L}{N} .&'\-]{0,40})\))?",
        r"{S}*(?:--|[-\u{2013}\u{2014}])",
    ]
    .concat()
    .replace("{U}", upper)
    .replace("{L}", letter)
    .replace("{N}", number)
    .replace("{D}", digit)
    .replace("{S}", space)
}

fn month_number(name: &str) -> Option<u32> {
    let key = name.get(..3)?.to_ascii_lowercase();
    let n = match key.as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    Some(n)
}

/// Words kept lowercase inside a title-cased place name (`Frankfurt am Main`).
const SMALL_WORDS: &[&str] = &[
    "am", "an", "de", "del", "der", "da", "das", "do", "dos", "la", "le", "les", "of", "on",
    "upon", "sur", "en", "y",
];

/// `NEW YORK` → `New York`, `WINSTON-SALEM` → `Winston-Salem`, `ST. LOUIS` → `St. Louis`.
pub(crate) fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let lower = word.to_lowercase();
        if i > 0 && SMALL_WORDS.contains(&lower.as_str()) {
            out.push_str(&lower);
            continue;
        }
        let mut cap_next = true;
        for c in lower.chars() {
            if cap_next && c.is_alphabetic() {
                out.extend(c.to_uppercase());
                cap_next = false;
            } else {
                out.push(c);
            }
            if matches!(c, '-' | '/' | '\'' | '\u{2019}') {
                cap_next = true;
            }
        }
    }
    out
}

/// The year that puts `month`/`day` on or before `reference` + 31 days, as late as possible:
/// a dateline is written when the story is, so it is not months ahead of it, but a story
/// published on Dec 31 may carry a Jan 1 dateline (time zones).
pub(crate) fn infer_date(month: u32, day: u32, reference: DateTime<Utc>) -> Option<NaiveDate> {
    let r = reference.date_naive();
    let limit = r.checked_add_days(Days::new(31))?;
    [r.year() + 1, r.year(), r.year() - 1]
        .into_iter()
        .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
        .find(|d| *d <= limit)
}

/// The captures of [`DATELINE`] in `p`. The lazy DFA finds the match (or rejects, faster
/// than a capturing search); the captures come from the matched text, with ASCII classes
/// when its other characters are in none of the pattern's classes (typographic dashes and
/// quotes are not: the ASCII twin has them as the same literals). The pattern has no
/// assertion after its start, so its captures on the match are its captures on the
/// paragraph.
fn captures(p: &str) -> Option<regex::Captures<'_>> {
    let end = DATELINE.find(p)?.end();
    let head = &p[..end];
    let pattern: &Regex = if wirefeed_model::chars::ascii_classes_suffice(head) {
        &DATELINE_ASCII
    } else {
        &DATELINE
    };
    pattern.captures(head)
}

/// Parses the dateline at the start of `paragraph` (leading whitespace allowed).
pub(crate) fn parse(paragraph: &str, reference: DateTime<Utc>) -> Option<Dateline> {
    let p = paragraph.trim_start();
    // The city's first two characters, checked before running the regex: nearly every
    // paragraph fails here.
    let mut chars = p.chars();
    if !chars.next().is_some_and(char::is_uppercase)
        || !chars
            .next()
            .is_some_and(|c| c.is_uppercase() || matches!(c, '.' | '\'' | '\u{2019}' | '-'))
    {
        return None;
    }
    let c = captures(p)?;
    let agency = c.name("agency").map(|m| m.as_str().trim().to_string());
    let date = match (c.name("month"), c.name("day")) {
        (Some(m), Some(d)) => {
            let month = month_number(m.as_str())?;
            let day: u32 = d.as_str().parse().ok()?;
            // An impossible day means this was not a dateline, not a dateline without a date.
            Some(infer_date(month, day, reference)?)
        }
        _ => None,
    };
    if agency.is_none() && date.is_none() {
        return None;
    }
    Some(Dateline {
        city: title_case(c.name("city")?.as_str().trim()),
        country: c.name("country").map(|m| m.as_str().to_string()),
        agency,
        date,
    })
}

/// Compiles this module's patterns now (see `Normalizer::new`).
pub(crate) fn force_patterns() {
    LazyLock::force(&DATELINE);
    LazyLock::force(&DATELINE_ASCII);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn reference() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2013, 3, 26, 12, 0, 0).unwrap()
    }

    /// (city, country, agency, date as `YYYY-MM-DD`).
    type Expected<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);

    /// `expected` is `None` when the text must not parse as a dateline.
    fn check(input: &str, expected: Option<Expected>) {
        let got = parse(input, reference());
        let want = expected.map(|(city, country, agency, date)| Dateline {
            city: city.into(),
            country: country.map(Into::into),
            agency: agency.map(Into::into),
            date: date.map(|d| d.parse().unwrap()),
        });
        assert_eq!(got, want, "input: {input:?}");
    }

    #[test]
    fn datelines() {
        check(
            "MOSCOW, March 25 (Reuters) - Russia has asked",
            Some(("Moscow", None, Some("Reuters"), Some("2013-03-25"))),
        );
        check(
            " \u{a0}MOSCOW, March 25 (Reuters) - Russia",
            Some(("Moscow", None, Some("Reuters"), Some("2013-03-25"))),
        );
        check(
            "WASHINGTON (AP) \u{2014} The Senate",
            Some(("Washington", None, Some("AP"), None)),
        );
        check(
            "PARIS, France (AFP) - Talks",
            Some(("Paris", Some("France"), Some("AFP"), None)),
        );
        check(
            "NEW YORK, Jan 5 (Reuters) - Stocks",
            Some(("New York", None, Some("Reuters"), Some("2013-01-05"))),
        );
        check(
            "BRUSSELS, Sept. 14 (Reuters) \u{2013} NATO",
            Some(("Brussels", None, Some("Reuters"), Some("2012-09-14"))),
        );
        check(
            "RIO DE JANEIRO, Feb 2 (Reuters) - Brazil",
            Some(("Rio de Janeiro", None, Some("Reuters"), Some("2013-02-02"))),
        );
        check(
            "ST. LOUIS, December 3 (Reuters) - A jury",
            Some(("St. Louis", None, Some("Reuters"), Some("2012-12-03"))),
        );
        check(
            "KIEV, Ukraine, April 2 (Reuters) - Gas",
            Some(("Kiev", Some("Ukraine"), Some("Reuters"), Some("2013-04-02"))),
        );
        check(
            "WINSTON-SALEM, N.C. (AP) -- A plant",
            Some(("Winston-Salem", Some("N.C."), Some("AP"), None)),
        );
        check(
            "VIENNA, June 2 - OPEC",
            Some(("Vienna", None, None, Some("2012-06-02"))),
        );
        check(
            "WASHINGTON/MOSCOW, March 25 (Reuters) - Both",
            Some((
                "Washington/Moscow",
                None,
                Some("Reuters"),
                Some("2013-03-25"),
            )),
        );
        // Not datelines.
        check("However, the minister said (Reuters) - no", None);
        check("Moscow, March 25 (Reuters) - title-case city", None);
        check("NATO, the alliance, said - nothing", None);
        check("NATO - the alliance said", None);
        check("US officials said on Monday", None);
        check("The U.S. (Reuters) - said", None);
        check("MOSCOW, March 45 (Reuters) - bad day", None);
        check("Russia has asked Washington, March 25 (Reuters) -", None);
        check("", None);
    }

    #[test]
    fn year_inference() {
        let dec31 = Utc.with_ymd_and_hms(2013, 12, 31, 23, 0, 0).unwrap();
        assert_eq!(infer_date(1, 1, dec31), NaiveDate::from_ymd_opt(2014, 1, 1));
        let jan2 = Utc.with_ymd_and_hms(2014, 1, 2, 0, 0, 0).unwrap();
        assert_eq!(
            infer_date(12, 30, jan2),
            NaiveDate::from_ymd_opt(2013, 12, 30)
        );
        assert_eq!(
            infer_date(1, 20, jan2),
            NaiveDate::from_ymd_opt(2014, 1, 20)
        );
        assert_eq!(infer_date(6, 1, jan2), NaiveDate::from_ymd_opt(2013, 6, 1));
        let leap = Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
        assert_eq!(
            infer_date(2, 29, leap),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
    }

    #[test]
    fn title_casing() {
        assert_eq!(title_case("NEW YORK"), "New York");
        assert_eq!(title_case("FRANKFURT AM MAIN"), "Frankfurt am Main");
        assert_eq!(title_case("N'DJAMENA"), "N'Djamena");
        assert_eq!(title_case("SÃO PAULO"), "São Paulo");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
        /// `captures` (the match's captures, ASCII classes for an ASCII match) gives the
        /// captures of the Unicode pattern on the whole paragraph.
        #[test]
        fn captures_on_the_match_are_the_captures_on_the_paragraph(
            city in "(SÃO |||)[A-Z][A-Z.'\u{2019}]{1,8}([ /-][A-Z][A-Z.'\u{2019}]{1,8}){0,2}",
            country in "(, (Zanzibar|[A-ZÖ][a-zé]{2,8})( [A-Z][a-z]{2,6})?)?",
            date in r"(,[ \t]{0,2}(March|Sept\.?|Dec|Mayo)( | | |\u{a0})[0-9]{1,3})?",
            agency in r"( ?\((Reuters|AP|Dow Jones & Co|Ag٣|A-b 1|Kyodo 9z)\))?",
            dash in "( ?--| -| \u{2014}|\u{2013}| - |)",
            rest in "[ -~\u{2014}\u{e9}]{0,40}",
        ) {
            let p = format!("{city}{country}{date}{agency}{dash}{rest}");
            let spans = |c: regex::Captures| {
                c.iter().map(|m| m.map(|m| m.range())).collect::<Vec<_>>()
            };
            let whole = DATELINE.captures(&p).map(spans);
            let as_parsed = captures(&p);
            proptest::prop_assert_eq!(whole, as_parsed.map(spans), "paragraph: {:?}", p);
        }
    }
}
