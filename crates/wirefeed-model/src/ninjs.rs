//! IPTC ninjs 2.2 serialization.
//!
//! Only fields defined by ninjs 2.2 are emitted: its root schema sets
//! `unevaluatedProperties: false`, so a record with anything else would be rejected by
//! consumers that validate. Our extra structure (credit roles, dateline place, topic ids) is
//! expressed with standard fields: `people[].rel`, `places[].rel`, `subjects[].literal`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{PlaceKind, Story};

/// The `$id` of the schema every record conforms to.
pub const NINJS_SCHEMA_ID: &str = "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json#";
/// The ninjs version, for Kafka headers.
pub const NINJS_VERSION: &str = "2.2";
/// The content type of a record value.
pub const NINJS_CONTENT_TYPE: &str = "application/ninjs+json";

/// The `creator` we put on metadata we assigned, so consumers can tell it from the publisher's.
const CREATOR: &str = "wirefeed";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NinjsHeadline<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Cow<'a, str>>,
    pub value: Cow<'a, str>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NinjsBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contenttype: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charcount: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wordcount: Option<u64>,
    pub value: Cow<'a, str>,
}

/// A subject, place, organisation or person: ninjs gives them the same core fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct NinjsEntity<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rel: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub literal: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct NinjsSubject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rel: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub literal: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevance: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NinjsGenre<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub literal: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NinjsAltId<'a> {
    pub role: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

/// An associated news object; we only name it and give its uri (the original of a re-post).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NinjsAssociation<'a> {
    pub name: Cow<'a, str>,
    pub uri: Cow<'a, str>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NinjsInfoSource<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub literal: Option<Cow<'a, str>>,
}

/// A ninjs 2.2 news object, restricted to the fields wirefeed fills. Borrows from the
/// [`Story`] it is made of: building it with owned copies of every string cost as much as
/// serializing it (a profile of the load benchmark).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ninjs<'a> {
    pub uri: Cow<'a, str>,
    #[serde(rename = "type")]
    pub kind: Cow<'a, str>,
    pub representationtype: Cow<'a, str>,
    pub version: Cow<'a, str>,
    pub versioncreated: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firstcreated: Option<Cow<'a, str>>,
    pub pubstatus: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Cow<'a, str>>,
    pub headlines: Vec<NinjsHeadline<'a>>,
    pub bodies: Vec<NinjsBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub located: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ednote: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub genres: Vec<NinjsGenre<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub subjects: Vec<NinjsSubject<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub places: Vec<NinjsEntity<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub organisations: Vec<NinjsEntity<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub people: Vec<NinjsEntity<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub infosources: Vec<NinjsInfoSource<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub altids: Vec<NinjsAltId<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub associations: Vec<NinjsAssociation<'a>>,
}

/// The `altids` role naming the input a record came from (file path or feed URL).
pub const INPUT_ALTID_ROLE: &str = "wirefeed-input";

fn rfc3339(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Story {
    /// The story as a ninjs 2.2 record.
    pub fn to_ninjs(&self) -> Ninjs<'_> {
        let b = Cow::Borrowed;
        let mut subjects = Vec::with_capacity(self.subjects.len() * 2);
        // One literal subject per topic (what consumers route on), then the IPTC concepts,
        // each once with the highest relevance of the topics that map to it.
        let mut iptc: BTreeMap<&str, NinjsSubject<'_>> = BTreeMap::new();
        for s in &self.subjects {
            subjects.push(NinjsSubject {
                name: Some(b(&s.label)),
                uri: Some(Cow::Owned(format!("urn:wirefeed:topic:{}", s.id))),
                literal: Some(b(&s.id)),
                creator: Some(b(CREATOR)),
                relevance: Some(s.relevance.min(100)),
                confidence: Some(s.confidence.min(100)),
                rel: None,
            });
            for c in &s.iptc {
                let e = iptc.entry(&c.qcode).or_insert_with(|| NinjsSubject {
                    name: Some(b(&c.name)),
                    uri: Some(Cow::Owned(c.uri())),
                    literal: Some(b(&c.qcode)),
                    creator: Some(b(CREATOR)),
                    relevance: Some(0),
                    confidence: Some(0),
                    rel: None,
                });
                e.relevance = e.relevance.max(Some(s.relevance.min(100)));
                e.confidence = e.confidence.max(Some(s.confidence.min(100)));
            }
        }
        subjects.extend(iptc.into_values());

        let places = self
            .places
            .iter()
            .map(|p| NinjsEntity {
                name: Some(b(&p.name)),
                rel: Some(b(&p.rel)),
                uri: match (p.kind, &p.country_code) {
                    (PlaceKind::Country, Some(cc)) => Some(Cow::Owned(format!("iso3166-1:{cc}"))),
                    _ => None,
                },
                literal: p.country_code.as_deref().map(b),
            })
            .collect();
        fn entity(e: &crate::Entity) -> NinjsEntity<'_> {
            NinjsEntity {
                name: Some(Cow::Borrowed(&e.name)),
                rel: Some(Cow::Borrowed(&e.rel)),
                ..Default::default()
            }
        }

        let mut altids = Vec::with_capacity(4);
        if let Some(g) = &self.guid {
            altids.push(NinjsAltId {
                role: b("guid"),
                value: b(g),
            });
        }
        if let Some(l) = &self.link {
            altids.push(NinjsAltId {
                role: b("link"),
                value: b(l),
            });
        }
        altids.push(NinjsAltId {
            role: b(crate::FINGERPRINT_ALTID_ROLE),
            value: Cow::Owned(format!("{:016x}", self.fingerprint)),
        });
        if let Some(o) = &self.origin {
            altids.push(NinjsAltId {
                role: b(INPUT_ALTID_ROLE),
                value: b(o),
            });
        }

        // A re-post published as a pointer: no body (the original has it), an association
        // naming the original; `partial` says the record is not the whole story.
        let (representationtype, bodies, associations) = match &self.duplicate_of {
            Some(original) => (
                "partial",
                Vec::new(),
                vec![NinjsAssociation {
                    name: b(DUPLICATE_OF_ASSOCIATION),
                    uri: b(original),
                }],
            ),
            None => {
                let body = self.body_text();
                (
                    "full",
                    vec![NinjsBody {
                        role: Some(b("main")),
                        contenttype: Some(b("text/plain")),
                        charcount: Some(char_count(&body) as u64),
                        wordcount: Some(word_count(&body) as u64),
                        value: Cow::Owned(body),
                    }],
                    Vec::new(),
                )
            }
        };
        Ninjs {
            uri: b(&self.uri),
            kind: b("text"),
            representationtype: b(representationtype),
            version: Cow::Owned(self.version.to_string()),
            versioncreated: Cow::Owned(rfc3339(&self.versioncreated)),
            firstcreated: self.firstcreated.as_ref().map(|t| Cow::Owned(rfc3339(t))),
            pubstatus: b(match self.pubstatus {
                crate::PubStatus::Usable => "usable",
                crate::PubStatus::Withheld => "withheld",
                crate::PubStatus::Canceled => "canceled",
            }),
            language: self.language.as_deref().map(b),
            headlines: vec![NinjsHeadline {
                role: Some(b("main")),
                value: b(&self.headline),
            }],
            bodies,
            located: self.dateline.as_ref().map(|d| b(d.city.as_str())),
            by: self.by.as_deref().map(b),
            ednote: self.ednote.as_deref().map(b),
            genres: self
                .genres
                .iter()
                .map(|g| NinjsGenre {
                    name: Some(b(g)),
                    literal: Some(Cow::Owned(g.to_lowercase())),
                })
                .collect(),
            subjects,
            places,
            organisations: self.organisations.iter().map(entity).collect(),
            people: self.people.iter().map(entity).collect(),
            infosources: vec![NinjsInfoSource {
                name: Some(b(&self.source)),
                role: Some(b("source")),
                literal: Some(b(self.format.as_str())),
            }],
            altids,
            associations,
        }
    }
}

/// `s.chars().count()`, without the walk when the text is ASCII (wire text nearly always is).
fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// `s.split_whitespace().count()`. That iterator tests every char against the Unicode
/// whitespace table and was most of `to_ninjs`' time in a profile; on text whose only
/// whitespace is ASCII (wire text nearly always, also with typographic punctuation, and all
/// normalized text) counting word starts byte by byte gives the same number.
fn word_count(s: &str) -> usize {
    if !s.is_ascii() && crate::chars::any_rare_char(s, char::is_whitespace) {
        return s.split_whitespace().count();
    }
    // The ASCII chars `char::is_whitespace` accepts: space and \t \n \x0B \x0C \r (note:
    // `u8::is_ascii_whitespace` leaves out \x0B).
    let ws = |b: u8| b == b' ' || (b'\t'..=b'\r').contains(&b);
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return 0;
    };
    // A word starts wherever a non-space follows a space. No state is carried from byte to
    // byte and the per-chunk sums fit a byte, so the compiler vectorises this on byte lanes.
    let (prev, next) = (&bytes[..bytes.len() - 1], &bytes[1..]);
    let mut count = usize::from(!ws(first));
    for (p, n) in prev.chunks(255).zip(next.chunks(255)) {
        let starts = p.iter().zip(n).fold(0u8, |acc, (&a, &b)| {
            acc.wrapping_add(u8::from(ws(a) & !ws(b)))
        });
        count += usize::from(starts);
    }
    count
}

/// The association `name` of a pointer record's original.
pub const DUPLICATE_OF_ASSOCIATION: &str = "duplicate-of";

#[cfg(test)]
mod counting {
    use super::{char_count, word_count};

    #[test]
    fn counts_agree_with_std_on_ascii_and_unicode() {
        for s in [
            "",
            "   ",
            "one",
            " two  words ",
            "tab\tand\nnewline\r\nand\x0Bvertical\x0Cfeed",
            "Zürich,\u{a0}non-breaking\u{2003}em space\u{3000}ideographic",
            "MOSCOW, March 25 (Reuters) - Russia asked.\n\nMore.",
            "\u{201C}Quoted,\u{201D} she said \u{2013} it\u{2019}s \u{2014}done\u{2014} now.",
            "\u{2019}\u{2019} \u{2003}\u{2019}x\u{205F}y\u{1680}z\u{85}w\u{2028}v",
            "日本語の文 と 空白\u{3000}全角",
        ] {
            assert_eq!(word_count(s), s.split_whitespace().count(), "{s:?}");
            assert_eq!(char_count(s), s.chars().count(), "{s:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::*;
    use chrono::Utc;

    fn sample() -> Story {
        Story {
            uri: "urn:wirefeed:story:abc".into(),
            version: 2,
            source: "samples".into(),
            format: ItemFormat::WireText,
            headline: "Russia asks for talks".into(),
            paragraphs: vec![
                "MOSCOW, March 25 (Reuters) - Russia asked.".into(),
                "More.".into(),
            ],
            link: Some("https://example.com/a".into()),
            guid: Some("abc".into()),
            dateline: Some(Dateline {
                city: "Moscow".into(),
                country: None,
                agency: Some("Reuters".into()),
                date: None,
            }),
            credits: vec![],
            by: Some("Reporting by A B; Editing by C D".into()),
            language: Some("en".into()),
            firstcreated: Some(Utc::now()),
            versioncreated: Utc::now(),
            fetched_at: Utc::now(),
            pubstatus: PubStatus::Usable,
            genres: vec!["Analysis".into()],
            ednote: Some("Adds comment".into()),
            fingerprint: 1,
            subjects: vec![Subject {
                id: "missile-defense".into(),
                label: "Missile defense".into(),
                iptc: vec![IptcConcept {
                    qcode: "medtop:20000602".into(),
                    name: "military weaponry and equipment".into(),
                }],
                relevance: 90,
                confidence: 80,
            }],
            places: vec![Place {
                name: "Russia".into(),
                kind: PlaceKind::Country,
                country_code: Some("RU".into()),
                rel: "mentioned".into(),
            }],
            organisations: vec![Entity {
                name: "NATO".into(),
                rel: "mentioned".into(),
            }],
            people: vec![Entity {
                name: "A B".into(),
                rel: "reporter".into(),
            }],
            duplicate_of: None,
            origin: Some("https://wire.example/world.rss".into()),
        }
    }

    #[test]
    fn record_validates_against_ninjs_2_2() {
        let validator = ninjs_validator();
        let value = serde_json::to_value(sample().to_ninjs()).unwrap();
        let errors = validate_ninjs(&validator, &value);
        assert!(errors.is_empty(), "{errors:?}\n{value:#}");
        assert_eq!(
            value["subjects"][1]["uri"],
            "http://cv.iptc.org/newscodes/mediatopic/20000602"
        );
        assert_eq!(value["version"], "2");
        let back = Published::from_ninjs(&value).unwrap();
        assert_eq!(back, Published::of(&sample()));
        // An unknown field must be rejected, or the check above proves nothing.
        let mut bad = value.clone();
        bad["wirefeed_extra"] = serde_json::json!(1);
        assert!(!validator.is_valid(&bad));
    }

    #[test]
    fn pointer_record_validates_and_names_its_original() {
        let validator = ninjs_validator();
        let mut story = sample();
        story.uri = "urn:wirefeed:story:repost".into();
        story.duplicate_of = Some("urn:wirefeed:story:abc".into());
        let value = serde_json::to_value(story.to_ninjs()).unwrap();
        let errors = validate_ninjs(&validator, &value);
        assert!(errors.is_empty(), "{errors:?}\n{value:#}");
        assert_eq!(value["representationtype"], "partial");
        assert_eq!(value["uri"], "urn:wirefeed:story:repost");
        assert_eq!(value["bodies"], serde_json::json!([]));
        assert_eq!(
            value["associations"],
            serde_json::json!([{"name": "duplicate-of", "uri": "urn:wirefeed:story:abc"}])
        );
        // A full record has no associations.
        assert!(sample().to_ninjs().associations.is_empty());
    }
}
