use std::sync::Arc;

use chrono::Utc;
use feed_rs::model::{Entry, FeedType};
use wirefeed_model::{ErrorClass, ItemFormat, RawItem, Text};
use xxhash_rust::xxh3::xxh3_64;

/// What a document is believed to be before parsing, from the strongest evidence available
/// (Content-Type, then file extension); [`DocumentKind::Sniff`] means look at the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// RSS, Atom or JSON Feed.
    Feed,
    /// A plain-text wire-copy file: headline line, blank line, body.
    WireText,
    Sniff,
}

impl DocumentKind {
    /// From a file extension (lowercase, without the dot).
    pub fn from_extension(ext: &str) -> Option<DocumentKind> {
        match ext {
            "xml" | "rss" | "atom" | "rdf" | "json" => Some(DocumentKind::Feed),
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
        if ct.contains("xml") || ct.contains("json") || ct.contains("rss") || ct.contains("atom") {
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
    #[error("document is empty")]
    Empty,
    #[error("document is {size} bytes, over the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("{0}")]
    Network(String),
    #[error("timed out after {0:?}")]
    Timeout(std::time::Duration),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
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
            FetchError::Parse(_) | FetchError::Empty => "parse_error",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Network(_) | FetchError::Io(_) => "network_error",
            FetchError::Timeout(_) => "timeout",
            FetchError::Status(s) if *s >= 500 => "http_5xx",
            FetchError::Status(_) => "http_4xx",
        }
    }
}

/// Parses one fetched document into raw items.
pub fn parse_document(
    bytes: &[u8],
    source: &Arc<str>,
    kind: DocumentKind,
    base_uri: Option<&str>,
) -> Result<Vec<RawItem>, FetchError> {
    let kind = match kind {
        DocumentKind::Sniff => sniff(bytes),
        k => k,
    };
    match kind {
        DocumentKind::WireText => {
            let text = String::from_utf8_lossy(bytes);
            parse_wire_text(&text, source).map(|i| vec![i])
        }
        _ => parse_feed(bytes, source, base_uri),
    }
}

fn sniff(bytes: &[u8]) -> DocumentKind {
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match start.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') | Some(b'{') | Some(b'[') => DocumentKind::Feed,
        _ => DocumentKind::WireText,
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

/// Deterministic ids for entries without one, so re-polls see the same id (feed-rs's default
/// falls back to a random UUID).
fn stable_id(
    links: &[feed_rs::model::Link],
    title: &Option<feed_rs::model::Text>,
    _: Option<&str>,
) -> String {
    let mut key = String::new();
    for l in links {
        key.push_str(&l.href);
        key.push('\n');
    }
    if let Some(t) = title {
        key.push_str(&t.content);
    }
    format!("wirefeed-hash:{:016x}", xxh3_64(key.as_bytes()))
}

fn parse_feed(
    bytes: &[u8],
    source: &Arc<str>,
    base_uri: Option<&str>,
) -> Result<Vec<RawItem>, FetchError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base_uri)
        .id_generator(stable_id)
        .sanitize_content(false)
        .build();
    let feed = parser
        .parse(bytes)
        .map_err(|e| FetchError::Parse(e.to_string()))?;
    let format = match feed.feed_type {
        FeedType::Atom => ItemFormat::Atom,
        FeedType::JSON => ItemFormat::JsonFeed,
        FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2 => ItemFormat::Rss,
    };
    let now = Utc::now();
    Ok(feed
        .entries
        .into_iter()
        .map(|e| entry_to_item(e, source, format, feed.language.as_deref(), now))
        .collect())
}

fn text_of(t: &feed_rs::model::Text) -> Text {
    let ct = t.content_type.to_string();
    if ct.contains("html") {
        Text::html(t.content.clone())
    } else {
        Text::plain(t.content.clone())
    }
}

fn entry_to_item(
    e: Entry,
    source: &Arc<str>,
    format: ItemFormat,
    feed_language: Option<&str>,
    now: chrono::DateTime<Utc>,
) -> RawItem {
    let mut item = RawItem::new(source.clone(), format);
    item.fetched_at = now;
    item.guid = Some(e.id).filter(|s| !s.is_empty());
    item.link = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(e.links.first())
        .map(|l| l.href.clone());
    item.title = e.title.map(|t| t.content);
    item.summary = e.summary.as_ref().map(text_of);
    item.content = e.content.and_then(|c| {
        let html = c.content_type.to_string().contains("html");
        c.body
            .map(|b| if html { Text::html(b) } else { Text::plain(b) })
    });
    // Feeds put HTML in plain-looking fields all the time; let the normalizer's HTML parser
    // decide by content rather than trusting the declared type.
    for t in [&mut item.summary, &mut item.content].into_iter().flatten() {
        if t.value.contains('<') && t.value.contains('>') {
            t.kind = wirefeed_model::TextKind::Html;
        }
    }
    item.published = e.published;
    item.updated = e.updated;
    item.authors = e
        .authors
        .into_iter()
        .map(|p| p.name)
        .filter(|n| !n.is_empty())
        .collect();
    item.categories = e
        .categories
        .into_iter()
        .map(|c| c.label.unwrap_or(c.term))
        .collect();
    item.language = e.language.or_else(|| feed_language.map(str::to_string));
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>T</title><link>http://x/</link><description>d</description><language>en-us</language>
<item><title>One</title><link>http://x/1</link><guid>g1</guid>
<pubDate>Mon, 25 Mar 2013 10:00:00 GMT</pubDate>
<description>short</description>
<content:encoded><![CDATA[<p>Para one.</p><p>Para two.</p>]]></content:encoded></item>
<item><title>Two</title><link>http://x/2</link><description>plain text</description></item>
</channel></rss>"#;

    const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2013-03-25T10:00:00Z</updated>
<entry><title>Entry</title><id>urn:e1</id><updated>2013-03-25T10:00:00Z</updated>
<link href="http://a/e1"/><content type="html">&lt;p&gt;Hello&lt;/p&gt;</content></entry></feed>"#;

    fn src() -> Arc<str> {
        Arc::from("test")
    }

    #[test]
    fn rss_items_carry_guid_link_dates_and_html_content() {
        let items = parse_document(RSS.as_bytes(), &src(), DocumentKind::Sniff, None).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].format, ItemFormat::Rss);
        assert_eq!(items[0].guid.as_deref(), Some("g1"));
        assert_eq!(items[0].link.as_deref(), Some("http://x/1"));
        assert_eq!(items[0].title.as_deref(), Some("One"));
        assert_eq!(
            items[0].content.as_ref().unwrap().kind,
            wirefeed_model::TextKind::Html
        );
        assert!(items[0].published.is_some());
        assert_eq!(items[0].language.as_deref(), Some("en-us"));
        // No guid: the generated id must be the same on every parse.
        let again = parse_document(RSS.as_bytes(), &src(), DocumentKind::Feed, None).unwrap();
        assert!(items[1]
            .guid
            .as_deref()
            .unwrap()
            .starts_with("wirefeed-hash:"));
        assert_eq!(items[1].guid, again[1].guid);
    }

    #[test]
    fn atom_entries_parse() {
        let items = parse_document(ATOM.as_bytes(), &src(), DocumentKind::Sniff, None).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].format, ItemFormat::Atom);
        assert_eq!(items[0].guid.as_deref(), Some("urn:e1"));
        assert_eq!(items[0].link.as_deref(), Some("http://a/e1"));
        assert_eq!(items[0].content.as_ref().unwrap().value, "<p>Hello</p>");
    }

    #[test]
    fn wire_text_splits_headline_and_body() {
        let t = "\u{feff}You're reading: Headline here\n\n MOSCOW, March 25 (Reuters) - Body\nwrapped.\n";
        let items = parse_document(t.as_bytes(), &src(), DocumentKind::Sniff, None).unwrap();
        assert_eq!(
            items[0].title.as_deref(),
            Some("You're reading: Headline here")
        );
        assert_eq!(
            items[0].content.as_ref().unwrap().value,
            " MOSCOW, March 25 (Reuters) - Body\nwrapped."
        );
        assert_eq!(items[0].format, ItemFormat::WireText);
    }

    #[test]
    fn broken_documents_are_errors_not_panics() {
        for bad in [
            "<rss><channel><item><title>x",
            "<html><body>not a feed</body></html>",
            "{\"a\":",
            "",
        ] {
            let r = parse_document(bad.as_bytes(), &src(), DocumentKind::Feed, None);
            assert!(r.is_err(), "{bad:?} parsed");
        }
        assert!(matches!(
            parse_wire_text("\n\n  \n", &src()),
            Err(FetchError::Empty)
        ));
    }

    #[test]
    fn external_entities_are_never_resolved() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><title>&x;</title><description>d</description></item></channel></rss>"#;
        if let Ok(items) = parse_document(xxe.as_bytes(), &src(), DocumentKind::Feed, None) {
            for i in items {
                assert!(!i.title.unwrap_or_default().contains("root:"));
            }
        }
    }
}
