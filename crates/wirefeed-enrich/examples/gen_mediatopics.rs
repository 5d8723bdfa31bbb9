//! Regenerates `data/mediatopics.tsv`, the compact IPTC Media Topics table the enricher
//! validates taxonomy codes against, from IPTC's own vocabulary file:
//!
//! ```sh
//! cargo run -p wirefeed-enrich --example gen_mediatopics -- \
//!     ../shared/corpora/iptc-mediatopics/cptall-en-GB.json > crates/wirefeed-enrich/data/mediatopics.tsv
//! ```
//!
//! One line per concept: `code<TAB>en-GB label<TAB>retired date or empty<TAB>replacement`.
//! The replacement of a retired concept is the first current `medtop:` code its change note
//! or note names ("Retired. Use medtop:20000210 agriculture instead."), otherwise its nearest
//! current broader concept; IPTC publishes no machine-readable replacement field.

use std::collections::HashMap;

use serde_json::Value;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: gen_mediatopics <cptall-en-GB.json>");
    let text = std::fs::read_to_string(&path).expect("read vocabulary");
    let vocab: Value = serde_json::from_str(&text).expect("vocabulary JSON");
    print!("{}", generate(&vocab));
}

fn code(s: &str) -> &str {
    s.rsplit(['/', ':']).next().unwrap_or(s)
}

fn generate(vocab: &Value) -> String {
    let concepts = vocab["conceptSet"].as_array().expect("conceptSet");
    let by_code: HashMap<&str, &Value> = concepts
        .iter()
        .map(|c| (code(c["qcode"].as_str().expect("qcode")), c))
        .collect();
    let current = |c: &str| by_code.get(c).is_some_and(|v| v.get("retired").is_none());
    let digits = regex::Regex::new(r"medtop:(?:medtop:)?(\d{8})").unwrap();
    let mut out = format!(
        "# IPTC Media Topics, release {}: code, en-GB label, retired, replacement.\n\
         # (c) IPTC, International Press Telecommunications Council, https://iptc.org, licensed\n\
         # CC BY 4.0 (http://creativecommons.org/licenses/by/4.0/). Generated from cptall-en-GB.json\n\
         # by crates/wirefeed-enrich/examples/gen_mediatopics.rs; do not edit by hand.\n",
        vocab["dateReleased"].as_str().unwrap_or("?").get(..10).unwrap_or("?")
    );
    let mut rows: Vec<(&str, &Value)> = by_code.iter().map(|(k, v)| (*k, *v)).collect();
    rows.sort_by_key(|(k, _)| *k);
    for (c, v) in rows {
        let label = v["prefLabel"]["en-GB"].as_str().unwrap_or("").trim();
        let retired = v.get("retired").and_then(Value::as_str).map(|d| &d[..10]);
        let replacement = retired.and_then(|_| {
            let notes = [&v["changeNote"]["en-GB"], &v["note"]["en-GB"]];
            let named = notes.iter().filter_map(|n| n.as_str()).find_map(|n| {
                digits
                    .captures_iter(n)
                    .map(|m| m.get(1).unwrap().as_str())
                    .find(|m| *m != c && current(m))
            });
            named.map(str::to_string).or_else(|| {
                // Nearest current ancestor.
                let mut cur = v;
                for _ in 0..10 {
                    let b = code(cur["broader"].get(0)?.as_str()?);
                    if current(b) {
                        return Some(b.to_string());
                    }
                    cur = by_code.get(b)?;
                }
                None
            })
        });
        out.push_str(&format!(
            "{c}\t{label}\t{}\t{}\n",
            retired.unwrap_or(""),
            replacement.unwrap_or_default()
        ));
    }
    out
}
