//! The topic taxonomy: parsed from TOML (`config/taxonomy.toml`), validated, and handed to
//! [`crate::Enricher::new`]. The file format is documented in the comments at the top of the
//! shipped file; this module enforces it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use crate::error::{from_toml, line_col, Diagnostic, EnrichError, Severity};
use crate::iptc;

/// The score a topic needs when its table sets no `min_score`: one headline mention of a
/// weight-1 phrase, or a weight-3 phrase once in the body.
const DEFAULT_MIN_SCORE: f64 = 3.0;

/// One include phrase and how much one mention of it counts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WeightedPhrase {
    pub phrase: String,
    pub weight: f64,
}

/// One topic of the taxonomy, validated.
#[derive(Debug, Clone)]
pub(crate) struct Topic {
    pub id: String,
    pub label: String,
    /// `(qcode, English label)` pairs.
    pub iptc: Vec<(String, String)>,
    pub parent: Option<String>,
    pub include: Vec<WeightedPhrase>,
    pub context: Vec<String>,
    pub exclude: Vec<String>,
    pub min_score: f64,
}

/// A validated topic taxonomy. Build one with [`Taxonomy::from_toml_str`] or
/// [`Taxonomy::load`], then compile it with [`crate::Enricher::new`].
#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub(crate) topics: Vec<Topic>,
    /// What loaded but deserves the operator's attention (retired IPTC codes).
    pub(crate) warnings: Vec<Diagnostic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    iptc: BTreeMap<String, String>,
    #[serde(default)]
    topic: Vec<RawTopic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    id: Spanned<String>,
    label: String,
    #[serde(default)]
    iptc: Vec<String>,
    parent: Option<String>,
    #[serde(default)]
    weight: Option<f64>,
    include: Vec<RawInclude>,
    #[serde(default)]
    context: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    min_score: Option<f64>,
}

/// An include entry: either `"phrase"` (the topic's default weight) or
/// `{ phrase = "…", weight = 3.0 }`.
struct RawInclude {
    phrase: String,
    weight: Option<f64>,
}

impl<'de> Deserialize<'de> for RawInclude {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawInclude;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a phrase string or a table { phrase = "…", weight = 2.0 }"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawInclude, E> {
                Ok(RawInclude {
                    phrase: v.to_string(),
                    weight: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawInclude, A::Error> {
                let mut phrase = None;
                let mut weight = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "phrase" => phrase = Some(map.next_value::<String>()?),
                        "weight" => weight = Some(map.next_value::<f64>()?),
                        other => {
                            return Err(de::Error::unknown_field(other, &["phrase", "weight"]))
                        }
                    }
                }
                let phrase = phrase.ok_or_else(|| de::Error::missing_field("phrase"))?;
                Ok(RawInclude { phrase, weight })
            }
        }
        d.deserialize_any(V)
    }
}

impl Taxonomy {
    /// Parses and validates a taxonomy. `origin` names the text in error messages (the file
    /// name, or `"built-in taxonomy"`).
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Taxonomy, EnrichError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| from_toml(origin, text, e))?;
        let mut seen: HashSet<String> = HashSet::new();
        let mut topics = Vec::with_capacity(raw.topic.len());
        let mut lines = HashMap::new();
        let mut warnings = Vec::new();
        for code in raw.iptc.keys() {
            if qcode_digits(code).and_then(iptc::concept).is_none() {
                return Err(EnrichError::Invalid {
                    origin: origin.to_string(),
                    line: 1,
                    topic: "[iptc]".into(),
                    message: format!("`{code}` is not an IPTC Media Topics code"),
                });
            }
        }
        for t in raw.topic {
            let line = line_col(text, t.id.span().start).0;
            let id = t.id.into_inner();
            let invalid = |message: String| EnrichError::Invalid {
                origin: origin.to_string(),
                line,
                topic: id.clone(),
                message,
            };
            if !is_valid_id(&id) {
                return Err(invalid(
                    "id must be non-empty lowercase ASCII letters, digits and '-' (it is a metric label)".into(),
                ));
            }
            if !seen.insert(id.clone()) {
                return Err(invalid("duplicate topic id".into()));
            }
            if t.label.trim().is_empty() {
                return Err(invalid("empty label".into()));
            }
            let mut iptc: Vec<(String, String)> = Vec::new();
            for code in &t.iptc {
                let Some(digits) = qcode_digits(code) else {
                    return Err(invalid(format!(
                        "IPTC code `{code}` is not of the form medtop:NNNNNNNN"
                    )));
                };
                let Some(concept) = iptc::concept(digits) else {
                    return Err(invalid(format!(
                        "IPTC code `{code}` is not in the IPTC Media Topics vocabulary (release {})",
                        iptc::RELEASE
                    )));
                };
                let (qcode, concept) = match (concept.retired, concept.replacement) {
                    (Some(date), Some(r)) => {
                        let replacement = iptc::concept(r).unwrap_or(concept);
                        let w = Diagnostic {
                            severity: Severity::Warning,
                            origin: origin.to_string(),
                            line: Some(line),
                            topic: Some(id.clone()),
                            message: format!(
                                "IPTC code `{code}` ({}) was retired on {date}; using its replacement medtop:{r} ({})",
                                concept.label, replacement.label
                            ),
                        };
                        tracing::warn!(origin, line, topic = %id, "{}", w.message);
                        warnings.push(w);
                        (format!("medtop:{r}"), replacement)
                    }
                    _ => (code.clone(), concept),
                };
                // The published name: the file's own label when it gives one, else IPTC's.
                let name = raw
                    .iptc
                    .get(&qcode)
                    .cloned()
                    .unwrap_or_else(|| concept.label.to_string());
                if !iptc.iter().any(|(q, _)| *q == qcode) {
                    iptc.push((qcode, name));
                }
            }
            let default_weight = t.weight.unwrap_or(1.0);
            if t.include.is_empty() {
                return Err(invalid(
                    "`include` is empty: the topic could never fire".into(),
                ));
            }
            let mut include = Vec::new();
            for inc in t.include {
                let weight = inc.weight.unwrap_or(default_weight);
                check_phrase(&inc.phrase, "include").map_err(&invalid)?;
                if !(weight.is_finite() && weight > 0.0) {
                    return Err(invalid(format!(
                        "include phrase `{}` has weight {weight}; it must be > 0",
                        inc.phrase
                    )));
                }
                include.push(WeightedPhrase {
                    phrase: inc.phrase,
                    weight,
                });
            }
            for p in &t.context {
                check_phrase(p, "context").map_err(&invalid)?;
            }
            for p in &t.exclude {
                check_phrase(p, "exclude").map_err(&invalid)?;
            }
            let min_score = t.min_score.unwrap_or(DEFAULT_MIN_SCORE);
            if !(min_score.is_finite() && min_score > 0.0) {
                return Err(invalid(format!("min_score is {min_score}; it must be > 0")));
            }
            lines.insert(id.clone(), line);
            topics.push(Topic {
                id,
                label: t.label,
                iptc,
                parent: t.parent,
                include,
                context: t.context,
                exclude: t.exclude,
                min_score,
            });
        }
        // Parents may be declared after their children, so they are checked once all ids are known.
        for t in &topics {
            let Some(parent) = &t.parent else { continue };
            let invalid = |message: String| EnrichError::Invalid {
                origin: origin.to_string(),
                line: lines[&t.id],
                topic: t.id.clone(),
                message,
            };
            if !seen.contains(parent) {
                return Err(invalid(format!("parent `{parent}` is not a topic id")));
            }
            // Walk up; a chain longer than the topic count must contain a cycle.
            let mut cur = Some(parent.clone());
            for _ in 0..=topics.len() {
                match cur {
                    Some(p) if p == t.id => {
                        return Err(invalid("parent chain loops back to this topic".into()))
                    }
                    Some(p) => {
                        cur = topics
                            .iter()
                            .find(|x| x.id == p)
                            .and_then(|x| x.parent.clone())
                    }
                    None => break,
                }
            }
        }
        Ok(Taxonomy { topics, warnings })
    }

    /// Reads and parses a taxonomy file; errors name `path`.
    pub fn load(path: &Path) -> Result<Taxonomy, EnrichError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| EnrichError::Read {
            origin: origin.clone(),
            source,
        })?;
        Taxonomy::from_toml_str(&text, &origin)
    }

    /// Warnings from loading (e.g. retired IPTC codes replaced); empty for a clean file.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Every topic id, in file order: the closed set of `topic` metric label values.
    pub fn topic_ids(&self) -> Vec<String> {
        self.topics.iter().map(|t| t.id.clone()).collect()
    }

    /// Every `(qcode, label)` pair the topics use, deduplicated, in file order.
    pub fn iptc_concepts(&self) -> Vec<(String, String)> {
        let mut seen = HashSet::new();
        self.topics
            .iter()
            .flat_map(|t| t.iptc.iter())
            .filter(|(q, _)| seen.insert(q.clone()))
            .cloned()
            .collect()
    }
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The eight digits of a `medtop:NNNNNNNN` qcode.
fn qcode_digits(code: &str) -> Option<&str> {
    code.strip_prefix("medtop:")
        .filter(|n| n.len() == 8 && n.bytes().all(|b| b.is_ascii_digit()))
}

fn check_phrase(p: &str, list: &str) -> Result<(), String> {
    if p.trim().is_empty() {
        return Err(format!("empty phrase in `{list}`"));
    }
    if !p.chars().any(char::is_alphanumeric) {
        return Err(format!("phrase `{p}` in `{list}` has no letters or digits"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_TAXONOMY;

    fn shipped() -> Taxonomy {
        Taxonomy::from_toml_str(DEFAULT_TAXONOMY, "taxonomy.toml").unwrap()
    }

    #[test]
    fn shipped_taxonomy_has_the_required_topics_and_codes() {
        let t = shipped();
        let ids = t.topic_ids();
        for want in [
            "missile-defense",
            "nuclear-weapons",
            "arms-control",
            "military",
            "armed-conflict",
            "terrorism",
            "cyber-security",
            "sanctions",
            "diplomacy",
            "politics",
            "elections",
            "economy",
            "energy",
            "health",
            "science",
            "space",
            "technology",
            "environment",
            "crime-law",
            "disaster-accident",
            "arts-entertainment",
            "sports",
        ] {
            assert!(ids.iter().any(|i| i == want), "topic {want} missing");
        }
        let codes = |id: &str| -> Vec<String> {
            let topic = t.topics.iter().find(|x| x.id == id).unwrap();
            topic.iptc.iter().map(|(q, _)| q.clone()).collect()
        };
        assert_eq!(
            codes("missile-defense"),
            ["medtop:20000602", "medtop:20000598"]
        );
        assert_eq!(codes("nuclear-weapons"), ["medtop:20000635"]);
        assert_eq!(
            codes("arms-control"),
            ["medtop:20000078", "medtop:20000641"]
        );
        assert_eq!(codes("diplomacy"), ["medtop:20000639"]);
        for t in &t.topics {
            assert!(!t.iptc.is_empty(), "topic {} has no IPTC code", t.id);
        }
    }

    /// The published names are IPTC's en-GB labels, and no shipped code is retired.
    #[test]
    fn shipped_iptc_codes_are_current_with_iptc_labels() {
        let t = shipped();
        assert!(t.warnings().is_empty(), "{:?}", t.warnings());
        let labels: BTreeMap<String, String> = t.iptc_concepts().into_iter().collect();
        let verified = [
            ("medtop:20000602", "military weaponry and equipment"),
            ("medtop:20000598", "national security"),
            ("medtop:20000635", "nuclear policy"),
            ("medtop:20000078", "disarmament"),
            ("medtop:20000641", "treaty"),
            ("medtop:20000639", "diplomacy"),
            ("medtop:20000642", "economic sanction"),
            ("medtop:20000599", "armed forces"),
            ("medtop:20000056", "armed conflict"),
            ("medtop:11000000", "politics and government"),
            ("medtop:15000000", "sport"),
        ];
        for (q, l) in verified {
            assert_eq!(labels.get(q).map(String::as_str), Some(l), "{q}");
        }
    }

    #[test]
    fn retired_codes_are_replaced_with_a_warning() {
        let t = Taxonomy::from_toml_str(
            "[[topic]]\nid = \"a\"\nlabel = \"A\"\niptc = [\"medtop:20000030\", \"medtop:20000602\"]\ninclude = [\"x\"]\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(
            t.iptc_concepts(),
            [
                ("medtop:20000029".to_string(), "theatre".to_string()),
                (
                    "medtop:20000602".into(),
                    "military weaponry and equipment".into()
                )
            ]
        );
        let w: Vec<String> = t.warnings().iter().map(|d| d.to_string()).collect();
        assert_eq!(
            w,
            ["t.toml:2: warning: topic `a`: IPTC code `medtop:20000030` (music theatre) was retired on 2021-09-30; using its replacement medtop:20000029 (theatre)"]
        );
    }

    #[test]
    fn own_names_override_iptc_labels() {
        let t = Taxonomy::from_toml_str(
            "[iptc]\n\"medtop:20000602\" = \"Weapons\"\n[[topic]]\nid = \"a\"\nlabel = \"A\"\niptc = [\"medtop:20000602\"]\ninclude = [\"x\"]\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(
            t.iptc_concepts(),
            [("medtop:20000602".to_string(), "Weapons".to_string())]
        );
    }

    fn err(text: &str) -> String {
        Taxonomy::from_toml_str(text, "bad.toml")
            .unwrap_err()
            .to_string()
    }

    const OK_TOPIC: &str = "[[topic]]\nid = \"a\"\nlabel = \"A\"\ninclude = [\"x\"]\n";

    #[test]
    fn malformed_taxonomies_name_file_line_and_topic() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("bad toml", "[[topic]]\nid = \"a\nlabel = \"A\"\n", &["bad.toml:2:"]),
            (
                "unknown key",
                "[[topic]]\nid = \"a\"\nlabel = \"A\"\ninclude = [\"x\"]\nwieght = 2\n",
                &["bad.toml:", "topic `a`", "unknown field `wieght`"],
            ),
            (
                "duplicate id",
                &format!("{OK_TOPIC}\n{OK_TOPIC}"),
                &["bad.toml:7: topic `a`: duplicate topic id"],
            ),
            (
                "empty phrase",
                "[[topic]]\nid = \"b\"\nlabel = \"B\"\ninclude = [\"x\", { phrase = \"  \", weight = 2.0 }]\n",
                &["bad.toml:2: topic `b`: empty phrase in `include`"],
            ),
            (
                "empty context phrase",
                "[[topic]]\nid = \"b\"\nlabel = \"B\"\ninclude = [\"x\"]\ncontext = [\"\"]\n",
                &["topic `b`: empty phrase in `context`"],
            ),
            (
                "unknown code",
                "[[topic]]\nid = \"c\"\nlabel = \"C\"\niptc = [\"medtop:29999999\"]\ninclude = [\"x\"]\n",
                &["bad.toml:2: topic `c`", "`medtop:29999999` is not in the IPTC Media Topics vocabulary"],
            ),
            (
                "unknown code in [iptc]",
                "[iptc]\n\"medtop:29999999\" = \"x\"\n",
                &["bad.toml:1: topic `[iptc]`", "not an IPTC Media Topics code"],
            ),
            (
                "malformed code",
                "[[topic]]\nid = \"c\"\nlabel = \"C\"\niptc = [\"20000602\"]\ninclude = [\"x\"]\n",
                &["topic `c`", "not of the form medtop:"],
            ),
            (
                "unknown parent",
                "[[topic]]\nid = \"d\"\nlabel = \"D\"\nparent = \"zz\"\ninclude = [\"x\"]\n",
                &["bad.toml:2: topic `d`: parent `zz` is not a topic id"],
            ),
            (
                "parent cycle",
                "[[topic]]\nid = \"e\"\nlabel = \"E\"\nparent = \"f\"\ninclude = [\"x\"]\n[[topic]]\nid = \"f\"\nlabel = \"F\"\nparent = \"e\"\ninclude = [\"y\"]\n",
                &["topic `e`: parent chain loops"],
            ),
            (
                "bad weight",
                "[[topic]]\nid = \"g\"\nlabel = \"G\"\ninclude = [{ phrase = \"x\", weight = -1.0 }]\n",
                &["topic `g`", "weight -1"],
            ),
            (
                "no include",
                "[[topic]]\nid = \"h\"\nlabel = \"H\"\ninclude = []\n",
                &["topic `h`", "`include` is empty"],
            ),
            ("bad id", "[[topic]]\nid = \"Bad Id\"\nlabel = \"H\"\ninclude = [\"x\"]\n", &["topic `Bad Id`"]),
        ];
        for (name, text, wants) in cases {
            let e = err(text);
            for w in *wants {
                assert!(e.contains(w), "{name}: {e:?} should contain {w:?}");
            }
        }
    }

    #[test]
    fn compact_and_table_include_forms_and_defaults() {
        let t = Taxonomy::from_toml_str(
            "[[topic]]\nid = \"a\"\nlabel = \"A\"\nweight = 2.5\ninclude = [\"x\", { phrase = \"y\", weight = 4.0 }]\n",
            "t.toml",
        )
        .unwrap();
        let inc = &t.topics[0].include;
        assert_eq!((inc[0].phrase.as_str(), inc[0].weight), ("x", 2.5));
        assert_eq!((inc[1].phrase.as_str(), inc[1].weight), ("y", 4.0));
        assert_eq!(t.topics[0].min_score, DEFAULT_MIN_SCORE);
    }

    /// `config/taxonomy.schema.json` accepts the shipped file and rejects malformed ones, so
    /// the schema and the loader describe the same format.
    #[test]
    fn schema_agrees_with_the_loader() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../config/taxonomy.schema.json")).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let as_json = |text: &str| -> serde_json::Value {
            serde_json::to_value(toml::from_str::<toml::Value>(text).unwrap()).unwrap()
        };
        let cases: &[(&str, bool)] = &[
            (DEFAULT_TAXONOMY, true),
            (OK_TOPIC, true),
            ("[[topic]]\nid = \"a\"\nlabel = \"A\"\ninclude = [{ phrase = \"x\", weight = 2.0 }]\nmin_score = 2.0\n", true),
            ("[[topic]]\nid = \"a\"\nlabel = \"A\"\n", false),
            ("[[topic]]\nid = \"a\"\nlabel = \"A\"\ninclude = [\"x\"]\nwieght = 2\n", false),
            ("[[topic]]\nid = \"Bad Id\"\nlabel = \"A\"\ninclude = [\"x\"]\n", false),
            ("[[topic]]\nid = \"a\"\nlabel = \"A\"\niptc = [\"20000602\"]\ninclude = [\"x\"]\n", false),
            ("[[topic]]\nid = \"a\"\nlabel = \"A\"\ninclude = [{ phrase = \"x\", weight = -1.0 }]\n", false),
            ("[[topic]]\nid = \"a\"\nlabel = \"A\"\ninclude = [\"  \"]\n", false),
        ];
        for (text, valid) in cases {
            let json = as_json(text);
            let errors: Vec<String> = validator
                .iter_errors(&json)
                .map(|e| e.to_string())
                .collect();
            assert_eq!(errors.is_empty(), *valid, "{text}: {errors:?}");
            assert_eq!(
                Taxonomy::from_toml_str(text, "t.toml").is_ok(),
                *valid,
                "{text}"
            );
        }
    }

    #[test]
    fn load_names_the_missing_file() {
        let e = Taxonomy::load(Path::new("/nonexistent/taxonomy.toml")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/nonexistent/taxonomy.toml: cannot read"),
            "{e}"
        );
    }
}
