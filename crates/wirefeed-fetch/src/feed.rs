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
use crate::xml::Element;

/// feed-rs stores RSS contacts as `Person { name: <element name>, email: <raw text> }`.
fn person(p: &feed_rs::model::Person) -> Person {
    match (p.name.as_str(), &p.email) {
        ("author" | "managingEditor" | "webMaster", Some(raw)) => Person::from_contact(raw),
        (name, email) => Person {
            name: Some(name.trim().to_string()).filter(|n| !n.is_empty()),
            email: email.clone(),
            url: p.uri.clone(),
            avatar: None,
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
    let upgraded = upgrade_rss_version(upgrade_atom03(text));
    // Atom 0.3 content types are MIME types that feed-rs may refuse as 1.0; the document
    // as it came is then the better bet.
    let mut doc = match parse(upgraded.as_bytes(), source, base_uri, now) {
        Err(_) if upgraded != text => parse(text.as_bytes(), source, base_uri, now)?,
        r => r?,
    };
    // One entity-free tree for the RSS fills and the spec checks; feed-rs parsed already,
    // so a document this parser refuses is simply left as feed-rs read it.
    let mut ignored = Vec::new();
    if let Ok(root) = crate::xml::parse(text, &mut ignored) {
        doc.feed.version = match &*root.name {
            // A missing RSS version is read as 2.0 (see `upgrade_rss_version`).
            "rss" => Some(root.attr("version").unwrap_or("2.0").to_string()),
            "RDF" => Some("1.0".into()),
            "feed" if text.contains("http://purl.org/atom/ns#") => Some("0.3".into()),
            "feed" => Some("1.0".into()),
            _ => None,
        };
        if doc.format == Format::Rss {
            fill_from_extensions(&root, &mut doc, source, now);
        }
        doc.hints = tree_hints(&root);
        doc.validation = crate::validate::validate(&root);
        // Without a DTD, only the five XML entities exist: any other named entity makes the
        // document not well-formed (XML 1.0 §4.1, WFC: Entity Declared). With one, the
        // entity may be declared there (we never expand DTD entities either way).
        let dtd = !ignored.is_empty() && text.contains("<!DOCTYPE");
        for w in ignored {
            if !dtd || !w.starts_with("entity &") {
                doc.validation.push(if w.starts_with("entity &") {
                    format!("{w}: undefined entity without a DTD (not well-formed XML)")
                } else {
                    w
                });
            }
        }
        // Last: the tree is consumed (the few elements kept are copied out of `text`).
        crate::extensions::take(root, &mut doc);
    } else {
        doc.hints = xml_hints(text);
    }
    Ok(doc)
}

/// Dublin Core, iTunes and Atom elements inside RSS that feed-rs leaves out, used as gofeed
/// does: only where the RSS element itself is missing. Read from our own element tree (a
/// second pass, only over RSS); items are matched by position, and only when the counts agree.
fn fill_from_extensions(root: &Element, doc: &mut Document, source: &Arc<str>, now: DateTime<Utc>) {
    // Own text, trimmed but with line breaks, as gofeed keeps it (markup inside is escaped
    // in these elements, so there are no child elements to lose).
    let first = |e: &Element, names: &[&str]| -> Option<String> {
        names
            .iter()
            .find_map(|n| e.child(n).map(Element::own_text).filter(|t| !t.is_empty()))
    };
    let people = |e: &Element| -> Vec<Person> {
        let mut out: Vec<Person> = Vec::new();
        for name in ["creator", "author"] {
            for c in e.children_named(name) {
                let p = match c.child("name") {
                    Some(n) => Person {
                        name: Some(n.text()).filter(|s| !s.is_empty()),
                        email: c.child("email").map(Element::text),
                        url: c.child("uri").map(Element::text),
                        avatar: None,
                    },
                    None => Person::from_contact(&c.text()),
                };
                if p.name.is_some() || p.email.is_some() {
                    out.push(p);
                }
            }
            if !out.is_empty() {
                break;
            }
        }
        out
    };
    // gofeed's order: iTunes keywords, iTunes categories (nested ones too), DC subjects, then
    // Atom category terms.
    let subjects = |e: &Element| -> Vec<String> {
        fn itunes(c: &Element, out: &mut Vec<String>) {
            if let Some(t) = c.attr("text") {
                out.push(t.to_string());
                for sub in c.children_named("category") {
                    itunes(sub, out);
                }
            }
        }
        let mut out = Vec::new();
        for k in e.children_named("keywords") {
            out.extend(k.text().split(',').map(|s| s.trim().to_string()));
        }
        for c in e.children_named("category") {
            itunes(c, &mut out);
        }
        for s in e.children_named("subject") {
            out.push(s.text());
        }
        for c in e.children_named("category") {
            if let Some(t) = c.attr("term") {
                out.push(t.to_string());
            }
        }
        out.retain(|s| !s.is_empty());
        out
    };
    let date = |e: &Element, names: &[&str]| first(e, names).and_then(|d| parse_date(&d));
    if let Some(ch) = root.find("channel") {
        let f = &mut doc.feed;
        if f.title.is_none() {
            f.title = first(ch, &["title"]);
        }
        if f.description.is_none() {
            f.description = first(ch, &["description", "summary", "subtitle"]);
        }
        if f.language.is_none() {
            f.language = first(ch, &["language"]);
        }
        if f.updated.is_none() {
            f.updated = date(ch, &["date", "updated"]);
        }
        if f.authors.is_empty() {
            f.authors = people(ch);
        }
        if f.categories.is_empty() {
            f.categories = subjects(ch);
        }
        let l = rss_links(ch);
        if f.feed_link.is_none() {
            f.feed_link = l.self_link;
        }
        // feed-rs resolved a single link against the base URI already; keep its reading then.
        if l.all.len() > 1 || f.links.is_empty() {
            f.links = l.all;
            f.link = l.main.or(f.link.take());
        }
    }
    let mut items = Vec::new();
    root.find_all("item", &mut items);
    // feed-rs drops RSS 1.0 items without a link; give those back their place so the
    // position match below holds (they are filled from the tree alone).
    if items.len() != doc.entries.len() {
        let linked = items.iter().filter(|i| rss_links(i).main.is_some()).count();
        if linked != doc.entries.len() {
            return;
        }
        let mut parsed = std::mem::take(&mut doc.entries).into_iter();
        for el in &items {
            let e = match rss_links(el).main {
                Some(_) => parsed.next(),
                None => None,
            };
            doc.entries.push(e.unwrap_or_else(|| {
                let mut item = RawItem::new(source.clone(), doc.format.item_format());
                item.fetched_at = now;
                Entry::new(item)
            }));
        }
    }
    for (el, e) in items.into_iter().zip(doc.entries.iter_mut()) {
        let l = rss_links(el);
        if l.all.len() > 1 || e.links.is_empty() {
            e.links = l.all;
            e.item.link = l.main.or(e.item.link.take());
        }
        let i = &mut e.item;
        if i.title.is_none() {
            i.title = first(el, &["title"]);
        }
        if i.summary.is_none() {
            i.summary = first(el, &["description", "summary"]).map(text_guess);
        }
        if i.content.is_none() {
            i.content = first(el, &["encoded", "content"]).map(text_guess);
        }
        if i.published.is_none() {
            i.published = date(el, &["date", "published"]);
        }
        if i.updated.is_none() {
            i.updated = date(el, &["updated", "modified"]);
        }
        if e.people.is_empty() {
            e.people = people(el);
            if i.authors.is_empty() {
                i.authors = e.people.iter().filter_map(|p| p.name.clone()).collect();
            }
        }
        if i.categories.is_empty() {
            i.categories = subjects(el);
        }
    }
}

/// The `link` elements of an RSS channel or item, read as gofeed does.
struct RssLinks {
    /// Every link in document order: `<link>` text, or `href` (atom:link), `self` included.
    all: Vec<String>,
    /// The last one that is not `rel="self"`.
    main: Option<String>,
    self_link: Option<String>,
}

fn rss_links(e: &Element) -> RssLinks {
    let mut l = RssLinks {
        all: Vec::new(),
        main: None,
        self_link: None,
    };
    for c in e.children_named("link") {
        let text = c.own_text();
        let Some(v) = Some(text)
            .filter(|t| !t.is_empty())
            .or_else(|| c.attr("href").map(str::to_string))
        else {
            continue;
        };
        match c.attr("rel") {
            Some("self") => {
                l.self_link.get_or_insert_with(|| v.clone());
            }
            Some(r) if r != "alternate" => {}
            _ => l.main = Some(v.clone()),
        }
        l.all.push(v);
    }
    l
}

/// feed-rs reads `<rss>` only with version 0.91, 0.92 or 2.0; 0.93, 0.94 and a missing
/// version are 2.0 for every element we read.
fn upgrade_rss_version(text: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'_, str> {
    let Some(start) = text.find("<rss").filter(|&i| {
        text[i + 4..]
            .chars()
            .next()
            .is_some_and(|c| c.is_whitespace() || c == '>')
    }) else {
        return text;
    };
    let Some(len) = text[start..].find('>') else {
        return text;
    };
    let tag = &text[start..start + len];
    let version = tag.find("version=").and_then(|at| {
        let q = tag[at + 8..]
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\''))?;
        let rest = &tag[at + 9..];
        Some((at + 9, rest.find(q)?))
    });
    let mut out = text.to_string();
    match version {
        Some((at, vlen)) => {
            let v = &tag[at..at + vlen];
            if matches!(v, "0.91" | "0.92" | "2.0") {
                return text;
            }
            out.replace_range(start + at..start + at + vlen, "2.0");
        }
        None => out.insert_str(start + 4, " version=\"2.0\""),
    }
    std::borrow::Cow::Owned(out)
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
    let mut doc = parse(&bytes, source, base_uri, now)?;
    fill_json_feed(&value, &mut doc);
    crate::extensions::take_json(&value, &mut doc);
    Ok(doc)
}

/// What feed-rs drops from JSON Feed, filled as gofeed does: author avatars, `feed_url`, and the
/// feed's dates (JSON Feed has none at feed level) from its newest item.
fn fill_json_feed(value: &serde_json::Value, doc: &mut Document) {
    // JSON Feed 1.1 `authors`, else 1.0 `author`, in the order feed-rs reads them.
    let avatars = |v: &serde_json::Value| -> Vec<Option<String>> {
        let list = match (v.get("authors"), v.get("author")) {
            (Some(serde_json::Value::Array(a)), _) => a.iter().collect(),
            (_, Some(a)) => vec![a],
            _ => Vec::new(),
        };
        list.iter()
            .map(|a| a.get("avatar").and_then(|s| s.as_str()).map(str::to_string))
            .collect()
    };
    let put = |people: &mut [Person], avatars: Vec<Option<String>>| {
        if people.len() == avatars.len() {
            for (p, a) in people.iter_mut().zip(avatars) {
                p.avatar = a;
            }
        }
    };
    put(&mut doc.feed.authors, avatars(value));
    let items = value.get("items").and_then(|i| i.as_array());
    if let Some(items) = items.filter(|i| i.len() == doc.entries.len()) {
        for (e, v) in doc.entries.iter_mut().zip(items) {
            put(&mut e.people, avatars(v));
        }
    }
    let f = &mut doc.feed;
    f.version = match value.get("version").and_then(|v| v.as_str()) {
        Some(v) if v.ends_with("/1") || v.starts_with("1.0") => Some("1.0".into()),
        Some(v) if v.ends_with("/1.1") || v.starts_with("1.1") => Some("1.1".into()),
        _ => None,
    };
    if f.feed_link.is_none() {
        f.feed_link = value
            .get("feed_url")
            .and_then(|u| u.as_str())
            .map(str::to_string);
    }
    if f.updated.is_none() {
        f.updated = doc.entries.iter().filter_map(|e| e.item.updated).max();
    }
    if f.published.is_none() {
        f.published = doc.entries.iter().filter_map(|e| e.item.published).max();
    }
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
        version: None,
        title: feed.title.as_ref().map(|t| t.content.clone()),
        link: feed
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .map(|l| l.href.clone()),
        // gofeed's `links` has the `self` link too.
        links: feed.links.iter().map(|l| l.href.clone()).collect(),
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
        extras: Default::default(),
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
        validation: Vec::new(),
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
    // Atom requires `updated` and makes `published` optional; gofeed falls back as we do.
    item.published = e.published.or(e.updated.filter(|_| format == Format::Atom));
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
        extras: Default::default(),
    }
}

/// `ttl` (minutes) and `sy:updatePeriod` × `sy:updateFrequency` from the channel (RSS) or
/// the root (Atom); feed-rs does not expose them.
fn tree_hints(root: &Element) -> PollHints {
    let scope = root.child("channel").unwrap_or(root);
    hints(|name| {
        let local = name.rsplit(':').next().unwrap_or(name);
        scope.child(local).map(Element::own_text)
    })
}

/// [`tree_hints`] for a document our tree parser refused, by a plain scan for the tags.
fn xml_hints(text: &str) -> PollHints {
    hints(|name| {
        let open = format!("<{name}>");
        let at = text.find(&open)? + open.len();
        let len = text[at..].find('<')?;
        Some(text[at..at + len].trim().to_string())
    })
}

fn hints(tag: impl Fn(&str) -> Option<String>) -> PollHints {
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
