use prometheus::{
    exponential_buckets, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec,
    IntGauge, IntGaugeVec, Opts, Registry,
};
use wirefeed_model::{ErrorClass, Stage};

/// The bounded channels between stages, as the `queue` label of [`Metrics::queue_depth`].
#[derive(Debug, Clone, Copy)]
pub enum Queue {
    FetchToNormalize,
    NormalizeToEnrich,
    EnrichToSink,
}

impl Queue {
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::FetchToNormalize => "fetch_normalize",
            Queue::NormalizeToEnrich => "normalize_enrich",
            Queue::EnrichToSink => "enrich_sink",
        }
    }
}

/// Every metric wirefeed exports. Cheap to clone handles live inside; share it as `Arc<Metrics>`.
pub struct Metrics {
    pub registry: Registry,
    /// `wirefeed_fetch_requests_total{source, outcome}`: one per poll of an HTTP feed or a
    /// directory file read; outcome is `ok`, `not_modified`, `http_4xx`, `http_5xx`,
    /// `timeout`, `too_large`, `parse_error`, `network_error`, `not_a_feed` (HTML),
    /// `redirect_loop` (more than 5 redirects, or to a non-http scheme), `http_429`.
    pub fetch_requests: IntCounterVec,
    /// `wirefeed_fetch_bytes_total{source}`: body bytes received (decompressed).
    pub fetch_bytes: IntCounterVec,
    /// `wirefeed_fetch_duration_seconds{source}`: request or file-read duration.
    pub fetch_duration: HistogramVec,
    /// `wirefeed_fetch_items_total{source, outcome}`: entries read from documents; outcome is
    /// `new` (passed on), `unchanged` (seen before with the same content) or `dead_letter`.
    pub fetch_items: IntCounterVec,
    /// `wirefeed_fetch_last_success_timestamp_seconds{source}`: Unix time of the last poll
    /// that got a document or a 304; alert on `time() - this` growing.
    pub fetch_last_success: IntGaugeVec,
    /// `wirefeed_fetch_interval_seconds{source}`: the wait before the next poll (adaptive
    /// interval, backoff or `Retry-After`).
    pub fetch_interval: IntGaugeVec,
    /// `wirefeed_fetch_consecutive_failures{source}`: failed polls since the last success.
    pub fetch_consecutive_failures: IntGaugeVec,
    /// `wirefeed_normalize_stories_total{source, outcome}`: outcome is `accepted`,
    /// `duplicate` (re-post, dropped), `pointer` (re-post published as a pointer to its
    /// original, `normalize.duplicates = "pointer"`) or `dead_letter`.
    pub normalize_stories: IntCounterVec,
    /// `wirefeed_normalize_duplicates_total{source, kind}`: re-posts found (dropped or
    /// published as pointers); kind is `exact`
    /// (same normalized body) or `near` (SimHash within the configured distance).
    pub normalize_duplicates: IntCounterVec,
    /// `wirefeed_normalize_versions_total{source}`: stories emitted as a new version (2 or
    /// higher) of a story already in the window.
    pub normalize_versions: IntCounterVec,
    /// `wirefeed_enrich_tags_total{topic}`: topic ids come from the taxonomy.
    pub enrich_tags: IntCounterVec,
    /// `wirefeed_enrich_untagged_stories_total`: stories that matched no topic.
    pub enrich_untagged: IntCounter,
    /// `wirefeed_enrich_taxonomy_reloads_total{outcome}`: taxonomy reloads (SIGHUP or file
    /// change); outcome is `ok` or `failed` (the previous taxonomy stays in use).
    pub enrich_reloads: IntCounterVec,
    /// `wirefeed_enrich_taxonomy_stale`: 1 while the taxonomy file on disk is invalid and the
    /// enricher runs on the last good one; alert on it.
    pub enrich_taxonomy_stale: IntGauge,
    /// `wirefeed_sink_records_total{output, outcome}`: output is `stories` or `dead_letter`;
    /// outcome is `acked` or `failed`.
    pub sink_records: IntCounterVec,
    /// `wirefeed_sink_transactions_total{outcome}`: Kafka transactions `committed` or
    /// `aborted` (each abort is retried).
    pub sink_transactions: IntCounterVec,
    /// `wirefeed_sink_transaction_duration_seconds`: begin to commit of one batch.
    pub sink_transaction_duration: Histogram,
    /// `wirefeed_sink_routed_records_total{topic}`: acknowledged copies sent to routing topics
    /// (topic names come from the config's routes).
    pub sink_routed: IntCounterVec,
    /// `wirefeed_sink_retries_total`: batches sent again after a failed transaction.
    pub sink_retries: IntCounter,
    /// `wirefeed_sink_in_flight_records`: records sent but not yet acknowledged.
    pub sink_in_flight: IntGauge,
    /// `wirefeed_kafka_broker_rtt_seconds{broker}`: average round-trip time per broker node
    /// id, from librdkafka statistics.
    pub kafka_broker_rtt: prometheus::GaugeVec,
    /// `wirefeed_kafka_broker_errors_total{broker, kind}`: transmit (`tx`), receive (`rx`)
    /// errors and request `timeout`s per broker node id.
    pub kafka_broker_errors: IntCounterVec,
    /// `wirefeed_kafka_producer_queue_messages`: messages waiting in librdkafka's queue.
    pub kafka_queue_messages: IntGauge,
    /// `wirefeed_stories_published_total{source}`: story versions durably written by the sink.
    pub stories_published: IntCounterVec,
    /// `wirefeed_dead_letters_total{stage, class}`.
    pub dead_letters: IntCounterVec,
    /// `wirefeed_stage_duration_seconds{stage}`: time one item spends in a stage's work.
    pub stage_duration: HistogramVec,
    /// `wirefeed_delivery_latency_seconds`: from fetch to sink acknowledgement.
    pub delivery_latency: Histogram,
    /// `wirefeed_queue_depth{queue}`: items waiting in a bounded channel between stages.
    pub queue_depth: IntGaugeVec,
    /// `wirefeed_sources{kind}`: configured and enabled sources.
    pub sources: IntGaugeVec,
    /// `wirefeed_dedup_fingerprints`: story versions held in the story window (published and
    /// in flight), each with its fingerprint.
    pub dedup_fingerprints: IntGauge,
    /// `wirefeed_restore_entries_total{outcome}`: entries of the sink's state read back at
    /// startup: `restored` (missing from the local window), `known`, `expired` (committed
    /// before the window), `unreadable` (not an entry; logged with its offset).
    pub restore_entries: IntCounterVec,
    /// `wirefeed_dedup_lost_reposts_total`: re-posts dropped as duplicates of a story the sink
    /// then refused for good, so neither was published.
    pub dedup_lost_reposts: IntCounter,
    /// `wirefeed_build_info{version, profile, target}`: always 1. `profile` is `release` or
    /// `debug`, `target` is `<arch>-<os>`: one series per binary.
    pub build_info: IntGaugeVec,
    /// `wirefeed_ready`: 1 when `/readyz` would answer 200. Set from [`crate::Health`] at
    /// every scrape, so alerts see what the probe sees.
    pub ready: IntGauge,
    /// `wirefeed_backpressure_seconds`: how long the pipeline has been blocked on the sink
    /// without a break, 0 when it is not. Set at every scrape; the sustained-backpressure alert
    /// reads it, because a 0/1 flag sampled every 15 s would miss the duration.
    pub backpressure_seconds: Gauge,
}

impl Metrics {
    /// Creates and registers every metric in a fresh registry, plus the process collector.
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels)?;
            registry.register(Box::new(c.clone()))?;
            Ok::<_, prometheus::Error>(c)
        };
        // Sub-millisecond stage work up to ~30 s network calls.
        let seconds = exponential_buckets(0.0001, 4.0, 10)?;
        let histogram = |name: &str, help: &str, labels: &[&str]| {
            let h = HistogramVec::new(
                HistogramOpts::new(name, help).buckets(seconds.clone()),
                labels,
            )?;
            registry.register(Box::new(h.clone()))?;
            Ok::<_, prometheus::Error>(h)
        };
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            let g = IntGaugeVec::new(Opts::new(name, help), labels)?;
            registry.register(Box::new(g.clone()))?;
            Ok::<_, prometheus::Error>(g)
        };

        let m = Metrics {
            fetch_requests: counter(
                "wirefeed_fetch_requests_total",
                "Feed polls and file reads by source and outcome.",
                &["source", "outcome"],
            )?,
            fetch_bytes: counter(
                "wirefeed_fetch_bytes_total",
                "Decompressed body bytes received per source.",
                &["source"],
            )?,
            fetch_duration: histogram(
                "wirefeed_fetch_duration_seconds",
                "Duration of one feed request or file read.",
                &["source"],
            )?,
            fetch_items: counter(
                "wirefeed_fetch_items_total",
                "Entries read from fetched documents by source and outcome.",
                &["source", "outcome"],
            )?,
            fetch_last_success: gauge(
                "wirefeed_fetch_last_success_timestamp_seconds",
                "Unix time of the last successful poll per source.",
                &["source"],
            )?,
            fetch_interval: gauge(
                "wirefeed_fetch_interval_seconds",
                "Current wait before the next poll per source.",
                &["source"],
            )?,
            fetch_consecutive_failures: gauge(
                "wirefeed_fetch_consecutive_failures",
                "Failed polls since the last success per source.",
                &["source"],
            )?,
            normalize_stories: counter(
                "wirefeed_normalize_stories_total",
                "Items through the normalizer by source and outcome.",
                &["source", "outcome"],
            )?,
            normalize_duplicates: counter(
                "wirefeed_normalize_duplicates_total",
                "Re-posts dropped by the normalizer, by source and kind (exact or near).",
                &["source", "kind"],
            )?,
            normalize_versions: counter(
                "wirefeed_normalize_versions_total",
                "Stories emitted as a new version of a story in the window, by source.",
                &["source"],
            )?,
            enrich_tags: counter(
                "wirefeed_enrich_tags_total",
                "Topic tags applied, by taxonomy topic id.",
                &["topic"],
            )?,
            enrich_untagged: {
                let c = IntCounter::new(
                    "wirefeed_enrich_untagged_stories_total",
                    "Stories that matched no taxonomy topic.",
                )?;
                registry.register(Box::new(c.clone()))?;
                c
            },
            enrich_reloads: counter(
                "wirefeed_enrich_taxonomy_reloads_total",
                "Taxonomy reloads by outcome (ok, failed).",
                &["outcome"],
            )?,
            enrich_taxonomy_stale: {
                let g = IntGauge::new(
                    "wirefeed_enrich_taxonomy_stale",
                    "1 while the taxonomy file is invalid and the last good taxonomy is in use.",
                )?;
                registry.register(Box::new(g.clone()))?;
                g
            },
            sink_records: counter(
                "wirefeed_sink_records_total",
                "Records written by the sink by output and outcome.",
                &["output", "outcome"],
            )?,
            sink_transactions: counter(
                "wirefeed_sink_transactions_total",
                "Kafka transactions by outcome (committed, aborted).",
                &["outcome"],
            )?,
            sink_transaction_duration: {
                let h = Histogram::with_opts(
                    HistogramOpts::new(
                        "wirefeed_sink_transaction_duration_seconds",
                        "Time from beginning to committing one Kafka transaction.",
                    )
                    .buckets(seconds.clone()),
                )?;
                registry.register(Box::new(h.clone()))?;
                h
            },
            sink_routed: counter(
                "wirefeed_sink_routed_records_total",
                "Acknowledged story records sent to a routing topic, by topic.",
                &["topic"],
            )?,
            sink_retries: {
                let c = IntCounter::new(
                    "wirefeed_sink_retries_total",
                    "Batches sent again after a failed Kafka transaction.",
                )?;
                registry.register(Box::new(c.clone()))?;
                c
            },
            sink_in_flight: {
                let g = IntGauge::new(
                    "wirefeed_sink_in_flight_records",
                    "Records sent to the sink backend and not yet acknowledged.",
                )?;
                registry.register(Box::new(g.clone()))?;
                g
            },
            kafka_broker_rtt: {
                let g = prometheus::GaugeVec::new(
                    Opts::new(
                        "wirefeed_kafka_broker_rtt_seconds",
                        "Average broker round-trip time (librdkafka statistics).",
                    ),
                    &["broker"],
                )?;
                registry.register(Box::new(g.clone()))?;
                g
            },
            kafka_broker_errors: counter(
                "wirefeed_kafka_broker_errors_total",
                "Broker transmit/receive errors and request timeouts (librdkafka statistics).",
                &["broker", "kind"],
            )?,
            kafka_queue_messages: {
                let g = IntGauge::new(
                    "wirefeed_kafka_producer_queue_messages",
                    "Messages waiting in the Kafka producer's queue.",
                )?;
                registry.register(Box::new(g.clone()))?;
                g
            },
            stories_published: counter(
                "wirefeed_stories_published_total",
                "Story versions acknowledged by the sink, by source.",
                &["source"],
            )?,
            dead_letters: counter(
                "wirefeed_dead_letters_total",
                "Items sent to the dead-letter output by stage and error class.",
                &["stage", "class"],
            )?,
            stage_duration: histogram(
                "wirefeed_stage_duration_seconds",
                "Time one item spends in a stage.",
                &["stage"],
            )?,
            delivery_latency: {
                let h = Histogram::with_opts(
                    HistogramOpts::new(
                        "wirefeed_delivery_latency_seconds",
                        "Time from fetching an item to the sink acknowledging its record.",
                    )
                    .buckets(seconds.clone()),
                )?;
                registry.register(Box::new(h.clone()))?;
                h
            },
            queue_depth: gauge(
                "wirefeed_queue_depth",
                "Items waiting in the bounded channel between two stages.",
                &["queue"],
            )?,
            sources: gauge(
                "wirefeed_sources",
                "Configured, enabled sources by kind.",
                &["kind"],
            )?,
            dedup_fingerprints: {
                let g = IntGauge::new(
                    "wirefeed_dedup_fingerprints",
                    "Body fingerprints held for exact-duplicate suppression.",
                )?;
                registry.register(Box::new(g.clone()))?;
                g
            },
            restore_entries: counter(
                "wirefeed_restore_entries_total",
                "Entries of the sink's state read back at startup, by what became of them.",
                &["outcome"],
            )?,
            dedup_lost_reposts: {
                let c = IntCounter::new(
                    "wirefeed_dedup_lost_reposts_total",
                    "Re-posts dropped as duplicates of a story the sink then refused for good.",
                )?;
                registry.register(Box::new(c.clone()))?;
                c
            },
            build_info: gauge(
                "wirefeed_build_info",
                "Build information; the value is always 1.",
                &["version", "profile", "target"],
            )?,
            ready: {
                let g = IntGauge::new(
                    "wirefeed_ready",
                    "1 when the service is ready (sources loaded, sink connected, no sustained backpressure).",
                )?;
                registry.register(Box::new(g.clone()))?;
                g
            },
            backpressure_seconds: {
                let g = Gauge::new(
                    "wirefeed_backpressure_seconds",
                    "How long the pipeline has been continuously blocked on the sink; 0 when it is not.",
                )?;
                registry.register(Box::new(g.clone()))?;
                g
            },
            registry,
        };
        let profile = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        let target = format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS);
        m.build_info
            .with_label_values(&[wirefeed_model::WIREFEED_VERSION, profile, &target])
            .set(1);
        #[cfg(target_os = "linux")]
        m.registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(m)
    }

    /// Creates the series for known label values up front, so dashboards and alerts see zeros
    /// instead of missing series before the first event, and every family in
    /// `docs/metrics.md` is on `/metrics` from the first scrape.
    pub fn preregister(&self, sources: &[String], topics: &[String]) {
        for s in sources {
            for o in ["ok", "not_modified", "parse_error", "network_error"] {
                self.fetch_requests.with_label_values(&[s, o]);
            }
            self.fetch_bytes.with_label_values(&[s]);
            self.fetch_last_success.with_label_values(&[s]);
            self.fetch_interval.with_label_values(&[s]);
            self.fetch_consecutive_failures.with_label_values(&[s]);
            self.fetch_duration.with_label_values(&[s]);
            for o in ["new", "unchanged", "dead_letter"] {
                self.fetch_items.with_label_values(&[s, o]);
            }
            for o in ["accepted", "duplicate", "dead_letter"] {
                self.normalize_stories.with_label_values(&[s, o]);
            }
            for k in ["exact", "near"] {
                self.normalize_duplicates.with_label_values(&[s, k]);
            }
            self.normalize_versions.with_label_values(&[s]);
            self.stories_published.with_label_values(&[s]);
        }
        for t in topics {
            self.enrich_tags.with_label_values(&[t]);
        }
        for o in ["ok", "failed"] {
            self.enrich_reloads.with_label_values(&[o]);
        }
        for q in [
            Queue::FetchToNormalize,
            Queue::NormalizeToEnrich,
            Queue::EnrichToSink,
        ] {
            self.queue_depth.with_label_values(&[q.as_str()]);
        }
        for o in ["committed", "aborted"] {
            self.sink_transactions.with_label_values(&[o]);
        }
        for o in ["restored", "known", "expired", "unreadable"] {
            self.restore_entries.with_label_values(&[o]);
        }
        for out in ["stories", "dead_letter"] {
            for o in ["acked", "failed"] {
                self.sink_records.with_label_values(&[out, o]);
            }
        }
        let stages = [Stage::Fetch, Stage::Normalize, Stage::Enrich, Stage::Sink];
        let classes = [
            ErrorClass::Parse,
            ErrorClass::Empty,
            ErrorClass::TooLarge,
            ErrorClass::Serialize,
            ErrorClass::Rejected,
        ];
        for stage in stages {
            for class in classes {
                self.dead_letters
                    .with_label_values(&[stage.as_str(), class.as_str()]);
            }
        }
        for stage in [Stage::Normalize, Stage::Enrich] {
            self.stage_duration.with_label_values(&[stage.as_str()]);
        }
        for kind in ["http", "dir"] {
            self.sources.with_label_values(&[kind]);
        }
    }

    /// The text exposition of every registered metric.
    pub fn render(&self) -> String {
        use prometheus::Encoder;
        let mut buf = Vec::new();
        let encoder = prometheus::TextEncoder::new();
        if let Err(e) = encoder.encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_follows_the_naming_conventions() {
        let m = Metrics::new().unwrap();
        m.preregister(&["a".into()], &["missile-defense".into()]);
        m.delivery_latency.observe(0.1);
        m.enrich_untagged.inc();
        m.dedup_fingerprints.set(1);
        let text = m.render();
        let mut names = 0;
        for fam in m.registry.gather() {
            let name = fam.name();
            if name.starts_with("process_") {
                continue;
            }
            names += 1;
            assert!(name.starts_with("wirefeed_"), "{name}");
            if fam.get_field_type() == prometheus::proto::MetricType::COUNTER {
                assert!(name.ends_with("_total"), "{name}");
            }
        }
        assert!(names >= 10, "{names}");
        assert!(text.contains("wirefeed_build_info{profile=\""), "{text}");
        assert!(text.contains(&format!("version=\"{}\"", wirefeed_model::WIREFEED_VERSION)));
        assert!(text.contains("wirefeed_enrich_tags_total{topic=\"missile-defense\"} 0"));
        assert!(text.contains("wirefeed_enrich_taxonomy_reloads_total{outcome=\"failed\"} 0"));
        assert!(text.contains("wirefeed_enrich_taxonomy_stale 0"));
    }

    /// `(name, type)` rows of the catalog table in `docs/metrics.md`.
    fn catalog() -> Vec<(String, String)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/metrics.md");
        let text = std::fs::read_to_string(path).expect("docs/metrics.md");
        text.lines()
            .filter_map(|l| {
                let mut cells = l.strip_prefix("| `")?.split('|');
                let name = cells.next()?.trim().trim_end_matches('`').to_string();
                let kind = cells.next()?.trim().to_string();
                Some((name, kind))
            })
            .collect()
    }

    #[test]
    fn catalog_matches_exported_metrics() {
        let m = Metrics::new().unwrap();
        m.preregister(&["a".into()], &["missile-defense".into()]);
        // Per-broker series appear once librdkafka reports statistics (Kafka sink only); the
        // broker ids are not known before that.
        m.kafka_broker_rtt.with_label_values(&["1"]).set(0.001);
        m.kafka_broker_errors.with_label_values(&["1", "tx"]).inc();
        // Routing topics come from the Kafka sink's config.
        m.sink_routed.with_label_values(&["wire.defense"]).inc();
        let exported: std::collections::BTreeMap<String, String> = m
            .registry
            .gather()
            .iter()
            .map(|f| {
                let kind = match f.get_field_type() {
                    prometheus::proto::MetricType::COUNTER => "counter",
                    prometheus::proto::MetricType::GAUGE => "gauge",
                    prometheus::proto::MetricType::HISTOGRAM => "histogram",
                    other => panic!("{}: unexpected type {other:?}", f.name()),
                };
                (f.name().to_string(), kind.to_string())
            })
            .collect();
        let documented: std::collections::BTreeMap<String, String> =
            catalog().into_iter().collect();
        for (name, kind) in &exported {
            assert_eq!(
                documented.get(name),
                Some(kind),
                "{name} ({kind}) is exported but not (or with another type) in docs/metrics.md"
            );
        }
        for name in documented.keys() {
            // The collector exports these only on Linux, and the limit only when one is set.
            if (name.starts_with("process_") && !cfg!(target_os = "linux"))
                || name == "process_virtual_memory_max_bytes"
            {
                continue;
            }
            assert!(
                exported.contains_key(name),
                "{name} is in docs/metrics.md but not exported"
            );
        }
    }
}
