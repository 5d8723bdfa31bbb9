//! IPTC ninjs 1.x/2.x/3.x: a single item, an array of items, or a page `{ "items": [...],
//! "next": url }`. Field names changed across versions (`headline` → `headlines[]`,
//! `versioncreated` → `versionCreated`); every spelling is read.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use wirefeed_model::{ItemFormat, RawItem, Text};

use crate::dates::parse_date;
use crate::document::{text_guess, Document, Entry, FeedMeta, FetchError, Format, PollHints};

/// True for a ninjs item, array of items or page (never for a JSON Feed, which has no `uri`).
pub(crate) fn is_ninjs(v: &Value) -> bool {
    match v {
        Value::Object(o) => {
            is_item(o) || page_items(o).is_some_and(|items| items.iter().any(looks_like_item))
        }
        Value::Array(a) => a.iter().any(looks_like_item),
        _ => false,
    }
}

/// Keys only ninjs uses (a JSON Feed item has `id` and `content_*` instead).
fn looks_like_item(v: &Value) -> bool {
    const KEYS: &[&str] = &[
        "uri",
        "altids",
        "headline",
        "headlines",
        "body_text",
        "body_html",
        "bodies",
        "versioncreated",
        "versionCreated",
    ];
    v.as_object()
        .is_some_and(|o| KEYS.iter().any(|k| o.contains_key(*k)))
}

fn is_item(o: &Map<String, Value>) -> bool {
    o.contains_key("uri") && !o.contains_key("items")
        || o.get("standard")
            .and_then(|s| s.get("name"))
            .and_then(Value::as_str)
            == Some("ninjs")
}

fn page_items(o: &Map<String, Value>) -> Option<&Vec<Value>> {
    ["items", "data", "results"]
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_array))
}

pub(crate) fn read_ninjs(
    v: &Value,
    source: &Arc<str>,
    now: DateTime<Utc>,
) -> Result<Document, FetchError> {
    let mut hints = PollHints::default();
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) if is_item(o) => vec![v],
        Value::Object(o) => {
            hints.next_page = next_link(o);
            page_items(o)
                .map(|a| a.iter().collect())
                .unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let mut doc = Document {
        format: Format::Ninjs,
        encoding: "UTF-8",
        feed: FeedMeta::default(),
        entries: Vec::new(),
        warnings: Vec::new(),
        validation: Vec::new(),
        hints,
    };
    let mut skipped = 0;
    let mut bad_dates = Vec::new();
    for i in items {
        let Some(o) = i.as_object() else {
            skipped += 1;
            continue;
        };
        match item(o, source, now, &mut bad_dates) {
            Some(e) => doc.entries.push(e),
            None => skipped += 1,
        }
    }
    if skipped > 0 {
        doc.warnings.push(format!(
            "{skipped} ninjs items skipped: no headline or body (pictures, events, …)"
        ));
    }
    if let Some(first) = bad_dates.first() {
        doc.warnings.push(format!(
            "{} unreadable dates (first: {first:?}); those fields fall back to the fetch time",
            bad_dates.len()
        ));
    }
    if doc.entries.is_empty() && skipped == 0 {
        return Err(FetchError::Parse("ninjs document has no items".into()));
    }
    Ok(doc)
}

fn next_link(o: &Map<String, Value>) -> Option<String> {
    for k in ["next", "nextPage", "next_page"] {
        if let Some(s) = o.get(k).and_then(Value::as_str) {
            return Some(s.to_string());
        }
    }
    o.get("links")?.as_array()?.iter().find_map(|l| {
        (l.get("rel")?.as_str()? == "next").then(|| l.get("href")?.as_str().map(str::to_string))?
    })
}

/// The first string value under any of `keys`.
fn str_of<'a>(o: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str))
        .filter(|s| !s.trim().is_empty())
}

/// From a 2.x/3.x `[{role, value, contenttype}]` list: the `main` role if present, else the
/// first; with whether it is HTML.
fn pick_role(o: &Map<String, Value>, keys: &[&str], prefer: &str) -> Option<(String, bool)> {
    let list = keys
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_array))?;
    let chosen = list
        .iter()
        .find(|x| x.get("role").and_then(Value::as_str) == Some(prefer))
        .or_else(|| list.first())?;
    let value = chosen.get("value")?.as_str()?.to_string();
    let ct = chosen
        .get("contenttype")
        .or_else(|| chosen.get("contentType"))
        .and_then(Value::as_str)
        .unwrap_or("");
    Some((value, ct.contains("html")))
}

fn item(
    o: &Map<String, Value>,
    source: &Arc<str>,
    now: DateTime<Utc>,
    bad_dates: &mut Vec<String>,
) -> Option<Entry> {
    let mut item = RawItem::new(source.clone(), ItemFormat::Ninjs);
    item.fetched_at = now;
    item.guid = str_of(o, &["uri"]).map(str::to_string).or_else(|| altid(o));
    item.version = match o.get("version") {
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        _ => None,
    };
    item.title = str_of(o, &["headline", "title"])
        .map(str::to_string)
        .or_else(|| pick_role(o, &["headlines"], "main").map(|(v, _)| v));
    item.content = str_of(o, &["body_html"])
        .map(Text::html)
        .or_else(|| str_of(o, &["body_text"]).map(Text::plain))
        .or_else(|| {
            pick_role(o, &["bodies"], "main")
                .map(|(v, html)| if html { Text::html(v) } else { text_guess(v) })
        });
    item.summary = str_of(o, &["description_html"])
        .map(Text::html)
        .or_else(|| str_of(o, &["description_text"]).map(Text::plain))
        .or_else(|| {
            pick_role(o, &["descriptions"], "summary").map(|(v, html)| {
                if html {
                    Text::html(v)
                } else {
                    text_guess(v)
                }
            })
        });
    if item.title.is_none() && item.content.is_none() {
        return None;
    }
    let mut date = |keys: &[&str]| {
        let raw = str_of(o, keys)?;
        let d = parse_date(raw);
        if d.is_none() {
            bad_dates.push(raw.to_string());
        }
        d
    };
    item.published = date(&["firstcreated", "firstCreated"]);
    item.updated = date(&["versioncreated", "versionCreated"]);
    if let Some(by) = str_of(o, &["byline", "by"]) {
        item.authors.push(by.to_string());
    }
    for key in ["subject", "subjects"] {
        if let Some(list) = o.get(key).and_then(Value::as_array) {
            for s in list {
                if let Some(name) = ["name", "literal", "code", "uri"]
                    .iter()
                    .find_map(|k| s.get(*k).and_then(Value::as_str))
                {
                    item.categories.push(name.to_string());
                }
            }
        }
    }
    item.language = str_of(o, &["language"]).map(str::to_string);
    let mut entry = Entry::new(item);
    entry.located = str_of(o, &["located"]).map(str::to_string);
    entry.pub_status = str_of(o, &["pubstatus", "pubStatus"]).map(str::to_string);
    Some(entry)
}

/// `altids.itemid`: an object in 1.x, a `[{role, value}]` list from 2.0.
fn altid(o: &Map<String, Value>) -> Option<String> {
    match o.get("altids")? {
        Value::Object(m) => m.get("itemid")?.as_str().map(str::to_string),
        Value::Array(a) => a.iter().find_map(|x| {
            (x.get("role")?.as_str()? == "itemid")
                .then(|| x.get("value")?.as_str().map(str::to_string))?
        }),
        _ => None,
    }
}
