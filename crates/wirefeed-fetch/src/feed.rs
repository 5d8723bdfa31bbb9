//! RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed 1.0/1.1 through `feed-rs`, with the gaps
//! filled here: lenient dates (with a warning per unreadable one), JSON Feed documents that
//! write `"version": "1.0"`, and the polling hints (`ttl`, `sy:updatePeriod`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use feed_rs::model::FeedType;
use wirefeed_model::{RawItem, Text};

use crate::dates::parse_date;
use crate::document::{
    text_guess, Document, Enclosure, Entry, FeedMeta, FetchError, Format, Person, PollHints,
};

/// feed-rs stores RSS contacts as `Person { name: <element name>, email: <raw text> }`.
fn person(p: &feed_rs::model::Person) -> Person {
    match (p.name.as_str(), &p.email) {
        ("author" | "managingEditor" | "webMaster", Some(raw)) => Person::from_contact(raw),
        (name, email) => Person {
            name: Some(name.trim().to_string()).filter(|n| !n.is_empty()),
            email: email.clone(),
        },
    }
}

/// XML feeds.
pub(crate) fn read_feed(
    text: &str,
    source: &Arc<str>,
    base_uri: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Document, FetchError> {
    let upgraded = upgrade_atom03(text);
    let mut doc = parse(upgraded.as_bytes(), source, base_uri, now)?;
    doc.hints = xml_hints(text);
    Ok(doc)
}

/// Atom 0.3 is Atom 1.0 under another namespace with a few other element names; feed-rs
/// only knows 1.0, so rename them (the elements are otherwise compatible for what we read).
fn upgrade_atom03(text: &str) -> std::borrow::Cow<'_, str> {
    const NS03: &str = "http://purl.org/atom/ns#";
    if !text.contains(NS03) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut t = text.replace(NS03, "http://www.w3.org/2005/Atom");
    for (old, new) in [
        ("tagline", "subtitle"),
        ("issued", "published"),
        ("modified", "updated"),
        ("copyright", "rights"),
    ] {
        t = t
            .replace(&format!("<{old}>"), &format!("<{new}>"))
            .replace(&format!("<{old} "), &format!("<{new} "))
            .replace(&format!("</{old}>"), &format!("</{new}>"));
    }
    std::borrow::Cow::Owned(t)
}

/// JSON Feed: feed-rs insists on `version` being the spec URL; the JSON Feed 1.0 examples
/// and many real feeds write `"1.0"`/`"1.1"` or leave it out, so we put the URL in.
pub(crate) fn read_json_feed(
    mut value: serde_json::Value,
    source: &Arc<str>,
    base_uri: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Document, FetchError> {
    let Some(obj) = value.as_object_mut() else {
        return Err(FetchError::Parse(
            "JSON is neither a JSON Feed nor ninjs".into(),
        ));
    };
    if !obj.contains_key("items") {
        return Err(FetchError::Parse(
            "JSON is neither a JSON Feed nor ninjs".into(),
        ));
    }
    // Required by the spec, left out by real feeds; feed-rs refuses the feed without it.
    if !obj.get("title").is_some_and(|t| t.is_string()) {
        obj.insert("title".into(), "".into());
    }
    let version = obj.get("version").and_then(|v| v.as_str()).unwrap_or("");
    if !version.starts_with("https://jsonfeed.org/version/1") {
        let v = if version.starts_with("1.0") || version.ends_with("/1") {
            "https://jsonfeed.org/version/1"
        } else {
            "https://jsonfeed.org/version/1.1"
        };
        obj.insert("version".into(), v.into());
    }
    let bytes = serde_json::to_vec(&value).map_err(|e| FetchError::Parse(e.to_string()))?;
    parse(&bytes, source, base_uri, now)
}

fn parse(
    bytes: &[u8],
    source: &Arc<str>,
    base_uri: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Document, FetchError> {
    let bad_dates: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = bad_dates.clone();
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base_uri)
        // Empty: identity is decided in one place (`document::assign_ids`), after parsing.
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .timestamp_parser(move |s| {
            let d = parse_date(s);
            if d.is_none() {
                if let Ok(mut v) = sink.lock() {
                    v.push(s.trim().chars().take(60).collect());
                }
            }
            d
        })
        .build();
    let feed = parser
        .parse(bytes)
        .map_err(|e| FetchError::Parse(e.to_string()))?;
    let format = match feed.feed_type {
        FeedType::Atom => Format::Atom,
        FeedType::JSON => Format::JsonFeed,
        FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2 => Format::Rss,
    };
    let meta = FeedMeta {
        title: feed.title.as_ref().map(|t| t.content.clone()),
        link: feed
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .map(|l| l.href.clone()),
        links: feed
            .links
            .iter()
            .filter(|l| l.rel.as_deref() != Some("self"))
            .map(|l| l.href.clone())
            .collect(),
        feed_link: feed
            .links
            .iter()
            .find(|l| l.rel.as_deref() == Some("self"))
            .map(|l| l.href.clone()),
        description: feed.description.as_ref().map(|t| t.content.clone()),
        language: feed.language.clone(),
        updated: feed.updated,
        published: feed.published,
        // gofeed's order: the feed's authors, else managingEditor, else webMaster.
        authors: {
            let mut a: Vec<Person> = feed.authors.iter().map(person).collect();
            for role in ["managingEditor", "webMaster"] {
                if a.is_empty() {
                    a.extend(
                        feed.contributors
                            .iter()
                            .filter(|p| p.name == role)
                            .map(person),
                    );
                }
            }
            a
        },
        categories: feed
            .categories
            .iter()
            .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
            .collect(),
    };
    let entries = feed
        .entries
        .into_iter()
        .map(|e| entry(e, source, format, feed.language.as_deref(), now))
        .collect();
    let mut warnings = Vec::new();
    let bad = bad_dates.lock().map(|v| v.clone()).unwrap_or_default();
    if let Some(first) = bad.first() {
        warnings.push(format!(
            "{} unreadable dates (first: {first:?}); those fields fall back to the fetch time",
            bad.len()
        ));
    }
    Ok(Document {
        format,
        encoding: "UTF-8",
        feed: meta,
        entries,
        warnings,
        hints: PollHints::default(),
    })
}

fn entry(
    e: feed_rs::model::Entry,
    source: &Arc<str>,
    format: Format,
    feed_language: Option<&str>,
    now: DateTime<Utc>,
) -> Entry {
    let mut item = RawItem::new(source.clone(), format.item_format());
    item.fetched_at = now;
    item.guid = Some(e.id).filter(|s| !s.is_empty());
    item.link = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(e.links.first())
        .map(|l| l.href.clone());
    item.title = e.title.map(|t| t.content);
    item.summary = e.summary.map(|t| text_guess(t.content));
    item.content = e.content.and_then(|c| {
        let html = c.content_type.to_string().contains("html");
        c.body
            .map(|b| if html { Text::html(b) } else { text_guess(b) })
    });
    item.published = e.published;
    item.updated = e.updated;
    let people: Vec<Person> = e.authors.iter().map(person).collect();
    item.authors = people.iter().filter_map(|p| p.name.clone()).collect();
    item.categories = e
        .categories
        .into_iter()
        .map(|c| c.label.unwrap_or(c.term))
        .collect();
    item.language = e.language.or_else(|| feed_language.map(str::to_string));
    let mut enclosures = Vec::new();
    let mut links = Vec::new();
    for l in &e.links {
        // feed-rs turns JSON Feed attachments into plain links with a media type.
        let attachment = format == Format::JsonFeed && l.rel.is_none() && l.media_type.is_some();
        if l.rel.as_deref() == Some("enclosure") || attachment {
            enclosures.push(Enclosure {
                url: l.href.clone(),
                length: l.length,
                mime: l.media_type.clone(),
            });
        } else {
            links.push(l.href.clone());
        }
    }
    for m in &e.media {
        for c in &m.content {
            if let Some(url) = &c.url {
                enclosures.push(Enclosure {
                    url: url.to_string(),
                    length: c.size,
                    mime: c.content_type.as_ref().map(|t| t.to_string()),
                });
            }
        }
    }
    Entry {
        item,
        links,
        enclosures,
        people,
        located: None,
        pub_status: None,
    }
}

/// `ttl` (minutes) and `sy:updatePeriod` × `sy:updateFrequency`, read by a plain scan: they
/// are single text elements and feed-rs does not expose them.
fn xml_hints(text: &str) -> PollHints {
    let tag = |name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let at = text.find(&open)? + open.len();
        let len = text[at..].find('<')?;
        Some(text[at..at + len].trim().to_string())
    };
    let ttl = tag("ttl")
        .and_then(|m| m.parse::<u64>().ok())
        .filter(|m| *m > 0)
        .map(|m| Duration::from_secs(m * 60));
    let period = tag("sy:updatePeriod").and_then(|p| match p.as_str() {
        "hourly" => Some(3600u64),
        "daily" => Some(86_400),
        "weekly" => Some(604_800),
        "monthly" => Some(2_592_000),
        "yearly" => Some(31_536_000),
        _ => None,
    });
    let freq = tag("sy:updateFrequency")
        .and_then(|f| f.parse::<u64>().ok())
        .filter(|f| *f > 0)
        .unwrap_or(1);
    PollHints {
        ttl,
        update_period: period.map(|p| Duration::from_secs(p / freq)),
        next_page: None,
    }
}
