//! Feed parsing throughput (one core) in MB/s and items/s: generated RSS 2.0, Atom 1.0 and
//! JSON Feed documents of wire copy, and — when `$WIREFEED_CORPORA` (default
//! `../shared/corpora`) is there — the real-world feed-rs fixtures. Beside each XML group, the
//! same bytes through quick-xml's bare event scan: the tokenizer's limit, measured in the same
//! run, so the figure reads as a ratio on a noisy machine.
//!
//! ```sh
//! cargo bench -p wirefeed-fetch --bench parse
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wirefeed_fetch::{parse_document, DocumentKind};

const ITEMS: usize = 200;
const DOCS: usize = 10;

/// Wire-like paragraphs from a fixed vocabulary (xorshift), different for every item.
fn paragraphs(seed: u64) -> Vec<String> {
    const W: &[&str] = &[
        "the",
        "minister",
        "said",
        "on",
        "Tuesday",
        "talks",
        "would",
        "resume",
        "in",
        "Brussels",
        "after",
        "allies",
        "agreed",
        "to",
        "a",
        "new",
        "plan",
        "for",
        "missile",
        "defence",
        "sites",
        "and",
        "radar",
        "coverage",
        "of",
        "eastern",
        "Europe",
        "with",
        "officials",
        "from",
        "Moscow",
        "Washington",
        "billion",
        "dollars",
        "percent",
    ];
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut word = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        W[(x % W.len() as u64) as usize]
    };
    (0..6)
        .map(|_| (0..40).map(|_| word()).collect::<Vec<_>>().join(" ") + ".")
        .collect()
}

fn rss(doc: usize) -> String {
    let mut s = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Wire {doc}</title><link>http://wire.test/</link><description>d</description>\n");
    for i in 0..ITEMS {
        let html: String = paragraphs((doc * ITEMS + i) as u64)
            .iter()
            .map(|p| format!("<p>{p}</p>"))
            .collect();
        s.push_str(&format!("<item><title>Story {doc}-{i} on missile defence</title><link>http://wire.test/{doc}/{i}</link><guid>g{doc}-{i}</guid><pubDate>Tue, 03 Mar 2026 10:{:02}:00 GMT</pubDate><dc:creator>Reporter {i}</dc:creator><category>World</category><description><![CDATA[{html}]]></description></item>\n", i % 60));
    }
    s + "</channel></rss>"
}

fn atom(doc: usize) -> String {
    let mut s = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Wire {doc}</title><id>urn:wire:{doc}</id><updated>2026-03-03T10:00:00Z</updated>\n");
    for i in 0..ITEMS {
        let html: String = paragraphs((doc * ITEMS + i) as u64 + 7)
            .iter()
            .map(|p| format!("&lt;p&gt;{p}&lt;/p&gt;"))
            .collect();
        s.push_str(&format!("<entry><title>Story {doc}-{i}</title><id>urn:wire:{doc}:{i}</id><link href=\"http://wire.test/{doc}/{i}\"/><updated>2026-03-03T10:{:02}:00Z</updated><author><name>Reporter {i}</name></author><content type=\"html\">{html}</content></entry>\n", i % 60));
    }
    s + "</feed>"
}

fn json_feed(doc: usize) -> String {
    let items: Vec<serde_json::Value> = (0..ITEMS)
        .map(|i| {
            let html: String = paragraphs((doc * ITEMS + i) as u64 + 13)
                .iter()
                .map(|p| format!("<p>{p}</p>"))
                .collect();
            serde_json::json!({
                "id": format!("j{doc}-{i}"),
                "url": format!("http://wire.test/{doc}/{i}"),
                "title": format!("Story {doc}-{i}"),
                "content_html": html,
                "date_published": "2026-03-03T10:00:00Z",
                "authors": [{"name": format!("Reporter {i}")}],
            })
        })
        .collect();
    serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": format!("Wire {doc}"), "items": items}).to_string()
}

/// The real-world fixtures of feed-rs that hold a feed (not its expected-output snapshots),
/// when the shared corpora are present.
fn fixtures() -> Vec<Vec<u8>> {
    let root = std::env::var_os("WIREFEED_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpora"
            ))
        });
    let mut out = Vec::new();
    let mut dirs = vec![root.join("feed-rs")];
    while let Some(d) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("xml" | "rss" | "atom" | "json")
            ) {
                if let Ok(b) = std::fs::read(&p) {
                    out.push(b);
                }
            }
        }
    }
    let source: Arc<str> = Arc::from("bench");
    out.retain(|d| {
        parse_document(d, &source, DocumentKind::Feed, None).is_ok_and(|v| !v.is_empty())
    });
    out.sort();
    out
}

fn scan_xml(docs: &[Vec<u8>]) -> usize {
    let mut events = 0;
    for d in docs {
        let mut r = quick_xml::Reader::from_reader(d.as_slice());
        let mut buf = Vec::new();
        loop {
            match r.read_event_into(&mut buf) {
                Ok(quick_xml::events::Event::Eof) | Err(_) => break,
                Ok(_) => events += 1,
            }
            buf.clear();
        }
    }
    events
}

fn group(c: &mut Criterion, name: &str, docs: Vec<Vec<u8>>, xml: bool) {
    let source: Arc<str> = Arc::from("bench");
    let bytes: usize = docs.iter().map(Vec::len).sum();
    let items: usize = docs
        .iter()
        .map(|d| parse_document(d, &source, DocumentKind::Feed, None).map_or(0, |v| v.len()))
        .sum();
    eprintln!(
        "{name}: {} documents, {items} items, {:.1} MB",
        docs.len(),
        bytes as f64 / 1e6
    );
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| {
                    parse_document(d, &source, DocumentKind::Feed, None).map_or(0, |v| v.len())
                })
                .sum::<usize>()
        })
    });
    if xml {
        g.bench_function("quick-xml scan (baseline)", |b| b.iter(|| scan_xml(&docs)));
    }
    g.finish();
    let mut g = c.benchmark_group(format!("{name} items"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(items as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| {
                    parse_document(d, &source, DocumentKind::Feed, None).map_or(0, |v| v.len())
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    group(
        c,
        "rss2",
        (0..DOCS).map(|d| rss(d).into_bytes()).collect(),
        true,
    );
    group(
        c,
        "atom",
        (0..DOCS).map(|d| atom(d).into_bytes()).collect(),
        true,
    );
    group(
        c,
        "jsonfeed",
        (0..DOCS).map(|d| json_feed(d).into_bytes()).collect(),
        false,
    );
    let real = fixtures();
    if !real.is_empty() {
        group(c, "feed-rs fixtures", real, false);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
