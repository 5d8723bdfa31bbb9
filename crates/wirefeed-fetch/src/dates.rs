//! Lenient timestamps: feeds write dates in every style a human can read. We parse what a
//! human could; the caller falls back to the fetch time (with a warning) for the rest.
//!
//! Hand-rolled on chrono's `strftime` parser: the styles are a fixed list below, and crates
//! such as `dateparser` guess locale-dependent orders (is 01/02 January or February?) that
//! would put wrong dates on stories rather than none.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Zone abbreviations seen in real feeds (RFC 822's plus the common European ones).
const ZONES: &[(&str, &str)] = &[
    ("UTC", "+0000"),
    ("GMT", "+0000"),
    ("UT", "+0000"),
    ("Z", "+0000"),
    ("EST", "-0500"),
    ("EDT", "-0400"),
    ("CST", "-0600"),
    ("CDT", "-0500"),
    ("MST", "-0700"),
    ("MDT", "-0600"),
    ("PST", "-0800"),
    ("PDT", "-0700"),
    ("BST", "+0100"),
    ("CET", "+0100"),
    ("CEST", "+0200"),
    ("EET", "+0200"),
    ("EEST", "+0300"),
    ("MSK", "+0300"),
    ("JST", "+0900"),
    ("IST", "+0530"),
    ("AEST", "+1000"),
];

/// With an offset (after zone names became offsets).
const WITH_ZONE: &[&str] = &[
    "%d %b %Y %H:%M:%S %z",
    "%d %b %Y %H:%M %z",
    "%d %B %Y %H:%M:%S %z",
    "%B %d %Y %H:%M:%S %z",
    "%B %d %Y %I:%M %p %z",
    "%b %d %Y %H:%M:%S %z",
    "%d %b %y %H:%M:%S %z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M:%S%.f %z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y%m%dT%H%M%S%z",
];

/// Without an offset: read as UTC.
const WITHOUT_ZONE: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%B %d %Y %I:%M %p",
    "%Y%m%dT%H%M%S",
];

const DATE_ONLY: &[&str] = &[
    "%Y-%m-%d", "%Y/%m/%d", "%d %b %Y", "%d %B %Y", "%B %d %Y", "%Y%m%d",
];

/// Parses `raw` in any of the styles above; `None` when a human would have to guess.
pub fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(raw) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(raw) {
        return Some(d.with_timezone(&Utc));
    }
    // Every style below is ASCII; `clean` slices by byte offsets and relies on it.
    if !raw.is_ascii() {
        return None;
    }
    let s = clean(raw);
    for f in WITH_ZONE {
        if let Ok(d) = DateTime::<FixedOffset>::parse_from_str(&s, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for f in WITHOUT_ZONE {
        if let Ok(d) = NaiveDateTime::parse_from_str(&s, f) {
            return Some(Utc.from_utc_datetime(&d));
        }
    }
    for f in DATE_ONLY {
        if let Ok(d) = NaiveDate::parse_from_str(&s, f) {
            return d.and_hms_opt(0, 0, 0).map(|d| Utc.from_utc_datetime(&d));
        }
    }
    None
}

/// Drops the weekday (often wrong or localised), commas, `Sept`, and turns zone names and
/// `GMT+01:00` into numeric offsets.
fn clean(raw: &str) -> String {
    let mut words: Vec<String> = raw
        .replace(',', " ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if let Some(first) = words.first() {
        let w = first.trim_end_matches('.').to_ascii_lowercase();
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        if w.len() >= 3
            && days.iter().any(|d| w.starts_with(d))
            && w.chars().all(char::is_alphabetic)
        {
            words.remove(0);
        }
    }
    for w in words.iter_mut() {
        let lower = w.trim_end_matches('.').to_ascii_lowercase();
        if lower == "sept" {
            *w = "Sep".into();
            continue;
        }
        let upper = w.to_ascii_uppercase();
        if let Some((_, off)) = ZONES.iter().find(|(z, _)| *z == upper) {
            *w = (*off).into();
            continue;
        }
        // GMT+1, GMT+01:00, UTC-0500
        for prefix in ["GMT", "UTC"] {
            if let Some(rest) = upper.strip_prefix(prefix) {
                if let Some(off) = offset(rest) {
                    *w = off;
                }
            }
        }
        // +01:00 -> +0100
        if (w.starts_with('+') || w.starts_with('-')) && w.len() == 6 && w.as_bytes()[3] == b':' {
            *w = w.replace(':', "");
        }
    }
    let mut s = words.join(" ");
    // An ISO date with a trailing Z or a colon offset: make the offset %z-readable.
    if s.len() > 10 && s.as_bytes()[4] == b'-' {
        if let Some(stripped) = s.strip_suffix('Z') {
            s = format!("{stripped}+0000");
        } else if s.len() > 6 && s.as_bytes()[s.len() - 3] == b':' {
            let tail = &s[s.len() - 6..];
            if tail.starts_with('+') || tail.starts_with('-') {
                s = format!("{}{}", &s[..s.len() - 6], tail.replace(':', ""));
            }
        }
    } else if let Some(stripped) = s.strip_suffix('Z') {
        if stripped.len() == 15 {
            s = format!("{stripped}+0000");
        }
    }
    s
}

/// `+1`, `+01`, `+0100`, `+01:00` → `+0100`.
fn offset(s: &str) -> Option<String> {
    let (sign, digits) = s.split_at(s.find(['+', '-'])? + 1);
    if sign.len() != 1 {
        return None;
    }
    let digits = digits.replace(':', "");
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let d = match digits.len() {
        1 => format!("0{digits}00"),
        2 => format!("{digits}00"),
        4 => digits,
        _ => return None,
    };
    Some(format!("{sign}{d}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, expected: &str) {
        let got = parse_date(raw).map(|d| d.to_rfc3339());
        assert_eq!(got.as_deref(), Some(expected), "{raw:?}");
    }

    #[test]
    fn a_dozen_malformed_styles_parse() {
        let utc = "2013-03-25T10:00:00+00:00";
        check("Mon, 25 Mar 2013 10:00:00 GMT", utc);
        check("Wed, 25 Mar 2013 10:00:00 GMT", utc); // wrong weekday
        check("25 Mar 2013 10:00:00 +0000", utc); // no weekday
        check("Mon, 25 Mar 2013 06:00:00 EDT", utc); // zone name
        check("Monday, 25 March 2013 11:00:00 CET", utc); // long names
        check("Mon, 25 Mar 2013 10:00 UT", utc); // no seconds
        check("Mon, 25 Mar 2013 11:00:00 +01:00", utc); // colon offset
        check("Mon, 25 Mar 2013 12:00:00 GMT+2", utc); // GMT+n
        check("2013-03-25T10:00:00Z", utc);
        check("2013-03-25T10:00:00", utc); // ISO without zone
        check("2013-03-25 10:00:00", utc); // space separator
        check("2013-03-25T11:00:00.000+01:00", utc);
        check("2013/03/25 10:00:00", utc);
        check("20130325T100000Z", utc); // NITF norm
        check("20130325T110000+0100", utc);
        check("March 25, 2013 10:00 AM GMT", utc);
        check("25 Mar 13 10:00:00 GMT", utc); // two-digit year
        check("2013-03-25", "2013-03-25T00:00:00+00:00");
        check("25 Sept 2013", "2013-09-25T00:00:00+00:00");
    }

    /// Found by the fuzz target: `clean` sliced inside a multi-byte character.
    #[test]
    fn non_ascii_dates_do_not_panic() {
        assert_eq!(
            parse_date("2013-03-25T1M\u{fffd}\u{fffd}R\u{fffd}0:00"),
            None
        );
        assert_eq!(parse_date("25 марта 2013"), None);
    }

    #[test]
    fn unreadable_dates_are_none() {
        for raw in ["", "yesterday", "32/13/2013", "Mon, 99 Foo 2013", "12:00"] {
            assert_eq!(parse_date(raw), None, "{raw:?}");
        }
    }
}
