//! `/metrics` rendering with many sources: the scrape cost grows with the series (about 30 per
//! source), and it is paid by the process under load. The baseline in the same run copies a
//! buffer of the rendered size, so the figure reads as a ratio.
//!
//! ```sh
//! cargo bench -p wirefeed-telemetry --bench render
//! ```

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wirefeed_telemetry::Metrics;

/// The service's allocator: large-buffer growth costs differ between allocators.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("render");
    group.sample_size(10);
    for sources in [200usize, 3200] {
        let m = Metrics::new().expect("metrics");
        let names: Vec<String> = (0..sources).map(|i| format!("feed{i:04}")).collect();
        m.preregister(&names, &["missile-defense".to_string()]);
        for (i, s) in names.iter().enumerate() {
            m.fetch_requests
                .with_label_values(&[s, "ok"])
                .inc_by(i as u64);
            m.fetch_duration.with_label_values(&[s]).observe(0.01);
        }
        let bytes = m.render().len();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(format!("{sources} sources ({} kB)", bytes / 1000), |b| {
            b.iter(|| m.render().len())
        });
        let text = m.render().into_bytes();
        group.bench_function(format!("{sources} sources: copy (baseline)"), |b| {
            b.iter(|| criterion::black_box(text.to_vec()).len())
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
