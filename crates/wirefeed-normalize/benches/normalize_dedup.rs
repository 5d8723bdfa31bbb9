//! Normalize + dedup throughput (one core: the loop is single-threaded) on a generated wire
//! corpus and, when `$WIREFEED_CORPORA` (default `../shared/corpora`) holds Reuters-21578,
//! on its bodies, beside a `to_lowercase` pass over the same bytes as a baseline; the window at 1 M stories is in
//! `benches/window.rs`.
//!
//! ```sh
//! cargo bench -p wirefeed-normalize --bench normalize_dedup
//! ```
//!
//! Reuters-21578 (19,043 stories, 15.6 MB), one core, measured back to back with the
//! previous binary on a loaded 2-core machine (load ~4.5): default config 53-57 → 96-99 MiB/s
//! (61 k → 114-119 k stories/s), without language detection 80-82 → 172-188 MiB/s; the
//! `to_lowercase` baseline ran at 7.4-10.8 GiB/s in the same runs. What is left: whichlang
//! (`fast` detector) is ~38% of the default run and fixed by its 400-character sample;
//! SimHash word hashing ~14%, shingles and majority ~7%, paragraph building ~5%, the
//! window's maps and allocation the rest.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use regex::Regex;
use wirefeed_model::{ItemFormat, RawItem, Text};
use wirefeed_normalize::{
    Decision, LanguageDetector, NormalizeConfig, Normalizer, StateConfig, StoryState,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
}

/// Deterministic wire copy: headline with a prefix, advisory, dateline, hard-wrapped
/// paragraphs, debris and a credits trailer — every rule of the normalizer has work to do.
fn generated(n: usize) -> Vec<RawItem> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut word = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
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
            "Poland",
            "Romania",
            "budget",
            "2.5",
            "billion",
            "euros",
        ];
        W[(x % W.len() as u64) as usize]
    };
    (0..n)
        .map(|i| {
            let mut body = format!(
                "(Adds comment in paragraph {})\n\nBRUSSELS, Oct {} (Reuters) - ",
                i % 9 + 1,
                i % 28 + 1
            );
            for p in 0..10 {
                let mut col = 0;
                for _ in 0..60 {
                    let w = word();
                    if col + w.len() > 66 {
                        body.push('\n');
                        col = 0;
                    }
                    body.push_str(w);
                    body.push(' ');
                    col += w.len() + 1;
                }
                body.push_str(&format!("story {i} paragraph {p}.\n\n"));
                if p == 4 {
                    body.push_str("Advertisement\n\n");
                }
            }
            body.push_str("(Reporting by Marta Lindqvist in Brussels; Editing by David Orme)\n");
            let mut item = RawItem::new(Arc::from("bench"), ItemFormat::WireText);
            item.title = Some(format!(
                "UPDATE 1-Allies weigh interceptor sites, story {i}"
            ));
            item.content = Some(Text::plain(body));
            item
        })
        .collect()
}

/// Reuters-21578 bodies with their titles, when the corpus is there.
fn reuters() -> Vec<RawItem> {
    let dir = std::env::var("WIREFEED_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"))
        .join("reuters-21578/reuters21578");
    let doc = Regex::new(r"(?s)<TITLE>(.*?)</TITLE>.*?<BODY>(.*?)</BODY>").unwrap();
    let mut items = Vec::new();
    for n in 0..22 {
        let Ok(bytes) = std::fs::read(dir.join(format!("reut2-{n:03}.sgm"))) else {
            return Vec::new();
        };
        let text: String = bytes.iter().map(|&b| b as char).collect();
        for c in doc.captures_iter(&text) {
            let mut item = RawItem::new(Arc::from("reuters"), ItemFormat::WireText);
            item.title = Some(c[1].replace("&lt;", "<"));
            item.content = Some(Text::plain(c[2].replace("&lt;", "<")));
            items.push(item);
        }
    }
    items
}

/// The same stories as an RSS feed carries them: each indented paragraph an escaped `<p>`
/// (how `wirefeed-bench` serves them), so the HTML-to-text step is measured too.
fn as_html(items: &[RawItem]) -> Vec<RawItem> {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    items
        .iter()
        .map(|i| {
            let body = i.content.as_ref().map_or("", |t| t.value.as_str());
            let html: String = body
                .split("\n    ")
                .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|p| !p.is_empty())
                .map(|p| format!("<p>{}</p>", escape(&p)))
                .collect();
            let mut item = RawItem::new(Arc::from("reuters-html"), ItemFormat::Rss);
            item.title = i.title.clone();
            item.content = Some(Text::html(html));
            item
        })
        .collect()
}

/// The same stories as most publishers write them: curly apostrophes and quotes, en dashes
/// (Reuters-21578 is plain ASCII, which no longer says much about real feeds).
fn typographic(items: &[RawItem]) -> Vec<RawItem> {
    items
        .iter()
        .map(|i| {
            let mut open = false;
            let mut t = i.clone();
            if let Some(c) = t.content.as_mut() {
                c.value = c
                    .value
                    .chars()
                    .map(|ch| match ch {
                        '\'' => '\u{2019}',
                        '"' => {
                            open = !open;
                            if open {
                                '\u{201c}'
                            } else {
                                '\u{201d}'
                            }
                        }
                        '-' => '\u{2013}',
                        ch => ch,
                    })
                    .collect();
            }
            t
        })
        .collect()
}

fn bytes(items: &[RawItem]) -> u64 {
    items
        .iter()
        .map(|i| i.content.as_ref().map_or(0, |t| t.value.len()) as u64)
        .sum()
}

/// Normalize every item and pass it through a fresh window (check, commit when kept).
fn normalize_and_dedup(n: &Normalizer, items: &[RawItem]) -> usize {
    let mut state = StoryState::open(None, StateConfig::default(), now()).unwrap();
    let mut kept = 0;
    for i in items {
        if let Ok(mut s) = n.normalize(i) {
            if !matches!(state.check(&mut s, now()), Decision::Duplicate { .. }) {
                state.commit(&s).unwrap();
                kept += 1;
            }
        }
    }
    kept
}

/// A floor to read the figures against, measured in the same run: one pass of
/// `str::to_lowercase` over the same bodies (a copy that touches every char).
fn lowercase_all(items: &[RawItem]) -> usize {
    items
        .iter()
        .filter_map(|i| i.content.as_ref())
        .map(|t| t.value.to_lowercase().len())
        .sum()
}

fn throughput(c: &mut Criterion) {
    let mut corpora = vec![("generated", generated(2000))];
    let r = reuters();
    if !r.is_empty() {
        corpora.push(("reuters-21578-html", as_html(&r)));
        corpora.push(("reuters-21578-typographic", typographic(&r)));
        corpora.push(("reuters-21578", r));
    }
    let mut g = c.benchmark_group("normalize_dedup");
    g.sample_size(10);
    // The default config (language detection on, `fast` detector), without detection, and
    // with the `wide` (whatlang-only) detector.
    let configs = [
        ("default", NormalizeConfig::default()),
        (
            "nolang",
            NormalizeConfig {
                detect_language: false,
                ..Default::default()
            },
        ),
        (
            "wide",
            NormalizeConfig {
                language_detector: LanguageDetector::Wide,
                ..Default::default()
            },
        ),
    ];
    // Stories/s is the story count in the name divided by the time.
    for (name, items) in &corpora {
        g.throughput(Throughput::Bytes(bytes(items)));
        g.bench_function(
            format!("{name}/baseline-to_lowercase ({} stories)", items.len()),
            |b| b.iter(|| lowercase_all(items)),
        );
        for (label, config) in &configs {
            let n = Normalizer::new(config.clone()).unwrap();
            g.bench_function(format!("{name}/{label} ({} stories)", items.len()), |b| {
                b.iter(|| normalize_and_dedup(&n, items))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
