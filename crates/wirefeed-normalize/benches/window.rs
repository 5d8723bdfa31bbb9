//! The story window's check + commit with 1 M stories in it (the default maximum, so every
//! insert also evicts the oldest).
//!
//! ```sh
//! cargo bench -p wirefeed-normalize --bench window
//! ```

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use wirefeed_model::{ItemFormat, RawItem, Story, Text};
use wirefeed_normalize::{Decision, NormalizeConfig, Normalizer, StateConfig, StoryState};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
}

/// A story with a random 60-word body and its own guid, link and headline.
fn synthetic(template: &Story, i: u64) -> Story {
    let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let words: Vec<String> = (0..60)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("w{:x}", x % 5000)
        })
        .collect();
    let mut s = template.clone();
    s.guid = Some(format!("guid-{i}"));
    s.link = Some(format!("https://example.com/story/{i}"));
    s.headline = format!("Headline number {i}");
    s.paragraphs = vec![words.join(" ")];
    s.fingerprint = xxhash_rust::xxh3::xxh3_64(s.paragraphs[0].as_bytes());
    s
}

fn window_at_1m(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    let mut item = RawItem::new(Arc::from("bench"), ItemFormat::Rss);
    item.title = Some("Template".into());
    item.content = Some(Text::plain("template body"));
    let template = Normalizer::new(NormalizeConfig::default())
        .unwrap()
        .normalize(&item)
        .unwrap();
    let mut state = StoryState::open(None, StateConfig::default(), now()).unwrap();
    for i in 0..N {
        let mut s = synthetic(&template, i);
        state.check(&mut s, now());
        state.commit(&s).unwrap();
    }
    let mut g = c.benchmark_group("window_1m");
    g.throughput(Throughput::Elements(1));
    // A new story: a miss on every index, then inserted (and the oldest evicted: the window
    // is full at its 1 M default).
    let mut next = N;
    g.bench_function("check+commit new story", |b| {
        b.iter_batched(
            || {
                next += 1;
                synthetic(&template, next)
            },
            |mut s| {
                state.check(&mut s, now());
                state.commit(&s).unwrap();
            },
            BatchSize::SmallInput,
        )
    });
    // A re-post of a story in the window: an exact hit, nothing inserted.
    let mut k = 0;
    g.bench_function("check exact duplicate", |b| {
        b.iter_batched(
            || {
                k = (k + 7919) % N;
                synthetic(&template, N + 1 + k % 1000)
            },
            |mut s| matches!(state.check(&mut s, now()), Decision::Duplicate { .. }),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, window_at_1m);
criterion_main!(benches);
