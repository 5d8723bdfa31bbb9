//! ninjs 2.2 serialization throughput (one core), story → record bytes as the sinks do it
//! (`serde_json::to_vec(&story.to_ninjs())`), in MB of output and stories per second. The
//! baseline in the same run is `serde_json` writing the body text alone as one JSON string
//! (the escaping every record must pay), so the figure reads as a ratio.
//!
//! ```sh
//! cargo bench -p wirefeed-model --bench ninjs
//! ```

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wirefeed_model::{
    Credit, CreditRole, Dateline, Entity, IptcConcept, ItemFormat, Place, PlaceKind, Story, Subject,
};

fn story(i: usize) -> Story {
    let words = [
        "the", "minister", "said", "talks", "on", "missile", "defence", "would", "resume", "in",
        "Brussels", "after", "allies", "agreed", "a", "new", "plan", "for", "radar", "sites",
    ];
    let paragraphs: Vec<String> = (0..8)
        .map(|p| {
            (0..45)
                .map(|w| words[(i * 31 + p * 7 + w * 13) % words.len()])
                .collect::<Vec<_>>()
                .join(" ")
                + "."
        })
        .collect();
    let mut s = Story::new(
        format!("urn:wirefeed:story:{i:016x}"),
        Arc::from("bench"),
        ItemFormat::Rss,
        format!("Russia asks for regular U.S. missile defense consultations {i}"),
        paragraphs,
    );
    s.link = Some(format!("https://wire.test/world/{i}"));
    s.guid = Some(format!("g{i}"));
    s.language = Some("en".into());
    s.dateline = Some(Dateline {
        city: "Moscow".into(),
        country: None,
        agency: Some("Reuters".into()),
        date: chrono::NaiveDate::from_ymd_opt(2013, 3, 25),
    });
    s.credits = vec![
        Credit {
            role: CreditRole::Reporting,
            name: "Gabriela Baczynska".into(),
            location: None,
        },
        Credit {
            role: CreditRole::Editing,
            name: "Angus MacSwan".into(),
            location: None,
        },
    ];
    s.by = Some("Reporting by Gabriela Baczynska; Editing by Angus MacSwan".into());
    s.subjects = ["missile-defense", "diplomacy", "military"]
        .iter()
        .map(|id| Subject {
            id: id.to_string(),
            label: id.replace('-', " "),
            iptc: vec![IptcConcept {
                qcode: "medtop:20000602".into(),
                name: "military weaponry and equipment".into(),
            }],
            relevance: 90,
            confidence: 80,
        })
        .collect();
    s.places = ["Russia", "United States", "Europe"]
        .iter()
        .map(|n| Place {
            name: n.to_string(),
            kind: PlaceKind::Country,
            country_code: Some("RU".into()),
            rel: "mentioned".into(),
        })
        .collect();
    s.people = ["Sergei Shoigu", "Chuck Hagel"]
        .iter()
        .map(|n| Entity {
            name: n.to_string(),
            rel: "mentioned".into(),
        })
        .collect();
    s.organisations = vec![Entity {
        name: "NATO".into(),
        rel: "mentioned".into(),
    }];
    s.fingerprint = i as u64 * 0x9E37_79B9;
    s
}

fn bench(c: &mut Criterion) {
    let stories: Vec<Story> = (0..1000).map(story).collect();
    let out: usize = stories
        .iter()
        .map(|s| serde_json::to_vec(&s.to_ninjs()).unwrap().len())
        .sum();
    let mut g = c.benchmark_group("ninjs");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(out as u64));
    g.bench_function("story to record bytes", |b| {
        b.iter(|| {
            stories
                .iter()
                .map(|s| serde_json::to_vec(&s.to_ninjs()).unwrap().len())
                .sum::<usize>()
        })
    });
    g.bench_function("body as one JSON string (baseline)", |b| {
        b.iter(|| {
            stories
                .iter()
                .map(|s| serde_json::to_vec(&s.body_text()).unwrap().len())
                .sum::<usize>()
        })
    });
    g.finish();
    let mut g = c.benchmark_group("ninjs stories");
    g.sample_size(20);
    g.throughput(Throughput::Elements(stories.len() as u64));
    g.bench_function("story to record bytes", |b| {
        b.iter(|| {
            stories
                .iter()
                .map(|s| serde_json::to_vec(&s.to_ninjs()).unwrap().len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
