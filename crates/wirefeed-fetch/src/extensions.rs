//! gofeed's extension projections for the universal model (`wirefeed parse`): `extensions`,
//! `dcExt`, `itunesExt`, `custom`, feed and item `image`, `generator`, `copyright`, and the
//! raw date strings `published`/`updated` beside the parsed `…Parsed` twins.
//!
//! Two halves, so the service's hot path pays almost nothing for a view only the operator tool
//! prints:
//!
//! - at parse time, [`take`] detaches the few source elements the projections read from the
//!   element tree `feed.rs` builds anyway (for the RSS fills and the spec checks) and is about
//!   to drop: extension elements, RSS items' non-spec leaves, raw dates, generator, rights,
//!   images. Only these are copied out of the document text the tree borrows from (most
//!   news items have none); for JSON Feed a handful of short strings are.
//! - [`put_feed`] and [`put_item`] build gofeed's JSON from them only when
//!   [`Document::to_universal`](crate::Document::to_universal) runs.
//!
//! gofeed's rules, as its parser and `DefaultRSSTranslator`/`DefaultAtomTranslator` apply
//! them: an element is an extension when its namespace prefix is not empty, `rss`, `rdf` or
//! `content`; the prefix is the canonical one for well-known namespace URIs (feedparser's
//! list), else the one the feed declares (or writes, when it declares none). Each extension is
//! `{name, value, attrs, children}` with children keyed by local name; `dcExt` and `itunesExt`
//! read the `dc` and `itunes` groups; an RSS item's elements outside the RSS spec without
//! child elements fill `custom` (name → text).

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use crate::document::{Document, Entry, Format};
use crate::xml::{Element, Node};

/// Source material for the projections, kept by a [`crate::Document`]'s feed and entries and
/// read only by [`crate::Document::to_universal`]. Boxed, and absent when there is nothing:
/// an [`crate::Entry`] grows by one pointer, not by the lists.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extras(Option<Box<Kept>>);

impl Extras {
    fn new(kept: Kept) -> Extras {
        let empty = kept.els.is_empty() && kept.json == Json::default();
        Extras((!empty).then(|| Box::new(kept)))
    }

    fn get(&self) -> &Kept {
        static NONE: Kept = Kept {
            els: Vec::new(),
            json: Json {
                image: None,
                published: None,
                updated: None,
            },
        };
        self.0.as_deref().unwrap_or(&NONE)
    }
}

#[derive(Debug, Clone, Default)]
struct Kept {
    /// In document order: extension elements, their `prefix` rewritten to gofeed's key
    /// (never empty), and, with the prefix emptied, the core elements a projection reads —
    /// raw dates, generator, rights, images (RSS, Atom), an RSS item's leaves outside the
    /// spec (`custom`). One list: one allocation per item at most.
    els: Vec<Element<'static>>,
    /// JSON Feed values.
    json: Json,
}

/// What gofeed's projections read from a JSON Feed (feed or item).
#[derive(Debug, Clone, Default, PartialEq)]
struct Json {
    /// Feed `icon`; item `image`, else `banner_image`.
    image: Option<String>,
    /// Item `date_published`; the feed's is its first item's.
    published: Option<String>,
    /// Item `date_modified`; the feed's is its first item's.
    updated: Option<String>,
}

impl Kept {
    fn ext(&self) -> impl Iterator<Item = &Element<'static>> {
        self.els.iter().filter(|e| !e.prefix.is_empty())
    }

    fn core(&self) -> impl Iterator<Item = &Element<'static>> {
        self.els.iter().filter(|e| e.prefix.is_empty())
    }

    fn push_ext(&mut self, e: Element<'_>, key: Key) {
        let mut e = e.into_owned();
        if let Key::Canonical(k) = key {
            e.prefix = Cow::Borrowed(k);
        }
        self.els.push(e);
    }

    fn push_core(&mut self, e: Element<'_>) {
        let mut e = e.into_owned();
        e.prefix = Cow::Borrowed("");
        self.els.push(e);
    }
}

const ATOM10: &str = "http://www.w3.org/2005/Atom";
const ATOM03: &str = "http://purl.org/atom/ns#";

/// feedparser's canonical prefixes, which gofeed uses over the feed's own.
fn canonical(uri: &str) -> Option<&'static str> {
    Some(match uri {
        "http://webns.net/mvcb/" => "admin",
        "http://purl.org/rss/1.0/modules/aggregation/" => "ag",
        "http://purl.org/rss/1.0/modules/annotate/" => "annotate",
        "http://media.tangent.org/rss/1.0/" => "audio",
        "http://backend.userland.com/blogChannelModule" => "blogChannel",
        "http://creativecommons.org/ns#license" | "http://web.resource.org/cc/" => "cc",
        "http://cyber.law.harvard.edu/rss/creativeCommonsRssModule.html"
        | "http://backend.userland.com/creativeCommonsRssModule" => "creativeCommons",
        "http://purl.org/rss/1.0/modules/company" => "co",
        "http://purl.org/rss/1.0/modules/content/" => "content",
        "http://my.theinfo.org/changed/1.0/rss/" => "cp",
        "http://purl.org/dc/elements/1.1/" => "dc",
        "http://purl.org/dc/terms/" => "dcterms",
        "http://purl.org/rss/1.0/modules/email/" => "email",
        "http://purl.org/rss/1.0/modules/event/" => "ev",
        "http://rssnamespace.org/feedburner/ext/1.0" => "feedburner",
        "http://freshmeat.net/rss/fm/" => "fm",
        "http://xmlns.com/foaf/0.1/" => "foaf",
        "http://www.w3.org/2003/01/geo/wgs84_pos#" => "geo",
        "http://www.georss.org/georss" => "georss",
        "http://www.opengis.net/gml" => "gml",
        "http://postneo.com/icbm/" => "icbm",
        "http://purl.org/rss/1.0/modules/image/" => "image",
        "http://www.itunes.com/DTDs/PodCast-1.0.dtd"
        | "http://example.com/DTDs/PodCast-1.0.dtd" => "itunes",
        "http://purl.org/rss/1.0/modules/link/" => "l",
        "http://search.yahoo.com/mrss" | "http://search.yahoo.com/mrss/" => "media",
        "http://madskills.com/public/xml/rss/module/pingback/" => "pingback",
        "http://prismstandard.org/namespaces/1.2/basic/" => "prism",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#" => "rdf",
        "http://www.w3.org/2000/01/rdf-schema#" => "rdfs",
        "http://purl.org/rss/1.0/modules/reference/" => "ref",
        "http://purl.org/rss/1.0/modules/richequiv/" => "reqv",
        "http://purl.org/rss/1.0/modules/search/" => "search",
        "http://purl.org/rss/1.0/modules/slash/" => "slash",
        "http://schemas.xmlsoap.org/soap/envelope/" => "soap",
        "http://purl.org/rss/1.0/modules/servicestatus/" => "ss",
        "http://hacks.benhammersley.com/rss/streaming/" => "str",
        "http://purl.org/rss/1.0/modules/subscription/" => "sub",
        "http://purl.org/rss/1.0/modules/syndication/" => "sy",
        "http://schemas.pocketsoap.com/rss/myDescModule/" => "szf",
        "http://purl.org/rss/1.0/modules/taxonomy/" => "taxo",
        "http://purl.org/rss/1.0/modules/threading/" => "thr",
        "http://purl.org/rss/1.0/modules/textinput/" => "ti",
        "http://madskills.com/public/xml/rss/module/trackback/" => "trackback",
        "http://wellformedweb.org/commentAPI/" => "wfw",
        "http://purl.org/rss/1.0/modules/wiki/" => "wiki",
        "http://www.w3.org/1999/xhtml" => "xhtml",
        "http://www.w3.org/1999/xlink" => "xlink",
        "http://www.w3.org/XML/1998/namespace" => "xml",
        "http://podlove.org/simple-chapters" => "psc",
        _ => return None,
    })
}

/// gofeed's key for an extension element's namespace.
#[derive(Clone, Copy)]
enum Key {
    /// The prefix as written (declared in the feed, or not declared at all).
    Written,
    /// feedparser's canonical prefix for the namespace URI.
    Canonical(&'static str),
}

/// The namespace declarations in scope, innermost last.
struct Scope(Vec<(String, String)>);

impl Scope {
    fn enter(&mut self, e: &Element) -> usize {
        let mark = self.0.len();
        if !e.attrs.is_empty() {
            for (p, u) in e.namespaces() {
                self.0.push((p.to_string(), u.to_string()));
            }
        }
        mark
    }

    fn uri(&self, prefix: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, u)| u.as_str())
    }

    /// gofeed's prefix for an element: the canonical one for its namespace URI, else the
    /// prefix as written (declared or not); empty when unprefixed.
    fn key<'a>(&'a self, e: &'a Element) -> &'a str {
        if e.prefix.is_empty() {
            return "";
        }
        self.uri(&e.prefix).and_then(canonical).unwrap_or(&e.prefix)
    }

    /// gofeed's key for an extension element, or `None` for a core element. In Atom, the
    /// Atom namespace is core whatever its prefix.
    fn extension_key(&self, e: &Element, format: Format) -> Option<Key> {
        if e.prefix.is_empty() {
            return None;
        }
        let uri = self.uri(&e.prefix);
        if format == Format::Atom && matches!(uri, Some(ATOM10 | ATOM03)) {
            return None;
        }
        let (key, k) = match uri.and_then(canonical) {
            Some(c) => (c, Key::Canonical(c)),
            None => (&*e.prefix, Key::Written),
        };
        (!matches!(key, "rss" | "rdf" | "content")).then_some(k)
    }
}

/// The child elements, to move the wanted ones out with `std::mem::take` (an empty element
/// costs no allocation); the rest is left to drop with the tree, as before.
fn elements<'e, 'a>(e: &'e mut Element<'a>) -> impl Iterator<Item = &'e mut Element<'a>> {
    e.children.iter_mut().filter_map(|n| match n {
        Node::Element(e) => Some(e),
        Node::Text(_) => None,
    })
}

/// Parse time: moves what the projections read out of a feed's element tree (RSS or Atom)
/// into `doc`. Items are matched by position, and only when the counts agree.
pub(crate) fn take(mut root: Element, doc: &mut Document) {
    let mut scope = Scope(Vec::new());
    let mut feed = Kept::default();
    let mut items = Vec::new();
    match doc.format {
        Format::Rss => {
            scope.enter(&root);
            rss_walk(&mut root, 0, &mut scope, &mut feed, &mut items);
        }
        Format::Atom => {
            scope.enter(&root);
            for c in elements(&mut root) {
                if c.name == "entry" {
                    items.push(atom_entry(c, &mut scope));
                    continue;
                }
                let mark = scope.enter(c);
                if let Some(key) = scope.extension_key(c, Format::Atom) {
                    feed.push_ext(std::mem::take(c), key);
                } else if matches!(
                    &*c.name,
                    "updated" | "modified" | "generator" | "rights" | "copyright" | "logo" | "icon"
                ) {
                    feed.push_core(std::mem::take(c));
                }
                scope.0.truncate(mark);
            }
        }
        _ => return,
    }
    doc.feed.extras = Extras::new(feed);
    if items.len() == doc.entries.len() {
        for (e, x) in doc.entries.iter_mut().zip(items) {
            e.extras = Extras::new(x);
        }
    }
}

/// RSS: channel children at depth 1, items wherever they are (channel or, RSS 1.0, root), in
/// the order `feed.rs` matched them to entries; the root-level RSS 1.0 `image` first, as it
/// overrides the channel's.
fn rss_walk(
    e: &mut Element,
    depth: usize,
    scope: &mut Scope,
    feed: &mut Kept,
    items: &mut Vec<Kept>,
) {
    for c in elements(e) {
        let mark = scope.enter(c);
        if c.name == "item" {
            items.push(rss_item(c, scope));
        } else if depth == 1 {
            if let Some(key) = scope.extension_key(c, Format::Rss) {
                feed.push_ext(std::mem::take(c), key);
            } else if one_of(
                &c.name,
                &[
                    "pubDate",
                    "lastBuildDate",
                    "generator",
                    "copyright",
                    "image",
                ],
            ) {
                feed.push_core(std::mem::take(c));
            } else {
                rss_walk(c, depth + 1, scope, feed, items);
            }
        } else if depth == 0 && c.name == "image" {
            let mut image = std::mem::take(c).into_owned();
            image.prefix = Cow::Borrowed("");
            feed.els.insert(0, image);
        } else if depth == 0 && c.name == "channel" {
            rss_walk(c, 1, scope, feed, items);
        } else if scope.extension_key(c, Format::Rss).is_none() {
            rss_walk(c, depth + 1, scope, feed, items);
        }
        scope.0.truncate(mark);
    }
}

/// gofeed's RSS item elements; anything else that is not an extension is `custom`.
const RSS_ITEM: &[&str] = &[
    "title",
    "description",
    "link",
    "author",
    "comments",
    "source",
    "enclosure",
    "guid",
    "category",
];

/// ASCII case-insensitive membership, without allocating (gofeed lowercases names); the
/// exact spelling, by far the most common, is tried first.
fn one_of(name: &str, names: &[&str]) -> bool {
    names.contains(&name) || names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

fn rss_item(item: &mut Element, scope: &mut Scope) -> Kept {
    let mut x = Kept::default();
    for c in elements(item) {
        let mark = scope.enter(c);
        if let Some(key) = scope.extension_key(c, Format::Rss) {
            x.push_ext(std::mem::take(c), key);
        } else {
            let content = c.name.eq_ignore_ascii_case("encoded") && scope.key(c) == "content";
            if one_of(&c.name, &["pubDate"])
                || !(content || one_of(&c.name, RSS_ITEM) || c.elements().next().is_some())
            {
                x.push_core(std::mem::take(c));
            }
        }
        scope.0.truncate(mark);
    }
    x
}

fn atom_entry(entry: &mut Element, scope: &mut Scope) -> Kept {
    let mark = scope.enter(entry);
    let mut x = Kept::default();
    for c in elements(entry) {
        let inner = scope.enter(c);
        if let Some(key) = scope.extension_key(c, Format::Atom) {
            x.push_ext(std::mem::take(c), key);
        } else if matches!(&*c.name, "published" | "issued" | "updated" | "modified") {
            x.push_core(std::mem::take(c));
        }
        scope.0.truncate(inner);
    }
    scope.0.truncate(mark);
    x
}

/// Parse time, JSON Feed: the feed `icon`, and each item's `image` (else `banner_image`) and
/// raw dates; the feed's dates are its first item's, as gofeed has them.
pub(crate) fn take_json(value: &Value, doc: &mut Document) {
    // One pass over each object's keys, not a lookup per key.
    fn read(v: &Value, image_keys: &[&str]) -> Json {
        let mut j = Json::default();
        let mut banner = None;
        for (k, v) in v.as_object().into_iter().flatten() {
            let Some(s) = v.as_str().filter(|s| !s.is_empty()) else {
                continue;
            };
            match k.as_str() {
                "date_published" => j.published = Some(s.to_string()),
                "date_modified" => j.updated = Some(s.to_string()),
                k if k == image_keys[0] => j.image = Some(s.to_string()),
                k if image_keys.get(1) == Some(&k) => banner = Some(s.to_string()),
                _ => {}
            }
        }
        j.image = j.image.or(banner);
        j
    }
    let items = value.get("items").and_then(Value::as_array);
    let first = items.and_then(|i| i.first()).map(|i| read(i, &["image"]));
    let icon = read(value, &["icon"]).image;
    let feed = Json {
        image: icon,
        published: first.as_ref().and_then(|f| f.published.clone()),
        updated: first.and_then(|f| f.updated),
    };
    doc.feed.extras = Extras::new(Kept {
        els: Vec::new(),
        json: feed,
    });
    if let Some(items) = items.filter(|i| i.len() == doc.entries.len()) {
        for (e, v) in doc.entries.iter_mut().zip(items) {
            e.extras = Extras::new(Kept {
                els: Vec::new(),
                json: read(v, &["image", "banner_image"]),
            });
        }
    }
}

// ---- projection (only when the universal model is printed) ----

/// Text of an element as gofeed keeps it: its own text nodes, trimmed.
fn value_of(e: &Element) -> String {
    e.own_text()
}

fn extension_json(e: &Element) -> Value {
    let attrs: Map<String, Value> = e
        .attrs
        .iter()
        .map(|(k, v)| (Element::attr_name(k).to_string(), Value::from(&**v)))
        .collect();
    let mut children: Map<String, Value> = Map::new();
    for c in e.elements() {
        if let Value::Array(a) = children
            .entry(c.name.clone())
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            a.push(extension_json(c));
        }
    }
    json!({
        "name": e.name,
        "value": value_of(e),
        "attrs": attrs,
        "children": children,
    })
}

/// gofeed's `ext.Extensions`: prefix → element name → list.
fn extensions_json(els: &[Element]) -> Value {
    let mut out: Map<String, Value> = Map::new();
    for e in els.iter().filter(|e| !e.prefix.is_empty()) {
        let by_name = out
            .entry(e.prefix.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = by_name {
            if let Value::Array(a) = m
                .entry(e.name.clone())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                a.push(extension_json(e));
            }
        }
    }
    Value::Object(out)
}

/// An extension group (`key` is never empty; core elements have an empty prefix).
fn group<'a, 't>(
    ext: &'a [Element<'t>],
    key: &'a str,
) -> impl Iterator<Item = &'a Element<'t>> + 'a {
    ext.iter().filter(move |e| e.prefix == key)
}

fn has(ext: &[Element], key: &str) -> bool {
    group(ext, key).next().is_some()
}

fn named<'a, 't>(
    ext: &'a [Element<'t>],
    key: &'a str,
    name: &'a str,
) -> impl Iterator<Item = &'a Element<'t>> {
    group(ext, key).filter(move |e| e.name == name)
}

/// gofeed's `parseTextExtension`: the first element's value.
fn text(ext: &[Element], key: &str, name: &str) -> String {
    named(ext, key, name)
        .next()
        .map(value_of)
        .unwrap_or_default()
}

/// The first `atom:`/`atom10:`/`atom03:` element of that name, as gofeed's `atomExtValue`.
fn atom(ext: &[Element], name: &str) -> Option<String> {
    ["atom", "atom10", "atom03"]
        .iter()
        .find_map(|k| named(ext, k, name).next())
        .map(value_of)
}

const DC: &[&str] = &[
    "title",
    "creator",
    "author",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "source",
    "language",
    "relation",
    "coverage",
    "rights",
];

/// gofeed's `ext.DublinCoreExtension`: every `dc:` field as a list of strings.
fn dc_json(ext: &[Element]) -> Value {
    let mut m = Map::new();
    for name in DC {
        let values: Vec<Value> = named(ext, "dc", name)
            .map(|e| Value::String(value_of(e)))
            .collect();
        if !values.is_empty() {
            m.insert((*name).to_string(), Value::Array(values));
        }
    }
    Value::Object(m)
}

fn first_dc(ext: &[Element], name: &str) -> Option<String> {
    named(ext, "dc", name).next().map(value_of)
}

/// gofeed's `ext.ITunesFeedExtension` (`feed`) or `ext.ITunesItemExtension`.
fn itunes_json(ext: &[Element], feed: bool) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: String| {
        if !v.is_empty() {
            m.insert(k.to_string(), Value::String(v));
        }
    };
    let fields: &[(&str, &str)] = if feed {
        &[
            ("author", "author"),
            ("block", "block"),
            ("explicit", "explicit"),
            ("keywords", "keywords"),
            ("subtitle", "subtitle"),
            ("summary", "summary"),
            ("complete", "complete"),
            ("newFeedUrl", "new-feed-url"),
            ("type", "type"),
        ]
    } else {
        &[
            ("author", "author"),
            ("block", "block"),
            ("duration", "duration"),
            ("explicit", "explicit"),
            ("keywords", "keywords"),
            ("subtitle", "subtitle"),
            ("summary", "summary"),
            ("isClosedCaptioned", "isClosedCaptioned"),
            ("episode", "episode"),
            ("season", "season"),
            ("order", "order"),
            ("episodeType", "episodeType"),
        ]
    };
    for (k, name) in fields {
        put(k, text(ext, "itunes", name));
    }
    put("image", itunes_image(ext).unwrap_or_default());
    if feed {
        let cats: Vec<Value> = named(ext, "itunes", "category")
            .map(|c| {
                let mut o = Map::new();
                if let Some(t) = c.attr("text") {
                    o.insert("text".into(), json!(t));
                }
                if let Some(sub) = c.child("category") {
                    let mut s = Map::new();
                    if let Some(t) = sub.attr("text") {
                        s.insert("text".into(), json!(t));
                    }
                    o.insert("subcategory".into(), Value::Object(s));
                }
                Value::Object(o)
            })
            .collect();
        if !cats.is_empty() {
            m.insert("categories".into(), Value::Array(cats));
        }
        if let Some(owner) = named(ext, "itunes", "owner").next() {
            let mut o = Map::new();
            for k in ["email", "name"] {
                if let Some(v) = owner.child(k).map(value_of).filter(|v| !v.is_empty()) {
                    o.insert(k.into(), json!(v));
                }
            }
            m.insert("owner".into(), Value::Object(o));
        }
    }
    Value::Object(m)
}

fn itunes_image(ext: &[Element]) -> Option<String> {
    named(ext, "itunes", "image")
        .next()
        .and_then(|e| e.attr("href"))
        .map(str::to_string)
}

/// The first `media:content` gofeed takes for an image.
fn media_image(ext: &[Element], is_image: impl Fn(&str, &str) -> bool) -> Option<String> {
    named(ext, "media", "content")
        .find(|c| is_image(c.attr("type").unwrap_or(""), c.attr("medium").unwrap_or("")))
        .map(|c| c.attr("url").unwrap_or("").to_string())
}

/// The `src` of the first `<img>` with one in an HTML fragment (gofeed's content scan).
fn first_img(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<img") {
        let start = from + at + 4;
        from = start;
        if !lower[start..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_whitespace() || c == '/' || c == '>')
        {
            continue;
        }
        let tag = &html[start..];
        let mut rest = tag;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
            if rest.is_empty() || rest.starts_with('>') {
                break;
            }
            let name_len = rest
                .find(|c: char| c.is_ascii_whitespace() || matches!(c, '=' | '>' | '/'))
                .unwrap_or(rest.len());
            let name = &rest[..name_len];
            rest = rest[name_len..].trim_start();
            let mut value = "";
            if let Some(r) = rest.strip_prefix('=') {
                let r = r.trim_start();
                let (v, after) = match r.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let end = r[1..].find(q).map_or(r.len(), |e| e + 1);
                        (&r[1..end], r.get(end + 1..).unwrap_or(""))
                    }
                    _ => {
                        let end = r
                            .find(|c: char| c.is_ascii_whitespace() || c == '>')
                            .unwrap_or(r.len());
                        (&r[..end], &r[end..])
                    }
                };
                value = v;
                rest = after;
            }
            if name.eq_ignore_ascii_case("src") {
                return Some(unescape(value));
            }
        }
    }
    None
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    quick_xml::escape::unescape(s)
        .map(|c| c.into_owned())
        .unwrap_or_else(|_| s.to_string())
}

fn image_json(url: Option<String>, title: Option<String>) -> Value {
    let mut m = Map::new();
    if let Some(u) = url.filter(|u| !u.is_empty()) {
        m.insert("url".into(), Value::String(u));
    }
    if let Some(t) = title.filter(|t| !t.is_empty()) {
        m.insert("title".into(), Value::String(t));
    }
    Value::Object(m)
}

fn core<'a>(x: &'a Kept, names: &[&str]) -> Option<&'a Element<'static>> {
    names
        .iter()
        .find_map(|n| x.core().find(|c| c.name.eq_ignore_ascii_case(n)))
}

fn core_text(x: &Kept, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| core(x, &[n]).map(value_of).filter(|v| !v.is_empty()))
}

fn first_non_empty(v: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    v.into_iter().flatten().find(|s| !s.is_empty())
}

/// Inserts a value unless it is absent or an empty string (gofeed's `omitempty`).
fn put(m: &mut Map<String, Value>, k: &str, v: Option<String>) {
    if let Some(v) = v.filter(|v| !v.is_empty()) {
        m.insert(k.to_string(), Value::String(v));
    }
}

/// JSON Feed's raw dates and image, the same for a feed and an item.
fn put_json_feed(x: &Kept, m: &mut Map<String, Value>) {
    put(m, "published", x.json.published.clone());
    put(m, "updated", x.json.updated.clone());
    if let Some(u) = x.json.image.clone() {
        m.insert("image".into(), image_json(Some(u), None));
    }
}

fn put_extensions(x: &Kept, m: &mut Map<String, Value>) {
    if x.ext().next().is_some() {
        m.insert("extensions".into(), extensions_json(&x.els));
    }
}

/// The feed-level projections, into the universal feed object.
pub(crate) fn put_feed(doc: &Document, m: &mut Map<String, Value>) {
    let x = doc.feed.extras.get();
    match doc.format {
        Format::Rss => {
            put(m, "published", core_text(x, &["pubDate"]));
            put(
                m,
                "updated",
                first_non_empty([core_text(x, &["lastBuildDate"]), first_dc(&x.els, "date")]),
            );
            put(
                m,
                "copyright",
                first_non_empty([core_text(x, &["copyright"]), first_dc(&x.els, "rights")]),
            );
            put(m, "generator", core_text(x, &["generator"]));
            let image = if let Some(img) = core(x, &["image"]) {
                Some(image_json(
                    img.child("url").map(value_of),
                    img.child("title").map(value_of),
                ))
            } else {
                first_non_empty([
                    itunes_image(&x.els),
                    media_image(&x.els, |t, m| t.starts_with("image/") || m == "image"),
                    doc.feed.description.as_deref().and_then(first_img),
                ])
                .map(|u| image_json(Some(u), None))
            };
            if let Some(i) = image {
                m.insert("image".into(), i);
            }
            if has(&x.els, "dc") {
                m.insert("dcExt".into(), dc_json(&x.els));
            }
            if has(&x.els, "itunes") {
                m.insert("itunesExt".into(), itunes_json(&x.els, true));
            }
        }
        Format::Atom => {
            put(m, "updated", core_text(x, &["updated", "modified"]));
            put(m, "copyright", core_text(x, &["rights", "copyright"]));
            if let Some(g) = core(x, &["generator"]) {
                let mut s = value_of(g);
                if let Some(v) = g.attr("version").filter(|v| !v.is_empty()) {
                    s.push_str(" v");
                    s.push_str(v);
                }
                if let Some(u) = g.attr("uri").or(g.attr("url")).filter(|u| !u.is_empty()) {
                    s.push(' ');
                    s.push_str(u);
                }
                put(m, "generator", Some(s.trim().to_string()));
            }
            if let Some(u) = core_text(x, &["logo"]).or_else(|| core_text(x, &["icon"])) {
                m.insert("image".into(), image_json(Some(u), None));
            }
        }
        Format::JsonFeed => put_json_feed(x, m),
        _ => {}
    }
    put_extensions(x, m);
}

/// An item's projections, into its universal object.
pub(crate) fn put_item(format: Format, e: &Entry, m: &mut Map<String, Value>) {
    let x = e.extras.get();
    match format {
        Format::Rss => {
            let dc_date = first_dc(&x.els, "date");
            put(
                m,
                "published",
                first_non_empty([
                    core_text(x, &["pubDate"]),
                    dc_date.clone(),
                    atom(&x.els, "published"),
                ]),
            );
            put(
                m,
                "updated",
                first_non_empty([dc_date, atom(&x.els, "updated")]),
            );
            let image = first_non_empty([
                itunes_image(&x.els),
                media_image(&x.els, |t, m| t.contains("image") || m.contains("image")),
                e.enclosures
                    .iter()
                    .find(|c| c.mime.as_deref().is_some_and(|t| t.starts_with("image/")))
                    .map(|c| c.url.clone()),
                e.item.content.as_ref().and_then(|t| first_img(&t.value)),
                e.item.summary.as_ref().and_then(|t| first_img(&t.value)),
            ]);
            if let Some(u) = image {
                m.insert("image".into(), image_json(Some(u), None));
            }
            let custom: Map<String, Value> = x
                .core()
                .filter(|c| !c.name.eq_ignore_ascii_case("pubDate"))
                .map(|c| (c.name.to_string(), Value::String(value_of(c))))
                .collect();
            if !custom.is_empty() {
                m.insert("custom".into(), Value::Object(custom));
            }
            if has(&x.els, "dc") {
                m.insert("dcExt".into(), dc_json(&x.els));
            }
            if has(&x.els, "itunes") {
                m.insert("itunesExt".into(), itunes_json(&x.els, false));
            }
        }
        Format::Atom => {
            let updated = core_text(x, &["updated", "modified"]);
            put(
                m,
                "published",
                first_non_empty([core_text(x, &["published", "issued"]), updated.clone()]),
            );
            put(m, "updated", updated);
        }
        Format::JsonFeed => put_json_feed(x, m),
        _ => {}
    }
    put_extensions(x, m);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{json, Value};

    use super::first_img;
    use crate::document::{read_document, DocumentKind};

    fn universal(doc: &str) -> Value {
        let source: Arc<str> = Arc::from("test");
        read_document(doc.as_bytes(), &source, DocumentKind::Sniff, None, None)
            .unwrap()
            .to_universal()
    }

    const RSS: &str = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:itunes="http://www.itunes.com/DTDs/PodCast-1.0.dtd"
     xmlns:media="http://search.yahoo.com/mrss/" xmlns:wx="http://example.org/weather"
     xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>Wire</title><link>http://x/</link><description>d</description>
<copyright>(c) Wire</copyright><generator>WireCMS 2.1</generator>
<pubDate>Tue, 03 Mar 2026 10:00:00 GMT</pubDate><lastBuildDate>Tue, 03 Mar 2026 11:00:00 GMT</lastBuildDate>
<image><url>http://x/logo.png</url><title>Wire logo</title><link>http://x/</link></image>
<atom:link href="http://x/feed" rel="self" type="application/rss+xml"/>
<dc:publisher>Wire Ltd</dc:publisher><dc:subject>World</dc:subject><dc:subject>Politics</dc:subject>
<itunes:author>Wire Desk</itunes:author><itunes:explicit>no</itunes:explicit>
<itunes:image href="http://x/cover.jpg"/>
<itunes:category text="News"><itunes:category text="Politics"/></itunes:category>
<itunes:owner><itunes:name>Desk</itunes:name><itunes:email>desk@x</itunes:email></itunes:owner>
<item><title>One</title><link>http://x/1</link><guid>g1</guid>
 <pubDate>Tue, 03 Mar 2026 09:00:00 GMT</pubDate>
 <dc:creator>Jane Doe</dc:creator><dc:creator>John Roe</dc:creator><dc:rights>AP</dc:rights>
 <itunes:duration>12:03</itunes:duration><itunes:episodeType>full</itunes:episodeType>
 <wx:station id="EBBR" kind="airport">Brussels <wx:temp unit="C">12</wx:temp></wx:station>
 <media:content url="http://x/1.jpg" medium="image"><media:title type="plain">Photo</media:title></media:content>
 <slug>minister-talks</slug><priority>2</priority>
</item>
<item><title>Two</title><link>http://x/2</link>
 <dc:date>2026-03-02T08:00:00Z</dc:date>
 <enclosure url="http://x/2.mp3" length="9" type="audio/mpeg"/>
 <enclosure url="http://x/2.jpg" length="7" type="image/jpeg"/>
</item>
<item><title>Three</title><link>http://x/3</link>
 <description><![CDATA[<p>Hi <img alt="" src="http://x/3.png"></p>]]></description>
</item>
</channel></rss>"#;

    #[test]
    fn rss_feed_projections() {
        let u = universal(RSS);
        assert_eq!(u["copyright"], "(c) Wire");
        assert_eq!(u["generator"], "WireCMS 2.1");
        assert_eq!(u["published"], "Tue, 03 Mar 2026 10:00:00 GMT");
        assert_eq!(u["updated"], "Tue, 03 Mar 2026 11:00:00 GMT");
        assert_eq!(
            u["image"],
            json!({"url": "http://x/logo.png", "title": "Wire logo"})
        );
        assert_eq!(
            u["dcExt"],
            json!({"publisher": ["Wire Ltd"], "subject": ["World", "Politics"]})
        );
        assert_eq!(
            u["itunesExt"],
            json!({
                "author": "Wire Desk",
                "explicit": "no",
                "image": "http://x/cover.jpg",
                "categories": [{"text": "News", "subcategory": {"text": "Politics"}}],
                "owner": {"name": "Desk", "email": "desk@x"},
            })
        );
        let ext = &u["extensions"];
        assert_eq!(
            ext["atom"]["link"],
            json!([{
                "name": "link",
                "value": "",
                "attrs": {"href": "http://x/feed", "rel": "self", "type": "application/rss+xml"},
                "children": {},
            }])
        );
        assert_eq!(ext["dc"]["subject"][1]["value"], "Politics");
        assert_eq!(
            ext["itunes"]["category"][0]["children"]["category"][0]["attrs"]["text"],
            "Politics"
        );
        assert_eq!(
            ext["itunes"]["owner"][0]["children"]["email"][0]["value"],
            "desk@x"
        );
        // Items' extensions stay with the items.
        assert!(ext.get("wx").is_none() && ext.get("media").is_none());
    }

    #[test]
    fn rss_item_projections() {
        let u = universal(RSS);
        let one = &u["items"][0];
        assert_eq!(one["published"], "Tue, 03 Mar 2026 09:00:00 GMT");
        assert!(one.get("updated").is_none());
        assert_eq!(
            one["dcExt"],
            json!({"creator": ["Jane Doe", "John Roe"], "rights": ["AP"]})
        );
        assert_eq!(
            one["itunesExt"],
            json!({"duration": "12:03", "episodeType": "full"})
        );
        // An unknown namespace: attributes, text and nested elements, keyed by local name.
        assert_eq!(
            one["extensions"]["wx"]["station"],
            json!([{
                "name": "station",
                "value": "Brussels",
                "attrs": {"id": "EBBR", "kind": "airport"},
                "children": {"temp": [{
                    "name": "temp", "value": "12", "attrs": {"unit": "C"}, "children": {},
                }]},
            }])
        );
        assert_eq!(
            one["extensions"]["media"]["content"][0]["children"]["title"][0]["value"],
            "Photo"
        );
        assert_eq!(one["image"], json!({"url": "http://x/1.jpg"}));
        // RSS elements outside the spec, without children, are gofeed's `custom`.
        assert_eq!(
            one["custom"],
            json!({"slug": "minister-talks", "priority": "2"})
        );
        let two = &u["items"][1];
        // gofeed: dc:date is an item's raw `updated`, and its `published` when pubDate is
        // missing.
        assert_eq!(two["published"], "2026-03-02T08:00:00Z");
        assert_eq!(two["updated"], "2026-03-02T08:00:00Z");
        assert_eq!(two["image"], json!({"url": "http://x/2.jpg"}));
        assert!(two.get("custom").is_none() && two.get("itunesExt").is_none());
        let three = &u["items"][2];
        assert_eq!(three["image"], json!({"url": "http://x/3.png"}));
        assert!(three.get("extensions").is_none() && three.get("dcExt").is_none());
    }

    #[test]
    fn canonical_prefixes_win_over_the_feeds_own() {
        let u = universal(
            r#"<rss version="2.0" xmlns:DublinCore="http://purl.org/dc/elements/1.1/"
                xmlns:c="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>
            <item><title>i</title><DublinCore:creator>Ann</DublinCore:creator>
            <c:encoded>&lt;p&gt;body&lt;/p&gt;</c:encoded>
            <undeclared:thing>x</undeclared:thing></item></channel></rss>"#,
        );
        let i = &u["items"][0];
        assert_eq!(i["dcExt"], json!({"creator": ["Ann"]}));
        assert_eq!(i["extensions"]["dc"]["creator"][0]["value"], "Ann");
        // `content:encoded` under another prefix is still the content, not an extension or
        // `custom`; an undeclared prefix is kept as written.
        assert_eq!(i["extensions"]["undeclared"]["thing"][0]["value"], "x");
        assert!(i["extensions"].get("c").is_none() && i.get("custom").is_none());
    }

    #[test]
    fn rss_feed_image_and_dates_fall_back_as_gofeed_does() {
        let u = universal(
            r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
                xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>
            <dc:date>2026-01-02T03:04:05Z</dc:date><dc:rights>DC rights</dc:rights>
            <media:content url="http://x/m.png" type="image/png"/></channel></rss>"#,
        );
        assert_eq!(u["updated"], "2026-01-02T03:04:05Z");
        assert_eq!(u["copyright"], "DC rights");
        assert_eq!(u["image"], json!({"url": "http://x/m.png"}));
        assert!(u.get("published").is_none() && u.get("generator").is_none());
    }

    #[test]
    fn atom_projections() {
        let u = universal(
            r#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
            <title>A</title><id>urn:a</id><updated>2026-03-03T10:00:00Z</updated>
            <generator uri="http://gen.example/" version="3.0">Gen</generator>
            <rights>CC BY</rights><icon>http://x/i.ico</icon><logo>http://x/l.png</logo>
            <entry><title>E</title><id>urn:e</id><updated>2026-03-03T09:00:00Z</updated>
             <link href="http://x/e"/><media:thumbnail url="http://x/t.jpg"/></entry>
            <entry><title>F</title><id>urn:f</id><published>2026-03-01T09:00:00Z</published>
             <updated>2026-03-02T09:00:00Z</updated><link href="http://x/f"/></entry>
            </feed>"#,
        );
        assert_eq!(u["generator"], "Gen v3.0 http://gen.example/");
        assert_eq!(u["copyright"], "CC BY");
        assert_eq!(u["image"], json!({"url": "http://x/l.png"}));
        assert_eq!(u["updated"], "2026-03-03T10:00:00Z");
        assert!(u.get("extensions").is_none() && u.get("dcExt").is_none());
        let e = &u["items"][0];
        // No `published`: gofeed falls back to `updated`.
        assert_eq!(e["published"], "2026-03-03T09:00:00Z");
        assert_eq!(e["updated"], "2026-03-03T09:00:00Z");
        assert_eq!(
            e["extensions"]["media"]["thumbnail"][0]["attrs"]["url"],
            "http://x/t.jpg"
        );
        assert_eq!(u["items"][1]["published"], "2026-03-01T09:00:00Z");
    }

    #[test]
    fn json_feed_projections() {
        let u = universal(
            r#"{"version": "https://jsonfeed.org/version/1.1", "title": "J",
                "icon": "http://x/icon.png", "favicon": "http://x/f.ico",
                "items": [
                  {"id": "1", "url": "http://x/1", "content_text": "a",
                   "date_published": "2026-03-03T10:00:00+01:00",
                   "date_modified": "2026-03-03T11:00:00+01:00",
                   "banner_image": "http://x/banner.png"},
                  {"id": "2", "url": "http://x/2", "content_text": "b",
                   "image": "http://x/2.png", "banner_image": "http://x/b2.png"}]}"#,
        );
        assert_eq!(u["image"], json!({"url": "http://x/icon.png"}));
        assert_eq!(u["published"], "2026-03-03T10:00:00+01:00");
        assert_eq!(u["updated"], "2026-03-03T11:00:00+01:00");
        assert_eq!(
            u["items"][0]["image"],
            json!({"url": "http://x/banner.png"})
        );
        assert_eq!(u["items"][0]["updated"], "2026-03-03T11:00:00+01:00");
        assert_eq!(u["items"][1]["image"], json!({"url": "http://x/2.png"}));
        assert!(u["items"][1].get("published").is_none());
    }

    #[test]
    fn first_img_with_a_src() {
        assert_eq!(
            first_img(r#"<p>x</p><IMG alt="a>b" SRC='http://x/a.png?a=1&amp;b=2'>"#).as_deref(),
            Some("http://x/a.png?a=1&b=2")
        );
        assert_eq!(
            first_img(r#"<img alt=x><img src=http://x/b.png>"#).as_deref(),
            Some("http://x/b.png")
        );
        assert_eq!(first_img("<imgx src='no'> plain"), None);
        assert_eq!(first_img("<img"), None);
    }
}
