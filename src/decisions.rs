//! `wirefeed ingest --decisions`: one JSON line per input item saying what became of it, so a
//! backfill can be audited item by item (emitted as story U version V, dropped as a duplicate
//! of U at distance D, or rejected and why). Written by the normalize stage, which is where
//! every item's fate is decided; upstream dead letters pass through it and are logged there.
//!
//! `wirefeed ingest --explain`: one JSON line per tagged story with the evidence for each
//! topic it mentions (score, deciding rule, matched phrases and where), written by the enrich
//! stage from [`wirefeed_enrich::Enricher::explain`], which shares the scoring with the tags.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use wirefeed_enrich::Explanation;
use wirefeed_model::{DeadLetter, RawItem, Story};

/// A JSON Lines file shared by the stages; cheap to clone. Lines are buffered and flushed at
/// the end.
#[derive(Clone)]
struct JsonLines {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
    /// For the error line: which file could not be written.
    what: &'static str,
}

impl JsonLines {
    fn new(out: Box<dyn Write + Send>, what: &'static str) -> Self {
        JsonLines {
            out: Arc::new(Mutex::new(out)),
            what,
        }
    }

    fn write(&self, line: &impl Serialize) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let written = serde_json::to_writer(&mut *out, line)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        if let Err(e) = written {
            tracing::error!(error = %e, file = self.what, "cannot write");
        }
    }

    fn flush(&self) -> std::io::Result<()> {
        self.out.lock().unwrap_or_else(|p| p.into_inner()).flush()
    }
}

/// The `--decisions` file.
#[derive(Clone)]
pub struct DecisionLog(JsonLines);

/// The `--explain` file.
#[derive(Clone)]
pub struct ExplainLog(JsonLines);

#[derive(Serialize)]
struct ExplainLine<'a> {
    input: Option<&'a str>,
    source: &'a str,
    item: Option<&'a str>,
    uri: &'a str,
    version: u32,
    headline: &'a str,
    #[serde(flatten)]
    explanation: &'a Explanation,
}

impl ExplainLog {
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        ExplainLog(JsonLines::new(out, "explain"))
    }

    /// The evidence for `story`'s tags, as the enricher just decided them.
    pub fn explained(&self, s: &Story, explanation: &Explanation) {
        self.0.write(&ExplainLine {
            input: s.origin.as_deref(),
            source: &s.source,
            item: story_id(s),
            uri: &s.uri,
            version: s.version,
            headline: &s.headline,
            explanation,
        });
    }

    pub fn flush(&self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[derive(Serialize)]
struct Line<'a> {
    /// The input: file path or feed URL.
    input: Option<&'a str>,
    source: &'a str,
    /// The item's id in its input: guid, else link, else headline.
    item: Option<&'a str>,
    decision: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    /// The story a duplicate repeats.
    #[serde(skip_serializing_if = "Option::is_none")]
    of: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    /// SimHash Hamming distance to the original (0 for an exact duplicate).
    #[serde(skip_serializing_if = "Option::is_none")]
    distance: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl Line<'_> {
    fn base<'a>(input: Option<&'a str>, source: &'a str, item: Option<&'a str>) -> Line<'a> {
        Line {
            input,
            source,
            item,
            decision: "",
            uri: None,
            version: None,
            of: None,
            kind: None,
            distance: None,
            stage: None,
            reason: None,
        }
    }
}

fn item_id(raw: &RawItem) -> Option<&str> {
    raw.guid
        .as_deref()
        .or(raw.link.as_deref())
        .or(raw.title.as_deref())
}

fn story_id(s: &Story) -> Option<&str> {
    s.guid
        .as_deref()
        .or(s.link.as_deref())
        .or(Some(s.headline.as_str()))
}

impl DecisionLog {
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        DecisionLog(JsonLines::new(out, "decisions"))
    }

    fn write(&self, line: &Line<'_>) {
        self.0.write(line);
    }

    /// Published: a new story, or a new version of a known one.
    pub fn emitted(&self, s: &Story) {
        let mut l = Line::base(s.origin.as_deref(), &s.source, story_id(s));
        l.decision = "emitted";
        l.uri = Some(&s.uri);
        l.version = Some(s.version);
        self.write(&l);
    }

    /// Dropped as a repeat of `of`, or published as a pointer to it.
    pub fn duplicate(&self, s: &Story, kind: &str, of: &str, distance: u32, pointer: bool) {
        let mut l = Line::base(s.origin.as_deref(), &s.source, story_id(s));
        l.decision = if pointer { "pointer" } else { "duplicate" };
        l.uri = pointer.then_some(s.uri.as_str());
        l.of = Some(of);
        l.kind = Some(kind);
        l.distance = Some(distance);
        self.write(&l);
    }

    /// Refused by normalize.
    pub fn rejected(&self, raw: &RawItem, reason: &str) {
        let mut l = Line::base(raw.origin.as_deref(), &raw.source, item_id(raw));
        l.decision = "rejected";
        l.stage = Some("normalize");
        l.reason = Some(reason);
        self.write(&l);
    }

    /// Emitted, then refused for good by the sink (e.g. larger than the topic allows) and
    /// dead-lettered: a second line for the same item, after its `emitted` one.
    pub fn refused(&self, s: &Story, reason: &str) {
        let mut l = Line::base(s.origin.as_deref(), &s.source, story_id(s));
        l.decision = "rejected";
        l.stage = Some("sink");
        l.uri = Some(&s.uri);
        l.version = Some(s.version);
        l.reason = Some(reason);
        self.write(&l);
    }

    /// A whole input refused upstream (unreadable, unparseable, too large).
    pub fn dead_letter(&self, dl: &DeadLetter) {
        let mut l = Line::base(dl.origin.as_deref(), &dl.source, None);
        l.decision = "rejected";
        l.stage = Some(dl.stage.as_str());
        l.reason = Some(&dl.message);
        self.write(&l);
    }

    pub fn flush(&self) -> std::io::Result<()> {
        self.0.flush()
    }
}
