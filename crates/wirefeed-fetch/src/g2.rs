//! IPTC NewsML-G2 (`newsItem`, `newsMessage`) and NITF 3.x readers, on the entity-safe
//! element tree in [`crate::xml`].
//!
//! NewsML-G2 text items carry their body as NITF or XHTML in `inlineXML`, or as text in
//! `inlineData`; the headline is `contentMeta/headline`, else the NITF `hl1` or XHTML `title`.
//! An `inlineXML` holding only a comment placeholder is no body. Items that are not text (pictures, video, concepts, planning) yield no story
//! and a warning; a package or knowledge item alone yields an empty document.
//!
//! NewsML 1.x (`NewsML`/`NewsItem`) is read for the same fields: the story id from the
//! `NewsIdentifier` (without the revision, which becomes the version), the first headline,
//! and the body of the `Body` component (NITF, XHTML or plain text).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use wirefeed_model::{ItemFormat, RawItem, Text};

use crate::dates::parse_date;
use crate::document::{Document, Entry, FeedMeta, FetchError, Format, PollHints};
use crate::xml::{self, Element};

fn empty(format: Format, warnings: Vec<String>) -> Document {
    Document {
        format,
        encoding: "UTF-8",
        feed: FeedMeta::default(),
        entries: Vec::new(),
        warnings,
        validation: Vec::new(),
        hints: PollHints::default(),
    }
}

/// Dates as text; unreadable ones are collected for one warning per document.
struct Dates(Vec<String>);

impl Dates {
    fn read(&mut self, raw: Option<String>) -> Option<DateTime<Utc>> {
        let raw = raw.filter(|s| !s.is_empty())?;
        let d = parse_date(&raw);
        if d.is_none() {
            self.0.push(raw);
        }
        d
    }

    fn warn(self, doc: &mut Document) {
        if let Some(first) = self.0.first() {
            doc.warnings.push(format!(
                "{} unreadable dates (first: {first:?}); those fields fall back to the fetch time",
                self.0.len()
            ));
        }
    }
}

pub(crate) fn read_newsml(
    text: &str,
    source: &Arc<str>,
    now: DateTime<Utc>,
) -> Result<Document, FetchError> {
    let mut warnings = Vec::new();
    let root = xml::parse(text, &mut warnings).map_err(FetchError::Parse)?;
    let mut doc = empty(Format::NewsmlG2, warnings);
    let mut items = Vec::new();
    if root.name == "newsItem" {
        items.push(&root);
    } else {
        root.find_all("newsItem", &mut items);
    }
    let mut dates = Dates(Vec::new());
    let mut non_text = 0;
    for ni in items {
        match news_item(ni, source, now, &mut dates) {
            Some(e) => doc.entries.push(e),
            None => non_text += 1,
        }
    }
    if non_text > 0 {
        doc.warnings.push(format!(
            "{non_text} NewsML-G2 items without text content skipped (pictures, video, …)"
        ));
    }
    if doc.entries.is_empty() && non_text == 0 {
        doc.warnings
            .push(format!("NewsML-G2 {} carries no news items", root.name));
    }
    dates.warn(&mut doc);
    Ok(doc)
}

fn news_item(
    ni: &Element,
    source: &Arc<str>,
    now: DateTime<Utc>,
    dates: &mut Dates,
) -> Option<Entry> {
    let meta = ni.child("itemMeta");
    let content_meta = ni.child("contentMeta");
    let class = meta
        .and_then(|m| m.child("itemClass"))
        .and_then(|c| c.attr("qcode"))
        .unwrap_or("");
    let body = ni.child("contentSet").and_then(body_of);
    let headline = content_meta
        .and_then(|c| c.child("headline"))
        .map(Element::text)
        .filter(|s| !s.is_empty())
        .or_else(|| body.as_ref().and_then(|b| b.1.clone()));
    let is_text = class.is_empty() || class.ends_with(":text") || class.ends_with(":composite");
    if !is_text || (body.is_none() && headline.is_none()) {
        return None;
    }
    let mut item = RawItem::new(source.clone(), ItemFormat::NewsmlG2);
    item.fetched_at = now;
    item.guid = ni.attr("guid").map(str::to_string);
    item.version = ni.attr("version").and_then(|v| v.trim().parse().ok());
    item.title = headline;
    item.language = ni.attr("lang").map(str::to_string);
    let mut entry_located = None;
    if let Some(cm) = content_meta {
        item.summary = cm
            .children_named("description")
            .map(Element::text)
            .find(|s| !s.is_empty())
            .map(Text::plain);
        item.published = dates.read(
            cm.child("contentCreated")
                .or_else(|| meta.and_then(|m| m.child("firstCreated")))
                .map(Element::text),
        );
        if let Some(l) = cm.child("language").and_then(|l| l.attr("tag")) {
            item.language = Some(l.to_string());
        }
        for by in cm.children_named("by") {
            item.authors.push(by.text());
        }
        if item.authors.is_empty() {
            for c in cm.children_named("creator") {
                if let Some(n) = c.child("name") {
                    item.authors.push(n.text());
                }
            }
        }
        for s in cm.children_named("subject") {
            let name = s.child("name").map(Element::text);
            if let Some(v) = name.or_else(|| s.attr("qcode").map(str::to_string)) {
                item.categories.push(v);
            }
        }
        entry_located = cm
            .child("located")
            .map(|l| l.child("name").map(Element::text).unwrap_or_default())
            .filter(|s| !s.is_empty())
            .or_else(|| {
                cm.child("located")
                    .and_then(|l| l.attr("qcode"))
                    .map(str::to_string)
            });
    }
    item.updated = dates.read(
        meta.and_then(|m| m.child("versionCreated"))
            .map(Element::text),
    );
    if item.published.is_none() {
        item.published = dates.read(
            meta.and_then(|m| m.child("firstCreated"))
                .map(Element::text),
        );
    }
    if let Some((b, _, byline)) = body {
        item.content = Some(b);
        if item.authors.is_empty() {
            item.authors.extend(byline);
        }
    }
    let mut entry = Entry::new(item);
    entry.located = entry_located;
    entry.pub_status = meta
        .and_then(|m| m.child("pubStatus"))
        .and_then(|p| p.attr("qcode"))
        .map(|q| q.rsplit(':').next().unwrap_or(q).to_string());
    Some(entry)
}

/// The body of a `contentSet`: (body, NITF `hl1` or XHTML `title` headline, NITF byline).
fn body_of(set: &Element) -> Option<(Text, Option<String>, Option<String>)> {
    for c in set.elements() {
        let ct = c.attr("contenttype").unwrap_or("");
        match &*c.name {
            "inlineXML" => {
                if let Some(nitf) = c.find("nitf") {
                    let (body, hl, by) = nitf_body(nitf);
                    if let Some(b) = body {
                        return Some((b, hl, by));
                    }
                } else if let Some(body) = c.find("body") {
                    // An item without `contentMeta` has only the XHTML `head/title` to name it.
                    let title = c
                        .find("head")
                        .and_then(|h| h.child("title"))
                        .map(Element::text)
                        .filter(|t| !t.is_empty());
                    let html = body.inner_html();
                    if !html.is_empty() {
                        return Some((Text::html(html), title, None));
                    }
                } else if ct.contains("html") {
                    // A comment-only placeholder ("Story text") is no body.
                    let html = c.inner_html();
                    if !html.is_empty() {
                        return Some((Text::html(html), None, None));
                    }
                }
            }
            "inlineData" => {
                let t = c.text();
                if !t.is_empty() {
                    let text = if ct.contains("html") {
                        Text::html(t)
                    } else {
                        Text::plain(c.own_text())
                    };
                    return Some((text, None, None));
                }
            }
            _ => {}
        }
    }
    None
}

/// (body.content as HTML, hl1, byline) of an `<nitf>` element.
fn nitf_body(nitf: &Element) -> (Option<Text>, Option<String>, Option<String>) {
    let body = nitf.child("body");
    let head = body.and_then(|b| b.child("body.head"));
    let hl = head
        .and_then(|h| h.find("hl1"))
        .map(Element::text)
        .filter(|s| !s.is_empty());
    let by = head
        .and_then(|h| h.child("byline"))
        .map(|b| {
            // "By Jane Doe, <byttl>Staff</byttl>": the person, not the title.
            let own = b.own_text();
            let own = own.trim_end_matches(',').trim();
            let own = own
                .strip_prefix("By ")
                .or(own.strip_prefix("BY "))
                .unwrap_or(own);
            own.to_string()
        })
        .filter(|s| !s.is_empty());
    let content = body
        .and_then(|b| b.child("body.content"))
        .map(|c| Text::html(c.inner_html()))
        .filter(|t| !t.value.is_empty());
    (content, hl, by)
}

pub(crate) fn read_nitf(
    text: &str,
    source: &Arc<str>,
    now: DateTime<Utc>,
) -> Result<Document, FetchError> {
    let mut warnings = Vec::new();
    let root = xml::parse(text, &mut warnings).map_err(FetchError::Parse)?;
    let mut doc = empty(Format::Nitf, warnings);
    let mut dates = Dates(Vec::new());
    let head = root.child("head");
    let docdata = head.and_then(|h| h.child("docdata"));
    let (body, hl, by) = nitf_body(&root);
    let title = hl.or_else(|| head.and_then(|h| h.child("title")).map(Element::text));
    if body.is_none() && title.is_none() {
        return Err(FetchError::Parse(
            "NITF document has neither headline nor body".into(),
        ));
    }
    let mut item = RawItem::new(source.clone(), ItemFormat::Nitf);
    item.fetched_at = now;
    item.title = title;
    item.content = body;
    item.authors.extend(by);
    item.guid = docdata
        .and_then(|d| d.child("doc-id"))
        .and_then(|d| d.attr("id-string"))
        .map(str::to_string);
    item.version = docdata
        .and_then(|d| d.child("du-key"))
        .and_then(|d| d.attr("version"))
        .and_then(|v| v.trim().parse().ok());
    item.published = dates.read(
        docdata
            .and_then(|d| d.child("date.issue"))
            .and_then(|d| d.attr("norm"))
            .map(str::to_string),
    );
    item.language = root.attr("lang").map(str::to_string);
    if let Some(h) = head {
        let mut subjects = Vec::new();
        h.find_all("tobject.subject", &mut subjects);
        for s in subjects {
            if let Some(v) = s
                .attr("tobject.subject.matter")
                .or(s.attr("tobject.subject.type"))
                .or(s.attr("tobject.subject.refnum"))
            {
                item.categories.push(v.to_string());
            }
        }
    }
    item.summary = root
        .find("abstract")
        .map(Element::text)
        .filter(|s| !s.is_empty())
        .map(Text::plain);
    let located = root
        .find("dateline")
        .and_then(|d| d.child("location"))
        .map(Element::text)
        .filter(|s| !s.is_empty());
    let mut entry = Entry::new(item);
    entry.located = located;
    doc.entries.push(entry);
    dates.warn(&mut doc);
    Ok(doc)
}

/// NewsML 1.x: one entry per text `NewsItem`.
pub(crate) fn read_newsml1(
    text: &str,
    source: &Arc<str>,
    now: DateTime<Utc>,
) -> Result<Document, FetchError> {
    let mut warnings = Vec::new();
    let root = xml::parse(text, &mut warnings).map_err(FetchError::Parse)?;
    let mut doc = empty(Format::Newsml1, warnings);
    let mut items = Vec::new();
    if root.name == "NewsItem" {
        items.push(&root);
    } else {
        root.find_all("NewsItem", &mut items);
    }
    let mut dates = Dates(Vec::new());
    let mut non_text = 0;
    for ni in items {
        match newsml1_item(ni, source, now, &mut dates) {
            Some(e) => doc.entries.push(e),
            None => non_text += 1,
        }
    }
    if non_text > 0 {
        doc.warnings.push(format!(
            "{non_text} NewsML 1.x items without a headline or text body skipped"
        ));
    }
    dates.warn(&mut doc);
    Ok(doc)
}

fn newsml1_item(
    ni: &Element,
    source: &Arc<str>,
    now: DateTime<Utc>,
    dates: &mut Dates,
) -> Option<Entry> {
    let ident = ni
        .child("Identification")
        .and_then(|i| i.child("NewsIdentifier"));
    let part = |n: &str| {
        ident
            .and_then(|i| i.child(n))
            .map(Element::text)
            .filter(|s| !s.is_empty())
    };
    let revision = part("RevisionId");
    // The public identifier ends with the revision; the story id must not change with it.
    let guid = match (part("ProviderId"), part("DateId"), part("NewsItemId")) {
        (Some(p), Some(d), Some(i)) => Some(format!("urn:newsml:{p}:{d}:{i}")),
        _ => part("PublicIdentifier"),
    };
    let component = ni.child("NewsComponent");
    let headline = component
        .and_then(|c| {
            let mut lines = Vec::new();
            c.find_all("HeadLine", &mut lines);
            lines.into_iter().map(Element::text).find(|s| !s.is_empty())
        })
        .or_else(|| {
            ident
                .and_then(|_| ni.child("Identification")?.child("NameLabel"))
                .map(Element::text)
        });
    let body = component.and_then(|c| newsml1_body(c, true).or_else(|| newsml1_body(c, false)));
    if body.is_none() && headline.is_none() {
        return None;
    }
    let mut item = RawItem::new(source.clone(), ItemFormat::Newsml1);
    item.fetched_at = now;
    item.guid = guid;
    item.version = revision.and_then(|r| r.trim().parse().ok());
    item.title = headline;
    item.language = ni.attr("lang").map(str::to_string).or_else(|| {
        component
            .and_then(|c| c.find("Language"))
            .and_then(|l| l.attr("FormalName"))
            .map(str::to_string)
    });
    let mgmt = ni.child("NewsManagement");
    let when = |n: &str| mgmt.and_then(|m| m.child(n)).map(Element::text);
    item.published = dates.read(when("FirstCreated"));
    item.updated = dates.read(when("ThisRevisionCreated"));
    let mut byline = None;
    if let Some((b, hl, by)) = body {
        item.content = Some(b);
        if item.title.is_none() {
            item.title = hl;
        }
        byline = by;
    }
    if let Some(c) = component {
        let mut creators = Vec::new();
        c.find_all("Creator", &mut creators);
        for cr in creators {
            for p in cr.children_named("Party") {
                if let Some(n) = p
                    .attr("FormalName")
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                {
                    item.authors.push(n.to_string());
                }
            }
        }
        let mut codes = Vec::new();
        c.find_all("SubjectCode", &mut codes);
        for code in codes {
            for s in code.elements() {
                if let Some(v) = s.attr("FormalName") {
                    item.categories.push(v.to_string());
                }
            }
        }
    }
    if item.authors.is_empty() {
        item.authors.extend(byline);
    }
    let mut entry = Entry::new(item);
    entry.pub_status = mgmt
        .and_then(|m| m.child("Status"))
        .and_then(|s| s.attr("FormalName"))
        .map(str::to_ascii_lowercase);
    entry.located = component
        .and_then(|c| c.find("Location"))
        .and_then(|l| {
            l.children_named("Property")
                .find(|p| p.attr("FormalName") == Some("City"))
                .or_else(|| l.child("Property"))
        })
        .and_then(|p| p.attr("Value"))
        .map(str::to_string);
    Some(entry)
}

/// The text body of a NewsML 1.x component tree: with `body_role`, only inside a component
/// whose `Role` is `Body`; otherwise the first text content outside headline, style-sheet
/// and media components. Returns (body, NITF headline, NITF byline).
fn newsml1_body(c: &Element, body_role: bool) -> Option<(Text, Option<String>, Option<String>)> {
    let role = c
        .child("Role")
        .and_then(|r| r.attr("FormalName"))
        .unwrap_or("");
    let skip = matches!(
        role,
        "HeadLine" | "SubHeadLine" | "StyleSheet" | "Logo" | "Photo" | "Video" | "Caption"
    );
    if !skip && (!body_role || role.eq_ignore_ascii_case("body")) {
        for ci in c.children_named("ContentItem") {
            let Some(data) = ci.child("DataContent") else {
                continue;
            };
            let mime = ci
                .child("MimeType")
                .and_then(|m| m.attr("FormalName"))
                .unwrap_or("");
            if !(mime.is_empty() || mime.starts_with("text/") || mime.contains("xml"))
                || mime == "text/css"
            {
                continue;
            }
            if let Some(nitf) = data.find("nitf") {
                let (body, hl, by) = nitf_body(nitf);
                if let Some(b) = body {
                    return Some((b, hl, by));
                }
            } else if let Some(body) = data.find("body") {
                let html = body.inner_html();
                if !html.is_empty() {
                    return Some((Text::html(html), None, None));
                }
            } else if data.elements().next().is_some() {
                return Some((Text::html(data.inner_html()), None, None));
            } else {
                let t = data.own_text();
                if !t.is_empty() {
                    return Some((Text::plain(t), None, None));
                }
            }
        }
    }
    if skip {
        return None;
    }
    c.children_named("NewsComponent")
        .find_map(|sub| newsml1_body(sub, body_role))
}
