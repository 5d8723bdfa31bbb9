//! A [`Document`] in gofeed's universal model (camelCase keys, RFC 3339 dates), the shape
//! `wirefeed parse` prints and the conformance harness compares against gofeed's fixtures.
//! gofeed's extension projections (`extensions`, `dcExt`, `itunesExt`, `custom`, `image`,
//! `generator`, `copyright`, raw date strings) come from [`crate::extensions`].

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::document::{Document, Format, Person};

fn date(d: Option<DateTime<Utc>>) -> Value {
    d.map(|d| Value::String(d.to_rfc3339_opts(SecondsFormat::AutoSi, true)))
        .unwrap_or(Value::Null)
}

fn people(names: &[String]) -> Value {
    names.iter().map(|n| json!({ "name": n })).collect()
}

/// gofeed's `author` (the first) and `authors`.
fn put_people(m: &mut Map<String, Value>, people: &[Person]) {
    if let Some(first) = people.first() {
        m.insert("author".into(), json!(first));
    }
    put(m, "authors", json!(people));
}

/// Inserts only non-empty values, as gofeed's `omitempty` does.
fn put(m: &mut Map<String, Value>, key: &str, v: Value) {
    let empty = match &v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    };
    if !empty {
        m.insert(key.to_string(), v);
    }
}

impl Document {
    /// The gofeed `feedType`: `rss`, `atom`, `json`, or the agency format's name.
    pub fn feed_type(&self) -> &'static str {
        match self.format {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::JsonFeed => "json",
            Format::Ninjs => "ninjs",
            Format::NewsmlG2 => "newsml-g2",
            Format::Nitf => "nitf",
            Format::WireText => "wire-text",
            Format::Newsml1 => "newsml-1",
        }
    }

    /// The universal-model JSON of the feed and its items.
    pub fn to_universal(&self) -> Value {
        let f = &self.feed;
        let mut feed = Map::new();
        put(&mut feed, "title", json!(f.title));
        put(&mut feed, "description", json!(f.description));
        put(&mut feed, "link", json!(f.link));
        put(&mut feed, "links", json!(f.links));
        put(&mut feed, "feedLink", json!(f.feed_link));
        put(&mut feed, "language", json!(f.language));
        put(&mut feed, "updatedParsed", date(f.updated));
        put(&mut feed, "publishedParsed", date(f.published));
        put_people(&mut feed, &f.authors);
        put(&mut feed, "categories", json!(f.categories));
        crate::extensions::put_feed(self, &mut feed);
        feed.insert("feedType".into(), json!(self.feed_type()));
        put(&mut feed, "feedVersion", json!(f.version));
        let items: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                let i = &e.item;
                let mut m = Map::new();
                put(&mut m, "guid", json!(i.guid));
                put(&mut m, "title", json!(i.title));
                put(&mut m, "link", json!(i.link));
                put(&mut m, "links", json!(e.links));
                put(
                    &mut m,
                    "description",
                    json!(i.summary.as_ref().map(|t| &t.value)),
                );
                put(
                    &mut m,
                    "content",
                    json!(i.content.as_ref().map(|t| &t.value)),
                );
                put(&mut m, "publishedParsed", date(i.published));
                put(&mut m, "updatedParsed", date(i.updated));
                if e.people.is_empty() {
                    put(&mut m, "authors", people(&i.authors));
                } else {
                    put_people(&mut m, &e.people);
                }
                put(&mut m, "categories", json!(i.categories));
                put(&mut m, "enclosures", json!(e.enclosures));
                put(&mut m, "language", json!(i.language));
                put(&mut m, "version", json!(i.version));
                put(&mut m, "located", json!(e.located));
                put(&mut m, "pubStatus", json!(e.pub_status));
                crate::extensions::put_item(self.format, e, &mut m);
                Value::Object(m)
            })
            .collect();
        feed.insert("items".into(), Value::Array(items));
        Value::Object(feed)
    }
}
