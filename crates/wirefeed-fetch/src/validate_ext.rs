//! Spec checks for extension vocabularies, dispatched by namespace URI (not by the prefix
//! a publisher happens to choose): iTunes podcasts, Media RSS, W3C Basic Geo / ICBM /
//! GeoURL, FeedSync (`sx:`), Atom threading (`thr:`), Atom feed history (`fh:`) and
//! Trackback. Each rule is the vocabulary's own: required attributes, enumerated values,
//! numbers and their ranges, lengths, URLs.

use crate::validate::{core, full_url, integer, language, mime, rfc3339, uri, Findings};
use crate::xml::Element;

const ITUNES: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";
const MEDIA: &str = "http://search.yahoo.com/mrss/";
const GEO: &str = "http://www.w3.org/2003/01/geo/wgs84_pos#";
const ICBM: &str = "http://postneo.com/icbm";
const GEOURL: &str = "http://geourl.org/rss/module/";
const SSE: &str = "http://feedsync.org/2007/feedsync";
const THR: &str = "http://purl.org/syndication/thread/1.0";
const FH: &str = "http://purl.org/syndication/history/1.0";
const GBASE: &str = "http://base.google.com/ns/1.0";
const SLASH: &str = "http://purl.org/rss/1.0/modules/slash/";
const XHTML: &str = "http://www.w3.org/1999/xhtml";
const CN: &str = "http://conversationsnetwork.org/rssNamespace-1.0/";
const OPENSEARCH: &str = "http://a9.com/-/spec/opensearch/1.1/";
const TRACKBACK: &str = "http://madskills.com/public/xml/rss/module/trackback/";

/// An element's qualified name for messages; formatted only when a finding is reported.
#[derive(Clone, Copy)]
struct QName<'a>(&'a Element<'a>);

impl std::fmt::Display for QName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.0.prefix, self.0.name)
    }
}

/// Checks one extension element `e` in namespace `ns`, a child of `parent`.
pub(crate) fn check(e: &Element, ns: &str, parent: Option<&Element>, rdf: bool, f: &mut Findings) {
    let q = QName(e);
    match ns {
        ITUNES => itunes(e, parent.map_or("", |p| &*p.name), q, f),
        MEDIA => media(e, parent, q, f),
        GEO | ICBM | GEOURL => geo(e, q, f),
        SSE => sse(e, q, f),
        GBASE => gbase(e, parent, q, f),
        SLASH => match &*e.name {
            "comments" => integer(&e.text(), q, f),
            "hit_parade" => {
                let v = e.text();
                if !v.split(',').all(|n| n.trim().parse::<u64>().is_ok()) {
                    f.add(format!("<{}> {v:?} is not comma-separated integers", q));
                }
            }
            _ => {}
        },
        // XHTML `meta` robots directives at feed/channel level.
        XHTML
            if e.name == "meta"
                && parent.is_some_and(|p| matches!(&*p.name, "feed" | "channel")) =>
        {
            match e.attr("name") {
                Some(n) if n.eq_ignore_ascii_case("robots") => {}
                Some(n) => f.add(format!("<{}> name {n:?} is not robots", q)),
                None => f.add(format!("<{}> has no name attribute", q)),
            }
            match e.attr("content") {
                Some(c) => {
                    if !robots(c) {
                        f.add(format!("<{}> content {c:?} is not a robots directive", q));
                    }
                }
                None => f.add(format!("<{}> has no content attribute", q)),
            }
        }
        CN => conversations_network(e, q, f),
        OPENSEARCH if e.name == "Query" => opensearch_query(e, q, f),
        THR => {
            if e.name == "in-reply-to" {
                match e.attr("ref") {
                    Some(r) => full_url(r, format_args!("<{}> ref", q), f),
                    None => f.add(format!("<{}> has no ref attribute", q)),
                }
                if let Some(t) = e.attr("type") {
                    mime(t, q, f);
                }
                if let Some(s) = e.attr("source") {
                    uri(s, format_args!("<{}> source", q), f);
                }
            }
            match &*e.name {
                "total" => integer(&e.text(), q, f),
                "in-reply-to" => {}
                // RFC 4685 defines only in-reply-to and total as elements.
                other => f.add(format!(
                    "<{}:{other}> is not defined by Atom threading",
                    e.prefix
                )),
            }
        }
        FH if e.name == "complete" => {
            // RFC 5005 §2: a complete feed has no paging or archive links.
            if let Some(p) = parent {
                for l in core(p, "link") {
                    if let Some(rel) = l.attr("rel").filter(|r| PAGING_RELS.contains(r)) {
                        f.add(format!("complete feed (<{}>) has a link rel={rel:?}", q));
                    }
                }
            }
        }
        TRACKBACK if matches!(&*e.name, "ping" | "about") => {
            if parent.is_some_and(|p| !matches!(&*p.name, "item" | "entry")) {
                f.add(format!("<{}> belongs in an item or entry", q));
            }
            if rdf {
                // RSS 1.0: the target is an `rdf:resource` attribute.
                match e.attr("resource") {
                    Some(r) => full_url(r, q, f),
                    None => f.add(format!("<{}> has no rdf:resource attribute", q)),
                }
            } else {
                // RSS 2.0: the target is the element's text.
                full_url(&e.text(), q, f);
            }
        }
        _ => {}
    }
}

const ONCE_MEDIA: &[&str] = &["title", "description", "keywords"];

/// The element's own text exactly as written (no trimming).
fn raw_text(e: &Element) -> String {
    e.children
        .iter()
        .filter_map(|n| match n {
            crate::xml::Node::Text(t) => Some(&**t),
            crate::xml::Node::Element(_) => None,
        })
        .collect()
}

const PAGING_RELS: &[&str] = &[
    "first",
    "last",
    "next",
    "previous",
    "prev",
    "next-archive",
    "prev-archive",
];

fn itunes(e: &Element, parent: &str, q: QName<'_>, f: &mut Findings) {
    let raw = e.text();
    let v = raw.as_str();
    match &*e.name {
        "explicit" => {
            // The exact token: surrounding whitespace is not allowed either.
            let v = raw_text(e);
            let v = v.as_str();
            if !matches!(v, "yes" | "no" | "clean" | "true" | "false") {
                f.add(format!("<{q}> {v:?} is not true/false (or yes/no/clean)"));
            }
        }
        "block" | "complete"
            if !["yes", "no", "clean"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(v)) =>
        {
            f.add(format!("<{q}> {v:?} is not yes, no or clean"));
        }
        "type" if !matches!(v, "episodic" | "serial") => {
            f.add(format!("<{q}> {v:?} is not episodic or serial"));
        }
        "episodeType" if !matches!(v, "full" | "trailer" | "bonus") => {
            f.add(format!("<{q}> {v:?} is not full, trailer or bonus"));
        }
        "image" => match e.attr("href") {
            Some(h) => full_url(h, format_args!("<{q}> href"), f),
            None => f.add(format!("<{q}> has no href attribute")),
        },
        "category" => match e.attr("text") {
            None => f.add(format!("<{q}> has no text attribute")),
            // Subcategories are checked with their parent, below.
            Some(_) if parent == "category" => {}
            Some(t) => match ITUNES_CATEGORIES.iter().find(|(c, _)| *c == t) {
                None => f.add(format!("<{q}> {t:?} is not an iTunes category")),
                Some((_, subs)) => {
                    for sub in e.elements().filter(|c| c.name == "category") {
                        if let Some(st) = sub.attr("text") {
                            // A category may appear twice (current and legacy lists).
                            let known = ITUNES_CATEGORIES
                                .iter()
                                .filter(|(c, _)| *c == t)
                                .any(|(_, subs)| subs.contains(&st));
                            if !known && !subs.contains(&st) {
                                f.add(format!("<{q}> {st:?} is not a subcategory of {t:?}"));
                            }
                        }
                    }
                }
            },
        },
        "owner" if !e.elements().any(|c| c.name == "email") => {
            f.add(format!("<{q}> has no <{}:email>", e.prefix));
        }
        "duration" => {
            if parent == "channel" {
                f.add(format!("<{q}> belongs in an <item>, not the <channel>"));
            }
            if !itunes_duration(v) {
                f.add(format!("<{q}> {v:?} is not seconds, MM:SS or H:MM:SS"));
            }
        }
        "keywords" | "subtitle" | "summary" => {
            let max = if e.name == "summary" { 4000 } else { 255 };
            let n = v.chars().count();
            if n > max {
                f.add(format!("<{q}> is {n} characters (at most {max})"));
            }
        }
        _ => {}
    }
}

/// Apple's `itunes:duration`: whole seconds, or `[[H:]M]M:SS` with minutes and seconds
/// below 60.
fn itunes_duration(v: &str) -> bool {
    let parts: Vec<&str> = v.split(':').collect();
    let num = |p: &str| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() > 3 || !parts.iter().all(|p| num(p)) {
        return false;
    }
    parts.len() == 1
        || parts[1..]
            .iter()
            .all(|p| p.len() == 2 && p.parse::<u8>().is_ok_and(|x| x < 60))
}

fn media(e: &Element, parent: Option<&Element>, q: QName<'_>, f: &mut Findings) {
    // Media RSS: title, description and keywords appear at most once per parent.
    if let Some(p) = parent.filter(|_| ONCE_MEDIA.contains(&&*e.name)) {
        let mut same = p
            .elements()
            .filter(|c| c.name == e.name && c.prefix == e.prefix);
        if same.next().is_some_and(|first| std::ptr::eq(first, e)) && same.next().is_some() {
            f.add(format!("<{}> has more than one <{q}>", p.name));
        }
    }
    match &*e.name {
        "content" => {
            if let Some(v) = e.attr("fileSize") {
                if !v.trim().parse::<u64>().is_ok_and(|x| x > 0) {
                    f.add(format!("<{q}> fileSize {v:?} is not a positive integer"));
                }
            }
            if let Some(v) = e.attr("channels") {
                integer(v, format_args!("<{q}> channels"), f);
            }
            for a in ["framerate", "samplingrate"] {
                if let Some(v) = e.attr(a) {
                    if !v
                        .trim()
                        .parse::<f64>()
                        .is_ok_and(|x| x.is_finite() && x >= 0.0)
                    {
                        f.add(format!("<{q}> {a} {v:?} is not a number"));
                    }
                }
            }
            if let Some(v) = e.attr("isDefault") {
                if !matches!(v, "true" | "false") {
                    f.add(format!("<{q}> isDefault {v:?} is not true or false"));
                }
            }
            if let Some(v) = e.attr("medium") {
                if !matches!(v, "image" | "audio" | "video" | "document" | "executable") {
                    f.add(format!(
                        "<{q}> medium {v:?} is not image, audio, video, document or executable"
                    ));
                }
            }
            if let Some(v) = e.attr("expression") {
                if !matches!(v, "sample" | "full" | "nonstop") {
                    f.add(format!(
                        "<{q}> expression {v:?} is not sample, full or nonstop"
                    ));
                }
            }
            if let Some(v) = e.attr("lang") {
                language(v, f);
            }
            if let Some(v) = e.attr("type") {
                mime(v, q, f);
            }
        }
        "thumbnail" | "player" => {
            if e.attr("url").is_none() {
                f.add(format!("<{q}> has no url attribute"));
            }
            if let Some(t) = e.attr("time") {
                npt(t, format_args!("<{q}> time"), f);
            }
        }
        "text" => {
            if let Some(t) = e.attr("type") {
                if !matches!(t, "plain" | "html") {
                    f.add(format!("<{q}> type {t:?} is not plain or html"));
                }
            }
            if let Some(v) = e.attr("lang") {
                language(v, f);
            }
            for a in ["start", "end"] {
                if let Some(t) = e.attr(a) {
                    npt(t, format_args!("<{q}> {a}"), f);
                }
            }
        }
        "hash" => {
            let algo = e.attr("algo").unwrap_or("md5");
            let len = match algo {
                "md5" => 32,
                "sha-1" => 40,
                other => {
                    f.add(format!("<{q}> algo {other:?} is not md5 or sha-1"));
                    return;
                }
            };
            let v = e.text();
            if v.len() != len || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                f.add(format!(
                    "<{q}> {v:?} is not a hex {algo} digest ({len} digits)"
                ));
            }
        }
        "rating" => {
            let v = e.text().to_ascii_lowercase();
            let allowed: &[&str] = match e.attr("scheme").unwrap_or("urn:simple") {
                "urn:simple" => &["adult", "nonadult"],
                "urn:mpaa" => &["g", "pg", "pg-13", "r", "nc-17"],
                "urn:v-chip" => &[
                    "tv-y", "tv-y7", "tv-y7-fv", "tv-g", "tv-pg", "tv-14", "tv-ma",
                ],
                _ => return,
            };
            if !allowed.contains(&v.as_str()) {
                f.add(format!("<{q}> {v:?} is not a rating of its scheme"));
            }
        }
        "restriction" => restriction(e, q, f),
        // A group holds alternatives of one piece of content: one alone is no group.
        "group" => {
            let n = e
                .elements()
                .filter(|c| c.name == "content" && c.prefix == e.prefix)
                .count();
            if n < 2 {
                f.add(format!(
                    "<{q}> has {n} <{}:content> (a group needs alternatives)",
                    e.prefix
                ));
            }
        }
        _ => {}
    }
}

fn restriction(e: &Element, q: QName<'_>, f: &mut Findings) {
    match e.attr("relationship") {
        Some("allow" | "deny") => {}
        Some(r) => f.add(format!("<{q}> relationship {r:?} is not allow or deny")),
        None => f.add(format!("<{q}> has no relationship attribute")),
    }
    let v = e.text();
    match e.attr("type") {
        Some("country") => {
            for c in v.split_whitespace() {
                if !country(c) {
                    f.add(format!("<{q}> {c:?} is not an ISO 3166 country code"));
                }
            }
        }
        Some("uri") => {
            for u in v.split_whitespace() {
                full_url(u, format_args!("<{q}>"), f);
            }
        }
        Some("sharing") => {}
        Some(t) => f.add(format!("<{q}> type {t:?} is not country, uri or sharing")),
        None => {
            if !v.is_empty() && !matches!(v.as_str(), "all" | "none") {
                f.add(format!(
                    "<{q}> without a type must be all or none, not {v:?}"
                ));
            }
        }
    }
}

/// ISO 3166-1 alpha-2 codes in use (officially assigned).
const COUNTRIES: &str = "ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es et fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw";

fn country(c: &str) -> bool {
    c.len() == 2 && COUNTRIES.split(' ').any(|k| k.eq_ignore_ascii_case(c))
}

/// Normal Play Time (RFC 2326 §3.6): `now`, seconds, or `H:MM:SS`, each with an optional
/// fraction.
fn npt(v: &str, what: impl std::fmt::Display, f: &mut Findings) {
    let dec = |s: &str| {
        let (i, frac) = s.split_once('.').unwrap_or((s, "0"));
        !i.is_empty()
            && i.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
    };
    let ok = v == "now"
        || match v.split(':').collect::<Vec<_>>()[..] {
            [s] => dec(s),
            [h, m, s] => {
                !h.is_empty()
                    && h.bytes().all(|b| b.is_ascii_digit())
                    && m.len() == 2
                    && m.parse::<u8>().is_ok_and(|x| x < 60)
                    && s.get(..2)
                        .is_some_and(|w| w.parse::<u8>().is_ok_and(|x| x < 60))
                    && dec(s)
            }
            _ => false,
        };
    if !ok {
        f.add(format!("{what} {v:?} is not a Normal Play Time"));
    }
}

fn geo(e: &Element, q: QName<'_>, f: &mut Findings) {
    let limit = match &*e.name {
        "lat" | "latitude" => 90.0,
        "long" | "lon" | "longitude" => 180.0,
        _ => return,
    };
    let v = e.text();
    if !v
        .parse::<f64>()
        .is_ok_and(|x| (-limit..=limit).contains(&x))
    {
        f.add(format!(
            "<{q}> {v:?} is not a number from -{limit} to {limit}"
        ));
    }
}

fn sse(e: &Element, q: QName<'_>, f: &mut Findings) {
    let positive = |a: &str, f: &mut Findings| match e.attr(a) {
        Some(v) => {
            // FeedSync: a positive 32-bit signed integer.
            if !v.trim().parse::<i32>().is_ok_and(|x| x > 0) {
                f.add(format!(
                    "<{q}> {a} {v:?} is not a positive integer up to 2^31-1"
                ));
            }
        }
        None => f.add(format!("<{q}> has no {a} attribute")),
    };
    let boolean = |a: &str, f: &mut Findings| {
        if let Some(v) = e.attr(a) {
            if !matches!(v, "true" | "false") {
                f.add(format!("<{q}> {a} {v:?} is not true or false"));
            }
        }
    };
    match &*e.name {
        "sync" => {
            if e.attr("id").is_none() {
                f.add(format!("<{q}> has no id attribute"));
            }
            positive("updates", f);
            boolean("deleted", f);
            boolean("noconflicts", f);
            if !e.elements().any(|c| c.name == "history") {
                f.add(format!("<{q}> has no <{}:history>", e.prefix));
            }
        }
        "history" => {
            positive("sequence", f);
            if e.attr("by").is_none() && e.attr("when").is_none() {
                f.add(format!("<{q}> has neither a by nor a when attribute"));
            }
        }
        "related" => {
            match e.attr("link") {
                Some(l) => full_url(l, format_args!("<{q}> link"), f),
                None => f.add(format!("<{q}> has no link attribute")),
            }
            match e.attr("type") {
                Some("complete" | "aggregated") => {}
                Some(t) => f.add(format!("<{q}> type {t:?} is not complete or aggregated")),
                None => f.add(format!("<{q}> has no type attribute")),
            }
        }
        "sharing" => {
            match (e.attr("since"), e.attr("until")) {
                (Some(_), None) => f.add(format!("<{q}> has since but no until attribute")),
                (None, Some(_)) => f.add(format!("<{q}> has until but no since attribute")),
                (Some(since), Some(until)) => {
                    let t = |v: &str| chrono::DateTime::parse_from_rfc3339(v.trim()).ok();
                    if let (Some(a), Some(b)) = (t(since), t(until)) {
                        if a > b {
                            f.add(format!("<{q}> since {since:?} is after until {until:?}"));
                        }
                    }
                }
                _ => {}
            }
            if let Some(x) = e.attr("expires") {
                rfc3339(x, format_args!("{q} expires"), f);
            }
        }
        _ => {}
    }
}

/// Google Base item attributes: each attribute's value type (number with an optional unit,
/// year, location, enumerations, URLs); labels and image links at most ten per item.
fn gbase(e: &Element, parent: Option<&Element>, q: QName<'_>, f: &mut Findings) {
    let v = e.text();
    let bad = |what: &str, f: &mut Findings| f.add(format!("<{q}> {v:?} is not {what}"));
    let one_of = |list: &[&str], f: &mut Findings| {
        if !list.contains(&v.as_str()) {
            f.add(format!("<{q}> {v:?} is not one of {}", list.join(", ")));
        }
    };
    match &*e.name {
        "price" | "delivery_radius" | "megapixels" | "memory" | "preparation_time"
        | "processor_speed" | "protein" | "weight"
            if !float_unit(&v) =>
        {
            bad("a number with an optional unit", f);
        }
        "calories" | "cholesterol" | "cooking_time" | "fiber" | "hoa_dues" | "salary"
        | "saturated_fat" | "servings" | "sodium" | "total_carbs" | "total_fat"
            if !v.starts_with(|c: char| c.is_ascii_digit()) =>
        {
            bad("a number", f);
        }
        "year" => {
            use chrono::Datelike;
            let max = chrono::Utc::now().year() + 4;
            if !v.parse::<i32>().is_ok_and(|y| (1900..=max).contains(&y)) {
                bad("a four-digit year", f);
            }
        }
        "age" | "bathrooms" | "bedrooms" | "quantity" => integer(&v, q, f),
        "pages" if !v.parse::<u64>().is_ok_and(|x| x > 0) => {
            bad("a positive integer", f);
        }
        "mileage" => {
            let n = v.split(' ').next().unwrap_or("").replace(',', "");
            if n.parse::<u64>().is_err() {
                bad("a non-negative integer with an optional unit", f);
            }
        }
        "currency" if (v.len() != 3 || !v.bytes().all(|b| b.is_ascii_uppercase())) => {
            bad("an ISO 4217 currency code", f);
        }
        "location" => {
            // street, city, state, postal code, country: five non-empty fields.
            let fields: Vec<&str> = v.split(',').collect();
            if fields.len() != 5 || fields.iter().any(|x| x.trim().is_empty()) {
                bad(
                    "a full address (street, city, state, postal code, country)",
                    f,
                );
            }
        }
        "from_location" | "to_location" if !matches!(v.split(',').count(), 2 | 3) => {
            bad("a location (city, state[, country])", f);
        }
        "label" if v.contains(',') => bad("a single label (no commas)", f),
        "image_link" | "url_of_item_being_reviewed" => full_url(&v, format_args!("<{q}>"), f),
        "listing_type" | "pickup"
            if !v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false") =>
        {
            bad("true or false", f);
        }
        "gender" => one_of(&["Male", "M", "Female", "F"], f),
        "marital_status" => one_of(
            &[
                "single",
                "divorced",
                "separated",
                "widowed",
                "married",
                "in relationship",
            ],
            f,
        ),
        "payment_accepted" => one_of(
            &[
                "Cash",
                "Check",
                "Traveler's Check",
                "Visa",
                "MasterCard",
                "AmericanExpress",
                "American Express",
                "Discover",
                "WireTransfer",
                "Wire transfer",
            ],
            f,
        ),
        "price_type" | "salary_type" => one_of(&["negotiable", "starting"], f),
        "rating" => one_of(&["1", "2", "3", "4", "5"], f),
        "reviewer_type" => one_of(&["editorial", "user"], f),
        _ => {}
    }
    if let Some(p) = parent.filter(|_| matches!(&*e.name, "label" | "image_link")) {
        let mut same = p
            .elements()
            .filter(|c| c.name == e.name && c.prefix == e.prefix);
        if same.next().is_some_and(|first| std::ptr::eq(first, e)) && same.nth(9).is_some() {
            f.add(format!("<{}> has more than ten <{q}>", p.name));
        }
    }
}

/// Google Base `floatUnit`: digits, an optional decimal part, then an optional unit word.
fn float_unit(v: &str) -> bool {
    let int_end = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    if int_end == 0 {
        return false;
    }
    let rest = &v[int_end..];
    let rest = match rest.strip_prefix('.') {
        Some(r) => r.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    rest.trim_start()
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_')
}

/// Apple's podcast categories and subcategories: the current list, then legacy categories
/// the validator still accepts (a name may appear in both).
const ITUNES_CATEGORIES: &[(&str, &[&str])] = &[
    (
        "Arts",
        &[
            "Books",
            "Design",
            "Fashion & Beauty",
            "Food",
            "Performing Arts",
            "Visual Arts",
        ],
    ),
    (
        "Business",
        &[
            "Careers",
            "Entrepreneurship",
            "Investing",
            "Management",
            "Marketing",
            "Non-Profit",
        ],
    ),
    ("Comedy", &["Comedy Interviews", "Improv", "Stand-Up"]),
    (
        "Education",
        &["Courses", "How To", "Language Learning", "Self-Improvement"],
    ),
    ("Fiction", &["Comedy Fiction", "Drama", "Science Fiction"]),
    ("Government", &[]),
    ("History", &[]),
    (
        "Health & Fitness",
        &[
            "Alternative Health",
            "Fitness",
            "Medicine",
            "Mental Health",
            "Nutrition",
            "Sexuality",
        ],
    ),
    (
        "Kids & Family",
        &[
            "Education for Kids",
            "Parenting",
            "Pets & Animals",
            "Stories for Kids",
        ],
    ),
    (
        "Leisure",
        &[
            "Animation & Manga",
            "Automotive",
            "Aviation",
            "Crafts",
            "Games",
            "Hobbies",
            "Home & Garden",
            "Video Games",
        ],
    ),
    (
        "Music",
        &["Music Commentary", "Music History", "Music Interviews"],
    ),
    (
        "News",
        &[
            "Business News",
            "Daily News",
            "Entertainment News",
            "News Commentary",
            "Politics",
            "Sports News",
            "Tech News",
        ],
    ),
    (
        "Religion & Spirituality",
        &[
            "Buddhism",
            "Christianity",
            "Hinduism",
            "Islam",
            "Judaism",
            "Spirituality",
        ],
    ),
    (
        "Science",
        &[
            "Astronomy",
            "Chemistry",
            "Earth Sciences",
            "Life Sciences",
            "Mathematics",
            "Natural Sciences",
            "Nature",
            "Physics",
            "Social Sciences",
        ],
    ),
    (
        "Society & Culture",
        &[
            "Documentary",
            "Personal Journals",
            "Philosophy",
            "Places & Travel",
            "Relationships",
        ],
    ),
    (
        "Sports",
        &[
            "Baseball",
            "Basketball",
            "Cricket",
            "Fantasy Sports",
            "Football",
            "Golf",
            "Hockey",
            "Rugby",
            "Running",
            "Soccer",
            "Swimming",
            "Tennis",
            "Volleyball",
            "Wilderness",
            "Wrestling",
        ],
    ),
    ("Technology", &[]),
    ("True Crime", &[]),
    (
        "TV & Film",
        &[
            "After Shows",
            "Film History",
            "Film Interviews",
            "Film Reviews",
            "TV Reviews",
        ],
    ),
    // Legacy.
    ("Arts", &["Literature"]),
    (
        "Arts & Entertainment",
        &[
            "Architecture",
            "Design",
            "Entertainment",
            "Games",
            "Performing Arts",
            "Photography",
            "Poetry",
            "Science Fiction",
        ],
    ),
    ("Audio Blogs", &[]),
    (
        "Business",
        &[
            "Careers",
            "Finance",
            "Investing",
            "Management & Marketing",
            "News",
            "Shopping",
        ],
    ),
    (
        "Education",
        &[
            "Education Technology",
            "Higher Education",
            "K-12",
            "Language Courses",
            "Training",
        ],
    ),
    ("Family", &[]),
    ("Food", &[]),
    (
        "Games & Hobbies",
        &[
            "Automotive",
            "Aviation",
            "Hobbies",
            "Other Games",
            "Video Games",
        ],
    ),
    (
        "Government & Organizations",
        &["Local", "National", "Non-Profit", "Regional"],
    ),
    (
        "Health",
        &[
            "Alternative Health",
            "Diet & Nutrition",
            "Fitness",
            "Fitness & Nutrition",
            "Relationships",
            "Self-Help",
            "Sexuality",
        ],
    ),
    (
        "International",
        &[
            "Australian",
            "Belgian",
            "Brazilian",
            "Canadian",
            "Chinese",
            "Dutch",
            "French",
            "German",
            "Hebrew",
            "Italian",
            "Japanese",
            "Norwegian",
            "Polish",
            "Portuguese",
            "Spanish",
            "Swedish",
        ],
    ),
    ("Movies & Television", &[]),
    ("News & Politics", &[]),
    ("Politics", &[]),
    ("Public Radio", &[]),
    (
        "Religion & Spirituality",
        &["New Age", "Philosophy", "Other"],
    ),
    (
        "Science & Medicine",
        &["Medicine", "Natural Sciences", "Social Sciences"],
    ),
    ("Society & Culture", &["History"]),
    (
        "Sports & Recreation",
        &[
            "Amateur",
            "College & High School",
            "Outdoor",
            "Professional",
        ],
    ),
    ("Talk Radio", &[]),
    (
        "Technology",
        &[
            "Computers",
            "Developers",
            "Gadgets",
            "Information Technology",
            "News",
            "Operating Systems",
            "Podcasting",
            "Smart Phones",
            "Software How-To",
            "Tech News",
            "Text/Speech",
        ],
    ),
    (
        "Transportation",
        &["Automotive", "Aviation", "Bicycles", "Commuting"],
    ),
    ("Travel", &[]),
];

/// The Conversations Network podcast vocabulary: counts, ratings, a timestamp, an image URL.
fn conversations_network(e: &Element, q: QName<'_>, f: &mut Findings) {
    let v = e.text();
    match &*e.name {
        "introMilliseconds" | "ratingCount" => integer(&v, q, f),
        "ratingIndividual" if !v.parse::<u64>().is_ok_and(|x| x > 0) => {
            f.add(format!("<{q}> {v:?} is not a positive integer"));
        }
        "ratingAverage" if !v.parse::<f64>().is_ok_and(f64::is_finite) => {
            f.add(format!("<{q}> {v:?} is not a number"));
        }
        "ratingTimestamp" => rfc3339(&v, q, f),
        "image" => full_url(&v, format_args!("<{q}>"), f),
        _ => {}
    }
}

/// A robots directive list: `all` or `none` alone, or at most one of index/noindex and
/// one of follow/nofollow.
fn robots(c: &str) -> bool {
    let ds: Vec<String> = c
        .split(',')
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    if ds.len() == 1 && matches!(ds[0].as_str(), "all" | "none") {
        return true;
    }
    let count = |a: &str, b: &str| ds.iter().filter(|d| *d == a || *d == b).count();
    let index = count("index", "noindex");
    let follow = count("follow", "nofollow");
    index <= 1 && follow <= 1 && index + follow == ds.len()
}

/// OpenSearch 1.1 `Query`: a role (a local role name or a namespaced `prefix:name`),
/// integer paging parameters, a language, registered character sets, a short title.
fn opensearch_query(e: &Element, q: QName<'_>, f: &mut Findings) {
    const ROLES: &[&str] = &[
        "request",
        "example",
        "related",
        "correction",
        "subset",
        "superset",
    ];
    match e.attr("role") {
        None => f.add(format!("<{q}> has no role attribute")),
        Some(r) if !r.contains(':') && !ROLES.contains(&r) => {
            f.add(format!("<{q}> role {r:?} is not an OpenSearch role"))
        }
        Some(_) => {}
    }
    for a in ["count", "totalResults"] {
        if let Some(v) = e.attr(a) {
            integer(v, format_args!("<{q}> {a}"), f);
        }
    }
    for a in ["startIndex", "startPage"] {
        if let Some(v) = e.attr(a) {
            if v.trim().parse::<i64>().is_err() {
                f.add(format!("<{q}> {a} {v:?} is not an integer"));
            }
        }
    }
    if let Some(v) = e.attr("language").filter(|v| *v != "*") {
        language(v, f);
    }
    for a in ["inputEncoding", "outputEncoding"] {
        if let Some(v) = e.attr(a) {
            if encoding_rs::Encoding::for_label(v.trim().as_bytes()).is_none() {
                f.add(format!("<{q}> {a} {v:?} is not a character set"));
            }
        }
    }
    if let Some(t) = e.attr("title") {
        let n = t.chars().count();
        if n > 256 {
            f.add(format!("<{q}> title is {n} characters (at most 256)"));
        }
    }
}
