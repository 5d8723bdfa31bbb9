//! librdkafka's statistics (emitted every `statistics.interval.ms`) as Prometheus metrics, so
//! operators see broker round-trips, errors and the producer queue next to our own metrics.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rdkafka::client::ClientContext;
use rdkafka::Statistics;
use wirefeed_telemetry::Metrics;

/// The producer's client context: forwards statistics to [`Metrics`].
pub(crate) struct StatsContext {
    metrics: Arc<Metrics>,
    /// librdkafka reports cumulative error counts; we add the difference to our counters.
    last: Mutex<HashMap<(i32, &'static str), u64>>,
}

impl StatsContext {
    pub(crate) fn new(metrics: Arc<Metrics>) -> StatsContext {
        StatsContext {
            metrics,
            last: Mutex::new(HashMap::new()),
        }
    }
}

impl ClientContext for StatsContext {
    fn stats(&self, stats: Statistics) {
        let m = &self.metrics;
        m.kafka_queue_messages.set(stats.msg_cnt as i64);
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        for broker in stats.brokers.values() {
            // Bootstrap entries (node id -1) duplicate the real brokers.
            if broker.nodeid < 0 {
                continue;
            }
            let id = broker.nodeid.to_string();
            if let Some(rtt) = &broker.rtt {
                // Microseconds in librdkafka; seconds in Prometheus.
                m.kafka_broker_rtt
                    .with_label_values(&[&id])
                    .set(rtt.avg as f64 / 1e6);
            }
            for (kind, value) in [
                ("tx", broker.txerrs),
                ("rx", broker.rxerrs),
                ("timeout", broker.req_timeouts),
            ] {
                let prev = last.insert((broker.nodeid, kind), value).unwrap_or(0);
                if value > prev {
                    m.kafka_broker_errors
                        .with_label_values(&[&id, kind])
                        .inc_by(value - prev);
                }
            }
        }
    }
}
