//! Resident memory of the story window with N stories in it (default 1 000 000): each story
//! has a guid, a link, a headline and a 60-word body, is checked and committed, and the
//! process's resident set size is printed before and after.
//!
//! ```sh
//! cargo run --release -p wirefeed-normalize --example state_memory -- [N] [STATE_DIR]
//! ```
//!
//! With `STATE_DIR` the records are also written to the redb file there (slower: one fsync
//! per 256 stories), which shows that the database's page cache stays small.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use wirefeed_model::{ItemFormat, RawItem, Text};
use wirefeed_normalize::{Decision, NormalizeConfig, Normalizer, StoryState};

/// `VmRSS` and `VmHWM` (peak) from /proc/self/status, in MB.
fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0.0, |kb| kb as f64 / 1024.0)
    };
    format!(
        "RSS {:.1} MB (peak {:.1} MB)",
        field("VmRSS:"),
        field("VmHWM:")
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(1_000_000, |a| a.parse().expect("N"));
    let dir = args.next().map(std::path::PathBuf::from);

    let config = NormalizeConfig {
        max_window_stories: n,
        ..Default::default()
    };
    let mut item = RawItem::new(Arc::from("bench"), ItemFormat::Rss);
    item.title = Some("Template".into());
    item.content = Some(Text::plain("template body"));
    let template = Normalizer::new(config.clone())
        .unwrap()
        .normalize(&item)
        .unwrap();
    let vocab: Vec<String> = (0..5000).map(|i| format!("w{i:x}")).collect();

    let now = Utc::now();
    println!("before: {}", rss());
    let mut state = StoryState::open(dir.as_deref(), config.state(), now).unwrap();
    let started = Instant::now();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut kept = 0;
    for i in 0..n {
        let mut s = template.clone();
        s.guid = Some(format!("guid-{i}"));
        s.link = Some(format!("https://example.com/story/{i}"));
        s.headline = format!("Headline number {i}");
        let words: Vec<&str> = (0..60)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                vocab[(x % vocab.len() as u64) as usize].as_str()
            })
            .collect();
        s.paragraphs = vec![words.join(" ")];
        s.fingerprint = xxhash_rust::xxh3::xxh3_64(s.paragraphs[0].as_bytes());
        if !matches!(state.check(&mut s, now), Decision::Duplicate { .. }) {
            state.commit(&s).unwrap();
            kept += 1;
        }
    }
    state.flush().unwrap();
    let elapsed = started.elapsed();
    println!(
        "after {n} stories ({kept} kept, {} in window) in {:.1} s ({:.0} check+commit/s): {}",
        state.len(),
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        rss()
    );
}
