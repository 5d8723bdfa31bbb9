//! Wires the stages together: sources → normalize → enrich → sink, each pair joined by a
//! bounded channel, all stopped by one [`CancellationToken`].
//!
//! Shutdown order falls out of the channels: cancelling stops the sources; each stage ends
//! when its input closes, so in-flight stories drain through normalize and enrich into the
//! sink, which flushes and acknowledges before [`run`] returns.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use wirefeed_enrich::Enricher;
use wirefeed_fetch::{DirSource, HttpSource};
use wirefeed_model::{DeadLetter, Flow, RawItem, Stage, Story};
use wirefeed_normalize::{DedupStore, Normalizer};
use wirefeed_sink::{FileSink, KafkaConfig, KafkaSink, Sink};
use wirefeed_telemetry::{Health, Metrics, Queue};

use crate::config::{Config, SinkKind, SourceKind};

/// What a finished run did, for the `--once` summary.
#[derive(Debug, Default)]
pub struct Summary {
    pub published: u64,
    pub duplicates: u64,
    pub dead_letters: u64,
}

/// The exact-duplicate window: fingerprints already published (durable) plus those on their
/// way to the sink (in memory), so a re-post arriving before its original is acknowledged is
/// still caught.
struct Dedup {
    store: DedupStore,
    in_flight: HashSet<u64>,
}

/// Runs the service until `shutdown` fires, or until every source has been read once when
/// `once` is set.
pub async fn run(
    config: Config,
    shutdown: CancellationToken,
    once: bool,
) -> anyhow::Result<Summary> {
    let metrics = Arc::new(Metrics::new().context("registering metrics")?);
    let health = Arc::new(Health::new(
        config.pipeline.backpressure_limit.as_secs() as i64
    ));

    let taxonomy = match &config.enrich.taxonomy {
        Some(path) => wirefeed_enrich::Taxonomy::load(path)?,
        None => wirefeed_enrich::Taxonomy::from_toml_str(
            wirefeed_enrich::DEFAULT_TAXONOMY,
            "<built-in taxonomy>",
        )?,
    };
    let topics = taxonomy.topic_ids();
    let enricher = Enricher::new(taxonomy)?;
    let normalizer = Normalizer::new(config.normalize.clone())?;
    if let Some(dir) = &config.state_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create state dir {}", dir.display()))?;
    }
    let store = DedupStore::open(config.state_dir.as_deref()).context("opening dedup store")?;
    metrics.dedup_fingerprints.set(store.len() as i64);
    let dedup = Arc::new(Mutex::new(Dedup {
        store,
        in_flight: HashSet::new(),
    }));

    let source_names: Vec<String> = config
        .sources
        .iter()
        .filter(|s| s.enabled)
        .map(|s| s.name.clone())
        .collect();
    metrics.preregister(&source_names, &topics);

    let sink = match config.sink.kind {
        SinkKind::File => Sink::File(FileSink::open(&config.sink.file.path)?),
        SinkKind::Kafka => {
            let k = &config.sink.kafka;
            Sink::Kafka(
                KafkaSink::connect(KafkaConfig {
                    brokers: k.brokers.clone(),
                    topic: k.topic.clone(),
                    dlq_topic: k.dlq_topic.clone(),
                    partitions: k.partitions,
                    replication: k.replication,
                    create_topics: k.create_topics,
                    properties: k.properties.clone(),
                })
                .await?,
            )
        }
    };
    health.set_sink_connected(true);
    tracing::info!(sink = %sink.describe(), sources = source_names.len(), topics = topics.len(), "starting pipeline");

    let server_stop = CancellationToken::new();
    let (addr, server) = wirefeed_telemetry::serve(
        config.listen,
        metrics.clone(),
        health.clone(),
        server_stop.clone(),
    )
    .await
    .map_err(|e| anyhow::anyhow!(e))?;
    tracing::info!(%addr, "serving /metrics, /healthz, /readyz");

    let cap = config.pipeline.channel_capacity;
    let (raw_tx, raw_rx) = mpsc::channel::<Flow<RawItem>>(cap);
    let (norm_tx, norm_rx) = mpsc::channel::<Flow<Story>>(cap);
    let (out_tx, out_rx) = mpsc::channel::<Flow<Story>>(cap);

    // Sources.
    let sources = TaskTracker::new();
    let client = wirefeed_fetch::build_client(config.pipeline.http_timeout)?;
    let hosts = wirefeed_fetch::HostLimiter::default();
    for s in config.sources.iter().filter(|s| s.enabled) {
        let name: Arc<str> = Arc::from(s.name.as_str());
        let max_bytes = s.max_bytes.unwrap_or(wirefeed_fetch::DEFAULT_MAX_BYTES);
        match s.kind {
            SourceKind::Http => {
                metrics.sources.with_label_values(&["http"]).inc();
                let src = HttpSource {
                    name,
                    url: s.url.clone().unwrap_or_default(),
                    interval: s.interval.unwrap_or(wirefeed_fetch::DEFAULT_INTERVAL),
                    max_bytes,
                    min_interval: s.min_interval,
                    max_interval: s.max_interval,
                    headers: s.resolved_headers()?,
                    state_dir: config.state_dir.clone(),
                    hosts: hosts.clone(),
                };
                sources.spawn(wirefeed_fetch::run_http(
                    src,
                    client.clone(),
                    raw_tx.clone(),
                    metrics.clone(),
                    shutdown.clone(),
                    once,
                ));
            }
            SourceKind::Dir => {
                metrics.sources.with_label_values(&["dir"]).inc();
                let src = DirSource {
                    name,
                    path: s.path.clone().unwrap_or_default(),
                    interval: s.interval.unwrap_or(std::time::Duration::from_secs(2)),
                    max_bytes,
                };
                sources.spawn(wirefeed_fetch::run_dir(
                    src,
                    raw_tx.clone(),
                    metrics.clone(),
                    shutdown.clone(),
                    once,
                ));
            }
        }
    }
    sources.close();
    drop(raw_tx);
    health.set_sources_loaded(true);

    let stages = TaskTracker::new();
    stages.spawn(normalize_stage(
        raw_rx,
        norm_tx,
        normalizer,
        dedup.clone(),
        metrics.clone(),
    ));
    stages.spawn(enrich_stage(
        norm_rx,
        out_tx,
        enricher,
        metrics.clone(),
        health.clone(),
    ));
    let sink_metrics = metrics.clone();
    let ack_dedup = dedup.clone();
    let ack_metrics = metrics.clone();
    let sink_task = tokio::spawn(async move {
        sink.run(out_rx, sink_metrics, move |story: &Story| {
            let mut d = ack_dedup.lock().unwrap_or_else(|p| p.into_inner());
            d.in_flight.remove(&story.fingerprint);
            if let Err(e) = d.store.record(story.fingerprint) {
                tracing::error!(error = %e, "cannot persist dedup fingerprint");
            }
            ack_metrics.dedup_fingerprints.set(d.store.len() as i64);
            tracing::info!(source = %story.source, story = %story.uri, version = story.version, headline = %story.headline, "published");
        })
        .await
    });
    stages.close();

    sources.wait().await;
    stages.wait().await;
    let sink_result = sink_task.await.context("sink task panicked")?;
    {
        let mut d = dedup.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = d.store.flush() {
            tracing::error!(error = %e, "cannot flush dedup store");
        }
    }
    server_stop.cancel();
    let _ = server.await;
    sink_result?;

    Ok(Summary {
        published: metrics
            .sink_records
            .with_label_values(&["stories", "acked"])
            .get(),
        duplicates: source_names
            .iter()
            .map(|s| {
                metrics
                    .normalize_stories
                    .with_label_values(&[s, "duplicate"])
                    .get()
            })
            .sum(),
        dead_letters: metrics
            .sink_records
            .with_label_values(&["dead_letter", "acked"])
            .get(),
    })
}

async fn normalize_stage(
    mut rx: mpsc::Receiver<Flow<RawItem>>,
    tx: mpsc::Sender<Flow<Story>>,
    normalizer: Normalizer,
    dedup: Arc<Mutex<Dedup>>,
    metrics: Arc<Metrics>,
) {
    let depth = metrics
        .queue_depth
        .with_label_values(&[Queue::FetchToNormalize.as_str()]);
    let timer = metrics
        .stage_duration
        .with_label_values(&[Stage::Normalize.as_str()]);
    while let Some(flow) = rx.recv().await {
        depth.set(rx.len() as i64);
        let out = match flow {
            Flow::Dead(dl) => {
                metrics
                    .dead_letters
                    .with_label_values(&[dl.stage.as_str(), dl.class.as_str()])
                    .inc();
                Flow::Dead(dl)
            }
            Flow::Item(raw) => {
                let started = Instant::now();
                let result = normalizer.normalize(&raw);
                timer.observe(started.elapsed().as_secs_f64());
                match result {
                    Ok(story) => {
                        let duplicate = {
                            let mut d = dedup.lock().unwrap_or_else(|p| p.into_inner());
                            let dup = d.store.is_duplicate(story.fingerprint)
                                || d.in_flight.contains(&story.fingerprint);
                            if !dup {
                                d.in_flight.insert(story.fingerprint);
                            }
                            dup
                        };
                        if duplicate {
                            metrics
                                .normalize_stories
                                .with_label_values(&[&story.source, "duplicate"])
                                .inc();
                            tracing::info!(source = %story.source, story = %story.uri, headline = %story.headline, "duplicate dropped");
                            continue;
                        }
                        metrics
                            .normalize_stories
                            .with_label_values(&[&story.source, "accepted"])
                            .inc();
                        Flow::Item(story)
                    }
                    Err(e) => {
                        metrics
                            .normalize_stories
                            .with_label_values(&[&raw.source, "dead_letter"])
                            .inc();
                        metrics
                            .dead_letters
                            .with_label_values(&[Stage::Normalize.as_str(), e.class().as_str()])
                            .inc();
                        tracing::warn!(source = %raw.source, guid = ?raw.guid, error = %e, "item rejected; dead-lettered");
                        Flow::Dead(DeadLetter::new(
                            Stage::Normalize,
                            e.class(),
                            raw.source.clone(),
                            e.to_string(),
                            raw.to_json_bytes(),
                        ))
                    }
                }
            }
        };
        if tx.send(out).await.is_err() {
            return;
        }
    }
}

async fn enrich_stage(
    mut rx: mpsc::Receiver<Flow<Story>>,
    tx: mpsc::Sender<Flow<Story>>,
    enricher: Enricher,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
) {
    let depth = metrics
        .queue_depth
        .with_label_values(&[Queue::NormalizeToEnrich.as_str()]);
    let out_depth = metrics
        .queue_depth
        .with_label_values(&[Queue::EnrichToSink.as_str()]);
    let timer = metrics
        .stage_duration
        .with_label_values(&[Stage::Enrich.as_str()]);
    while let Some(flow) = rx.recv().await {
        depth.set(rx.len() as i64);
        let out = match flow {
            Flow::Dead(dl) => Flow::Dead(dl),
            Flow::Item(mut story) => {
                let started = Instant::now();
                enricher.enrich(&mut story);
                timer.observe(started.elapsed().as_secs_f64());
                if story.subjects.is_empty() {
                    metrics.enrich_untagged.inc();
                }
                for s in &story.subjects {
                    metrics.enrich_tags.with_label_values(&[&s.id]).inc();
                }
                Flow::Item(story)
            }
        };
        // A full channel here means the sink cannot keep up: that is the backpressure
        // `/readyz` reports once it lasts.
        health.set_backpressure(tx.capacity() == 0);
        if tx.send(out).await.is_err() {
            return;
        }
        out_depth.set((tx.max_capacity() - tx.capacity()) as i64);
    }
    health.set_backpressure(false);
}
