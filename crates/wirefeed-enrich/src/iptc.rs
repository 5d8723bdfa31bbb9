//! The IPTC Media Topics vocabulary, as the compact table `data/mediatopics.tsv` generated
//! from IPTC's `cptall-en-GB.json` (CC BY 4.0, © IPTC; see the file header and
//! `examples/gen_mediatopics.rs`). Taxonomy codes are checked against it at load: unknown
//! codes are errors, retired ones are replaced with a warning.
//!
//! Vendored rather than read at run time so the binary validates codes with no files beside
//! it; the table is 43 KB and parsed once.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../data/mediatopics.tsv");

/// The vocabulary release the table was generated from.
pub const RELEASE: &str = "2025-10-09";

/// One concept of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Concept {
    /// The en-GB preferred label.
    pub label: &'static str,
    /// The retirement date, when retired.
    pub retired: Option<&'static str>,
    /// For a retired concept, the current concept to use instead (8 digits).
    pub replacement: Option<&'static str>,
}

/// Looks up a code given as 8 digits (`20000602`).
pub(crate) fn concept(code: &str) -> Option<Concept> {
    static MAP: OnceLock<HashMap<&'static str, Concept>> = OnceLock::new();
    MAP.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| {
                let mut f = l.split('\t');
                let code = f.next()?;
                let label = f.next()?;
                let some = |s: Option<&'static str>| s.filter(|s| !s.is_empty());
                Some((
                    code,
                    Concept {
                        label,
                        retired: some(f.next()),
                        replacement: some(f.next()),
                    },
                ))
            })
            .collect()
    })
    .get(code)
    .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOCABULARY: &str = "/work/shared/corpora/iptc-mediatopics/cptall-en-GB.json";

    #[test]
    fn table_lookups() {
        type Want = Option<(&'static str, Option<&'static str>)>;
        let cases: &[(&str, Want)] = &[
            ("20000602", Some(("military weaponry and equipment", None))),
            ("20000639", Some(("diplomacy", None))),
            ("20000030", Some(("music theatre", Some("20000029")))),
            ("20000347", Some(("bonds", Some("20001376")))),
            ("99999999", None),
        ];
        for (code, want) in cases {
            let got = concept(code).map(|c| (c.label, c.replacement));
            assert_eq!(got, *want, "{code}");
        }
    }

    /// Every retired concept has a replacement, and every replacement is current.
    #[test]
    fn replacements_are_current() {
        let mut retired = 0;
        for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let code = line.split('\t').next().unwrap();
            let c = concept(code).unwrap();
            if c.retired.is_some() {
                retired += 1;
                let r = concept(c.replacement.expect(code)).expect(code);
                assert!(r.retired.is_none(), "{code} -> retired replacement");
            }
        }
        assert!(retired > 300, "{retired}");
    }

    /// The vendored table agrees with IPTC's file when it is present (it is not shipped with
    /// the crate): same concepts, labels and retirement state.
    #[test]
    fn table_matches_the_vocabulary_file() {
        let Ok(text) = std::fs::read_to_string(VOCABULARY) else {
            println!("skipping: IPTC vocabulary not found at {VOCABULARY}");
            return;
        };
        let vocab: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(&vocab["dateReleased"].as_str().unwrap()[..10], RELEASE);
        let concepts = vocab["conceptSet"].as_array().unwrap();
        for c in concepts {
            let code = c["qcode"].as_str().unwrap().trim_start_matches("medtop:");
            let ours = concept(code).unwrap_or_else(|| panic!("{code} missing"));
            assert_eq!(ours.label, c["prefLabel"]["en-GB"].as_str().unwrap().trim());
            assert_eq!(ours.retired.is_some(), c.get("retired").is_some(), "{code}");
        }
        let rows = TABLE.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(rows, concepts.len());
    }
}
