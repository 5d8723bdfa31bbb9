//! Spec checks for RSS and Atom, the errors the W3C feed validator reports most: missing
//! required elements, duplicates of once-only elements, dates that break RFC 822/RFC 3339,
//! malformed URLs, ids, emails, languages, numbers and enclosure attributes.
//!
//! Why hand-rolled: no maintained Rust crate validates feeds, and parsing (feed-rs) is
//! deliberately lenient. These findings never stop a document; they go to
//! [`Document::validation`](crate::Document::validation) so an operator can tell a
//! publisher their feed is broken. Extension elements (any prefix) are checked here only
//! where their meaning is unambiguous (URLs, emails, dates); known vocabularies, found by
//! namespace URI, have their own rules in `validate_ext`. One pass over the tree
//! (`walk`) also keeps the in-scope namespace declarations, for namespace
//! well-formedness.

use crate::xml::Element;

/// At most this many findings per document are kept (the rest are counted).
const MAX_FINDINGS: usize = 10;

pub(crate) struct Findings {
    list: Vec<String>,
    more: usize,
}

impl Findings {
    pub(crate) fn add(&mut self, msg: String) {
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
    root_namespace(root, &mut f);
    match &*root.name {
        "rss" => rss(root, &mut f),
        "RDF" => rdf(root, &mut f),
        "feed" => atom_feed(root, &mut f),
        "entry" => atom_entry(root, false, &mut f),
        other => f.add(format!("unknown root element <{other}>")),
    }
    let mut scope = Vec::new();
    walk(root, None, root.name == "RDF", &mut scope, &mut f);
    if f.more > 0 {
        f.list
            .push(format!("… and {} more spec violations", f.more));
    }
    f.list
}

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const ATOM03_NS: &str = "http://purl.org/atom/ns#";
const RSS10_NS: &str = "http://purl.org/rss/1.0/";
const RSS090_NS: &str = "http://my.netscape.com/rdf/simple/0.9/";

/// Each format's elements live in its own namespace: Atom's in Atom's, RSS 1.0's in RSS
/// 1.0's, RSS 2.0's in none.
fn root_namespace(root: &Element, f: &mut Findings) {
    let default = root.attr("xmlns");
    match (&*root.name, root.prefix.is_empty(), default) {
        ("feed" | "entry", true, None) => f.add(format!(
            "<{}> is in no namespace (not the Atom namespace)",
            root.name
        )),
        ("feed" | "entry", true, Some(ns)) if ns != ATOM_NS && ns != ATOM03_NS => f.add(format!(
            "<{}> is in namespace {ns:?}, not the Atom namespace",
            root.name
        )),
        ("rss", true, Some(ns)) if !ns.is_empty() => f.add(format!(
            "<rss> is in namespace {ns:?}; RSS 2.0 elements are in no namespace"
        )),
        ("RDF", _, _) => {
            if let Some(ch) = core(root, "channel").next() {
                let ns = ch.attr("xmlns").or(default).unwrap_or("");
                if ns != RSS10_NS && ns != RSS090_NS {
                    f.add(format!(
                        "RSS 1.0 <channel> is in namespace {ns:?}, not {RSS10_NS:?} (or RSS 0.90's)"
                    ));
                }
            }
        }
        _ => {}
    }
}

pub(crate) fn core<'a, 't>(
    e: &'a Element<'t>,
    name: &'a str,
) -> impl Iterator<Item = &'a Element<'t>> + 'a {
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
        let key = (&*c.prefix, &*c.name);
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
    if root.attr("version").is_none() {
        f.add("<rss> has no version attribute".into());
    }
    let channels: Vec<_> = core(root, "channel").collect();
    if channels.len() > 1 {
        f.add("<rss> has more than one <channel>".into());
    }
    let Some(ch) = channels.first() else {
        f.add("<rss> has no <channel>".into());
        return;
    };
    require(ch, &["title", "link", "description"], f);
    undefined(ch, RSS_CHANNEL, f);
    stray_text(ch, f);
    channel_common(ch, f);
    let mut guids: Vec<String> = Vec::new();
    for item in core(ch, "item") {
        rss_item(item, f);
        undefined(item, RSS_ITEM, f);
        stray_text(item, f);
        for g in core(item, "guid") {
            let v = g.text();
            if guids.contains(&v) {
                f.add(format!("two <item>s have the same <guid> {v:?}"));
            } else {
                guids.push(v);
            }
        }
    }
}

/// RSS 2.0 (and 0.9x) channel and item elements; anything else must be namespaced.
const RSS_CHANNEL: &[&str] = &[
    "title",
    "link",
    "description",
    "language",
    "copyright",
    "managingEditor",
    "webMaster",
    "pubDate",
    "lastBuildDate",
    "category",
    "generator",
    "docs",
    "cloud",
    "ttl",
    "image",
    "rating",
    "textInput",
    "textinput",
    "skipHours",
    "skipDays",
    "item",
];
const RSS_ITEM: &[&str] = &[
    "title",
    "link",
    "description",
    "author",
    "category",
    "comments",
    "enclosure",
    "guid",
    "pubDate",
    "source",
];
const RDF_CHANNEL: &[&str] = &[
    "title",
    "link",
    "description",
    "image",
    "items",
    "textinput",
];

/// Unprefixed children of `e` that its format does not define (an element that declares
/// its own default namespace is an extension and is left alone).
fn undefined(e: &Element, known: &[&str], f: &mut Findings) {
    for c in e.elements() {
        if c.prefix.is_empty() && c.attr("xmlns").is_none() && !known.contains(&&*c.name) {
            f.add(format!("<{}> is not defined in <{}>", c.name, e.name));
        }
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
    // RSS 0.90 (the same RDF shape) has no <items> table of contents.
    if ch.attr("xmlns").or(root.attr("xmlns")) != Some(RSS090_NS) {
        require(ch, &["items"], f);
    }
    undefined(ch, RDF_CHANNEL, f);
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
                    Ok(x) if x > 0 && x <= max => {}
                    _ => f.add(format!("<image><{n}> is not an integer from 1 to {max}")),
                }
            }
        }
    }
    for ti in core(ch, "textInput")
        .chain(core(ch, "textinput"))
        .filter(reference)
    {
        require(ti, &["title", "description", "name", "link"], f);
        // The name of a form's text field: an identifier (HTML 4 NAME token).
        for n in core(ti, "name") {
            let v = n.text();
            let ok = v.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'));
            if !ok {
                f.add(format!("<textInput><name> {v:?} is not an identifier"));
            }
        }
        once(ti, &["title", "description", "name", "link"], f);
    }
    if let Some(t) = core(ch, "ttl").next() {
        // Minutes to cache: zero is meaningless (the W3C validator requires a positive one).
        if !t.text().parse::<u64>().is_ok_and(|x| x > 0) {
            f.add(format!("<ttl> {:?} is not a positive integer", t.text()));
        }
    }
    if let Some(h) = core(ch, "skipHours").next() {
        if core(h, "hour").next().is_none() {
            f.add("<skipHours> has no <hour>".into());
        }
        let mut seen = [false; 24];
        for hour in core(h, "hour") {
            match hour.text().parse::<u8>() {
                Ok(x) if x < 24 => {
                    if std::mem::replace(&mut seen[usize::from(x)], true) {
                        f.add(format!("<skipHours> lists hour {x} twice"));
                    }
                }
                _ => f.add(format!("<hour> {:?} is not 0–23", hour.text())),
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
        let mut seen = [false; 7];
        for day in core(d, "day") {
            let t = day.text();
            match DAYS.iter().position(|d| *d == t) {
                Some(i) => {
                    if std::mem::replace(&mut seen[i], true) {
                        f.add(format!("<skipDays> lists {t} twice"));
                    }
                }
                None => f.add(format!("<day> {t:?} is not a day name")),
            }
        }
    }
    for c in core(ch, "cloud") {
        for a in ["domain", "port", "path", "registerProcedure", "protocol"] {
            if c.attr(a).is_none() {
                f.add(format!("<cloud> has no {a} attribute"));
            }
        }
        if let Some(p) = c.attr("port") {
            if !p.parse::<u16>().is_ok_and(|x| x > 0) {
                f.add(format!("<cloud> port {p:?} is not a TCP port number"));
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
        // RSS 2.0 defines one guid attribute, spelled exactly so.
        for (k, _) in g
            .attrs
            .iter()
            .filter(|(k, _)| k != "isPermaLink" && !k.starts_with("xmlns"))
        {
            f.add(format!(
                "<guid> has an unexpected attribute {k:?} (only isPermaLink)"
            ));
        }
        if g.attr("isPermaLink").is_none_or(|p| p == "true") {
            let v = g.text();
            // A permalink is a URL a browser can open, not a name like tag: or urn:.
            if v.starts_with("tag:") || v.starts_with("urn:") {
                f.add(format!("<guid> {v:?} is a permalink but not a URL"));
            }
            full_url(&v, "guid (a permalink)", f);
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
    stray_text(feed, f);
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
    stray_text(e, f);
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
    for src in core(e, "source") {
        if core(src, "entry").next().is_some() {
            f.add("<source> contains an <entry>".into());
        }
    }
    let content = core(e, "content").next();
    if content.is_none() && !core(e, "link").any(|l| l.attr("rel").is_none_or(|r| r == "alternate"))
    {
        f.add("<entry> has neither <content> nor an alternate <link>".into());
    }
    if let Some(c) = content {
        // RFC 4287 §4.1.3.3: other MIME types are Base64 and need a <summary>.
        let t = c.attr("type").unwrap_or("text");
        let base64 = c.attr("src").is_none() && !textual(t);
        if base64 {
            if core(e, "summary").next().is_none() {
                f.add(format!(
                    "<entry> has Base64 <content type={t:?}> but no <summary>"
                ));
            }
            let b: String = c.text().split_whitespace().collect();
            if !b.is_empty()
                && (!b.len().is_multiple_of(4)
                    || !b
                        .trim_end_matches('=')
                        .bytes()
                        .all(|x| x.is_ascii_alphanumeric() || x == b'+' || x == b'/'))
            {
                f.add(format!("<content type={t:?}> is not Base64"));
            }
        }
        if t.starts_with("multipart/") || t.starts_with("message/") {
            f.add(format!("<content> type {t:?} is a composite type"));
        }
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
        // Atom threading (RFC 4685 §4) puts thr:count and thr:updated on links; an Atom
        // link has no other attributes of these names.
        if let Some(n) = l.attr("count") {
            integer(n, "<link> thr:count", f);
        }
        if let Some(u) = l.attr("updated") {
            rfc3339(u, "link thr:updated", f);
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
    for g in core(e, "generator") {
        if g.elements().next().is_some() {
            f.add("<generator> has child elements (it is text only)".into());
        }
    }
    for n in ["title", "subtitle", "summary", "content", "rights"] {
        for t in core(e, n) {
            match t.attr("type") {
                None | Some("text" | "html") => {
                    // Text and HTML are escaped text: markup as elements is undefined there.
                    if let Some(c) = t.elements().next() {
                        f.add(format!(
                            "<{n}> of type text/html contains an element <{}>",
                            c.name
                        ));
                    }
                }
                Some("xhtml") => {
                    if !t.elements().any(|c| c.name == "div") {
                        f.add(format!("<{n} type=\"xhtml\"> has no xhtml <div>"));
                    }
                }
                Some(other) if n == "content" => {
                    mime(other, "content", f);
                    // text/* content is text: child elements are undefined there.
                    if other.starts_with("text/") && !other.ends_with("xml") {
                        if let Some(c) = t.elements().next() {
                            f.add(format!(
                                "<content type={other:?}> contains an element <{}>",
                                c.name
                            ));
                        }
                    }
                }
                Some(other) => f.add(format!("<{n}> type {other:?} is not text/html/xhtml")),
            }
        }
    }
}

/// Atom content types carried as text or XML rather than Base64.
fn textual(t: &str) -> bool {
    let t = t.split(';').next().unwrap_or("").trim();
    matches!(t, "text" | "html" | "xhtml")
        || t.starts_with("text/")
        || t.ends_with("/xml")
        || t.ends_with("+xml")
        || t.ends_with("-xml")
}

/// Container elements (channel, item, feed, entry) hold elements only.
fn stray_text(e: &Element, f: &mut Findings) {
    let text = e.children.iter().any(|n| match n {
        crate::xml::Node::Text(t) => !t.trim().is_empty(),
        crate::xml::Node::Element(_) => false,
    });
    if text {
        f.add(format!("<{}> has text outside its child elements", e.name));
    }
}

fn untrimmed(e: &Element, f: &mut Findings) {
    let raw: String = e
        .children
        .iter()
        .filter_map(|n| match n {
            crate::xml::Node::Text(t) => Some(&**t),
            crate::xml::Node::Element(_) => None,
        })
        .collect();
    if raw.trim() != raw {
        f.add(format!("<{}> has whitespace around its value", e.name));
    }
}

/// Checks every element and attribute whose meaning does not depend on the format, and the
/// extension vocabularies (by namespace URI). `scope` is the in-scope namespace
/// declarations, innermost last; `rdf` says the document is RSS 1.0.
fn walk<'a>(
    e: &'a Element,
    parent_el: Option<&Element>,
    rdf: bool,
    scope: &mut Vec<(&'a str, &'a str)>,
    f: &mut Findings,
) {
    let parent = parent_el.map_or("", |p| &*p.name);
    let mark = scope.len();
    for (prefix, uri) in e.namespaces() {
        // A namespace name is a URI reference: no whitespace inside it.
        if let Some(c) = bad_uri_char(uri.trim()) {
            f.add(format!(
                "namespace {uri:?} (xmlns:{prefix}) has a character not allowed in a URI ({c:?})"
            ));
        }
        if uri == "http://search.yahoo.com/mrss" {
            f.add(
                "the Media RSS namespace is \"http://search.yahoo.com/mrss/\" (with the slash)"
                    .into(),
            );
        }
        scope.push((prefix, uri));
    }
    let ns = if e.prefix == "xml" {
        Some(XML_NS)
    } else {
        let found = scope
            .iter()
            .rev()
            .find(|(p, _)| *p == e.prefix)
            .map(|(_, u)| *u);
        if found.is_none() && !e.prefix.is_empty() {
            // Namespaces in XML §5: an undeclared prefix makes the document not
            // namespace-well-formed (the validator's SAXError).
            f.add(format!(
                "prefix {:?} of <{}:{}> is not declared (not namespace-well-formed XML)",
                e.prefix, e.prefix, e.name
            ));
        }
        found
    };
    if let Some(uri) = ns {
        // Unprefixed elements are checked too when they declare an extension namespace as
        // their default (`<meta xmlns="http://www.w3.org/1999/xhtml" …/>`).
        if !e.prefix.is_empty() || e.attr("xmlns").is_some() {
            crate::validate_ext::check(e, uri, parent_el, rdf, f);
        }
    }
    // Atom XHTML text constructs: the single child is an XHTML div (RFC 4287 §3.1.1.3).
    if e.prefix.is_empty()
        && e.attr("type") == Some("xhtml")
        && matches!(parent, "feed" | "entry" | "source")
        && matches!(
            &*e.name,
            "title" | "subtitle" | "summary" | "content" | "rights"
        )
    {
        for div in e.elements().filter(|c| c.name == "div") {
            let ns = div.attr("xmlns").or_else(|| {
                let p = &*div.prefix;
                let key = if p.is_empty() {
                    "xmlns".to_string()
                } else {
                    format!("xmlns:{p}")
                };
                div.attr(&key)
                    .or_else(|| scope.iter().rev().find(|(sp, _)| *sp == p).map(|(_, u)| *u))
            });
            if ns != Some("http://www.w3.org/1999/xhtml") {
                f.add(format!(
                    "<{} type=\"xhtml\"> has a <div> outside the XHTML namespace ({:?})",
                    e.name,
                    ns.unwrap_or("")
                ));
            }
            no_namespace_in_xhtml(div, f);
        }
    }
    let text = || e.text();
    match (&*e.prefix, &*e.name) {
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
        match &**k {
            "href" | "src" | "resource" | "about" | "base" => {
                // Attribute values are not trimmed: a space is a character of the URI.
                if v.trim() != v {
                    f.add(format!("{k} {v:?} has whitespace around the URI"));
                }
                uri(v, k, f)
            }
            "uri" if e.prefix.is_empty() && e.name == "generator" => {
                if v.trim() != v {
                    f.add(format!("{k} {v:?} has whitespace around the URI"));
                }
                uri(v, "generator uri", f)
            }
            // Atom category schemes and link relations name vocabularies: absolute IRIs.
            "scheme" => {
                if v.trim() != v {
                    f.add(format!("scheme {v:?} has whitespace around the URI"));
                }
                full_url(v, "scheme", f)
            }
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
        walk(c, Some(e), rdf, scope, f);
    }
    scope.truncate(mark);
}

/// Elements inside XHTML content that undeclare the default namespace (`xmlns=""`) are in
/// no namespace: not XHTML.
fn no_namespace_in_xhtml(e: &Element, f: &mut Findings) {
    for c in e.elements() {
        if c.prefix.is_empty() && c.attr("xmlns") == Some("") {
            f.add(format!("<{}> in XHTML content is in no namespace", c.name));
        } else {
            no_namespace_in_xhtml(c, f);
        }
    }
}

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

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

pub(crate) fn integer(v: &str, what: impl std::fmt::Display, f: &mut Findings) {
    if v.trim().parse::<u64>().is_err() {
        f.add(format!(
            "{what} {:?} is not a non-negative integer",
            v.trim()
        ));
    }
}

/// ASCII marks a URI never holds unescaped (RFC 3986 leaves them out).
fn not_in_uri(b: u8) -> bool {
    matches!(
        b,
        b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'\\' | b'^' | b'`'
    )
}

pub(crate) fn bad_uri_char(s: &str) -> Option<char> {
    // Nearly every URI is printable ASCII without those marks: one byte test each.
    if s.bytes().all(|b| b.is_ascii_graphic() && !not_in_uri(b)) {
        return None;
    }
    s.chars()
        .find(|c| c.is_whitespace() || c.is_control() || (c.is_ascii() && not_in_uri(*c as u8)))
}

/// A URI reference (relative allowed, as Atom and `xml:base` allow).
pub(crate) fn uri(v: &str, what: impl std::fmt::Display, f: &mut Findings) {
    let v = v.trim();
    if let Some(c) = bad_uri_char(v) {
        f.add(format!(
            "{what} {v:?} has a character not allowed in a URI ({c:?})"
        ));
        return;
    }
    static BASE: std::sync::LazyLock<Option<url::Url>> =
        std::sync::LazyLock::new(|| url::Url::parse("http://base.invalid/").ok());
    if url::Url::options()
        .base_url(BASE.as_ref())
        .parse(v)
        .is_err()
    {
        f.add(format!("{what} {v:?} is not a URI"));
    }
}

/// An absolute URL, as RSS requires for links.
pub(crate) fn full_url(v: &str, what: impl std::fmt::Display, f: &mut Findings) {
    let v = v.trim();
    if let Some(c) = bad_uri_char(v) {
        f.add(format!(
            "{what} {v:?} has a character not allowed in a URL ({c:?})"
        ));
        return;
    }
    // RFC 7230 §2.7: http(s) URLs have an authority (`http:/x` is not one, though the WHATWG
    // parser repairs it).
    let starts = |p: &str| v.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    if (starts("http:") && !starts("http://")) || (starts("https:") && !starts("https://")) {
        f.add(format!("{what} {v:?} is not a full URL (no //host)"));
        return;
    }
    if plain_http_url(v) {
        return;
    }
    match url::Url::parse(v) {
        Ok(u) if !u.cannot_be_a_base() || matches!(u.scheme(), "mailto" | "urn" | "tag") => {}
        _ => f.add(format!("{what} {v:?} is not a full URL")),
    }
}

/// `http(s)://host` with an ASCII domain name and no port or user, then anything (a path,
/// query or fragment never fails the WHATWG parser): a URL `url::Url::parse` accepts, told
/// without the parser's cost (most feed links). `v` has passed [`bad_uri_char`]. Hosts the
/// parser could refuse are left to it: an `xn--` label (Punycode), a last label that may be
/// read as an IPv4 number (leading digit), empty labels.
fn plain_http_url(v: &str) -> bool {
    let b = v.as_bytes();
    let rest = match b.get(..8) {
        Some(h) if h.eq_ignore_ascii_case(b"https://") => &b[8..],
        _ => match b.get(..7) {
            Some(h) if h.eq_ignore_ascii_case(b"http://") => &b[7..],
            _ => return false,
        },
    };
    let end = rest
        .iter()
        .position(|c| matches!(c, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let host = &rest[..end];
    let label_ok = |l: &[u8]| {
        !l.is_empty()
            && l.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && !l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"xn--"))
    };
    host.split(|c| *c == b'.').all(label_ok)
        && host
            .rsplit(|c| *c == b'.')
            .next()
            .is_some_and(|last| last.first().is_some_and(u8::is_ascii_alphabetic))
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

pub(crate) fn rfc3339(v: &str, what: impl std::fmt::Display, f: &mut Findings) {
    let v = v.trim();
    // Atom (RFC 4287 §3.3) requires an uppercase `T` and `Z`.
    let strict = v.len() > 10 && v.as_bytes()[10] == b'T' && !v.ends_with('z');
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

/// BCP 47 shape: an ISO 639 primary subtag (or `i`/`x`), then 1–8 alphanumeric subtags.
pub(crate) fn language(v: &str, f: &mut Findings) {
    let v = v.trim();
    let mut parts = v.split('-');
    // Primary subtag: an ISO 639 code (2–3 letters), or `i`/`x` (grandfathered, private
    // use); the 4–8 letter forms BCP 47 reserves have no registered values.
    let ok = parts.next().is_some_and(|p| {
        (matches!(p.len(), 2 | 3) && p.chars().all(|c| c.is_ascii_alphabetic()))
            || p.eq_ignore_ascii_case("i")
            || p.eq_ignore_ascii_case("x")
    }) && parts
        .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !ok {
        f.add(format!("language {v:?} is not a language tag"));
    }
}

pub(crate) fn mime(v: &str, what: impl std::fmt::Display, f: &mut Findings) {
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

    /// An RSS 2.0 channel around `inner` (channel-level) and `item` (inside one item),
    /// with `ns` declarations on <rss>.
    fn rss_with(ns: &str, inner: &str, item: &str) -> Vec<String> {
        check(&format!(
            r#"<rss version="2.0" {ns}><channel><title>T</title><link>http://example.org/</link>
            <description>D</description>{inner}<item><title>A</title>{item}</item></channel></rss>"#
        ))
    }

    fn assert_flags(v: &[String], want: &str) {
        assert!(
            v.iter().any(|m| m.contains(want)),
            "{want:?} missing from {v:?}"
        );
    }

    fn assert_quiet(v: &[String]) {
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn namespace_well_formedness() {
        assert_flags(
            &rss_with("", "<dc:language>en</dc:language>", ""),
            "prefix \"dc\" of <dc:language> is not declared",
        );
        assert_flags(
            &rss_with(
                r#"xmlns:map="http://example.com/ x/""#,
                "<map:foo>x</map:foo>",
                "",
            ),
            "has a character not allowed in a URI",
        );
        assert_quiet(&rss_with(
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/""#,
            "<dc:language>en</dc:language>",
            "",
        ));
    }

    #[test]
    fn format_namespaces_and_undefined_core_elements() {
        assert_flags(
            &check(r#"<rss version="2.0" xmlns="http://example.com/"><channel/></rss>"#),
            "RSS 2.0 elements are in no namespace",
        );
        assert_flags(
            &check(r#"<feed><title>T</title></feed>"#),
            "not the Atom namespace",
        );
        assert_flags(
            &rss_with("", "<foo_bar>x</foo_bar>", ""),
            "<foo_bar> is not defined in <channel>",
        );
        assert_flags(
            &rss_with("", "", "<bogus/>"),
            "<bogus> is not defined in <item>",
        );
        assert_flags(
            &check(
                r#"<rss><channel><title>T</title><link>http://e.org/</link><description>D</description></channel></rss>"#,
            ),
            "<rss> has no version attribute",
        );
        let rdf = |channel_extra: &str| {
            check(&format!(
                r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
                <channel rdf:about="http://e.org/"><title>T</title><link>http://e.org/</link>
                <description>D</description>{channel_extra}</channel>
                <item rdf:about="http://e.org/1"><title>A</title><link>http://e.org/1</link></item></rdf:RDF>"#
            ))
        };
        assert_flags(&rdf(""), "<channel> has no <items>");
        assert_flags(
            &rdf(
                r#"<items><rdf:Seq><rdf:li rdf:resource="http://e.org/1"/></rdf:Seq></items><language>en</language>"#,
            ),
            "<language> is not defined in <channel>",
        );
        assert_quiet(&rdf(
            r#"<items><rdf:Seq><rdf:li rdf:resource="http://e.org/1"/></rdf:Seq></items>"#,
        ));
    }

    #[test]
    fn rss_cloud_values_duplicates_and_permalinks() {
        assert_flags(
            &rss_with(
                "",
                r#"<cloud domain="e.org" port="0" path="/r" protocol="soap"/>"#,
                "",
            ),
            "<cloud> has no registerProcedure attribute",
        );
        assert_flags(
            &rss_with(
                "",
                r#"<cloud domain="e.org" port="0" path="/r" registerProcedure="p" protocol="soap"/>"#,
                "",
            ),
            "port \"0\" is not a TCP port number",
        );
        assert_flags(
            &rss_with("", "<ttl>0</ttl>", ""),
            "<ttl> \"0\" is not a positive integer",
        );
        assert_flags(
            &rss_with(
                "",
                "<skipHours><hour>12</hour><hour>12</hour></skipHours>",
                "",
            ),
            "lists hour 12 twice",
        );
        assert_flags(
            &rss_with(
                "",
                "<skipDays><day>Monday</day><day>Monday</day></skipDays>",
                "",
            ),
            "lists Monday twice",
        );
        assert_flags(
            &rss_with("", "", "<guid>tag:e.org,2004:1</guid>"),
            "is a permalink but not a URL",
        );
        assert_flags(
            &rss_with("", "<language>English</language>", ""),
            "is not a language tag",
        );
        let twice = check(
            r#"<rss version="2.0"><channel><title>T</title><link>http://e.org/</link><description>D</description>
            <item><title>A</title><guid>http://e.org/1</guid></item>
            <item><title>B</title><guid>http://e.org/1</guid></item></channel></rss>"#,
        );
        assert_flags(&twice, "two <item>s have the same <guid>");
        assert_quiet(&rss_with(
            "",
            r#"<language>en-us</language><ttl>60</ttl><cloud domain="e.org" port="80" path="/r" registerProcedure="p" protocol="soap"/>
            <skipHours><hour>1</hour><hour>2</hour></skipHours><skipDays><day>Monday</day></skipDays>"#,
            "<guid>http://e.org/1</guid>",
        ));
    }

    /// An Atom feed with one entry whose body is `entry`.
    fn atom_with(ns: &str, feed: &str, entry: &str) -> Vec<String> {
        check(&format!(
            r#"<feed xmlns="http://www.w3.org/2005/Atom" {ns}><title>T</title>
            <id>tag:example.org,2003:3</id><updated>2003-12-13T18:30:02Z</updated>
            <author><name>A</name></author>{feed}
            <entry><title>E</title><id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
            <updated>2003-12-13T18:30:02Z</updated>{entry}</entry></feed>"#
        ))
    }

    #[test]
    fn atom_content_generator_and_dates() {
        let link = r#"<link href="http://e.org/1"/>"#;
        assert_flags(
            &atom_with("", "", "<summary>S</summary>"),
            "neither <content> nor an alternate <link>",
        );
        assert_flags(
            &atom_with("", "", r#"<content type="html">a <b>b</b></content>"#),
            "of type text/html contains an element <b>",
        );
        assert_flags(
            &atom_with(
                "",
                "",
                r#"<summary>S</summary><content type="text/plain">a <b>b</b></content>"#,
            ),
            "contains an element <b>",
        );
        assert_flags(
            &atom_with(
                "",
                "",
                r#"<content type="application/octet-stream">AAAA</content>"#,
            ),
            "but no <summary>",
        );
        assert_flags(
            &atom_with(
                "",
                "",
                r#"<summary>S</summary><content type="image/jpeg">not base64!</content>"#,
            ),
            "is not Base64",
        );
        assert_flags(
            &atom_with(
                "",
                "",
                r#"<summary>S</summary><content type="multipart/alternative">AAAA</content>"#,
            ),
            "is a composite type",
        );
        assert_flags(
            &atom_with("", r#"<generator uri="/g"><x/></generator>"#, link),
            "<generator> has child elements",
        );
        assert_flags(
            &atom_with("", r#"<link href="  http://e.org/ "/>"#, link),
            "whitespace around the URI",
        );
        assert_flags(
            &check(
                r#"<feed xmlns="http://www.w3.org/2005/Atom"><updated>2003-12-13t18:30:02z</updated></feed>"#,
            ),
            "not an RFC 3339 date",
        );
        assert_flags(
            &atom_with(
                "",
                "",
                &format!(r#"{link}<source><id>urn:x:y</id><entry/></source>"#),
            ),
            "<source> contains an <entry>",
        );
        assert_quiet(&atom_with(
            "",
            r#"<generator uri="http://e.org/g">G</generator>"#,
            r#"<summary>S</summary><content type="image/png">iVBORw0KGgo=</content>"#,
        ));
        assert_quiet(&atom_with(
            "",
            "",
            r#"<content type="html">a &lt;b>b&lt;/b></content>"#,
        ));
    }

    #[test]
    fn atom_threading_and_feed_history() {
        let thr = r#"xmlns:thr="http://purl.org/syndication/thread/1.0""#;
        assert_flags(
            &atom_with(
                thr,
                "",
                r#"<link rel="replies" href="http://e.org/c" thr:count="2.5"/>"#,
            ),
            "thr:count \"2.5\" is not a non-negative integer",
        );
        assert_flags(
            &atom_with(
                thr,
                "",
                r#"<link href="http://e.org/1"/><thr:in-reply-to ref="/rel"/>"#,
            ),
            "is not a full URL",
        );
        assert_quiet(&atom_with(
            thr,
            "",
            r#"<link href="http://e.org/1"/><link rel="replies" href="http://e.org/c" thr:count="2"/>
            <thr:in-reply-to ref="tag:e.org,2005:1"/>"#,
        ));
        let fh = r#"xmlns:fh="http://purl.org/syndication/history/1.0""#;
        assert_flags(
            &atom_with(
                fh,
                r#"<fh:complete/><link rel="next" href="http://e.org/2"/>"#,
                r#"<link href="http://e.org/1"/>"#,
            ),
            "complete feed (<fh:complete>) has a link rel=\"next\"",
        );
        assert_quiet(&atom_with(
            fh,
            r#"<fh:complete/>"#,
            r#"<link href="http://e.org/1"/>"#,
        ));
    }

    #[test]
    fn itunes_rules() {
        let ns = r#"xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd""#;
        for (channel, item, want) in [
            (
                "",
                "<itunes:explicit> true </itunes:explicit>",
                "is not true/false",
            ),
            (
                "",
                "<itunes:block>Absolutely</itunes:block>",
                "is not yes, no or clean",
            ),
            (
                "<itunes:type>random</itunes:type>",
                "",
                "is not episodic or serial",
            ),
            (
                "",
                "<itunes:episodeType>x</itunes:episodeType>",
                "is not full, trailer or bonus",
            ),
            (
                "<itunes:image/>",
                "",
                "<itunes:image> has no href attribute",
            ),
            (
                "<itunes:category/>",
                "",
                "<itunes:category> has no text attribute",
            ),
            (
                "",
                "<itunes:duration>00:07:74</itunes:duration>",
                "is not seconds, MM:SS or H:MM:SS",
            ),
            (
                "<itunes:duration>7:04</itunes:duration>",
                "",
                "belongs in an <item>",
            ),
            (
                &*format!("<itunes:subtitle>{}</itunes:subtitle>", "x".repeat(256)),
                "",
                "(at most 255)",
            ),
        ] {
            assert_flags(&rss_with(ns, channel, item), want);
        }
        assert_quiet(&rss_with(
            ns,
            r#"<itunes:type>serial</itunes:type><itunes:image href="http://e.org/i.png"/>
            <itunes:category text="Technology"/><itunes:block>Yes</itunes:block>"#,
            "<itunes:explicit>clean</itunes:explicit><itunes:duration>1:07:04</itunes:duration>
            <itunes:episodeType>full</itunes:episodeType>",
        ));
    }

    #[test]
    fn media_rss_rules() {
        let ns = r#"xmlns:media="http://search.yahoo.com/mrss/""#;
        for (item, want) in [
            (
                "<media:thumbnail/>",
                "<media:thumbnail> has no url attribute",
            ),
            ("<media:player/>", "<media:player> has no url attribute"),
            (
                r#"<media:content url="http://e.org/m" fileSize="0"/>"#,
                "fileSize \"0\" is not a positive integer",
            ),
            (
                r#"<media:content url="http://e.org/m" medium="film"/>"#,
                "medium \"film\"",
            ),
            (
                r#"<media:content url="http://e.org/m" expression="some"/>"#,
                "expression \"some\"",
            ),
            (
                r#"<media:content url="http://e.org/m" isDefault="yes"/>"#,
                "isDefault \"yes\"",
            ),
            (
                r#"<media:content url="http://e.org/m" framerate="fast"/>"#,
                "framerate \"fast\" is not a number",
            ),
            (
                r#"<media:content url="http://e.org/m" channels="2.5"/>"#,
                "channels \"2.5\"",
            ),
            (
                r#"<media:text lang="klingon">x</media:text>"#,
                "is not a language tag",
            ),
            (
                r#"<media:text type="text/html">x</media:text>"#,
                "is not plain or html",
            ),
            (
                r#"<media:thumbnail url="http://e.org/t" time="-3"/>"#,
                "is not a Normal Play Time",
            ),
            (
                r#"<media:hash algo="sha-256">00</media:hash>"#,
                "is not md5 or sha-1",
            ),
            (
                "<media:hash>Yb692vVDEcbCQhrUNo9R7J7d7Dw=</media:hash>",
                "is not a hex md5 digest",
            ),
            (
                r#"<media:rating scheme="urn:mpaa">tv-ma</media:rating>"#,
                "is not a rating of its scheme",
            ),
            (
                r#"<media:restriction relationship="maybe">all</media:restriction>"#,
                "is not allow or deny",
            ),
            (
                "<media:restriction>all</media:restriction>",
                "has no relationship attribute",
            ),
            (
                r#"<media:restriction relationship="allow" type="country">XX</media:restriction>"#,
                "not an ISO 3166 country code",
            ),
            (
                r#"<media:restriction relationship="allow" type="uri">/x</media:restriction>"#,
                "is not a full URL",
            ),
            (
                r#"<media:restriction relationship="allow" type="bogus"/>"#,
                "is not country, uri or sharing",
            ),
            (
                r#"<media:restriction relationship="allow">bogus</media:restriction>"#,
                "must be all or none",
            ),
            (
                "<media:title>a</media:title><media:title>b</media:title>",
                "has more than one <media:title>",
            ),
        ] {
            assert_flags(&rss_with(ns, "", item), want);
        }
        assert_quiet(&rss_with(
            ns,
            "",
            r#"<media:content url="http://e.org/m" fileSize="12" medium="video" expression="full"
                isDefault="true" framerate="25" samplingrate="44.1" channels="2" lang="en" type="video/mp4">
              <media:hash algo="md5">dfdec888b72151965a34b4b59031290a</media:hash>
              <media:rating scheme="urn:mpaa">pg-13</media:rating>
              <media:thumbnail url="http://e.org/t" time="12:05:01.123"/>
              <media:text type="plain" lang="en" start="now">x</media:text>
              <media:restriction relationship="allow" type="country">us ca</media:restriction>
              <media:title>a</media:title></media:content>"#,
        ));
    }

    #[test]
    fn geo_rules() {
        for (ns, lat, long) in [
            (
                r#"xmlns:geo="http://www.w3.org/2003/01/geo/wgs84_pos#""#,
                "geo:lat",
                "geo:long",
            ),
            (
                r#"xmlns:icbm="http://postneo.com/icbm""#,
                "icbm:latitude",
                "icbm:longitude",
            ),
            (
                r#"xmlns:geourl="http://geourl.org/rss/module/""#,
                "geourl:latitude",
                "geourl:longitude",
            ),
        ] {
            let v = rss_with(ns, "", &format!("<{lat}>91.5</{lat}><{long}>-188</{long}>"));
            assert_flags(&v, "is not a number from -90 to 90");
            assert_flags(&v, "is not a number from -180 to 180");
            assert_quiet(&rss_with(
                ns,
                "",
                &format!("<{lat}>45.5</{lat}><{long}>-122.6</{long}>"),
            ));
        }
    }

    #[test]
    fn feedsync_rules() {
        let ns = r#"xmlns:sx="http://feedsync.org/2007/feedsync""#;
        let hist = r#"<sx:history sequence="1" by="a"/>"#;
        for (channel, item, want) in [
            (
                "",
                &*format!(r#"<sx:sync updates="1">{hist}</sx:sync>"#),
                "<sx:sync> has no id attribute",
            ),
            (
                "",
                &*format!(r#"<sx:sync id="i">{hist}</sx:sync>"#),
                "<sx:sync> has no updates attribute",
            ),
            (
                "",
                &*format!(r#"<sx:sync id="i" updates="2147483648">{hist}</sx:sync>"#),
                "up to 2^31-1",
            ),
            (
                "",
                &*format!(r#"<sx:sync id="i" updates="1" deleted="maybe">{hist}</sx:sync>"#),
                "is not true or false",
            ),
            (
                "",
                r#"<sx:sync id="i" updates="1"/>"#,
                "has no <sx:history>",
            ),
            (
                "",
                r#"<sx:sync id="i" updates="1"><sx:history sequence="1"/></sx:sync>"#,
                "neither a by nor a when",
            ),
            (
                r#"<sx:sharing since="2005-01-01T00:00:00Z"/>"#,
                "",
                "has since but no until",
            ),
            (
                r#"<sx:sharing since="2006-01-01T00:00:00Z" until="2005-01-01T00:00:00Z"/>"#,
                "",
                "is after until",
            ),
            (
                r#"<sx:sharing><sx:related link="/b.xml" type="complete"/></sx:sharing>"#,
                "",
                "is not a full URL",
            ),
            (
                r#"<sx:sharing><sx:related link="http://e.org/b.xml" type="other"/></sx:sharing>"#,
                "",
                "is not complete or aggregated",
            ),
        ] {
            assert_flags(&rss_with(ns, channel, item), want);
        }
        assert_quiet(&rss_with(
            ns,
            r#"<sx:sharing since="2005-01-01T00:00:00Z" until="2006-01-01T00:00:00Z" expires="2007-01-01T00:00:00Z">
            <sx:related link="http://e.org/b.xml" type="aggregated"/></sx:sharing>"#,
            &format!(r#"<sx:sync id="i" updates="1" deleted="false">{hist}</sx:sync>"#),
        ));
    }

    #[test]
    fn trackback_rules() {
        let ns = r#"xmlns:trackback="http://madskills.com/public/xml/rss/module/trackback/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#""#;
        assert_flags(
            &rss_with(
                ns,
                "",
                r#"<trackback:ping rdf:resource="http://e.org/tb"/>"#,
            ),
            "is not a full URL",
        );
        assert_quiet(&rss_with(
            ns,
            "",
            "<trackback:ping>http://e.org/tb</trackback:ping>",
        ));
    }

    #[test]
    fn google_base_rules() {
        let ns = r#"xmlns:g="http://base.google.com/ns/1.0""#;
        for (item, want) in [
            ("<g:price>5,95</g:price>", "a number with an optional unit"),
            ("<g:price>free</g:price>", "a number with an optional unit"),
            ("<g:year>79</g:year>", "a four-digit year"),
            (
                "<g:location>Anytown, CA, 12345, USA</g:location>",
                "a full address",
            ),
            (
                "<g:to_location>San Francisco Airport</g:to_location>",
                "a location",
            ),
            ("<g:label>a, b</g:label>", "a single label"),
            ("<g:image_link>/i/1.jpg</g:image_link>", "is not a full URL"),
            ("<g:listing_type>Sale</g:listing_type>", "true or false"),
            (
                "<g:payment_accepted>Cash Check</g:payment_accepted>",
                "is not one of",
            ),
            ("<g:currency>US Dollars</g:currency>", "ISO 4217"),
            (
                "<g:quantity>out of stock</g:quantity>",
                "not a non-negative integer",
            ),
            ("<g:rating>good</g:rating>", "is not one of 1, 2, 3, 4, 5"),
            (
                &*"<g:label>x</g:label>".repeat(11),
                "more than ten <g:label>",
            ),
        ] {
            assert_flags(&rss_with(ns, "", item), want);
        }
        assert_quiet(&rss_with(
            ns,
            "",
            "<g:price>35.95 usd</g:price><g:year>2005</g:year><g:label>ABS</g:label>
            <g:location>123 Main St, Anytown, CA, 12345, USA</g:location>
            <g:to_location>San Francisco, CA</g:to_location><g:image_link>http://e.org/1.jpg</g:image_link>
            <g:listing_type>true</g:listing_type><g:payment_accepted>Visa</g:payment_accepted>
            <g:currency>USD</g:currency><g:quantity>3</g:quantity><g:rating>4</g:rating>",
        ));
    }

    #[test]
    fn more_extension_rules() {
        let slash = r#"xmlns:slash="http://purl.org/rss/1.0/modules/slash/""#;
        assert_flags(
            &rss_with(slash, "", "<slash:hit_parade>1,george</slash:hit_parade>"),
            "is not comma-separated integers",
        );
        assert_flags(
            &rss_with(slash, "", "<slash:comments>-1</slash:comments>"),
            "not a non-negative integer",
        );
        assert_quiet(&rss_with(
            slash,
            "",
            "<slash:hit_parade>1,2,3</slash:hit_parade><slash:comments>4</slash:comments>",
        ));
        let cn = r#"xmlns:cn="http://conversationsnetwork.org/rssNamespace-1.0/""#;
        for (item, want) in [
            (
                "<cn:ratingCount>-3</cn:ratingCount>",
                "not a non-negative integer",
            ),
            (
                "<cn:ratingIndividual>0</cn:ratingIndividual>",
                "not a positive integer",
            ),
            (
                "<cn:ratingAverage>xyzzy</cn:ratingAverage>",
                "is not a number",
            ),
            (
                "<cn:ratingTimestamp>2009-01-12T12:13:14GMT</cn:ratingTimestamp>",
                "not an RFC 3339 date",
            ),
            ("<cn:image>http:/www.example.com</cn:image>", "no //host"),
        ] {
            assert_flags(&rss_with(cn, "", item), want);
        }
        assert_quiet(&rss_with(
            cn,
            "",
            "<cn:ratingCount>3</cn:ratingCount><cn:ratingAverage>4.5</cn:ratingAverage>
            <cn:ratingTimestamp>2009-01-12T12:13:14Z</cn:ratingTimestamp><cn:image>http://e.org/i</cn:image>",
        ));
        let media = r#"xmlns:media="http://search.yahoo.com/mrss/""#;
        assert_flags(
            &rss_with(
                media,
                "",
                r#"<media:group><media:content url="http://e.org/a"/></media:group>"#,
            ),
            "a group needs alternatives",
        );
        assert_quiet(&rss_with(
            media,
            "",
            r#"<media:group><media:content url="http://e.org/a"/><media:content url="http://e.org/b"/></media:group>"#,
        ));
        let itunes = r#"xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd""#;
        assert_flags(
            &rss_with(itunes, r#"<itunes:category text="Everything"/>"#, ""),
            "is not an iTunes category",
        );
        assert_flags(
            &rss_with(
                itunes,
                r#"<itunes:category text="Technology"><itunes:category text="Everything"/></itunes:category>"#,
                "",
            ),
            "is not a subcategory of \"Technology\"",
        );
        assert_quiet(&rss_with(
            itunes,
            r#"<itunes:category text="Technology"><itunes:category text="Podcasting"/></itunes:category>
            <itunes:category text="Arts"><itunes:category text="Books"/></itunes:category>"#,
            "",
        ));
        let tb = r#"xmlns:trackback="http://madskills.com/public/xml/rss/module/trackback/""#;
        assert_flags(
            &rss_with(tb, "<trackback:ping>http://e.org/tb</trackback:ping>", ""),
            "belongs in an item or entry",
        );
        let thr = r#"xmlns:thr="http://purl.org/syndication/thread/1.0""#;
        assert_flags(
            &atom_with(
                thr,
                "",
                r#"<link href="http://e.org/1"/><thr:children>2</thr:children>"#,
            ),
            "is not defined by Atom threading",
        );
    }

    #[test]
    fn xhtml_meta_div_namespaces_generator_and_textinput() {
        let meta = |attrs: &str| {
            atom_with(
                "",
                &format!(r#"<meta xmlns="http://www.w3.org/1999/xhtml" {attrs}/>"#),
                r#"<link href="http://e.org/1"/>"#,
            )
        };
        assert_flags(&meta(r#"name="robots""#), "has no content attribute");
        assert_flags(&meta(r#"content="noindex""#), "has no name attribute");
        assert_flags(
            &meta(r#"name="robots" content="sometimes""#),
            "is not a robots directive",
        );
        assert_quiet(&meta(r#"name="robots" content="noindex,follow""#));
        assert_flags(
            &atom_with("", "", r#"<content type="xhtml"><div>x</div></content>"#),
            "outside the XHTML namespace",
        );
        assert_quiet(&atom_with(
            r#"xmlns:h="http://www.w3.org/1999/xhtml""#,
            "",
            r#"<content type="xhtml"><h:div>x</h:div></content>"#,
        ));
        assert_flags(
            &atom_with(
                "",
                r#"<generator uri="insert uri here">G</generator>"#,
                r#"<link href="http://e.org/1"/>"#,
            ),
            "character not allowed in a URI",
        );
        let ti = |name: &str| {
            rss_with(
                "",
                &format!("<textInput><title>S</title><description>D</description><name>{name}</name><link>http://e.org/s</link></textInput>"),
                "",
            )
        };
        assert_flags(&ti("42"), "is not an identifier");
        assert_quiet(&ti("q"));
    }

    #[test]
    fn opensearch_robots_owner_and_xhtml_children() {
        let os = r#"xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/""#;
        let query = |attrs: &str| {
            atom_with(
                os,
                &format!("<opensearch:Query {attrs}/>"),
                r#"<link href="http://e.org/1"/>"#,
            )
        };
        assert_flags(&query(r#"searchTerms="x""#), "has no role attribute");
        assert_flags(&query(r#"role="invalid""#), "is not an OpenSearch role");
        assert_flags(
            &query(r#"role="request" count="-1""#),
            "not a non-negative integer",
        );
        assert_flags(
            &query(r#"role="request" startPage="1.5""#),
            "is not an integer",
        );
        assert_flags(
            &query(r#"role="request" inputEncoding="Klingon""#),
            "is not a character set",
        );
        assert_flags(
            &query(r#"role="request" language="klingon""#),
            "is not a language tag",
        );
        assert_flags(
            &query(&format!(r#"role="request" title="{}""#, "t".repeat(257))),
            "at most 256",
        );
        assert_quiet(&query(
            r#"role="request" count="10" startIndex="1" startPage="1" totalResults="40" language="en" inputEncoding="utf-8" title="T""#,
        ));
        assert_quiet(&query(r#"role="B:cite""#));
        let meta = |c: &str| {
            atom_with(
                "",
                &format!(
                    r#"<meta xmlns="http://www.w3.org/1999/xhtml" name="robots" content="{c}"/>"#
                ),
                r#"<link href="http://e.org/1"/>"#,
            )
        };
        assert_flags(&meta("index,noindex"), "is not a robots directive");
        assert_quiet(&meta("NOINDEX, nofollow"));
        let itunes = r#"xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd""#;
        assert_flags(
            &rss_with(
                itunes,
                "<itunes:owner><itunes:name>N</itunes:name></itunes:owner>",
                "",
            ),
            "<itunes:owner> has no <itunes:email>",
        );
        assert_quiet(&rss_with(
            itunes,
            "<itunes:owner><itunes:email>a@e.org</itunes:email></itunes:owner>",
            "",
        ));
        assert_flags(
            &atom_with(
                "",
                "",
                r#"<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">a <b xmlns="">b</b></div></summary><link href="http://e.org/1"/>"#,
            ),
            "<b> in XHTML content is in no namespace",
        );
    }

    #[test]
    fn stray_text_and_media_namespace() {
        assert_flags(
            &rss_with("", "", r#"<guid ispermalink="false">x</guid>"#),
            "unexpected attribute \"ispermalink\"",
        );
        assert_flags(
            &rss_with("", "unexpected", ""),
            "<channel> has text outside its child elements",
        );
        assert_flags(
            &rss_with("", "", "stray"),
            "<item> has text outside its child elements",
        );
        assert_flags(
            &atom_with("", "", r#"<link href="http://e.org/1"/>stray"#),
            "<entry> has text outside its child elements",
        );
        assert_flags(
            &rss_with(r#"xmlns:media="http://search.yahoo.com/mrss""#, "", ""),
            "with the slash",
        );
        assert_quiet(&rss_with(
            r#"xmlns:media="http://search.yahoo.com/mrss/""#,
            "",
            "",
        ));
    }

    /// `bad_uri_char` as it was, a scan of every character.
    fn bad_uri_char_by_chars(s: &str) -> Option<char> {
        s.chars().find(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`')
        })
    }

    #[test]
    fn plain_http_urls_are_the_ones_the_parser_takes() {
        for ok in [
            "http://example.org",
            "HTTPS://Ex-ample.org/a b?q#f",
            "http://a.b-c.d1/x",
        ] {
            assert!(plain_http_url(ok), "{ok}");
        }
        for other in [
            "http://",
            "http://a..b/",
            "http://a.b./",
            "http://xn--a.org/",
            "http://a.XN--b/",
            "http://1.2.3.4/",
            "http://a.0x1/",
            "http://a:80/",
            "http://u@a/",
            "http:///a",
            "ftp://a/",
        ] {
            assert!(!plain_http_url(other), "{other}");
        }
    }

    proptest::proptest! {
        /// The shortcut never accepts what `url::Url::parse` refuses or cannot use as a base,
        /// and the byte test of `bad_uri_char` agrees with the character scan.
        #[test]
        fn url_shortcuts_agree_with_the_full_checks(
            scheme in "(?i)https?://|http:/|https:",
            host in "[a-zA-Z0-9.:@xn\\-]{0,12}",
            tail in "[/?#a-z%\\[\\]@:.\\- \\t\u{e9}\u{a0}<]{0,8}",
        ) {
            let v = format!("{scheme}{host}{tail}");
            proptest::prop_assert_eq!(bad_uri_char(&v), bad_uri_char_by_chars(&v));
            if bad_uri_char(&v).is_none() && plain_http_url(&v) {
                let u = url::Url::parse(&v);
                proptest::prop_assert!(u.is_ok_and(|u| !u.cannot_be_a_base()), "{v}");
            }
        }
    }
}
