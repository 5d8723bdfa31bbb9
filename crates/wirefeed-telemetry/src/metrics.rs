use prometheus::{
    exponential_buckets, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec,
    IntGauge, IntGaugeVec, Opts, Registry,
};

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
    /// `duplicate` (exact re-post, dropped) or `dead_letter`.
    pub normalize_stories: IntCounterVec,
    /// `wirefeed_enrich_tags_total{topic}`: topic ids come from the taxonomy.
    pub enrich_tags: IntCounterVec,
    /// `wirefeed_enrich_untagged_stories_total`: stories that matched no topic.
    pub enrich_untagged: IntCounter,
    /// `wirefeed_sink_records_total{output, outcome}`: output is `stories` or `dead_letter`;
    /// outcome is `acked` or `failed`.
    pub sink_records: IntCounterVec,
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
    /// `wirefeed_dedup_fingerprints`: fingerprints held in the duplicate window.
    pub dedup_fingerprints: IntGauge,
    /// `wirefeed_build_info{version}`: always 1.
    pub build_info: IntGaugeVec,
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
            sink_records: counter(
                "wirefeed_sink_records_total",
                "Records written by the sink by output and outcome.",
                &["output", "outcome"],
            )?,
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
            build_info: gauge(
                "wirefeed_build_info",
                "Build information; the value is always 1.",
                &["version"],
            )?,
            registry,
        };
        m.build_info
            .with_label_values(&[wirefeed_model::WIREFEED_VERSION])
            .set(1);
        #[cfg(target_os = "linux")]
        m.registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(m)
    }

    /// Creates the series for known label values up front, so dashboards and alerts see zeros
    /// instead of missing series before the first event.
    pub fn preregister(&self, sources: &[String], topics: &[String]) {
        for s in sources {
            for o in ["ok", "not_modified", "parse_error", "network_error"] {
                self.fetch_requests.with_label_values(&[s, o]);
            }
            for o in ["accepted", "duplicate", "dead_letter"] {
                self.normalize_stories.with_label_values(&[s, o]);
            }
            self.stories_published.with_label_values(&[s]);
        }
        for t in topics {
            self.enrich_tags.with_label_values(&[t]);
        }
        for q in [
            Queue::FetchToNormalize,
            Queue::NormalizeToEnrich,
            Queue::EnrichToSink,
        ] {
            self.queue_depth.with_label_values(&[q.as_str()]);
        }
        for out in ["stories", "dead_letter"] {
            for o in ["acked", "failed"] {
                self.sink_records.with_label_values(&[out, o]);
            }
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
        assert!(text.contains("wirefeed_build_info{version=\""));
        assert!(text.contains("wirefeed_enrich_tags_total{topic=\"missile-defense\"} 0"));
    }
}
