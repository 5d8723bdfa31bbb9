//! Throughput with the full default taxonomy and gazetteer, in bytes of story text per
//! second on one core:
//!
//! ```sh
//! cargo bench -p wirefeed-enrich --bench enrich
//! ```
//!
//! `matching/*` is the phrase automaton alone (every phrase of every topic, place and
//! organisation; target ≥ 200 MB/s), `enricher/*` the whole `Enricher::enrich` (topics,
//! places, organisations, people; target ≥ 50 MB/s). `scan/*` is the floor to compare them
//! with in the same run: one pass over the same bytes counting word starts, the least work
//! any word-boundary matcher does. Criterion reports MiB/s; the story counts are printed
//! first, for stories/s. Inputs: generated wire-like text
//! (always), and Reuters-21578 bodies when `$WIREFEED_CORPORA` (default `../shared/corpora`)
//! has them; the corpus is read at run time, never copied.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wirefeed_enrich::{Enricher, Taxonomy, DEFAULT_TAXONOMY};
use wirefeed_model::{ItemFormat, Story};

fn story(headline: &str, paragraphs: Vec<String>) -> Story {
    let mut s = Story::new(
        "urn:wirefeed:story:bench",
        "bench".into(),
        ItemFormat::WireText,
        headline,
        paragraphs,
    );
    s.language = Some("en".into());
    s
}

/// ~1 MB of wire-like stories: common words with topic phrases, places and titled names
/// mixed in at roughly news density, from a fixed-seed generator so runs compare.
fn generated() -> Vec<Story> {
    const WORDS: &[&str] = &[
        "the",
        "said",
        "on",
        "Tuesday",
        "officials",
        "would",
        "a",
        "of",
        "in",
        "to",
        "and",
        "government",
        "plan",
        "talks",
        "missile defence",
        "Russia",
        "Washington",
        "NATO",
        "economy",
        "prices",
        "after",
        "market",
        "week",
        "team",
        "film",
        "election",
        "with",
        "Defence Minister Sergei Shoigu",
        "President Barack Obama",
        "Moscow",
        "shares",
        "company",
        "report",
        "people",
        "year",
        "interest rates",
        "U.S.",
        "European Union",
        "troops",
        "which",
        "were",
        "for",
        "its",
        "by",
        "more",
        "than",
        "new",
        "also",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        // xorshift64: deterministic and dependency-free; quality does not matter here.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut stories = Vec::new();
    let mut bytes = 0;
    while bytes < 1_000_000 {
        let mut paragraphs = Vec::new();
        for _ in 0..8 {
            let n = 30 + (next() % 20) as usize;
            let p: Vec<&str> = (0..n)
                .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
                .collect();
            let p = p.join(" ") + ".";
            bytes += p.len();
            paragraphs.push(p);
        }
        stories.push(story(
            "Russia and NATO hold missile defence talks",
            paragraphs,
        ));
    }
    stories
}

/// Reuters-21578 bodies from the first three SGML files, one story each.
fn reuters() -> Option<Vec<Story>> {
    let root = std::env::var_os("WIREFEED_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
        });
    let mut stories = Vec::new();
    for i in 0..3 {
        let path = root.join(format!("reuters-21578/reuters21578/reut2-{i:03}.sgm"));
        let text = String::from_utf8_lossy(&std::fs::read(path).ok()?).into_owned();
        for chunk in text.split("<BODY>").skip(1) {
            let body = chunk.split("</BODY>").next().unwrap_or_default();
            let paragraphs = body
                .split("\n    ")
                .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|p| !p.is_empty())
                .collect();
            stories.push(story("", paragraphs));
        }
    }
    Some(stories)
}

fn text_bytes(stories: &[Story]) -> u64 {
    stories
        .iter()
        .map(|s| s.headline.len() + s.paragraphs.iter().map(String::len).sum::<usize>())
        .sum::<usize>() as u64
}

/// ASCII word starts in `text`: the baseline pass.
fn word_starts(text: &str) -> usize {
    let mut prev = false;
    let mut n = 0;
    for b in std::hint::black_box(text).bytes() {
        let word = b.is_ascii_alphanumeric();
        n += usize::from(word && !prev);
        prev = word;
    }
    n
}

fn bench(c: &mut Criterion) {
    let taxonomy = Taxonomy::from_toml_str(DEFAULT_TAXONOMY, "taxonomy.toml").unwrap();
    let enricher = Enricher::new(taxonomy).unwrap();
    let mut inputs = vec![("generated", generated())];
    match reuters() {
        Some(r) => {
            // As most publishers write it: curly apostrophes, en dashes (Reuters-21578 is ASCII).
            let typographic = r
                .iter()
                .map(|s| {
                    let mut s = s.clone();
                    for p in &mut s.paragraphs {
                        *p = p.replace('\'', "\u{2019}").replace(" - ", " \u{2013} ");
                    }
                    s
                })
                .collect();
            inputs.push(("reuters", r));
            inputs.push(("reuters-typographic", typographic));
        }
        None => eprintln!("Reuters-21578 not found under $WIREFEED_CORPORA; generated text only"),
    }
    for (name, stories) in &inputs {
        eprintln!(
            "{name}: {} stories, {} bytes of text",
            stories.len(),
            text_bytes(stories)
        );
        let mut g = c.benchmark_group("scan");
        g.throughput(Throughput::Bytes(text_bytes(stories)));
        g.bench_function(*name, |b| {
            b.iter(|| {
                let mut n = 0;
                for s in stories {
                    n += word_starts(&s.headline);
                    for p in &s.paragraphs {
                        n += word_starts(p);
                    }
                }
                n
            })
        });
        g.finish();
        let mut g = c.benchmark_group("matching");
        g.throughput(Throughput::Bytes(text_bytes(stories)));
        g.bench_function(*name, |b| {
            b.iter(|| {
                let mut n = 0;
                for s in stories {
                    n += enricher.count_matches(&s.headline);
                    for p in &s.paragraphs {
                        n += enricher.count_matches(p);
                    }
                }
                n
            })
        });
        g.finish();
        let mut g = c.benchmark_group("enricher");
        g.throughput(Throughput::Bytes(text_bytes(stories)));
        g.sample_size(10);
        g.bench_function(*name, |b| {
            let mut work = stories.clone();
            b.iter(|| {
                for s in work.iter_mut() {
                    enricher.enrich(s);
                }
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
