//! The Kafka backend, in two modes:
//!
//! - **exactly-once** (default): records go out in batches, each batch one Kafka transaction
//!   that also carries a [`Published`] entry per story on the compacted state topic. A batch
//!   is acknowledged only after its commit, so consumers reading `read_committed` see every
//!   story version once, and a restarted (or replacement) instance rebuilds its state from
//!   the state topic — exactly what was committed, nothing that was merely attempted.
//! - **at-least-once**: an idempotent producer without transactions; each record is
//!   acknowledged on its own delivery report. Cheaper; after a crash, records that were
//!   delivered but not yet acknowledged locally are sent again.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Message, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::mpsc::{Receiver, Sender};
use tokio::task::JoinHandle;
use wirefeed_model::{
    DeadLetter, ErrorClass, Flow, Published, Stage, Story, NINJS_CONTENT_TYPE, NINJS_VERSION,
    WIREFEED_VERSION,
};
use wirefeed_telemetry::{Health, Metrics};

use crate::stats::StatsContext;
use crate::{
    encode_story, record_ack, Committed, Delivery, RestoreStats, SinkError, MAX_DEAD_LETTER_PAYLOAD,
};

/// Kafka connection, topic and delivery settings.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    pub brokers: String,
    pub topic: String,
    pub dlq_topic: String,
    /// Compacted topic of [`Published`] entries, keyed by fingerprint.
    pub state_topic: String,
    /// How long a state entry matters: the story window. A state topic we create deletes
    /// entries older than this as well as compacting (`cleanup.policy=compact,delete`);
    /// compaction alone keeps one entry for every story ever published, and a restart reads
    /// them all. `None`: compaction only.
    pub state_retention: Option<Duration>,
    /// Partitions for topics we create.
    pub partitions: i32,
    pub replication: i32,
    /// Create missing topics at startup.
    pub create_topics: bool,
    /// Kafka transactions (exactly-once for read_committed consumers) instead of
    /// at-least-once.
    pub exactly_once: bool,
    /// The producer's transactional id: one per logical instance. A new process with the same
    /// id fences the old one and aborts its open transaction.
    pub transactional_id: String,
    /// Most records in one transaction.
    pub batch_max_records: usize,
    /// How long a transaction waits to fill before committing.
    pub batch_linger: Duration,
    /// `zstd`, `lz4`, `snappy`, `gzip` or `none`.
    pub compression: String,
    /// Extra librdkafka properties (security, batching…), applied last so they win.
    pub properties: BTreeMap<String, String>,
    /// Extra topics a story is also sent to when it matches.
    pub routes: Vec<Route>,
}

/// A routing rule: a story goes to `topic` as well as the main topic when every non-empty
/// criterion matches (any listed value of a criterion is enough).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Route {
    pub topic: String,
    /// Taxonomy topic ids, e.g. `missile-defense`.
    pub tags: Vec<String>,
    /// Source names from the config.
    pub sources: Vec<String>,
    /// Primary language subtags, e.g. `en`.
    pub languages: Vec<String>,
}

impl Route {
    pub fn matches(&self, story: &Story) -> bool {
        let tags = self.tags.is_empty() || story.subjects.iter().any(|s| self.tags.contains(&s.id));
        let sources = self.sources.is_empty() || self.sources.iter().any(|s| **s == *story.source);
        let languages = self.languages.is_empty()
            || story.language.as_deref().is_some_and(|l| {
                let primary = l.split(['-', '_']).next().unwrap_or(l);
                self.languages
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case(primary))
            });
        tags && sources && languages
    }
}

impl KafkaConfig {
    /// Defaults for `brokers`: everything else as a production deployment would start.
    pub fn new(brokers: impl Into<String>) -> KafkaConfig {
        KafkaConfig {
            brokers: brokers.into(),
            topic: "wire.stories".into(),
            dlq_topic: "wire.stories.dlq".into(),
            state_topic: "wire.stories.state".into(),
            state_retention: Some(Duration::from_secs(7 * 24 * 3600)),
            partitions: 3,
            replication: 1,
            create_topics: true,
            exactly_once: true,
            transactional_id: "wirefeed".into(),
            batch_max_records: 500,
            batch_linger: Duration::from_millis(10),
            compression: "zstd".into(),
            properties: BTreeMap::new(),
            routes: Vec::new(),
        }
    }
}

/// Records in flight (at-least-once mode) before the sink stops taking more from its
/// channel. Bounded so a slow or absent broker becomes backpressure, not memory growth.
const MAX_IN_FLIGHT: usize = 10_000;
/// Upper bound of one commit attempt; a broker outage shows up as repeated timeouts.
const COMMIT_TIMEOUT: Duration = Duration::from_secs(20);
/// Records that cannot be delivered within this long fail their transaction, which is then
/// aborted and retried whole; it must stay below `transaction.timeout.ms`.
const MESSAGE_TIMEOUT_MS: &str = "15000";
const TRANSACTION_TIMEOUT_MS: &str = "60000";

pub struct KafkaSink {
    producer: FutureProducer<StatsContext>,
    client_config: ClientConfig,
    config: KafkaConfig,
}

type Pending = std::pin::Pin<Box<dyn std::future::Future<Output = Sent> + Send>>;
type Sent = (
    Option<Story>,
    Option<DeadLetter>,
    Result<(), (KafkaError, Vec<u8>)>,
);

fn kafka_err(context: &str) -> impl Fn(KafkaError) -> SinkError + '_ {
    move |e| SinkError::Kafka(format!("{context}: {e}"))
}

impl KafkaSink {
    /// Builds the producer, checks the cluster answers, creates missing topics and, in
    /// exactly-once mode, initialises transactions (fencing any previous instance).
    pub async fn connect(
        config: KafkaConfig,
        metrics: Arc<Metrics>,
    ) -> Result<KafkaSink, SinkError> {
        let mut cc = ClientConfig::new();
        cc.set("bootstrap.servers", &config.brokers)
            .set("client.id", "wirefeed")
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("compression.type", &config.compression)
            .set("linger.ms", "5");
        if config.exactly_once {
            cc.set("transactional.id", &config.transactional_id)
                .set("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .set("message.timeout.ms", MESSAGE_TIMEOUT_MS);
        } else {
            // 0 = retry until delivered: an outage becomes backpressure, not loss.
            cc.set("message.timeout.ms", "0");
        }
        for (k, v) in &config.properties {
            cc.set(k, v);
        }
        if !config.properties.contains_key("statistics.interval.ms") {
            cc.set("statistics.interval.ms", "5000");
        }
        let producer: FutureProducer<StatsContext> = cc
            .create_with_context(StatsContext::new(metrics))
            .map_err(kafka_err("creating producer"))?;
        let sink = KafkaSink {
            producer,
            client_config: cc,
            config,
        };
        sink.ensure_topics().await?;
        if sink.config.exactly_once {
            let p = sink.producer.clone();
            blocking(move || p.init_transactions(Timeout::After(Duration::from_secs(60))))
                .await?
                .map_err(kafka_err("initialising transactions"))?;
        }
        Ok(sink)
    }

    pub fn describe(&self) -> String {
        format!(
            "kafka {} topic {} ({}; dead letters: {}, state: {})",
            self.config.brokers,
            self.config.topic,
            if self.config.exactly_once {
                "exactly-once"
            } else {
                "at-least-once"
            },
            self.config.dlq_topic,
            self.config.state_topic
        )
    }

    async fn ensure_topics(&self) -> Result<(), SinkError> {
        let producer = self.producer.clone();
        let metadata = blocking(move || {
            producer
                .client()
                .fetch_metadata(None, Timeout::After(Duration::from_secs(15)))
        })
        .await?
        .map_err(|e| {
            SinkError::Kafka(format!("cannot reach brokers {}: {e}", self.config.brokers))
        })?;
        let existing: Vec<String> = metadata
            .topics()
            .iter()
            .map(|t| t.name().to_string())
            .collect();
        let mut wanted = vec![
            &self.config.topic,
            &self.config.dlq_topic,
            &self.config.state_topic,
        ];
        wanted.extend(self.config.routes.iter().map(|r| &r.topic));
        wanted.sort();
        wanted.dedup();
        let missing: Vec<&String> = wanted
            .into_iter()
            .filter(|t| !existing.contains(t))
            .collect();
        if !missing.contains(&&self.config.state_topic) {
            self.check_state_retention().await;
        }
        if missing.is_empty() {
            return Ok(());
        }
        if !self.config.create_topics {
            return Err(SinkError::Kafka(format!(
                "topics {missing:?} do not exist and create_topics is off"
            )));
        }
        let admin: AdminClient<DefaultClientContext> = self
            .client_config
            .create()
            .map_err(kafka_err("creating admin client"))?;
        let retention_ms = self
            .config
            .state_retention
            .map(|d| d.as_millis().max(1).to_string());
        let new: Vec<NewTopic> = missing
            .iter()
            .map(|t| {
                let topic = NewTopic::new(
                    t,
                    self.config.partitions,
                    TopicReplication::Fixed(self.config.replication),
                );
                if **t != self.config.state_topic {
                    topic
                } else if let Some(ms) = &retention_ms {
                    // Latest entry per fingerprint, and none older than the window.
                    topic
                        .set("cleanup.policy", "compact,delete")
                        .set("retention.ms", ms)
                } else {
                    topic.set("cleanup.policy", "compact")
                }
            })
            .collect();
        let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(15)));
        let results = admin
            .create_topics(&new, &opts)
            .await
            .map_err(kafka_err("creating topics"))?;
        for r in results {
            match r {
                Ok(t) => tracing::info!(topic = %t, "created topic"),
                Err((t, RDKafkaErrorCode::TopicAlreadyExists)) => {
                    tracing::debug!(topic = %t, "topic exists")
                }
                Err((t, e)) => {
                    return Err(SinkError::Kafka(format!("cannot create topic {t}: {e}")))
                }
            }
        }
        Ok(())
    }

    /// Warns when an existing state topic only compacts: it then keeps an entry for every
    /// story ever published, and every restart reads them all. Topics are the operator's, so
    /// this warns instead of altering it; a failed lookup only costs the warning.
    async fn check_state_retention(&self) {
        let Some(window) = self.config.state_retention else {
            return;
        };
        let configs = async {
            let admin: AdminClient<DefaultClientContext> = self.client_config.create().ok()?;
            let opts = AdminOptions::new().request_timeout(Some(Duration::from_secs(15)));
            let results = admin
                .describe_configs(&[ResourceSpecifier::Topic(&self.config.state_topic)], &opts)
                .await
                .ok()?;
            let resource = results.into_iter().next()?.ok()?;
            let policy = resource.get("cleanup.policy")?.value.clone()?;
            let retention = resource
                .get("retention.ms")
                .and_then(|e| e.value.as_deref()?.parse::<i64>().ok());
            Some((policy, retention))
        }
        .await;
        match configs {
            Some((policy, retention)) => {
                if let Some(advice) = retention_advice(&policy, retention, window) {
                    tracing::warn!(
                        topic = %self.config.state_topic,
                        cleanup_policy = %policy,
                        retention_ms = retention.unwrap_or(-1),
                        "{advice}"
                    );
                }
            }
            None => {
                tracing::debug!(topic = %self.config.state_topic, "cannot read the state topic's cleanup.policy")
            }
        }
    }

    /// Reads the whole state topic with `read_committed`: every story version a committed
    /// transaction published. Aborted and in-doubt batches are invisible by construction.
    pub(crate) fn restore(
        &self,
        tx: Sender<Committed>,
    ) -> JoinHandle<Result<RestoreStats, SinkError>> {
        let mut cc = ClientConfig::new();
        cc.set("bootstrap.servers", &self.config.brokers)
            .set(
                "group.id",
                format!("wirefeed-restore-{}", std::process::id()),
            )
            .set("enable.auto.commit", "false")
            .set("isolation.level", "read_committed");
        for (k, v) in &self.config.properties {
            // Security settings apply to the consumer too; producer-only keys are ignored
            // with a warning by librdkafka, so pass everything.
            cc.set(k, v);
        }
        let topic = self.config.state_topic.clone();
        tokio::task::spawn_blocking(move || restore_blocking(cc, &topic, &tx))
    }

    /// Counts an acknowledged story once per routing topic it also went to.
    fn count_routes(&self, metrics: &Metrics, story: &Story) {
        for route in self.config.routes.iter().filter(|r| r.matches(story)) {
            metrics.sink_routed.with_label_values(&[&route.topic]).inc();
        }
    }

    fn headers_for(story: &Story) -> OwnedHeaders {
        let version = story.version.to_string();
        OwnedHeaders::new()
            .insert(Header {
                key: "content-type",
                value: Some(NINJS_CONTENT_TYPE),
            })
            .insert(Header {
                key: "ninjs-version",
                value: Some(NINJS_VERSION),
            })
            .insert(Header {
                key: "story-version",
                value: Some(version.as_str()),
            })
            .insert(Header {
                key: "source",
                value: Some(&*story.source),
            })
            .insert(Header {
                key: "wirefeed-version",
                value: Some(WIREFEED_VERSION),
            })
            .insert(Header {
                key: "trace-id",
                value: Some(&format!("{:016x}", story.fingerprint)),
            })
    }

    fn dead_headers(dl: &DeadLetter, truncated: bool) -> OwnedHeaders {
        // Headers are bounded: a long parser message is cut; the raw payload is the value.
        let message: String = dl.message.chars().take(1024).collect();
        let mut h = OwnedHeaders::new()
            .insert(Header {
                key: "error-stage",
                value: Some(dl.stage.as_str()),
            })
            .insert(Header {
                key: "error-class",
                value: Some(dl.class.as_str()),
            })
            .insert(Header {
                key: "error-message",
                value: Some(message.as_str()),
            })
            .insert(Header {
                key: "source",
                value: Some(&*dl.source),
            })
            .insert(Header {
                key: "failed-at",
                value: Some(dl.at.to_rfc3339().as_str()),
            })
            .insert(Header {
                key: "wirefeed-version",
                value: Some(WIREFEED_VERSION),
            });
        if truncated {
            h = h.insert(Header {
                key: "payload-truncated",
                value: Some("true"),
            });
        }
        h
    }

    pub(crate) async fn run<F>(
        self,
        rx: Receiver<Flow<Story>>,
        metrics: Arc<Metrics>,
        health: Arc<Health>,
        on_done: F,
    ) -> Result<(), SinkError>
    where
        F: FnMut(&Story, Delivery<'_>) + Send,
    {
        if self.config.exactly_once {
            self.run_transactional(rx, metrics, health, on_done).await
        } else {
            self.run_at_least_once(rx, metrics, on_done).await
        }
    }

    // ---- exactly-once -------------------------------------------------------------------

    async fn run_transactional<F>(
        mut self,
        mut rx: Receiver<Flow<Story>>,
        metrics: Arc<Metrics>,
        health: Arc<Health>,
        mut on_done: F,
    ) -> Result<(), SinkError>
    where
        F: FnMut(&Story, Delivery<'_>) + Send,
    {
        let mut batch: Vec<Flow<Story>> = Vec::new();
        // Stories of the batch that were dead-lettered in their place, and why.
        let mut refused: Vec<(Story, String)> = Vec::new();
        let mut open = true;
        while open {
            match rx.recv().await {
                Some(f) => batch.push(f),
                None => break,
            }
            let deadline = tokio::time::Instant::now() + self.config.batch_linger;
            while batch.len() < self.config.batch_max_records {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(f)) => batch.push(f),
                    Ok(None) => {
                        open = false;
                        break;
                    }
                    Err(_) => break,
                }
            }
            metrics.sink_in_flight.set(batch.len() as i64);
            loop {
                match self
                    .commit_batch(&mut batch, &mut refused, &metrics, &health)
                    .await
                {
                    Ok(()) => break,
                    // The producer is unusable but nobody else owns our transactional id
                    // (e.g. the coordinator aborted a transaction that outlived a broker
                    // outage): start a new producer with the same id and send the batch
                    // again. Nothing of the failed transaction was committed.
                    Err(SinkError::Fatal {
                        fenced: false,
                        message,
                    }) => {
                        tracing::warn!(error = %message, "producer failed fatally; recreating it");
                        self.recreate_producer(&metrics, &health).await?;
                    }
                    Err(e) => return Err(e),
                }
            }
            for flow in batch.drain(..) {
                match flow {
                    Flow::Item(story) => {
                        record_ack(&metrics, &story);
                        self.count_routes(&metrics, &story);
                        on_done(&story, Delivery::Published);
                    }
                    Flow::Dead(dl) => {
                        metrics
                            .sink_records
                            .with_label_values(&["dead_letter", "acked"])
                            .inc();
                        tracing::debug!(source = %dl.source, stage = dl.stage.as_str(), "dead letter committed");
                    }
                }
            }
            // Their dead letters are committed now.
            for (story, reason) in refused.drain(..) {
                on_done(&story, Delivery::DeadLettered { reason: &reason });
            }
            metrics.sink_in_flight.set(0);
        }
        Ok(())
    }

    /// Sends `batch` in one transaction, retrying whole until it commits. Records the broker
    /// rejects for good (too large, invalid) are turned into dead letters in place, so the
    /// retry succeeds and nothing is dropped; the stories they replace go to `refused`.
    async fn commit_batch(
        &self,
        batch: &mut [Flow<Story>],
        refused: &mut Vec<(Story, String)>,
        metrics: &Metrics,
        health: &Health,
    ) -> Result<(), SinkError> {
        let mut attempt: u32 = 0;
        // Flows whose produce request failed for size together with others: the broker judges
        // a whole request, so an innocent record can fail beside an oversized one. These go
        // out one request each on the next attempt, which tells them apart.
        let mut isolate: std::collections::HashSet<usize> = std::collections::HashSet::new();
        loop {
            let started = Instant::now();
            self.retry_txn_call("begin transaction", health, |p| p.begin_transaction())
                .await?;
            let mut deliveries: Vec<(usize, DeliveryFuture)> = Vec::with_capacity(batch.len() * 2);
            let mut broken = false;
            #[allow(clippy::needless_range_loop)] // batch[i] is replaced in place on rejection
            'flows: for i in 0..batch.len() {
                loop {
                    match self.enqueue(&batch[i]) {
                        Ok(futures) => {
                            deliveries.extend(futures.into_iter().map(|f| (i, f)));
                            if isolate.contains(&i) {
                                let p = self.producer.clone();
                                let _ = blocking(move || p.flush(Timeout::After(COMMIT_TIMEOUT)))
                                    .await?;
                            }
                            break;
                        }
                        Err(Enqueue::Full) => tokio::time::sleep(Duration::from_millis(10)).await,
                        Err(Enqueue::Rejected(e)) if is_permanent(&e) => {
                            // Refused before reaching the broker (e.g. larger than
                            // message.max.bytes): dead-letter it in this same transaction.
                            refused.extend(
                                Self::reject(&mut batch[i], &e, metrics)
                                    .map(|s| (s, e.to_string())),
                            );
                        }
                        Err(Enqueue::Rejected(e)) => {
                            // The transaction is already failing (e.g. an earlier record of
                            // it was refused): stop and abort.
                            tracing::debug!(error = %e, "enqueue failed; aborting this attempt");
                            broken = true;
                            break 'flows;
                        }
                        Err(Enqueue::Unserializable(msg)) => {
                            let source = match &batch[i] {
                                Flow::Item(s) => s.source.clone(),
                                Flow::Dead(d) => d.source.clone(),
                            };
                            metrics
                                .dead_letters
                                .with_label_values(&[
                                    Stage::Sink.as_str(),
                                    ErrorClass::Serialize.as_str(),
                                ])
                                .inc();
                            let dead = Flow::Dead(DeadLetter::new(
                                Stage::Sink,
                                ErrorClass::Serialize,
                                source,
                                msg.clone(),
                                Vec::new(),
                            ));
                            if let Flow::Item(story) = std::mem::replace(&mut batch[i], dead) {
                                refused.push((story, msg));
                            }
                        }
                    }
                }
            }
            // Delivery reports of this attempt, once awaited: the abort path reads them
            // instead of the (then consumed) futures.
            let mut reports: Option<Vec<(usize, KafkaError)>> = None;
            let result = if broken {
                Err(KafkaError::Canceled)
            } else if let Some(e) = {
                // Wait for every delivery report before committing. rdkafka's
                // `commit_transaction` flushes first, and its flush sleeps in 100 ms polls
                // of a queue that the producer's own thread serves, so committing with
                // records still in flight costs ~100 ms per transaction whatever the batch
                // size (measured: 102 ms → 8 ms p50 for 500 records on a local broker).
                let failed = settle(&mut deliveries).await;
                wait_idle(&self.producer).await;
                let first = failed.first().map(|(_, e)| e.clone());
                reports = Some(failed);
                first
            } {
                Err(e)
            } else {
                loop {
                    let p = self.producer.clone();
                    match blocking(move || p.commit_transaction(Timeout::After(COMMIT_TIMEOUT)))
                        .await?
                    {
                        // "Retry the call to resume": the commit is still in progress
                        // (typically the broker is unreachable); calling again continues it.
                        Err(KafkaError::Transaction(t))
                            if t.is_retriable() && !t.txn_requires_abort() =>
                        {
                            health.set_sink_connected(false);
                            tracing::warn!(error = %t, "commit not finished yet; retrying");
                        }
                        other => break other,
                    }
                }
            };
            match result {
                Ok(()) => {
                    metrics
                        .sink_transactions
                        .with_label_values(&["committed"])
                        .inc();
                    metrics
                        .sink_transaction_duration
                        .observe(started.elapsed().as_secs_f64());
                    health.set_sink_connected(true);
                    return Ok(());
                }
                Err(e) => {
                    attempt += 1;
                    metrics
                        .sink_transactions
                        .with_label_values(&["aborted"])
                        .inc();
                    metrics.sink_retries.inc();
                    tracing::warn!(error = %e, attempt, records = batch.len(), "transaction failed; aborting and retrying the batch");
                    if let KafkaError::Transaction(t) = &e {
                        if t.is_fatal() {
                            return Err(fatal("commit", t));
                        }
                    }
                    self.retry_txn_call("abort transaction", health, |p| {
                        p.abort_transaction(Timeout::After(COMMIT_TIMEOUT))
                    })
                    .await?;
                    // Which records failed for good? Their delivery reports say.
                    let mut failed: Vec<(usize, KafkaError)> = Vec::new();
                    match reports {
                        Some(r) => failed.extend(r.into_iter().filter(|(_, e)| is_permanent(e))),
                        None => {
                            for (i, fut) in deliveries {
                                if let Ok(Ok(Err((err, _)))) =
                                    tokio::time::timeout(Duration::from_secs(1), fut)
                                        .await
                                        .map(|r| r.map_err(|_| ()))
                                {
                                    if is_permanent(&err) {
                                        failed.push((i, err));
                                    }
                                }
                            }
                        }
                    }
                    let mut culprits: Vec<usize> = failed.iter().map(|(i, _)| *i).collect();
                    culprits.dedup();
                    let only_one = culprits.len() == 1;
                    for (i, err) in failed {
                        if only_one || isolate.contains(&i) {
                            // Alone in its request, or the only one failing: the culprit.
                            if !matches!(batch[i], Flow::Dead(ref d) if d.payload.is_empty()) {
                                refused.extend(
                                    Self::reject(&mut batch[i], &err, metrics)
                                        .map(|s| (s, err.to_string())),
                                );
                            }
                            isolate.remove(&i);
                        } else {
                            isolate.insert(i);
                        }
                    }
                    if health_is_connection_error(&e) {
                        health.set_sink_connected(false);
                    }
                    let backoff = Duration::from_millis(50 * 2u64.pow(attempt.min(7)))
                        .min(Duration::from_secs(5));
                    tokio::time::sleep(backoff).await;
                }
            }
        }
    }

    /// Replaces a producer that failed fatally with a new one under the same transactional id.
    async fn recreate_producer(
        &mut self,
        metrics: &Arc<Metrics>,
        health: &Health,
    ) -> Result<(), SinkError> {
        let mut attempt: u32 = 0;
        loop {
            let producer: FutureProducer<StatsContext> = self
                .client_config
                .create_with_context(StatsContext::new(metrics.clone()))
                .map_err(kafka_err("recreating producer"))?;
            let p = producer.clone();
            match blocking(move || p.init_transactions(Timeout::After(Duration::from_secs(30))))
                .await?
            {
                Ok(()) => {
                    self.producer = producer;
                    tracing::info!("producer recreated");
                    return Ok(());
                }
                Err(KafkaError::Transaction(t)) if t.is_fatal() && is_fenced(&t) => {
                    return Err(fatal("initialising transactions", &t));
                }
                Err(e) => {
                    attempt += 1;
                    health.set_sink_connected(false);
                    tracing::warn!(error = %e, attempt, "cannot initialise the new producer yet; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Calls a transaction API until it succeeds: librdkafka reports a call that could not
    /// finish (broker unreachable) as retriable, and the same call must be repeated to resume
    /// it before any other transaction call is allowed. Only fatal errors (e.g. this producer
    /// was fenced by a newer instance) end the sink.
    async fn retry_txn_call(
        &self,
        what: &'static str,
        health: &Health,
        call: impl Fn(&FutureProducer<StatsContext>) -> rdkafka::error::KafkaResult<()>
            + Send
            + Sync
            + Clone
            + 'static,
    ) -> Result<(), SinkError> {
        let mut attempt: u32 = 0;
        loop {
            let p = self.producer.clone();
            let c = call.clone();
            match blocking(move || c(&p)).await? {
                Ok(()) => return Ok(()),
                Err(KafkaError::Transaction(t)) if t.is_fatal() => {
                    return Err(fatal(what, &t));
                }
                Err(e) => {
                    attempt += 1;
                    health.set_sink_connected(false);
                    tracing::warn!(error = %e, attempt, "{what} did not finish; retrying");
                    let backoff = Duration::from_millis(100 * 2u64.pow(attempt.min(6)));
                    tokio::time::sleep(backoff.min(Duration::from_secs(5))).await;
                }
            }
        }
    }

    /// Replaces a flow whose record was refused with its dead letter; returns the story it
    /// replaced, if it was one.
    fn reject(flow: &mut Flow<Story>, err: &KafkaError, metrics: &Metrics) -> Option<Story> {
        let dead = Self::dead_letter_for(flow, err, metrics);
        match std::mem::replace(flow, dead) {
            Flow::Item(story) => Some(story),
            Flow::Dead(_) => None,
        }
    }

    /// The dead letter that replaces a flow whose record was refused.
    fn dead_letter_for(flow: &Flow<Story>, err: &KafkaError, metrics: &Metrics) -> Flow<Story> {
        match flow {
            Flow::Item(story) => {
                metrics
                    .sink_records
                    .with_label_values(&["stories", "failed"])
                    .inc();
                metrics
                    .dead_letters
                    .with_label_values(&[Stage::Sink.as_str(), ErrorClass::Rejected.as_str()])
                    .inc();
                tracing::warn!(source = %story.source, story = %story.uri, error = %err, "broker rejected record; dead-lettered");
                let payload = encode_story(story).unwrap_or_default();
                Flow::Dead(DeadLetter::new(
                    Stage::Sink,
                    ErrorClass::Rejected,
                    story.source.clone(),
                    err.to_string(),
                    payload,
                ))
            }
            Flow::Dead(dl) => {
                // A dead letter that is itself refused: keep the reason, drop the payload
                // (already capped); the error headers still reach the DLQ.
                metrics
                    .sink_records
                    .with_label_values(&["dead_letter", "failed"])
                    .inc();
                tracing::error!(source = %dl.source, error = %err, "dead letter refused; sending without payload");
                let mut dl = dl.clone();
                dl.message = format!("{} (payload dropped: {err})", dl.message);
                dl.payload = Vec::new();
                Flow::Dead(dl)
            }
        }
    }

    /// Enqueues the records of one flow: a story and its state entry, or a dead letter.
    fn enqueue(&self, flow: &Flow<Story>) -> Result<Vec<DeliveryFuture>, Enqueue> {
        match flow {
            Flow::Item(story) => {
                let payload =
                    encode_story(story).map_err(|e| Enqueue::Unserializable(e.to_string()))?;
                let record = FutureRecord::to(&self.config.topic)
                    .key(story.uri.as_str())
                    .payload(&payload)
                    .headers(Self::headers_for(story));
                let main = self
                    .producer
                    .send_result(record)
                    .map_err(|(e, _)| classify_enqueue(e))?;
                let mut futures = vec![main];
                for route in self.config.routes.iter().filter(|r| r.matches(story)) {
                    let record = FutureRecord::to(&route.topic)
                        .key(story.uri.as_str())
                        .payload(&payload)
                        .headers(Self::headers_for(story));
                    futures.push(
                        self.producer
                            .send_result(record)
                            .map_err(|(e, _)| classify_enqueue(e))?,
                    );
                }
                let state = serde_json::to_vec(&Published::of(story)).unwrap_or_default();
                let key = format!("{:016x}", story.fingerprint);
                let record = FutureRecord::to(&self.config.state_topic)
                    .key(&key)
                    .payload(&state);
                let st = self
                    .producer
                    .send_result(record)
                    .map_err(|(e, _)| classify_enqueue(e))?;
                futures.push(st);
                Ok(futures)
            }
            Flow::Dead(dl) => {
                let truncated = dl.payload.len() > MAX_DEAD_LETTER_PAYLOAD;
                let value = &dl.payload[..dl.payload.len().min(MAX_DEAD_LETTER_PAYLOAD)];
                let record = FutureRecord::to(&self.config.dlq_topic)
                    .key(&*dl.source)
                    .payload(value)
                    .headers(Self::dead_headers(dl, truncated));
                let f = self
                    .producer
                    .send_result(record)
                    .map_err(|(e, _)| classify_enqueue(e))?;
                Ok(vec![f])
            }
        }
    }

    // ---- at-least-once ------------------------------------------------------------------

    fn send_story(&self, story: Story) -> Pending {
        let producer = self.producer.clone();
        let topic = self.config.topic.clone();
        let state_topic = self.config.state_topic.clone();
        let routes: Vec<String> = self
            .config
            .routes
            .iter()
            .filter(|r| r.matches(&story))
            .map(|r| r.topic.clone())
            .collect();
        Box::pin(async move {
            let payload = match encode_story(&story) {
                Ok(p) => p,
                Err(e) => {
                    let dl = DeadLetter::new(
                        Stage::Sink,
                        ErrorClass::Serialize,
                        story.source.clone(),
                        e.to_string(),
                        Vec::new(),
                    );
                    // Both: the dead letter to send, the story to report as refused.
                    return (Some(story), Some(dl), Ok(()));
                }
            };
            let record = FutureRecord::to(&topic)
                .key(story.uri.as_str())
                .payload(&payload)
                .headers(Self::headers_for(&story));
            let result = producer
                .send(record, Timeout::Never)
                .await
                .map(|_| ())
                .map_err(|(e, _)| (e, payload.clone()));
            let mut result = result;
            for route in &routes {
                if result.is_err() {
                    break;
                }
                let record = FutureRecord::to(route)
                    .key(story.uri.as_str())
                    .payload(&payload)
                    .headers(Self::headers_for(&story));
                result = producer
                    .send(record, Timeout::Never)
                    .await
                    .map(|_| ())
                    .map_err(|(e, _)| (e, payload.clone()));
            }
            if result.is_ok() {
                let state = serde_json::to_vec(&Published::of(&story)).unwrap_or_default();
                let key = format!("{:016x}", story.fingerprint);
                // The state entry only speeds up a restart; losing it costs a re-send, which
                // this mode allows.
                if let Err((e, _)) = producer
                    .send(
                        FutureRecord::to(&state_topic).key(&key).payload(&state),
                        Timeout::Never,
                    )
                    .await
                {
                    tracing::warn!(error = %e, "state entry not written");
                }
            }
            (Some(story), None, result)
        })
    }

    fn send_dead(&self, dl: DeadLetter) -> Pending {
        let producer = self.producer.clone();
        let topic = self.config.dlq_topic.clone();
        Box::pin(async move {
            let truncated = dl.payload.len() > MAX_DEAD_LETTER_PAYLOAD;
            let value = dl.payload[..dl.payload.len().min(MAX_DEAD_LETTER_PAYLOAD)].to_vec();
            let record = FutureRecord::to(&topic)
                .key(&*dl.source)
                .payload(&value)
                .headers(Self::dead_headers(&dl, truncated));
            let result = producer
                .send(record, Timeout::Never)
                .await
                .map(|_| ())
                .map_err(|(e, _)| (e, Vec::new()));
            (None, Some(dl), result)
        })
    }

    async fn run_at_least_once<F>(
        self,
        mut rx: Receiver<Flow<Story>>,
        metrics: Arc<Metrics>,
        mut on_done: F,
    ) -> Result<(), SinkError>
    where
        F: FnMut(&Story, Delivery<'_>) + Send,
    {
        let mut pending: FuturesUnordered<Pending> = FuturesUnordered::new();
        // Stories refused for size beside others: the broker judges a partition's whole
        // batch, so an innocent record fails with an oversized one. Each is sent again alone
        // (nothing else in flight), which tells them apart; only then is one dead-lettered.
        let mut suspects: VecDeque<Story> = VecDeque::new();
        let mut isolating = false;
        let mut open = true;
        while open || !pending.is_empty() || !suspects.is_empty() {
            if pending.is_empty() {
                if let Some(story) = suspects.pop_front() {
                    isolating = true;
                    pending.push(self.send_story(story));
                    metrics.sink_retries.inc();
                }
            }
            tokio::select! {
                Some((story, dead, result)) = pending.next(), if !pending.is_empty() => {
                    let alone = isolating && story.is_some();
                    if alone {
                        isolating = false;
                    }
                    match (story, dead, result) {
                        (Some(story), None, Err((e, _))) if !alone && is_size_error(&e) => {
                            tracing::debug!(story = %story.uri, error = %e, "refused for size beside others; sending it again alone");
                            suspects.push_back(story);
                        }
                        (Some(story), Some(dl), Ok(())) => {
                            // Not serializable: never sent.
                            metrics.dead_letters.with_label_values(&[dl.stage.as_str(), dl.class.as_str()]).inc();
                            on_done(&story, Delivery::DeadLettered { reason: &dl.message });
                            pending.push(self.send_dead(dl));
                        }
                        (Some(story), None, Ok(())) => {
                            record_ack(&metrics, &story);
                            self.count_routes(&metrics, &story);
                            on_done(&story, Delivery::Published);
                        }
                        (Some(story), _, Err((e, payload))) => {
                            // Retries are librdkafka's job (message.timeout.ms = 0); an error
                            // here is permanent for this record, e.g. too large.
                            metrics.sink_records.with_label_values(&["stories", "failed"]).inc();
                            tracing::warn!(source = %story.source, story = %story.uri, error = %e, "broker rejected record; dead-lettered");
                            let dl = DeadLetter::new(Stage::Sink, ErrorClass::Rejected, story.source.clone(), e.to_string(), payload);
                            metrics.dead_letters.with_label_values(&[Stage::Sink.as_str(), ErrorClass::Rejected.as_str()]).inc();
                            on_done(&story, Delivery::DeadLettered { reason: &dl.message });
                            pending.push(self.send_dead(dl));
                        }
                        (None, Some(_), Ok(())) => {
                            metrics.sink_records.with_label_values(&["dead_letter", "acked"]).inc();
                        }
                        (None, Some(dl), Err((e, _))) => {
                            metrics.sink_records.with_label_values(&["dead_letter", "failed"]).inc();
                            tracing::error!(source = %dl.source, stage = dl.stage.as_str(), error = %e, reason = %dl.message, "dead letter could not be written");
                        }
                        (None, None, _) => {}
                    }
                    metrics.sink_in_flight.set(pending.len() as i64);
                }
                msg = rx.recv(), if open && suspects.is_empty() && !isolating && pending.len() < MAX_IN_FLIGHT => {
                    match msg {
                        Some(Flow::Item(story)) => pending.push(self.send_story(story)),
                        Some(Flow::Dead(dl)) => pending.push(self.send_dead(dl)),
                        None => open = false,
                    }
                    metrics.sink_in_flight.set(pending.len() as i64);
                }
            }
        }
        let producer = self.producer.clone();
        blocking(move || producer.flush(Timeout::After(Duration::from_secs(5))))
            .await?
            .map_err(kafka_err("flush"))?;
        Ok(())
    }
}

enum Enqueue {
    /// The local queue is full: wait for deliveries and try again.
    Full,
    /// The record can never be sent.
    Rejected(KafkaError),
    /// The story could not be turned into JSON.
    Unserializable(String),
}

fn classify_enqueue(e: KafkaError) -> Enqueue {
    match e.rdkafka_error_code() {
        Some(RDKafkaErrorCode::QueueFull) => Enqueue::Full,
        _ => Enqueue::Rejected(e),
    }
}

/// Whether a failed transaction points at the broker being unreachable (as opposed to a
/// record being refused), which is what `/readyz` reports.
fn health_is_connection_error(e: &KafkaError) -> bool {
    let text = e.to_string();
    !(text.contains("too large") || text.contains("TOO_LARGE") || matches!(e, KafkaError::Canceled))
}

/// A newer instance with our transactional id took over: we must stop, not fight it.
fn is_fenced(t: &rdkafka::error::RDKafkaError) -> bool {
    matches!(
        t.code(),
        RDKafkaErrorCode::ProducerFenced
            | RDKafkaErrorCode::Fenced
            | RDKafkaErrorCode::TransactionCoordinatorFenced
    )
}

fn fatal(what: &str, t: &rdkafka::error::RDKafkaError) -> SinkError {
    SinkError::Fatal {
        fenced: is_fenced(t),
        message: format!("{what}: {t}"),
    }
}

/// Errors after which sending the same record again cannot succeed.
/// Awaits every delivery report of a transaction; returns the records that failed, in order.
async fn settle(deliveries: &mut Vec<(usize, DeliveryFuture)>) -> Vec<(usize, KafkaError)> {
    let mut failed = Vec::new();
    for (i, fut) in deliveries.drain(..) {
        match fut.await {
            Ok(Ok(_)) => {}
            Ok(Err((err, _))) => failed.push((i, err)),
            // The producer dropped the report (it is shutting down): the commit must not run.
            Err(_) => failed.push((i, KafkaError::Canceled)),
        }
    }
    failed
}

/// Waits (briefly) until librdkafka has also released the reported messages, so that the flush
/// inside `commit_transaction` finds nothing to wait for and returns without its 100 ms poll.
async fn wait_idle(producer: &FutureProducer<StatsContext>) {
    for _ in 0..200 {
        if producer.in_flight_count() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_micros(250)).await;
    }
}

/// What is wrong with a state topic's cleanup settings for a story window of `window`, if
/// anything. wirefeed does not alter an existing topic (it may be the operator's, with their
/// reasons), so a changed `normalize.window` or a hand-made topic is pointed out instead.
fn retention_advice(policy: &str, retention_ms: Option<i64>, window: Duration) -> Option<String> {
    let want = window.as_millis();
    let deletes = policy.split(',').any(|x| x.trim() == "delete");
    match retention_ms {
        _ if !deletes => Some(format!(
            "the state topic never deletes old entries, so it grows with every story and \
             restarts read all of it; set cleanup.policy=compact,delete and retention.ms={want}"
        )),
        Some(ms) if ms >= 0 && (ms as u128) < want => Some(format!(
            "the state topic deletes entries after {ms} ms, before they leave the story window \
             ({want} ms): a restart forgets stories published in between and publishes their \
             re-posts again; set retention.ms={want}"
        )),
        // Twice the window: a topic of an earlier, longer window, or no limit at all.
        Some(ms) if ms < 0 || ms as u128 > 2 * want => {
            Some(format!(
            "the state topic keeps entries {} while the story window is {want} ms, so it grows \
             beyond what a restart can use; set retention.ms={want}",
            if ms < 0 { "forever".to_string() } else { format!("for {ms} ms") }
        ))
        }
        _ => None,
    }
}

/// The broker refused a batch for its size: maybe this record's, maybe a neighbour's.
fn is_size_error(e: &KafkaError) -> bool {
    matches!(
        e.rdkafka_error_code(),
        Some(RDKafkaErrorCode::MessageSizeTooLarge | RDKafkaErrorCode::InvalidMessageSize)
    )
}

fn is_permanent(e: &KafkaError) -> bool {
    matches!(
        e.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::MessageSizeTooLarge
                | RDKafkaErrorCode::InvalidRecord
                | RDKafkaErrorCode::InvalidMessageSize
                | RDKafkaErrorCode::InvalidMessage
        )
    )
}

/// Runs a blocking librdkafka call off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SinkError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SinkError::Kafka(format!("blocking task failed: {e}")))
}

/// Messages between two position checks of a restore that is not near its end.
const POSITION_CHECK_EVERY: usize = 8192;
/// A restore fails when the state topic yields nothing for this long before its end; a big
/// topic that keeps coming is read to the end however long it takes.
const RESTORE_STALL_TIMEOUT: Duration = Duration::from_secs(120);

fn restore_blocking(
    cc: ClientConfig,
    topic: &str,
    tx: &Sender<Committed>,
) -> Result<RestoreStats, SinkError> {
    let consumer: BaseConsumer = cc
        .create()
        .map_err(kafka_err("creating restore consumer"))?;
    let metadata = consumer
        .fetch_metadata(Some(topic), Timeout::After(Duration::from_secs(15)))
        .map_err(kafka_err("state topic metadata"))?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    let mut tpl = TopicPartitionList::new();
    let mut ends = BTreeMap::new();
    for p in &partitions {
        let (_, high) = consumer
            .fetch_watermarks(topic, *p, Timeout::After(Duration::from_secs(15)))
            .map_err(kafka_err("state topic watermarks"))?;
        if high > 0 {
            tpl.add_partition_offset(topic, *p, Offset::Beginning)
                .map_err(kafka_err("assign"))?;
            ends.insert(*p, high);
        }
    }
    let mut stats = RestoreStats::default();
    if ends.is_empty() {
        return Ok(stats);
    }
    consumer
        .assign(&tpl)
        .map_err(kafka_err("assign state topic"))?;
    // The high watermark may sit behind transaction markers that are never delivered, so
    // progress is judged by the consumer position, which does move past them. Asking for it
    // is a round trip to librdkafka's main thread, so it is asked only when a partition may
    // be done or the consumer is idle, not per message: per message, a restore read ~12k
    // entries/s and a window of 1 M stories took longer than the restore timeout.
    let mut last_progress = Instant::now();
    let mut since_check = 0usize;
    loop {
        let mut check = true;
        if let Some(msg) = consumer.poll(Duration::from_millis(100)) {
            let msg = msg.map_err(kafka_err("reading state topic"))?;
            last_progress = Instant::now();
            since_check += 1;
            check = since_check >= POSITION_CHECK_EVERY
                || ends
                    .get(&msg.partition())
                    .is_none_or(|high| msg.offset() + 1 >= *high);
            match msg.payload().map(serde_json::from_slice::<Published>) {
                Some(Ok(entry)) => {
                    stats.entries += 1;
                    let at = msg
                        .timestamp()
                        .to_millis()
                        .and_then(chrono::DateTime::from_timestamp_millis);
                    if tx.blocking_send(Committed { entry, at }).is_err() {
                        return Err(SinkError::RestoreAbandoned);
                    }
                }
                _ => {
                    stats.unreadable += 1;
                    tracing::warn!(
                        offset = msg.offset(),
                        partition = msg.partition(),
                        "unreadable state entry ignored"
                    )
                }
            }
        }
        if !check {
            continue;
        }
        since_check = 0;
        let position = consumer.position().map_err(kafka_err("position"))?;
        let done = ends.iter().all(|(p, high)| {
            position
                .find_partition(topic, *p)
                .and_then(|e| e.offset().to_raw())
                .is_some_and(|o| o >= *high)
        });
        if done {
            break;
        }
        if last_progress.elapsed() > RESTORE_STALL_TIMEOUT {
            return Err(SinkError::Kafka(format!(
                "reading the state topic stalled for {RESTORE_STALL_TIMEOUT:?} after {} entries",
                stats.entries
            )));
        }
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// librdkafka refuses TLS and SCRAM settings at client creation when built without
    /// OpenSSL; production clusters need both, so the build must carry them.
    #[test]
    fn tls_and_scram_are_compiled_in() {
        let producer: Result<rdkafka::producer::BaseProducer, _> = ClientConfig::new()
            .set("bootstrap.servers", "127.0.0.1:1")
            .set("security.protocol", "SASL_SSL")
            .set("sasl.mechanisms", "SCRAM-SHA-512")
            .set("sasl.username", "u")
            .set("sasl.password", "p")
            .create();
        assert!(producer.is_ok(), "{:?}", producer.err());
    }

    #[test]
    fn state_topic_retention_is_checked_against_the_window() {
        let day = Duration::from_secs(24 * 3600);
        let ms = |d: u64| Some((d * 24 * 3600 * 1000) as i64);
        let advice = |policy, retention| retention_advice(policy, retention, 7 * day);
        assert_eq!(advice("compact,delete", ms(7)), None);
        assert_eq!(
            advice("delete, compact", ms(10)),
            None,
            "a little longer is fine"
        );
        let never = advice("compact", ms(7)).unwrap();
        assert!(never.contains("never deletes"), "{never}");
        assert!(never.contains("retention.ms=604800000"), "{never}");
        let short = advice("compact,delete", ms(2)).unwrap();
        assert!(
            short.contains("before they leave the story window"),
            "{short}"
        );
        let long = advice("compact,delete", ms(30)).unwrap();
        assert!(long.contains("for 2592000000 ms"), "{long}");
        let forever = advice("compact,delete", Some(-1)).unwrap();
        assert!(forever.contains("forever"), "{forever}");
        assert_eq!(
            advice("compact,delete", None),
            None,
            "unknown: nothing to say"
        );
    }

    #[test]
    fn routes_match_on_every_given_criterion() {
        let mut story = Story {
            uri: "urn:x".into(),
            version: 1,
            source: "reuters".into(),
            format: wirefeed_model::ItemFormat::Rss,
            headline: "h".into(),
            paragraphs: vec![],
            link: None,
            guid: None,
            dateline: None,
            credits: vec![],
            by: None,
            language: Some("en-GB".into()),
            firstcreated: None,
            versioncreated: chrono::Utc::now(),
            fetched_at: chrono::Utc::now(),
            pubstatus: Default::default(),
            genres: vec![],
            ednote: None,
            fingerprint: 1,
            subjects: vec![],
            places: vec![],
            organisations: vec![],
            people: vec![],
            duplicate_of: None,
            origin: None,
        };
        let by_tag = Route {
            topic: "d".into(),
            tags: vec!["missile-defense".into()],
            ..Default::default()
        };
        let by_tag_and_lang = Route {
            languages: vec!["en".into()],
            ..by_tag.clone()
        };
        let other_source = Route {
            sources: vec!["ap".into()],
            ..by_tag.clone()
        };
        assert!(!by_tag.matches(&story));
        story.subjects.push(wirefeed_model::Subject {
            id: "missile-defense".into(),
            label: "Missile defense".into(),
            iptc: vec![],
            relevance: 90,
            confidence: 90,
        });
        assert!(by_tag.matches(&story));
        assert!(
            by_tag_and_lang.matches(&story),
            "en-GB has primary subtag en"
        );
        assert!(!other_source.matches(&story));
    }
}
