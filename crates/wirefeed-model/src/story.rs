use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ItemFormat;

/// Publication status, as ninjs `pubstatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PubStatus {
    #[default]
    Usable,
    Withheld,
    Canceled,
}

/// A parsed wire dateline such as `MOSCOW, March 25 (Reuters) -`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dateline {
    /// The city in title case, e.g. `Moscow`.
    pub city: String,
    /// The country or state when the dateline names one (`CITY, Country (AFP)`).
    pub country: Option<String>,
    /// The agency in parentheses, e.g. `Reuters`.
    pub agency: Option<String>,
    /// The date with the year inferred from the item's date or fetch time.
    pub date: Option<NaiveDate>,
}

/// The role a person played in producing a story, from a credits trailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CreditRole {
    Reporting,
    AdditionalReporting,
    Writing,
    Editing,
    Compiling,
}

impl CreditRole {
    /// The phrase used in a ninjs `by` line, e.g. `Reporting by`.
    pub fn phrase(self) -> &'static str {
        match self {
            CreditRole::Reporting => "Reporting by",
            CreditRole::AdditionalReporting => "Additional reporting by",
            CreditRole::Writing => "Writing by",
            CreditRole::Editing => "Editing by",
            CreditRole::Compiling => "Compiled by",
        }
    }

    /// The `rel` of the person in ninjs `people`.
    pub fn rel(self) -> &'static str {
        match self {
            CreditRole::Reporting | CreditRole::AdditionalReporting => "reporter",
            CreditRole::Writing => "writer",
            CreditRole::Editing => "editor",
            CreditRole::Compiling => "compiler",
        }
    }
}

/// One person credited in the trailer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub role: CreditRole,
    pub name: String,
    /// Where they reported from (`Reporting by A in City`).
    pub location: Option<String>,
}

/// An IPTC Media Topic concept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IptcConcept {
    /// The qcode, e.g. `medtop:20000602`.
    pub qcode: String,
    /// The English label, e.g. `military weaponry and equipment`.
    pub name: String,
}

impl IptcConcept {
    /// The full concept URI, e.g. `http://cv.iptc.org/newscodes/mediatopic/20000602`.
    pub fn uri(&self) -> String {
        let code = self.qcode.strip_prefix("medtop:").unwrap_or(&self.qcode);
        format!("http://cv.iptc.org/newscodes/mediatopic/{code}")
    }
}

/// A topic from our taxonomy that the enricher assigned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// The taxonomy id, e.g. `missile-defense`; bounded by the taxonomy file.
    pub id: String,
    pub label: String,
    pub iptc: Vec<IptcConcept>,
    /// 0–100.
    pub relevance: u8,
    /// 0–100.
    pub confidence: u8,
}

/// The kind of a place, which decides how it is identified in the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaceKind {
    Country,
    City,
    Region,
}

/// A place named in or located by a story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    pub kind: PlaceKind,
    /// ISO 3166-1 alpha-2 code of the country (of the city, for a city).
    pub country_code: Option<String>,
    /// ninjs `rel`, e.g. `dateline` or `mentioned`.
    pub rel: String,
}

/// A named organisation or person found in a story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    pub name: String,
    /// ninjs `rel`, e.g. `mentioned`, `reporter`, `editor`.
    pub rel: String,
}

/// One clean story version. Normalize fills the text and identity, enrich the metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    /// Stable identity across versions; the Kafka key.
    pub uri: String,
    /// 1 for the first version we publish; higher for updates of the same `uri`.
    pub version: u32,
    pub source: Arc<str>,
    pub format: ItemFormat,
    pub headline: String,
    /// Body paragraphs: each one line of clean text.
    pub paragraphs: Vec<String>,
    pub link: Option<String>,
    pub guid: Option<String>,
    pub dateline: Option<Dateline>,
    pub credits: Vec<Credit>,
    /// The natural-language byline (`Reporting by …; Editing by …`).
    pub by: Option<String>,
    pub language: Option<String>,
    pub firstcreated: Option<DateTime<Utc>>,
    pub versioncreated: DateTime<Utc>,
    pub fetched_at: DateTime<Utc>,
    pub pubstatus: PubStatus,
    /// Genres from headline prefixes (`ANALYSIS`, `FACTBOX`, …).
    pub genres: Vec<String>,
    /// Advisory lines such as `(Adds Pentagon comment in paragraph 5)`.
    pub ednote: Option<String>,
    /// Hash of the normalized body, used for exact-duplicate suppression.
    pub fingerprint: u64,
    pub subjects: Vec<Subject>,
    pub places: Vec<Place>,
    pub organisations: Vec<Entity>,
    pub people: Vec<Entity>,
    /// Set on a re-post published as a pointer (`normalize.duplicates = "pointer"`): the uri
    /// of the story it repeats. Such a story is written as a partial ninjs record with no
    /// body and an association to that uri.
    pub duplicate_of: Option<String>,
    /// Where the input came from: the file path or the feed URL (see [`crate::RawItem::origin`]).
    #[serde(default)]
    pub origin: Option<String>,
}

impl Story {
    /// A first version with only text and identity filled in; stages and tests fill the rest.
    pub fn new(
        uri: impl Into<String>,
        source: Arc<str>,
        format: ItemFormat,
        headline: impl Into<String>,
        paragraphs: Vec<String>,
    ) -> Story {
        let now = Utc::now();
        Story {
            uri: uri.into(),
            version: 1,
            source,
            format,
            headline: headline.into(),
            paragraphs,
            link: None,
            guid: None,
            dateline: None,
            credits: Vec::new(),
            by: None,
            language: None,
            firstcreated: None,
            versioncreated: now,
            fetched_at: now,
            pubstatus: PubStatus::Usable,
            genres: Vec::new(),
            ednote: None,
            fingerprint: 0,
            subjects: Vec::new(),
            places: Vec::new(),
            organisations: Vec::new(),
            people: Vec::new(),
            duplicate_of: None,
            origin: None,
        }
    }

    /// The body as published: paragraphs separated by blank lines.
    pub fn body_text(&self) -> String {
        self.paragraphs.join("\n\n")
    }
}
