//! Spec checks for RSS and Atom, the errors the W3C feed validator reports most: missing
//! required elements, duplicates of once-only elements, dates that break RFC 822/RFC 3339,
//! malformed URLs, ids, emails, languages, numbers and enclosure attributes.
//!
//! Why hand-rolled: no maintained Rust crate validates feeds, and parsing (feed-rs) is
//! deliberately lenient. These findings never stop a document; they go to
//! [`Document::validation`](crate::Document::validation) so an operator can tell a
//! publisher their feed is broken. Extension elements (any prefix) are checked only where
//! their meaning is unambiguous (URLs, emails, dates).

use crate::xml::Element;

/// At most this many findings per document are kept (the rest are counted).
const MAX_FINDINGS: usize = 10;

struct Findings {
    list: Vec<String>,
    more: usize,
}

impl Findings {
    fn add(&mut self, msg: String) {
        if self.list.len() < MAX_FINDINGS {
            if !self.list.contains(&msg) {
                self.list.push(msg);
            }
        } else {
            self.more += 1;
        }
    }
}

/// Spec violations of an RSS or Atom document, as one line each.
pub(crate) fn validate(root: &Element) -> Vec<String> {
    let mut f = Findings {
        list: Vec::new(),
        more: 0,
    };
    match root.name.as_str() {
        "rss" => rss(root, &mut f),
        "RDF" => rdf(root, &mut f),
        "feed" => atom_feed(root, &mut f),
        "entry" => atom_entry(root, false, &mut f),
        other => f.add(format!("unknown root element <{other}>")),
    }
    walk(root, "", &mut f);
    if f.more > 0 {
        f.list
            .push(format!("… and {} more spec violations", f.more));
    }
    f.list
}

fn core<'a>(e: &'a Element, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
    e.elements()
        .filter(move |c| c.prefix.is_empty() && c.name == name)
}

fn require(e: &Element, names: &[&str], f: &mut Findings) {
    for n in names {
        if core(e, n).next().is_none() {
            f.add(format!("<{}> has no <{n}>", e.name));
        }
    }
}

fn once(e: &Element, names: &[&str], f: &mut Findings) {
    for n in names {
        if core(e, n).nth(1).is_some() {
            f.add(format!("<{}> has more than one <{n}>", e.name));
        }
    }
}

/// Prefixed (extension) elements that may repeat; any other extension element twice in
/// one parent is a duplicate.
const REPEATABLE_EXT: &[&str] = &[
    "subject",
    "creator",
    "contributor",
    "category",
    "content",
    "thumbnail",
    "link",
    "keywords",
    "credit",
    "group",
    "li",
    "Seq",
    "item",
    "entry",
    "restriction",
    "license",
    "source",
    "relation",
    "hasPart",
    "isPartOf",
    "identifier",
    "coverage",
    "type",
    "format",
    "rights",
    "related",
    "in-reply-to",
    "tag",
    "title",
    "text",
    "description",
    "image",
    "comment",
    "label",
    "payment_accepted",
    "about",
    "alternative",
];

fn duplicate_ext(e: &Element, f: &mut Findings) {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for c in e.elements().filter(|c| !c.prefix.is_empty()) {
        let key = (c.prefix.as_str(), c.name.as_str());
        if REPEATABLE_EXT.contains(&key.1) {
            continue;
        }
        if seen.contains(&key) {
            f.add(format!(
                "<{}> has more than one <{}:{}>",
                e.name, key.0, key.1
            ));
        } else {
            seen.push(key);
        }
    }
}

fn rss(root: &Element, f: &mut Findings) {
    let channels: Vec<_> = core(root, "channel").collect();
    if channels.len() > 1 {
        f.add("<rss> has more than one <channel>".into());
    }
    let Some(ch) = channels.first() else {
        f.add("<rss> has no <channel>".into());
        return;
    };
    require(ch, &["title", "link", "description"], f);
    channel_common(ch, f);
    for item in core(ch, "item") {
        rss_item(item, f);
    }
}

fn rdf(root: &Element, f: &mut Findings) {
    let channels: Vec<_> = core(root, "channel").collect();
    if channels.len() > 1 {
        f.add("<rdf:RDF> has more than one <channel>".into());
    }
    let Some(ch) = channels.first() else {
        f.add("<rdf:RDF> has no <channel>".into());
        return;
    };
    require(ch, &["title", "link", "description"], f);
    channel_common(ch, f);
    for item in core(root, "item") {
        require(item, &["title", "link"], f);
        rss_item(item, f);
    }
}

fn channel_common(ch: &Element, f: &mut Findings) {
    once(
        ch,
        &[
            "title",
            "link",
            "description",
            "language",
            "copyright",
            "managingEditor",
            "webMaster",
            "pubDate",
            "lastBuildDate",
            "docs",
            "ttl",
            "image",
            "textInput",
            "textinput",
            "skipHours",
            "skipDays",
            "generator",
            "rating",
            "cloud",
        ],
        f,
    );
    duplicate_ext(ch, f);
    // RSS 1.0 channels only point at the image and text input (`rdf:resource`).
    let reference = |e: &&Element| e.attr("resource").is_none();
    if let Some(img) = core(ch, "image").find(reference) {
        require(img, &["url", "title", "link"], f);
        once(
            img,
            &["url", "title", "link", "width", "height", "description"],
            f,
        );
        for (n, max) in [("width", 144), ("height", 400)] {
            if let Some(v) = core(img, n).next() {
                match v.text().parse::<u32>() {
                    Ok(x) if x <= max => {}
                    _ => f.add(format!("<image><{n}> is not an integer up to {max}")),
                }
            }
        }
    }
    for ti in core(ch, "textInput")
        .chain(core(ch, "textinput"))
        .filter(reference)
    {
        require(ti, &["title", "description", "name", "link"], f);
        once(ti, &["title", "description", "name", "link"], f);
    }
    if let Some(t) = core(ch, "ttl").next() {
        if t.text().parse::<u64>().is_err() {
            f.add(format!(
                "<ttl> {:?} is not a non-negative integer",
                t.text()
            ));
        }
    }
    if let Some(h) = core(ch, "skipHours").next() {
        if core(h, "hour").next().is_none() {
            f.add("<skipHours> has no <hour>".into());
        }
        for hour in core(h, "hour") {
            if !hour.text().parse::<u8>().is_ok_and(|x| x < 24) {
                f.add(format!("<hour> {:?} is not 0–23", hour.text()));
            }
        }
    }
    if let Some(d) = core(ch, "skipDays").next() {
        if core(d, "day").next().is_none() {
            f.add("<skipDays> has no <day>".into());
        }
        const DAYS: [&str; 7] = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        for day in core(d, "day") {
            if !DAYS.contains(&day.text().as_str()) {
                f.add(format!("<day> {:?} is not a day name", day.text()));
            }
        }
    }
    for n in ["managingEditor", "webMaster"] {
        for c in core(ch, n) {
            contact(&c.text(), n, f);
        }
    }
}

fn rss_item(item: &Element, f: &mut Findings) {
    if core(item, "title").next().is_none() && core(item, "description").next().is_none() {
        f.add("<item> has neither <title> nor <description>".into());
    }
    once(
        item,
        &[
            "title",
            "link",
            "description",
            "author",
            "comments",
            "guid",
            "pubDate",
            "source",
        ],
        f,
    );
    duplicate_ext(item, f);
    for a in core(item, "author") {
        contact(&a.text(), "author", f);
    }
    for enc in core(item, "enclosure") {
        for a in ["url", "length", "type"] {
            if enc.attr(a).is_none() {
                f.add(format!("<enclosure> has no {a} attribute"));
            }
        }
        if let Some(l) = enc.attr("length") {
            if l.trim().parse::<u64>().is_err() {
                f.add(format!("<enclosure> length {l:?} is not an integer"));
            }
        }
        if let Some(t) = enc.attr("type") {
            mime(t, "enclosure", f);
        }
    }
    for g in core(item, "guid") {
        if g.attr("isPermaLink").is_none_or(|p| p == "true") {
            full_url(&g.text(), "guid (a permalink)", f);
        } else if !matches!(g.attr("isPermaLink"), Some("false")) {
            f.add("<guid> isPermaLink is neither true nor false".into());
        }
    }
    for s in core(item, "source") {
        match s.attr("url") {
            Some(u) => full_url(u, "source url", f),
            None => f.add("<source> has no url attribute".into()),
        }
    }
}

fn atom_feed(feed: &Element, f: &mut Findings) {
    require(feed, &["id", "title", "updated"], f);
    once(
        feed,
        &[
            "id",
            "title",
            "subtitle",
            "updated",
            "rights",
            "icon",
            "logo",
            "generator",
        ],
        f,
    );
    duplicate_ext(feed, f);
    atom_common(feed, f);
    let feed_author = core(feed, "author").next().is_some();
    for e in core(feed, "entry") {
        atom_entry(e, feed_author, f);
    }
}

fn atom_entry(e: &Element, feed_author: bool, f: &mut Findings) {
    require(e, &["id", "title", "updated"], f);
    once(
        e,
        &[
            "id",
            "title",
            "updated",
            "published",
            "summary",
            "content",
            "rights",
            "source",
        ],
        f,
    );
    duplicate_ext(e, f);
    let has_source_author = core(e, "source").any(|s| core(s, "author").next().is_some());
    if !feed_author && !has_source_author && core(e, "author").next().is_none() {
        f.add("<entry> has no <author> and neither has its feed".into());
    }
    atom_common(e, f);
    for src in core(e, "source") {
        once(
            src,
            &[
                "id",
                "title",
                "subtitle",
                "updated",
                "rights",
                "icon",
                "logo",
                "generator",
            ],
            f,
        );
        atom_common(src, f);
    }
    if let Some(c) = core(e, "content").next() {
        if c.attr("src").is_some() && core(e, "summary").next().is_none() {
            f.add("<entry> has out-of-line <content src> but no <summary>".into());
        }
    }
}

fn atom_common(e: &Element, f: &mut Findings) {
    for n in ["updated", "published"] {
        for d in core(e, n) {
            rfc3339(&d.text(), n, f);
        }
    }
    for id in core(e, "id") {
        uri_id(&id.text(), f);
    }
    // Atom's URI and date elements allow no surrounding whitespace.
    for n in ["id", "updated", "published", "icon", "logo"] {
        for c in core(e, n) {
            untrimmed(c, f);
        }
    }
    for p in core(e, "author").chain(core(e, "contributor")) {
        require(p, &["name"], f);
        once(p, &["name", "uri", "email"], f);
        for m in core(p, "email") {
            email(&m.text(), "email", f);
        }
        for u in core(p, "uri") {
            untrimmed(u, f);
        }
    }
    for c in core(e, "category") {
        if c.attr("term").is_none() {
            f.add("<category> has no term attribute".into());
        }
    }
    let mut alternates: Vec<(Option<&str>, Option<&str>)> = Vec::new();
    for l in core(e, "link") {
        if l.attr("href").is_none() {
            f.add("<link> has no href attribute".into());
        }
        if let Some(t) = l.attr("type") {
            mime(t, "link", f);
        }
        if let Some(n) = l.attr("length") {
            if n.trim().parse::<u64>().is_err() {
                f.add(format!("<link> length {n:?} is not an integer"));
            }
        }
        if l.attr("rel").is_none_or(|r| r == "alternate") {
            let key = (l.attr("type"), l.attr("hreflang"));
            if alternates.contains(&key) {
                f.add("two alternate <link>s with the same type and hreflang".into());
            }
            alternates.push(key);
        }
    }
    for n in ["title", "subtitle", "summary", "content", "rights"] {
        for t in core(e, n) {
            match t.attr("type") {
                None | Some("text" | "html") => {}
                Some("xhtml") => {
                    if !t.elements().any(|c| c.name == "div") {
                        f.add(format!("<{n} type=\"xhtml\"> has no xhtml <div>"));
                    }
                }
                Some(other) if n == "content" => mime(other, "content", f),
                Some(other) => f.add(format!("<{n}> type {other:?} is not text/html/xhtml")),
            }
        }
    }
}

fn untrimmed(e: &Element, f: &mut Findings) {
    let raw: String = e
        .children
        .iter()
        .filter_map(|n| match n {
            crate::xml::Node::Text(t) => Some(t.as_str()),
            crate::xml::Node::Element(_) => None,
        })
        .collect();
    if raw.trim() != raw {
        f.add(format!("<{}> has whitespace around its value", e.name));
    }
}

/// Checks every element and attribute whose meaning does not depend on the format.
fn walk(e: &Element, parent: &str, f: &mut Findings) {
    let text = || e.text();
    match (e.prefix.as_str(), e.name.as_str()) {
        ("", "pubDate" | "lastBuildDate") => rfc822(&text(), &e.name, f),
        ("dc" | "dcterms", "date" | "modified" | "created" | "issued") => {
            w3cdtf(&text(), &e.name, f)
        }
        ("", "link")
            if !matches!(parent, "feed" | "entry" | "source") && e.attr("href").is_none() =>
        {
            full_url(&text(), "link", f)
        }
        ("", "url" | "docs" | "comments") => full_url(&text(), &e.name, f),
        ("", "language") | ("dc", "language") => language(&text(), f),
        (_, "email") => email(&text(), "email", f),
        ("", "uri" | "icon" | "logo") => uri(&text(), &e.name, f),
        (_, "expires") => rfc3339(&text(), &e.name, f),
        (_, "license" | "ping" | "origLink" | "origEnclosureLink" | "awareness")
            if !text().is_empty() =>
        {
            full_url(&text(), &e.name, f)
        }
        (_, n) if INTEGERS.contains(&n) => integer(&text(), n, f),
        _ => {}
    }
    for (k, v) in &e.attrs {
        match k.as_str() {
            "href" | "src" | "resource" | "about" | "base" => uri(v, k, f),
            // Atom category schemes and link relations name vocabularies: absolute IRIs.
            "scheme" => full_url(v, "scheme", f),
            "url" => full_url(v, "url attribute", f),
            "lang" | "hreflang" if !v.is_empty() => language(v, f),
            "when" | "since" | "until" => rfc3339(v, k, f),
            "length" | "updates" | "fileSize" | "bitrate" | "duration" | "width" | "height"
                if e.prefix != "g" =>
            {
                integer(v, k, f)
            }
            _ => {}
        }
    }
    for c in e.elements() {
        walk(c, &e.name, f);
    }
}

/// Elements whose value is a non-negative integer in every vocabulary that uses the name
/// (RSS image, OpenSearch, Atom threading, FeedSync, iTunes).
const INTEGERS: &[&str] = &[
    "width",
    "height",
    "totalResults",
    "startIndex",
    "itemsPerPage",
    "total",
    "count",
    "sequence",
    "season",
    "episode",
];

fn integer(v: &str, what: &str, f: &mut Findings) {
    if v.trim().parse::<u64>().is_err() {
        f.add(format!(
            "{what} {:?} is not a non-negative integer",
            v.trim()
        ));
    }
}

fn bad_uri_char(s: &str) -> Option<char> {
    s.chars().find(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`')
    })
}

/// A URI reference (relative allowed, as Atom and `xml:base` allow).
fn uri(v: &str, what: &str, f: &mut Findings) {
    let v = v.trim();
    if let Some(c) = bad_uri_char(v) {
        f.add(format!(
            "{what} {v:?} has a character not allowed in a URI ({c:?})"
        ));
        return;
    }
    let base = url::Url::parse("http://base.invalid/").ok();
    if url::Url::options()
        .base_url(base.as_ref())
        .parse(v)
        .is_err()
    {
        f.add(format!("{what} {v:?} is not a URI"));
    }
}

/// An absolute URL, as RSS requires for links.
fn full_url(v: &str, what: &str, f: &mut Findings) {
    let v = v.trim();
    if let Some(c) = bad_uri_char(v) {
        f.add(format!(
            "{what} {v:?} has a character not allowed in a URL ({c:?})"
        ));
        return;
    }
    match url::Url::parse(v) {
        Ok(u) if !u.cannot_be_a_base() || matches!(u.scheme(), "mailto" | "urn" | "tag") => {}
        _ => f.add(format!("{what} {v:?} is not a full URL")),
    }
}

/// Atom ids: an absolute IRI; `tag:` and `urn:` by their own grammars.
fn uri_id(v: &str, f: &mut Findings) {
    let v = v.trim();
    if let Some(rest) = v.strip_prefix("tag:") {
        // tag:authority,date:specific (RFC 4151)
        let ok = rest.split_once(',').is_some_and(|(auth, tail)| {
            !auth.is_empty()
                && !auth.contains(' ')
                && tail.split_once(':').is_some_and(|(date, _)| {
                    let d: Vec<&str> = date.split('-').collect();
                    !d.is_empty()
                        && d.len() <= 3
                        && d[0].len() == 4
                        && d.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
                        && d[1..].iter().all(|p| p.len() == 2)
                })
        });
        if !ok {
            f.add(format!("id {v:?} is not a valid tag: URI"));
        }
    } else if let Some(rest) = v.strip_prefix("urn:") {
        let ok = rest.split_once(':').is_some_and(|(nid, nss)| {
            !nid.is_empty()
                && nid.len() <= 32
                && nid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !nss.is_empty()
                && bad_uri_char(nss).is_none()
        });
        if !ok {
            f.add(format!("id {v:?} is not a valid urn: URI"));
        }
    } else {
        full_url(v, "id", f);
    }
}

fn rfc3339(v: &str, what: &str, f: &mut Findings) {
    let v = v.trim();
    let strict = v.len() > 10 && matches!(v.as_bytes()[10], b'T' | b't');
    if !strict || chrono::DateTime::parse_from_rfc3339(v).is_err() {
        f.add(format!("<{what}> {v:?} is not an RFC 3339 date"));
    }
}

fn rfc822(v: &str, what: &str, f: &mut Findings) {
    if chrono::DateTime::parse_from_rfc2822(v.trim()).is_err() {
        f.add(format!("<{what}> {:?} is not an RFC 822 date", v.trim()));
    }
}

/// W3C-DTF (the ISO 8601 profile Dublin Core uses): a year, year-month, date, or a full
/// RFC 3339 date-time (minutes-only times are allowed).
fn w3cdtf(v: &str, what: &str, f: &mut Findings) {
    let v = v.trim();
    let ok = match v.len() {
        4 => chrono::NaiveDate::parse_from_str(&format!("{v}-01-01"), "%Y-%m-%d").is_ok(),
        7 => chrono::NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d").is_ok(),
        10 => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
        _ => {
            let with_secs = |s: &str| {
                // 2003-12-13T18:30Z / +01:00 — no seconds.
                if s.len() > 16 && s.as_bytes().get(16) != Some(&b':') {
                    format!("{}:00{}", &s[..16], &s[16..])
                } else {
                    s.to_string()
                }
            };
            v.len() > 10
                && v.as_bytes()[10] == b'T'
                && chrono::DateTime::parse_from_rfc3339(&with_secs(v)).is_ok()
        }
    };
    if !ok {
        f.add(format!("<{what}> {v:?} is not a W3C-DTF date"));
    }
}

fn addr_spec_ok(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '(' | ')' | ',' | ';'))
}

fn email(v: &str, what: &str, f: &mut Findings) {
    let v = v.trim();
    let v = v.strip_prefix("mailto:").unwrap_or(v);
    if !addr_spec_ok(v) {
        f.add(format!("{what} {v:?} is not an email address"));
    }
}

/// RSS contacts: `email`, `email (Name)`.
fn contact(v: &str, what: &str, f: &mut Findings) {
    let v = v.trim();
    let addr = v.split_once(' ').map(|(a, _)| a).unwrap_or(v);
    let named_ok = v
        .split_once(' ')
        .is_none_or(|(_, rest)| rest.trim().starts_with('(') && rest.trim().ends_with(')'));
    if !addr_spec_ok(addr) || !named_ok {
        f.add(format!(
            "<{what}> {v:?} is not an email address (optionally with \"(Name)\")"
        ));
    }
}

/// BCP 47 shape: a 1–8 letter primary subtag, then 1–8 alphanumeric subtags.
fn language(v: &str, f: &mut Findings) {
    let v = v.trim();
    let mut parts = v.split('-');
    let ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()))
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !ok {
        f.add(format!("language {v:?} is not a language tag"));
    }
}

fn mime(v: &str, what: &str, f: &mut Findings) {
    let v = v.split(';').next().unwrap_or("").trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    if !v.split_once('/').is_some_and(|(a, b)| token(a) && token(b)) {
        f.add(format!("<{what}> type {v:?} is not a MIME type"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(xml: &str) -> Vec<String> {
        let mut w = Vec::new();
        validate(&crate::xml::parse(xml, &mut w).expect("xml"))
    }

    #[test]
    fn a_valid_rss_feed_has_no_findings() {
        let v = check(
            r#"<rss version="2.0"><channel><title>T</title><link>http://example.org/</link>
            <description>D</description><language>en-us</language>
            <pubDate>Sat, 07 Sep 2002 00:00:01 GMT</pubDate>
            <item><title>A</title><guid isPermaLink="false">x1</guid>
            <enclosure url="http://example.org/a.mp3" length="12" type="audio/mpeg"/></item>
            </channel></rss>"#,
        );
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn rss_violations_are_named() {
        let v = check(
            r#"<rss version="2.0"><channel><title>T</title><title>U</title>
            <pubDate>yesterday</pubDate><managingEditor>Joe</managingEditor>
            <item><enclosure url="http://example.org/a b"/></item></channel></rss>"#,
        )
        .join("\n");
        for want in [
            "<channel> has no <link>",
            "<channel> has no <description>",
            "more than one <title>",
            "not an RFC 822 date",
            "not an email address",
            "neither <title> nor <description>",
            "<enclosure> has no length attribute",
            "character not allowed",
        ] {
            assert!(v.contains(want), "{want} missing from:\n{v}");
        }
    }

    #[test]
    fn atom_violations_are_named() {
        let v = check(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
            <id>tag:example.org,20a:1</id><updated>2003-12-13 18:30:02Z</updated>
            <entry><title>E</title><id>urn:uuid:1</id><updated>2003-12-13T18:30:02Z</updated>
            <link/></entry></feed>"#,
        )
        .join("\n");
        for want in [
            "not a valid tag: URI",
            "not an RFC 3339 date",
            "<link> has no href",
            "<entry> has no <author>",
        ] {
            assert!(v.contains(want), "{want} missing from:\n{v}");
        }
    }

    #[test]
    fn a_valid_atom_feed_has_no_findings() {
        let v = check(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
            <id>tag:example.org,2003:3</id><updated>2003-12-13T18:30:02Z</updated>
            <author><name>A</name><email>a@example.org</email></author>
            <link rel="alternate" type="text/html" href="/x"/>
            <entry><title>E</title><id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
            <updated>2003-12-13T18:30:02+01:00</updated>
            <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">x</div></content>
            </entry></feed>"#,
        );
        assert!(v.is_empty(), "{v:?}");
    }
}
