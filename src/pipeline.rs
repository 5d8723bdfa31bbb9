//! Wires the stages together: sources → normalize → enrich → sink, each pair joined by a
//! bounded channel, all stopped by one [`CancellationToken`].
//!
//! Shutdown order falls out of the channels: cancelling stops the sources; each stage ends
//! when its input closes, so in-flight stories drain through normalize and enrich into the
//! sink, which flushes and acknowledges before [`run`] returns.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use wirefeed_enrich::Enricher;
use wirefeed_fetch::{DirSource, HttpSource};
use wirefeed_model::{DeadLetter, Flow, RawItem, Stage, Story};
use wirefeed_normalize::{Decision, DuplicatePolicy, Normalizer, Restored, StoryState};
use wirefeed_sink::{Delivery, FileSink, KafkaConfig, KafkaSink, Route, Sink};
use wirefeed_telemetry::{Health, Metrics, Queue};

use crate::config::{Config, SinkKind, SourceKind};
use crate::decisions::{DecisionLog, ExplainLog};

/// What a finished run did, for the `--once` summary.
#[derive(Debug, Default)]
pub struct Summary {
    pub published: u64,
    pub duplicates: u64,
    pub dead_letters: u64,
}

/// The story window (uri/version map, fingerprints, SimHashes): checked by normalize, which
/// reserves a story in memory so a re-post or update arriving while it is in flight is still
/// recognised; committed to disk by the sink's acknowledgement callback.
type Dedup = StoryState;

/// Runs the service until `shutdown` fires, or until every source has been read once when
/// `once` is set.
pub async fn run(
    config: Config,
    shutdown: CancellationToken,
    once: bool,
) -> anyhow::Result<Summary> {
    let metrics = Arc::new(Metrics::new().context("registering metrics")?);
    run_with_metrics(config, shutdown, once, metrics, Audit::default()).await
}

/// What `wirefeed ingest` asked to be written beside the records.
#[derive(Default, Clone)]
pub struct Audit {
    /// One line per input item (see [`DecisionLog`]).
    pub decisions: Option<DecisionLog>,
    /// One line per tagged story with the evidence for its topics (see [`ExplainLog`]).
    pub explain: Option<ExplainLog>,
}

/// [`run`] with the caller's [`Metrics`], so `wirefeed ingest` can show progress from them.
/// `audit` names the files for `--decisions` and `--explain`.
pub async fn run_with_metrics(
    config: Config,
    shutdown: CancellationToken,
    once: bool,
    metrics: Arc<Metrics>,
    audit: Audit,
) -> anyhow::Result<Summary> {
    let Audit { decisions, explain } = audit;
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
    let state = StoryState::open(
        config.state_dir.as_deref(),
        config.normalize.state(),
        chrono::Utc::now(),
    )
    .context("opening story state")?;
    metrics.dedup_fingerprints.set(state.len() as i64);
    let dedup = Arc::new(Mutex::new(state));

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
            Sink::Kafka(Box::new(
                KafkaSink::connect(
                    KafkaConfig {
                        brokers: k.brokers.clone(),
                        topic: k.topic.clone(),
                        dlq_topic: k.dlq_topic.clone(),
                        state_topic: k
                            .state_topic
                            .clone()
                            .unwrap_or_else(|| format!("{}.state", k.topic)),
                        state_retention: Some(config.normalize.state().window),
                        partitions: k.partitions,
                        replication: k.replication,
                        create_topics: k.create_topics,
                        exactly_once: k.exactly_once,
                        transactional_id: k.transactional_id.clone(),
                        batch_max_records: k.batch_max_records,
                        batch_linger: k.batch_linger,
                        compression: k.compression.clone(),
                        properties: k.properties.clone(),
                        routes: k
                            .routes
                            .iter()
                            .map(|r| Route {
                                topic: r.topic.clone(),
                                tags: r.tags.clone(),
                                sources: r.sources.clone(),
                                languages: r.languages.clone(),
                            })
                            .collect(),
                    },
                    metrics.clone(),
                )
                .await?,
            ))
        }
    };
    // Rebuild delivery-dependent state from what the sink really published: the local story
    // window may lag it (crash between delivery and its batched write), never lead it.
    let restore_started = Instant::now();
    let (mut entries, reader) = sink.restore();
    let (mut added, mut known, mut expired) = (0u64, 0u64, 0u64);
    let now = chrono::Utc::now();
    while let Some(c) = entries.recv().await {
        let mut d = dedup.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = d
            .restore(&c.entry, c.at.unwrap_or(now), now)
            .context("restoring story state")?;
        *match outcome {
            Restored::Added => &mut added,
            Restored::Known => &mut known,
            Restored::Expired => &mut expired,
        } += 1;
    }
    let stats = reader.await.context("restore task panicked")??;
    for (outcome, n) in [
        ("restored", added),
        ("known", known),
        ("expired", expired),
        ("unreadable", stats.unreadable),
    ] {
        metrics
            .restore_entries
            .with_label_values(&[outcome])
            .inc_by(n);
    }
    {
        let mut d = dedup.lock().unwrap_or_else(|p| p.into_inner());
        d.flush().context("flushing story state")?;
        metrics.dedup_fingerprints.set(d.len() as i64);
    }
    tracing::info!(
        records = stats.entries,
        unreadable = stats.unreadable,
        missing_locally = added,
        already_known = known,
        older_than_window = expired,
        took = ?restore_started.elapsed(),
        "restored published state from the sink"
    );
    health.set_sink_connected(true);
    tracing::info!(sink = %sink.describe(), sources = source_names.len(), topics = topics.len(), "starting pipeline");

    let server_stop = CancellationToken::new();
    let (addr, server) = wirefeed_telemetry::serve_with_admin(
        config.listen,
        config.admin_listen,
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
    let hosts = wirefeed_fetch::HostLimiter::new(
        config.pipeline.per_host_concurrency,
        config.pipeline.per_host_spacing,
    );
    let documents = wirefeed_fetch::DocumentLimiter::new(config.pipeline.documents_in_hand);
    let fetch_states = match wirefeed_fetch::FetchStates::open(config.state_dir.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            // Losing validators costs one full refetch per source; dedup drops the repeats.
            tracing::warn!(error = %e, "cannot read fetch state; starting fresh");
            wirefeed_fetch::FetchStates::empty(config.state_dir.as_deref())
        }
    };
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
                    auth: s.resolved_auth()?,
                    state: fetch_states.clone(),
                    hosts: hosts.clone(),
                    documents: documents.clone(),
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
                    recursive: s.recursive,
                    files: s.files.clone(),
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
        decisions.clone(),
    ));
    stages.spawn(enrich_stage(
        norm_rx,
        out_tx,
        enricher,
        TaxonomyWatch::new(config.enrich.taxonomy.clone()),
        metrics.clone(),
        health.clone(),
        explain,
    ));
    let sink_metrics = metrics.clone();
    let sink_health = health.clone();
    let ack_dedup = dedup.clone();
    let ack_metrics = metrics.clone();
    let ack_decisions = decisions.clone();
    let sink_task = tokio::spawn(async move {
        sink.run(out_rx, sink_metrics, sink_health, move |story: &Story, delivery: Delivery<'_>| {
            let mut d = ack_dedup.lock().unwrap_or_else(|p| p.into_inner());
            match delivery {
                Delivery::Published => {
                    if let Err(e) = d.commit(story) {
                        // The story is delivered; losing its record costs at most one
                        // re-publication.
                        tracing::error!(error = %e, story = %story.uri, "cannot persist story state");
                    }
                    tracing::info!(source = %story.source, story = %story.uri, version = story.version, headline = %story.headline, "published");
                }
                Delivery::DeadLettered { reason } => {
                    if let Some(log) = &ack_decisions {
                        log.refused(story, reason);
                    }
                    // Nobody received it: neither a duplicate target nor a version to continue.
                    if let Some(repeats) = d.release(story) {
                        tracing::info!(source = %story.source, story = %story.uri, version = story.version, "refused story forgotten by the window");
                        if repeats > 0 {
                            // Dropped while it was in flight, when it looked published; they
                            // are gone now, and the operator should know.
                            ack_metrics.dedup_lost_reposts.inc_by(u64::from(repeats));
                            tracing::warn!(source = %story.source, story = %story.uri, reposts = repeats, "re-posts of a refused story were dropped as its duplicates while it was in flight; none of them was published");
                        }
                    }
                }
            }
            ack_metrics.dedup_fingerprints.set(d.len() as i64);
        })
        .await
    });
    stages.close();

    sources.wait().await;
    if let Err(e) = fetch_states.flush() {
        tracing::warn!(error = %e, "cannot persist fetch state");
    }
    stages.wait().await;
    let sink_result = sink_task.await.context("sink task panicked")?;
    {
        let mut d = dedup.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = d.flush() {
            tracing::error!(error = %e, "cannot flush story state");
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
    decisions: Option<DecisionLog>,
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
                if let Some(d) = &decisions {
                    d.dead_letter(&dl);
                }
                Flow::Dead(dl)
            }
            Flow::Item(raw) => {
                let started = Instant::now();
                let result = normalizer.normalize(&raw);
                timer.observe(started.elapsed().as_secs_f64());
                match result {
                    Ok(mut story) => {
                        let decision = {
                            let mut d = dedup.lock().unwrap_or_else(|p| p.into_inner());
                            let decision = d.check(&mut story, chrono::Utc::now());
                            metrics.dedup_fingerprints.set(d.len() as i64);
                            decision
                        };
                        match decision {
                            Decision::Duplicate { kind, of, distance } => {
                                metrics
                                    .normalize_duplicates
                                    .with_label_values(&[&story.source, kind.as_str()])
                                    .inc();
                                let pointer = normalizer.config().duplicates
                                    == DuplicatePolicy::Pointer
                                    && dedup.lock().unwrap_or_else(|p| p.into_inner()).pointer(
                                        &mut story,
                                        &of,
                                        chrono::Utc::now(),
                                    );
                                if let Some(d) = &decisions {
                                    d.duplicate(&story, kind.as_str(), &of, distance, pointer);
                                }
                                let outcome = if pointer { "pointer" } else { "duplicate" };
                                metrics
                                    .normalize_stories
                                    .with_label_values(&[&story.source, outcome])
                                    .inc();
                                if !pointer {
                                    tracing::info!(source = %story.source, original = %of, kind = kind.as_str(), distance, headline = %story.headline, "duplicate dropped");
                                    continue;
                                }
                                tracing::info!(source = %story.source, story = %story.uri, original = %of, kind = kind.as_str(), distance, headline = %story.headline, "duplicate published as a pointer");
                                if tx.send(Flow::Item(story)).await.is_err() {
                                    return;
                                }
                                continue;
                            }
                            Decision::Version { previous } => {
                                metrics
                                    .normalize_versions
                                    .with_label_values(&[&story.source])
                                    .inc();
                                tracing::debug!(source = %story.source, story = %story.uri, version = story.version, previous, "new version of a known story");
                            }
                            Decision::New => {}
                        }
                        metrics
                            .normalize_stories
                            .with_label_values(&[&story.source, "accepted"])
                            .inc();
                        if let Some(d) = &decisions {
                            d.emitted(&story);
                        }
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
                        if let Some(d) = &decisions {
                            d.rejected(&raw, &e.to_string());
                        }
                        let dl = DeadLetter::new(
                            Stage::Normalize,
                            e.class(),
                            raw.source.clone(),
                            e.to_string(),
                            raw.to_json_bytes(),
                        );
                        Flow::Dead(match &raw.origin {
                            Some(o) => dl.with_origin(o.clone()),
                            None => dl,
                        })
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
    mut enricher: Enricher,
    mut watch: TaxonomyWatch,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    explain: Option<ExplainLog>,
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
    loop {
        // Reloading here, between stories, makes the swap atomic without locks: every story
        // is tagged wholly by the old or wholly by the new taxonomy.
        let flow = tokio::select! {
            flow = rx.recv() => match flow {
                Some(flow) => flow,
                None => break,
            },
            path = watch.changed() => {
                match reload_enricher(&path).await {
                    Ok(new) => {
                        for id in new.topic_ids() {
                            metrics.enrich_tags.with_label_values(&[&id]);
                        }
                        enricher = new;
                        metrics.enrich_reloads.with_label_values(&["ok"]).inc();
                        metrics.enrich_taxonomy_stale.set(0);
                        tracing::info!(taxonomy = %path.display(), "taxonomy reloaded");
                    }
                    Err(e) => {
                        metrics.enrich_reloads.with_label_values(&["failed"]).inc();
                        metrics.enrich_taxonomy_stale.set(1);
                        tracing::error!(
                            taxonomy = %path.display(),
                            error = %e,
                            "taxonomy reload failed; keeping the previous taxonomy"
                        );
                    }
                }
                continue;
            }
        };
        depth.set(rx.len() as i64);
        let out = match flow {
            Flow::Dead(dl) => Flow::Dead(dl),
            // A pointer has no body to tag; its original carries the tags.
            Flow::Item(story) if story.duplicate_of.is_some() => Flow::Item(story),
            Flow::Item(mut story) => {
                let started = Instant::now();
                enricher.enrich(&mut story);
                timer.observe(started.elapsed().as_secs_f64());
                if let Some(log) = &explain {
                    log.explained(&story, &enricher.explain(&story));
                }
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

/// Compiles the taxonomy at `path` off the async workers (a big taxonomy takes a while).
async fn reload_enricher(path: &Path) -> anyhow::Result<Enricher> {
    let path = path.to_path_buf();
    let enricher = tokio::task::spawn_blocking(move || {
        let taxonomy = wirefeed_enrich::Taxonomy::load(&path)?;
        Enricher::new(taxonomy)
    })
    .await??;
    Ok(enricher)
}

/// Tells the enrich stage when to reload the taxonomy file: on SIGHUP, or when the file's
/// modification time or size changes. Polling one file's metadata every
/// [`TaxonomyWatch::POLL`] costs nothing, sees editors' rename-on-save and works on every
/// filesystem, so it needs no file-notification dependency. With the built-in taxonomy
/// there is nothing to reload and it never fires.
struct TaxonomyWatch {
    path: Option<PathBuf>,
    stamp: Option<(SystemTime, u64)>,
    tick: tokio::time::Interval,
    hangup: Option<tokio::signal::unix::Signal>,
}

impl TaxonomyWatch {
    const POLL: Duration = Duration::from_secs(1);

    fn new(path: Option<PathBuf>) -> TaxonomyWatch {
        use tokio::signal::unix::{signal, SignalKind};
        let hangup = path.as_ref().and_then(|_| {
            signal(SignalKind::hangup())
                .inspect_err(|e| tracing::warn!(error = %e, "cannot watch SIGHUP"))
                .ok()
        });
        let mut tick = tokio::time::interval(Self::POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        TaxonomyWatch {
            stamp: path.as_deref().and_then(Self::stamp),
            path,
            tick,
            hangup,
        }
    }

    fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
        let m = std::fs::metadata(path).ok()?;
        Some((m.modified().ok()?, m.len()))
    }

    /// Resolves with the file's path when it should be reloaded. Cancel-safe: the recorded
    /// stamp only changes when it resolves.
    async fn changed(&mut self) -> PathBuf {
        let Some(path) = self.path.clone() else {
            return std::future::pending().await;
        };
        loop {
            let hup = async {
                match self.hangup.as_mut() {
                    Some(h) => h.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = hup => {
                    self.stamp = Self::stamp(&path);
                    return path;
                }
                _ = self.tick.tick() => {
                    let now = Self::stamp(&path);
                    if now.is_some() && now != self.stamp {
                        self.stamp = now;
                        return path;
                    }
                }
            }
        }
    }
}
