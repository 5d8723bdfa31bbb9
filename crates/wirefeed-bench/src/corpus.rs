//! The benchmark's input: wire stories (Reuters-21578 bodies when the shared corpora are
//! present, else a generated corpus) laid out as F RSS feeds with originals, re-posts and
//! updates.

use std::collections::HashSet;
use std::path::Path;

/// One wire story: headline line and paragraphs (the dateline starts the first).
#[derive(Debug, Clone)]
pub struct Story {
    pub headline: String,
    pub paragraphs: Vec<String>,
}

/// Reads the Reuters-21578 SGML files under `dir`. SGML is not XML (no root, raw `&#N;`
/// control references, one Latin-1 byte), so a tolerant tag scan is used instead of an XML
/// parser. Stories whose body is short or repeats an earlier one are skipped, so that the
/// only duplicates in a run are the re-posts the layout puts there on purpose.
pub fn reuters(dir: &Path) -> std::io::Result<Vec<Story>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sgm"))
        .collect();
    files.sort();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for path in files {
        let text = String::from_utf8_lossy(&std::fs::read(&path)?).into_owned();
        for doc in text.split("<REUTERS").skip(1) {
            let (Some(title), Some(body)) = (
                between(doc, "<TITLE>", "</TITLE>"),
                between(doc, "<BODY>", "</BODY>"),
            ) else {
                continue;
            };
            let dateline = between(doc, "<DATELINE>", "</DATELINE>").unwrap_or("");
            let story = reuters_story(title, dateline, body);
            let words: usize = story
                .paragraphs
                .iter()
                .map(|p| p.split_whitespace().count())
                .sum();
            if words < 40 || !seen.insert(body_key(&story)) {
                continue;
            }
            out.push(story);
        }
    }
    Ok(out)
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let len = s[start..].find(close)?;
    Some(&s[start..start + len])
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e <= 8);
        match end.map(|e| &rest[..=e]) {
            Some("&lt;") => out.push('<'),
            Some("&gt;") => out.push('>'),
            Some("&amp;") => out.push('&'),
            Some(r) if r.starts_with("&#") => {} // SGML control characters (&#2; &#3; …)
            _ => {
                out.push('&');
                rest = &rest[1..];
                continue;
            }
        }
        rest = &rest[end.map_or(1, |e| e + 1)..];
    }
    out.push_str(rest);
    out
}

fn reuters_story(title: &str, dateline: &str, body: &str) -> Story {
    let body = unescape(body);
    let body = body.trim_end().trim_end_matches("Reuter").trim_end();
    // Paragraphs start on an indented line; lines inside are hard-wrapped, as on the wire.
    let mut paragraphs: Vec<String> = body
        .split("\n    ")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    let dateline = unescape(dateline);
    let dateline = dateline.trim();
    if let Some(first) = paragraphs.first_mut() {
        if !dateline.is_empty() {
            *first = format!("{dateline} {first}");
        }
    }
    Story {
        headline: unescape(title)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        paragraphs,
    }
}

fn body_key(s: &Story) -> u64 {
    let text = s.paragraphs.join(" ").to_lowercase();
    let norm: Vec<&str> = text.split_whitespace().collect();
    xxhash_rust::xxh3::xxh3_64(norm.join(" ").as_bytes())
}

/// A deterministic corpus for machines without `../shared`: wire-like sentences from a fixed
/// vocabulary, each story distinct.
pub fn generated(n: usize) -> Vec<Story> {
    (0..n).map(generated_story).collect()
}

/// Story `i` of the generated corpus: random word sequences seeded by `i`, so two stories share
/// no more than chance vocabulary and no duplicate detector (exact or near) pairs them.
pub fn generated_story(i: usize) -> Story {
    const WORDS: &[&str] = &[
        "government",
        "ministers",
        "said",
        "on",
        "Tuesday",
        "the",
        "talks",
        "would",
        "continue",
        "after",
        "oil",
        "prices",
        "rose",
        "percent",
        "shares",
        "bank",
        "central",
        "interest",
        "rates",
        "inflation",
        "missile",
        "defence",
        "NATO",
        "officials",
        "agreement",
        "trade",
        "exports",
        "imports",
        "billion",
        "dollars",
        "company",
        "profit",
        "quarter",
        "analysts",
        "expected",
        "election",
        "parliament",
        "vote",
        "opposition",
        "leader",
        "court",
        "ruling",
        "strike",
        "workers",
        "union",
        "crop",
        "wheat",
        "harvest",
        "tonnes",
        "market",
        "week",
        "earlier",
        "statement",
        "spokesman",
        "Moscow",
        "Washington",
        "Brussels",
        "London",
        "a",
        "of",
        "in",
        "to",
        "and",
        "for",
        "with",
        "its",
        "new",
        "plan",
        "budget",
        "deficit",
    ];
    let mut x: u64 = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut sentence = |len: usize| {
        let words: Vec<&str> = (0..len)
            .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
            .collect();
        format!("{}.", words.join(" "))
    };
    let headline = sentence(8).trim_end_matches('.').to_string();
    let mut paragraphs = vec![format!(
        "LONDON, Oct 3 (Reuters) - Story {i} {}",
        sentence(24)
    )];
    for _ in 0..5 {
        paragraphs.push(format!("{} {}", sentence(18), sentence(14)));
    }
    Story {
        headline,
        paragraphs,
    }
}

/// What kind of entry an item is, so the expected outcome can be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Original,
    /// The same headline and body as an original in another feed: must be dropped.
    Repost,
    /// `UPDATE 1-` of an original in the same feed (same guid, one more paragraph): version 2.
    Update,
}

/// One RSS item as served.
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: Kind,
    pub guid: String,
    pub headline: String,
    pub paragraphs: Vec<String>,
}

/// `feeds` feeds of `per_feed` items each: one tenth re-posts, one twentieth updates, the rest
/// originals. Originals beyond the corpus size are generated stories: a corpus story with a
/// changed sentence would be (rightly) dropped as a near-duplicate.
pub fn layout(corpus: &[Story], feeds: usize, per_feed: usize) -> Vec<Vec<Item>> {
    let reposts = per_feed / 10;
    let updates = per_feed / 20;
    let originals = per_feed - reposts - updates;
    let original = |f: usize, k: usize| -> Item {
        let n = f * originals + k;
        let base = match corpus.get(n) {
            Some(s) => s.clone(),
            None => generated_story(n),
        };
        Item {
            kind: Kind::Original,
            guid: format!("f{f}-s{k}"),
            headline: base.headline,
            paragraphs: base.paragraphs,
        }
    };
    (0..feeds)
        .map(|f| {
            let mut items: Vec<Item> = (0..originals).map(|k| original(f, k)).collect();
            for u in 0..updates {
                let mut it = original(f, (u * 7) % originals);
                it.kind = Kind::Update;
                it.headline = format!("UPDATE 1-{}", it.headline);
                it.paragraphs
                    .push("The update adds that officials confirmed the figures later.".into());
                items.push(it);
            }
            for r in 0..reposts {
                let other = (f + 1) % feeds;
                let mut it = original(other, (r * 11 + 3) % originals);
                it.kind = Kind::Repost;
                it.guid = format!("f{f}-r{r}");
                items.push(it);
            }
            items
        })
        .collect()
}

/// `text` as most publishers write it: curly apostrophes and quotes, en dashes for spaced
/// hyphens. Reuters-21578 is plain ASCII, which real feeds rarely are, and text-cleaning fast
/// paths that only ASCII takes would look better than they are.
pub fn typographic(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut open = false;
    for c in text.replace(" - ", " \u{2013} ").chars() {
        match c {
            '\'' => out.push('\u{2019}'),
            '"' => {
                open = !open;
                out.push(if open { '\u{201c}' } else { '\u{201d}' });
            }
            c => out.push(c),
        }
    }
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An RSS 2.0 document with HTML paragraphs in CDATA, as real wire feeds serve it.
pub fn rss(feed: usize, items: &[Item]) -> String {
    let mut out = rss_head(feed);
    for it in items {
        out.push_str(&rss_item(feed, it));
    }
    out.push_str(RSS_TAIL);
    out
}

pub fn rss_head(feed: usize) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Bench wire {feed}</title><link>http://bench.wire.test/{feed}/</link><description>benchmark feed</description>\n"
    )
}

pub const RSS_TAIL: &str = "</channel></rss>\n";

pub fn rss_item(feed: usize, it: &Item) -> String {
    let html: String = it
        .paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", xml_escape(p)))
        .collect();
    // A guid is only unique per publisher; the link is per story (an update keeps it).
    let story = it.guid.split_once('-').map_or(it.guid.as_str(), |(_, s)| s);
    format!(
        "<item><title>{}</title><guid isPermaLink=\"false\">{}</guid><link>http://bench.wire.test/{feed}/{story}</link><description><![CDATA[{}]]></description></item>\n",
        xml_escape(&it.headline),
        it.guid,
        html.replace("]]>", "]]&gt;")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuters_story_strips_sgml_and_joins_wrapped_lines() {
        let s = reuters_story(
            "BAHIA &lt;COCOA&gt; REVIEW",
            "    SALVADOR, Feb 26 - ",
            "Showers continued\nthroughout the week.\n    Arrivals were\n155,221 bags.\n Reuter\n&#3;",
        );
        assert_eq!(s.headline, "BAHIA <COCOA> REVIEW");
        assert_eq!(
            s.paragraphs,
            [
                "SALVADOR, Feb 26 - Showers continued throughout the week.",
                "Arrivals were 155,221 bags."
            ]
        );
    }

    #[test]
    fn typographic_punctuation() {
        assert_eq!(
            typographic("He said \"it's over\" - for now."),
            "He said \u{201c}it\u{2019}s over\u{201d} \u{2013} for now."
        );
    }

    #[test]
    fn layout_mixes_originals_reposts_and_updates() {
        let corpus = generated(30);
        let feeds = layout(&corpus, 3, 40);
        let count = |k| feeds.iter().flatten().filter(|i| i.kind == k).count();
        assert_eq!(
            (
                count(Kind::Original),
                count(Kind::Update),
                count(Kind::Repost)
            ),
            (3 * 34, 3 * 2, 3 * 4)
        );
        let bodies: HashSet<String> = feeds
            .iter()
            .flatten()
            .filter(|i| i.kind == Kind::Original)
            .map(|i| i.paragraphs.join("\n"))
            .collect();
        assert_eq!(
            bodies.len(),
            3 * 34,
            "originals beyond the corpus stay distinct"
        );
        let update = feeds[0].iter().find(|i| i.kind == Kind::Update).unwrap();
        assert!(feeds[0]
            .iter()
            .any(|i| i.kind == Kind::Original && i.guid == update.guid));
    }
}
