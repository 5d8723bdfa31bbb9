//! One fetched document → a [`Document`]: format detection, decoding, dispatch to the
//! format readers, and item identity.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use wirefeed_model::{ErrorClass, ItemFormat, RawItem, Text};
use xxhash_rust::xxh3::xxh3_64;

use crate::encoding;

/// What a document is believed to be before parsing, from the strongest evidence available
/// (Content-Type, then file extension); [`DocumentKind::Sniff`] means look at the bytes.
///
/// `Feed` means "structured (XML or JSON)": which reader runs is then decided by the root
/// element or the JSON shape, because servers label NewsML-G2, NITF and ninjs as plain
/// `application/xml`/`application/json` all the time, while a root element cannot lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// RSS, Atom, JSON Feed — or any XML/JSON; the content decides which.
    Feed,
    /// IPTC ninjs JSON.
    Ninjs,
    /// IPTC NewsML-G2 XML.
    NewsmlG2,
    /// NITF 3.x XML.
    Nitf,
    /// A plain-text wire-copy file: headline line, blank line, body.
    WireText,
    Sniff,
}

impl DocumentKind {
    /// From a file extension (lowercase, without the dot).
    pub fn from_extension(ext: &str) -> Option<DocumentKind> {
        match ext {
            "xml" | "rss" | "atom" | "rdf" | "json" => Some(DocumentKind::Feed),
            "ninjs" => Some(DocumentKind::Ninjs),
            "nitf" => Some(DocumentKind::Nitf),
            "newsml" | "g2" => Some(DocumentKind::NewsmlG2),
            "txt" | "text" => Some(DocumentKind::WireText),
            _ => None,
        }
    }

    /// From an HTTP Content-Type header value.
    pub fn from_content_type(ct: &str) -> DocumentKind {
        let ct = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if ct.contains("ninjs") {
            DocumentKind::Ninjs
        } else if ct.contains("vnd.iptc.g2") || ct.contains("newsml") {
            DocumentKind::NewsmlG2
        } else if ct.contains("nitf") {
            DocumentKind::Nitf
        } else if ct.contains("xml")
            || ct.contains("json")
            || ct.contains("rss")
            || ct.contains("atom")
        {
            DocumentKind::Feed
        } else if ct == "text/plain" {
            DocumentKind::WireText
        } else {
            DocumentKind::Sniff
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot parse feed: {0}")]
    Parse(String),
    #[error("an HTML page, not a feed")]
    Html,
    #[error("document is empty")]
    Empty,
    #[error("document is {size} bytes, over the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("{0}")]
    Network(String),
    #[error("request timed out")]
    Timeout(std::time::Duration),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("too many redirects")]
    Redirects,
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
    /// A reader panicked: a bug in wirefeed or a crate below it, caught so the source lives.
    #[error("internal parser error (a bug): {0}")]
    Panic(String),
}

impl FetchError {
    /// The dead-letter class of a document that failed this way.
    pub fn class(&self) -> ErrorClass {
        match self {
            FetchError::TooLarge { .. } => ErrorClass::TooLarge,
            FetchError::Empty => ErrorClass::Empty,
            _ => ErrorClass::Parse,
        }
    }

    /// The bounded `outcome` label for `wirefeed_fetch_requests_total`.
    pub fn outcome(&self) -> &'static str {
        match self {
            FetchError::Parse(_) | FetchError::Empty | FetchError::Panic(_) => "parse_error",
            FetchError::Html => "not_a_feed",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Network(_) | FetchError::Io(_) => "network_error",
            FetchError::Timeout(_) => "timeout",
            FetchError::Redirects => "redirect_loop",
            FetchError::Status(429) => "http_429",
            FetchError::Status(s) if *s >= 500 => "http_5xx",
            FetchError::Status(_) => "http_4xx",
        }
    }
}

/// The format a document was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Rss,
    Atom,
    JsonFeed,
    Ninjs,
    NewsmlG2,
    Nitf,
    WireText,
    /// NewsML 1.x, IPTC's predecessor of NewsML-G2, still sent by some agencies.
    Newsml1,
}

impl Format {
    pub fn item_format(self) -> ItemFormat {
        match self {
            Format::Rss => ItemFormat::Rss,
            Format::Atom => ItemFormat::Atom,
            Format::JsonFeed => ItemFormat::JsonFeed,
            Format::Ninjs => ItemFormat::Ninjs,
            Format::NewsmlG2 => ItemFormat::NewsmlG2,
            Format::Nitf => ItemFormat::Nitf,
            Format::WireText => ItemFormat::WireText,
            Format::Newsml1 => ItemFormat::Newsml1,
        }
    }
}

/// A person as the feed names them; RSS writes `email (Name)` in one string.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Person {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Atom `uri`, JSON Feed `url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// JSON Feed `avatar`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

impl Person {
    /// Splits RSS contact strings: `email (Name)`, `Name (email)`, `Name <email>`, `email`,
    /// `Name`.
    pub fn from_contact(raw: &str) -> Person {
        let raw = raw.trim();
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        if let (Some(a), Some(b)) = (raw.find('<'), raw.rfind('>')) {
            if a < b {
                return Person {
                    name: some(&raw[..a]),
                    email: some(&raw[a + 1..b]),
                    ..Default::default()
                };
            }
        }
        if let (Some(a), true) = (raw.find('('), raw.ends_with(')')) {
            let (outer, inner) = (&raw[..a], &raw[a + 1..raw.len() - 1]);
            return if outer.contains('@') {
                Person {
                    name: some(inner),
                    email: some(outer),
                    ..Default::default()
                }
            } else if inner.contains('@') {
                Person {
                    name: some(outer),
                    email: some(inner),
                    ..Default::default()
                }
            } else {
                Person {
                    name: some(raw),
                    email: None,
                    ..Default::default()
                }
            };
        }
        if raw.contains('@') && !raw.contains(' ') {
            Person {
                name: None,
                email: some(raw),
                ..Default::default()
            }
        } else {
            Person {
                name: some(raw),
                email: None,
                ..Default::default()
            }
        }
    }
}

/// Feed-level fields (empty for single-story formats).
#[derive(Debug, Clone, Default)]
pub struct FeedMeta {
    /// The format's version as the document declares it (`2.0`, `0.91`, Atom `1.0`/`0.3`,
    /// JSON Feed `1.1`), gofeed's `feedVersion`.
    pub version: Option<String>,
    pub title: Option<String>,
    pub link: Option<String>,
    /// Every link of the feed, the main one first.
    pub links: Vec<String>,
    /// The feed's own URL (`rel="self"`).
    pub feed_link: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub updated: Option<DateTime<Utc>>,
    pub published: Option<DateTime<Utc>>,
    pub authors: Vec<Person>,
    pub categories: Vec<String>,
    /// What gofeed's projections (`extensions`, `dcExt`, `image`, …) read, moved out of the
    /// parse tree; projected only by [`Document::to_universal`].
    pub(crate) extras: crate::extensions::Extras,
}

/// A media enclosure (RSS `enclosure`, Atom `rel=enclosure`, JSON Feed attachment).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enclosure {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
}

/// One entry: the [`RawItem`] that goes down the pipeline, plus what only the operator
/// tool shows (all links, enclosures, and agency fields the model has no slot for).
#[derive(Debug, Clone)]
pub struct Entry {
    pub item: RawItem,
    pub links: Vec<String>,
    pub enclosures: Vec<Enclosure>,
    /// Authors with emails where the feed gives them (`item.authors` holds names only).
    pub people: Vec<Person>,
    /// NewsML-G2 `located` / NITF dateline location.
    pub located: Option<String>,
    /// NewsML-G2/ninjs `pubStatus` (`usable`, `withheld`, `canceled`).
    pub pub_status: Option<String>,
    /// What gofeed's item projections read (see [`FeedMeta`]'s).
    pub(crate) extras: crate::extensions::Extras,
}

impl Entry {
    pub(crate) fn new(item: RawItem) -> Entry {
        Entry {
            item,
            links: Vec::new(),
            enclosures: Vec::new(),
            people: Vec::new(),
            located: None,
            pub_status: None,
            extras: Default::default(),
        }
    }
}

/// What a document says about how often to poll it.
#[derive(Debug, Clone, Default)]
pub struct PollHints {
    /// RSS `ttl`.
    pub ttl: Option<Duration>,
    /// `sy:updatePeriod` / `sy:updateFrequency`.
    pub update_period: Option<Duration>,
    /// ninjs page: the next page's URL.
    pub next_page: Option<String>,
}

/// A parsed document.
#[derive(Debug, Clone)]
pub struct Document {
    pub format: Format,
    /// The WHATWG name of the encoding the bytes were decoded from.
    pub encoding: &'static str,
    pub feed: FeedMeta,
    pub entries: Vec<Entry>,
    /// Things the operator should know: unreadable dates, unexpanded entities, replaced bytes.
    pub warnings: Vec<String>,
    /// Where an RSS/Atom document breaks its spec (what the W3C feed validator reports as
    /// errors). Kept apart from `warnings`: a feed that is permanently sloppy but readable
    /// would otherwise log on every poll.
    pub validation: Vec<String>,
    pub hints: PollHints,
}

/// Parses one fetched document into raw items.
pub fn parse_document(
    bytes: &[u8],
    source: &Arc<str>,
    kind: DocumentKind,
    base_uri: Option<&str>,
) -> Result<Vec<RawItem>, FetchError> {
    read_document(bytes, source, kind, None, base_uri)
        .map(|d| d.entries.into_iter().map(|e| e.item).collect())
}

/// Decodes and parses one document. `content_type` supplies the HTTP charset, if any.
///
/// A panic inside a reader becomes [`FetchError::Panic`] (the document is dead-lettered)
/// instead of ending the source's task: one bad document must not stop a feed for good.
pub fn read_document(
    bytes: &[u8],
    source: &Arc<str>,
    kind: DocumentKind,
    content_type: Option<&str>,
    base_uri: Option<&str>,
) -> Result<Document, FetchError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_unguarded(bytes, source, kind, content_type, base_uri)
    }))
    .unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(FetchError::Panic(msg.chars().take(200).collect()))
    })
}

fn read_unguarded(
    bytes: &[u8],
    source: &Arc<str>,
    kind: DocumentKind,
    content_type: Option<&str>,
    base_uri: Option<&str>,
) -> Result<Document, FetchError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FetchError::Empty);
    }
    let decoded = encoding::decode(bytes, content_type.and_then(encoding::charset_of));
    let mut warnings = Vec::new();
    if decoded.replaced {
        warnings.push(format!(
            "invalid {} byte sequences replaced with U+FFFD",
            decoded.encoding
        ));
    }
    let text = decoded.text.as_str();
    let first = text.trim_start().chars().next();
    let kind = match (kind, first) {
        (DocumentKind::WireText, _) => DocumentKind::WireText,
        (DocumentKind::Sniff, Some('<' | '{' | '[')) => DocumentKind::Feed,
        (DocumentKind::Sniff, _) => DocumentKind::WireText,
        (k, Some('<' | '{' | '[')) => k,
        (_, _) => return Err(FetchError::Parse("neither XML nor JSON".into())),
    };
    let now = Utc::now();
    let mut doc = if kind == DocumentKind::WireText {
        let mut item = parse_wire_text(text, source)?;
        item.fetched_at = now;
        Document {
            format: Format::WireText,
            encoding: decoded.encoding,
            feed: FeedMeta::default(),
            entries: vec![Entry::new(item)],
            warnings: Vec::new(),
            validation: Vec::new(),
            hints: PollHints::default(),
        }
    } else if first == Some('<') {
        match root_element(text).as_deref() {
            Some("html") => return Err(FetchError::Html),
            Some(
                "newsItem" | "newsMessage" | "packageItem" | "knowledgeItem" | "conceptItem"
                | "conceptSet" | "planningItem" | "catalogItem" | "catalog" | "groupSet"
                | "contentMeta" | "contentSet",
            ) => crate::g2::read_newsml(text, source, now)?,
            Some("nitf") => crate::g2::read_nitf(text, source, now)?,
            Some("NewsML" | "NewsItem") => crate::g2::read_newsml1(text, source, now)?,
            _ => crate::feed::read_feed(text, source, base_uri, now)?,
        }
    } else {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| FetchError::Parse(format!("invalid JSON: {e}")))?;
        if crate::ninjs::is_ninjs(&value) {
            crate::ninjs::read_ninjs(&value, source, now)?
        } else {
            crate::feed::read_json_feed(value, source, base_uri, now)?
        }
    };
    doc.encoding = decoded.encoding;
    warnings.append(&mut doc.warnings);
    doc.warnings = warnings;
    assign_ids(&mut doc);
    Ok(doc)
}

/// The local name of the first element, skipping the declaration, comments, PIs and DOCTYPE.
fn root_element(text: &str) -> Option<String> {
    let mut rest = text;
    loop {
        let at = rest.find('<')?;
        rest = &rest[at + 1..];
        if rest.starts_with('?') || rest.starts_with('!') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
            .collect();
        let local = name.rsplit(':').next().unwrap_or(&name);
        return Some(if local.eq_ignore_ascii_case("html") {
            "html".into()
        } else {
            local.to_string()
        });
    }
}

/// Item identity: the publisher's GUID; GUID + link where GUIDs repeat inside one document
/// (some CMSs give every item the same or a per-category id); the link; then a hash of title
/// and content. The id must be stable across polls, so it never depends on the fetch time.
///
/// A link-only item keeps `guid: None`: the normalizer keys it by link globally (the same
/// article in two feeds is one story), which a guid scoped to the source would break. Wire
/// text has no id at all; the normalizer keys it by headline so an UPDATE is a new version.
fn assign_ids(doc: &mut Document) {
    if doc.format == Format::WireText {
        return;
    }
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for e in &doc.entries {
        if let Some(g) = &e.item.guid {
            *counts.entry(g.clone()).or_default() += 1;
        }
    }
    let mut repeated = 0;
    for e in &mut doc.entries {
        let item = &mut e.item;
        match (&item.guid, &item.link) {
            (Some(g), Some(l)) if counts.get(g).copied().unwrap_or(0) > 1 => {
                repeated += 1;
                item.guid = Some(format!("{g} {l}"));
            }
            (Some(_), _) | (None, Some(_)) => {}
            (None, None) => {
                let mut key = item.title.clone().unwrap_or_default();
                for t in [&item.summary, &item.content].into_iter().flatten() {
                    key.push('\u{1f}');
                    key.push_str(&t.value);
                }
                item.guid = Some(format!("wirefeed-hash:{:016x}", xxh3_64(key.as_bytes())));
            }
        }
    }
    if repeated > 0 {
        doc.warnings.push(format!(
            "{repeated} entries share a GUID with another entry; their ids are GUID + link"
        ));
    }
}

/// A wire-copy text file: the first non-empty line is the headline, the rest is the body.
pub fn parse_wire_text(text: &str, source: &Arc<str>) -> Result<RawItem, FetchError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines().skip_while(|l| l.trim().is_empty());
    let headline = lines.next().map(str::trim).unwrap_or("");
    let body: Vec<&str> = lines.collect();
    let body = body.join("\n");
    if headline.is_empty() {
        return Err(FetchError::Empty);
    }
    let mut item = RawItem::new(source.clone(), ItemFormat::WireText);
    item.title = Some(headline.to_string());
    item.content = Some(Text::plain(body.trim_matches('\n')));
    Ok(item)
}

/// Text that contains markup is HTML whatever the publisher declared: feeds put HTML in
/// plain-looking fields all the time, and the normalizer's HTML parser handles plain text too.
pub(crate) fn text_guess(value: String) -> Text {
    if value.contains('<') && value.contains('>') {
        Text::html(value)
    } else {
        Text::plain(value)
    }
}

#[cfg(test)]
mod tests;
