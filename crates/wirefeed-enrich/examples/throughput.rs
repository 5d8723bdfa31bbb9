//! Throughput per CPU-second, for a machine shared with other work:
//!
//! ```sh
//! cargo run --release -p wirefeed-enrich --example throughput            # scan, match, enrich
//! cargo run --release -p wirefeed-enrich --example throughput -- match 20
//! ```
//!
//! The criterion bench (`benches/enrich.rs`) measures wall-clock time, which on a loaded
//! machine counts time the thread spent waiting for a core. This divides by the thread's own
//! CPU time instead (Linux `/proc/thread-self/schedstat`; wall time elsewhere), over the same
//! input as the bench: the Reuters-21578 bodies of `reut2-000..002.sgm` from
//! `$WIREFEED_CORPORA` (default `../shared/corpora`), read at run time, never copied.
//! `scan` is the floor (a pass counting word starts), `match` the phrase automaton alone,
//! `enrich` the whole `Enricher::enrich`.

use std::path::PathBuf;
use std::time::Instant;

use wirefeed_enrich::{Enricher, Taxonomy, DEFAULT_TAXONOMY};
use wirefeed_model::{ItemFormat, Story};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let modes: Vec<&str> = match args.first().map(String::as_str) {
        Some(m @ ("scan" | "match" | "enrich")) => vec![m],
        _ => vec!["scan", "match", "enrich"],
    };
    let iterations: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(20);
    let root = std::env::var_os("WIREFEED_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
        });
    let Some(stories) = reuters(&root) else {
        eprintln!("Reuters-21578 not found under {}", root.display());
        std::process::exit(2);
    };
    let bytes: usize = stories
        .iter()
        .map(|s| s.headline.len() + s.paragraphs.iter().map(String::len).sum::<usize>())
        .sum();
    let taxonomy = Taxonomy::from_toml_str(DEFAULT_TAXONOMY, "taxonomy.toml").expect("taxonomy");
    let enricher = Enricher::new(taxonomy).expect("enricher");
    println!(
        "{} stories, {bytes} bytes of text, {iterations} iterations",
        stories.len()
    );
    println!("| pass   | MB/s per CPU-second | stories/s per CPU-second | CPU s | wall s |");
    println!("|--------|---------------------|--------------------------|-------|--------|");
    for mode in modes {
        // Enriching writes into the stories, so each iteration gets its own copy, made
        // before the clock starts.
        let mut copies: Vec<Vec<Story>> = match mode {
            "enrich" => (0..iterations).map(|_| stories.clone()).collect(),
            _ => Vec::new(),
        };
        let (cpu0, wall0) = (cpu_seconds(), Instant::now());
        let mut n = 0usize;
        match mode {
            "scan" => {
                for _ in 0..iterations {
                    for s in &stories {
                        n += word_starts(&s.headline);
                        n += s.paragraphs.iter().map(|p| word_starts(p)).sum::<usize>();
                    }
                }
            }
            "match" => {
                for _ in 0..iterations {
                    for s in &stories {
                        n += enricher.count_matches(&s.headline);
                        n += s
                            .paragraphs
                            .iter()
                            .map(|p| enricher.count_matches(p))
                            .sum::<usize>();
                    }
                }
            }
            _ => {
                for s in copies.iter_mut().flatten() {
                    enricher.enrich(s);
                    n += s.subjects.len();
                }
            }
        }
        let wall = wall0.elapsed().as_secs_f64();
        let cpu = cpu_seconds().map_or(wall, |c| c - cpu0.unwrap_or_default());
        std::hint::black_box(n);
        println!(
            "| {mode:<6} | {:>19.1} | {:>24.0} | {cpu:>5.2} | {wall:>6.2} |",
            (bytes * iterations) as f64 / 1e6 / cpu,
            (stories.len() * iterations) as f64 / cpu
        );
    }
}

/// This thread's CPU time so far, where the OS tells us.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
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

/// Reuters-21578 bodies from the first three SGML files, one story each (as the bench).
fn reuters(root: &std::path::Path) -> Option<Vec<Story>> {
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
            let mut s = Story::new(
                "urn:wirefeed:story:throughput",
                "throughput".into(),
                ItemFormat::WireText,
                "",
                paragraphs,
            );
            s.language = Some("en".into());
            stories.push(s);
        }
    }
    Some(stories)
}
