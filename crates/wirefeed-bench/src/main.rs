//! `wirefeed-bench`: the end-to-end load benchmark. It serves F feeds × I items of wire text
//! from an in-process HTTP server on 127.0.0.1, runs the release `wirefeed` binary against the
//! real Kafka broker, and measures it side by side with two baselines in the same run: the raw
//! rdkafka producer sending the very records wirefeed produced (the physical limit), the
//! Python reference pipeline in `bench/python_pipeline.py` and, when built, the Benthos
//! pipeline in `bench/benthos`. Ratios of runs adjacent in time hold on a noisy, shared
//! machine where absolute numbers do not; each scale runs several rounds, in alternating
//! order, and reports the median of the per-round ratios.
//!
//! Not part of `cargo test`; `scripts/bench` runs it and regenerates `BENCHMARKS.md`.
//! Layout: `corpus` (stories and feeds), `server` (the feed publisher), `run` (one wirefeed
//! run and its numbers), `kafka` (topics, tailing consumer, raw producer), `report`,
//! `spread` (medians of rounds).

mod corpus;
mod kafka;
mod report;
mod restart;
mod run;
mod server;
mod spread;
mod steady;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use report::{PeerResult, Report, RoundResult, ScaleResult, WirefeedResult};

#[derive(Parser, Debug)]
#[command(
    about = "End-to-end load benchmark: wirefeed vs the raw producer vs Python and Benthos pipelines"
)]
struct Args {
    /// Feeds served (F); each becomes one `[[source]]`.
    #[arg(long, default_value_t = 200)]
    feeds: usize,
    /// Serve the stories with typographic punctuation (curly quotes and apostrophes, en
    /// dashes), as most publishers write them, instead of Reuters-21578's plain ASCII.
    #[arg(long)]
    typographic: bool,
    /// Items per feed at scale 1 (I): a tenth are re-posts, a twentieth updates.
    #[arg(long, default_value_t = 50)]
    items: usize,
    /// Multiples of the item count to run, for the scaling curve.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    scale: Vec<usize>,
    /// What grows with the scale: the number of feeds (as a deployment grows) or the items per
    /// feed (ever larger documents; memory then grows with the documents in flight).
    #[arg(long, value_enum, default_value = "feeds")]
    scale_by: ScaleBy,
    /// Rounds per scale of wirefeed, the raw producer (with and without state entries) and
    /// Benthos, in alternating order; ratios are the median of the per-round ratios.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    rounds: u16,
    /// Kafka bootstrap servers.
    #[arg(long, env = "WIREFEED_TEST_BROKERS", default_value = "127.0.0.1:9092")]
    brokers: String,
    /// The wirefeed binary (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/wirefeed")]
    wirefeed: PathBuf,
    /// Third-party corpora; Reuters-21578 bodies are used when present.
    #[arg(long, env = "WIREFEED_CORPORA", default_value = "../shared/corpora")]
    corpora: PathBuf,
    /// Python interpreter with bench/requirements.txt installed; the Python baseline runs
    /// once, in round 0 of the first scale, when given.
    #[arg(long)]
    python: Option<PathBuf>,
    #[arg(long, default_value = "bench/python_pipeline.py")]
    python_script: PathBuf,
    /// The Benthos pipeline binary (`go build -C bench/benthos -o ../../target/benthos-pipeline .`);
    /// the Benthos baseline runs in every round of every scale when given.
    #[arg(long)]
    benthos: Option<PathBuf>,
    /// Taxonomy the Python pipeline tags with (wirefeed uses its built-in copy of it).
    #[arg(long, default_value = "config/taxonomy.toml")]
    taxonomy: PathBuf,
    /// Poll interval of every source; a re-poll of an unchanged feed is a 304.
    #[arg(long, default_value = "10s")]
    poll_interval: String,
    /// Kafka transactions (wirefeed's default) or idempotent at-least-once, for both wirefeed
    /// and the raw producer.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    exactly_once: bool,
    #[arg(long, default_value = "zstd")]
    compression: String,
    /// Records per transaction (`batch_max_records`), for both wirefeed and the raw producer.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Give up on a run after this many seconds.
    #[arg(long, default_value_t = 900)]
    timeout_secs: u64,
    /// Write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write BENCHMARKS.md here.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Write only the result tables, under this heading, for appending to BENCHMARKS.md (a
    /// second input variant, e.g. `--typographic`).
    #[arg(long)]
    section: Option<String>,
    /// Steady-load mode instead of the scaling runs: publish this many items per second
    /// (over all feeds) for `--steady-secs`, and report latency, memory and descriptors per
    /// window. `--steady-secs 1800` is the soak.
    #[arg(long)]
    steady_rate: Option<f64>,
    #[arg(long, default_value_t = 60)]
    steady_secs: u64,
    #[arg(long, default_value_t = 50)]
    steady_feeds: usize,
    /// Poll period of every feed in steady mode.
    #[arg(long, default_value = "1s")]
    steady_poll: String,
    /// Newest items a feed document keeps; must cover a poll period of items.
    #[arg(long, default_value_t = 200)]
    steady_window: usize,
    /// Seconds per row of the steady report.
    #[arg(long, default_value_t = 10)]
    steady_every: u64,
    /// Restart mode instead of the scaling runs: time a start against a state topic of N
    /// entries inside the story window, then against N/4 inside it and N older than it.
    #[arg(long)]
    restart: Option<u64>,
    /// Write the feed documents of the first scale (as served, `--typographic` applied) to
    /// DIR/feed-NNNNN.rss and exit: the same input for a `dir` source, for profiling wirefeed
    /// without a broker or a server (`scripts/profile` runs it under callgrind).
    #[arg(long, value_name = "DIR")]
    write_feeds: Option<PathBuf>,
    /// Keep the topics this run created (deleted at the end otherwise: a broker that keeps
    /// every run's topics grew to thousands of partitions and 13 GB).
    #[arg(long)]
    keep_topics: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
enum ScaleBy {
    Feeds,
    Items,
}

/// The feed documents served at one scale, the items in them, and the stories wirefeed should
/// accept (all but the re-posts).
fn feed_docs(
    args: &Args,
    corpus: &[corpus::Story],
    feed_count: usize,
    per_feed: usize,
) -> (Vec<String>, u64, u64) {
    let mut feeds = corpus::layout(corpus, feed_count, per_feed);
    if args.typographic {
        for it in feeds.iter_mut().flatten() {
            it.headline = corpus::typographic(&it.headline);
            for p in &mut it.paragraphs {
                *p = corpus::typographic(p);
            }
        }
    }
    let items: u64 = feeds.iter().map(|f| f.len() as u64).sum();
    let expected_accepted = feeds
        .iter()
        .flatten()
        .filter(|i| i.kind != corpus::Kind::Repost)
        .count() as u64;
    let docs = feeds
        .iter()
        .enumerate()
        .map(|(f, it)| corpus::rss(f, it))
        .collect();
    (docs, items, expected_accepted)
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{prefix}{}{nanos}", run_tag())
}

/// What every topic name of this process contains (`bench.<what>.<pid>.<nanos>`, and the
/// `.state` / `.dlq` topics wirefeed derives from one): the topics deleted at the end.
fn run_tag() -> String {
    format!(".{}.", std::process::id())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let result = bench(&args).await;
    // Also after a failed run: its topics are as useless, and as heavy, as a good run's.
    if args.write_feeds.is_none() && !args.keep_topics {
        match kafka::delete_topics_tagged(&args.brokers, "bench.", &run_tag()).await {
            Ok(n) => eprintln!("wirefeed-bench: deleted the {n} topics of this run"),
            Err(e) => eprintln!("wirefeed-bench: could not delete this run's topics: {e:#}"),
        }
    }
    result
}

async fn bench(args: &Args) -> anyhow::Result<()> {
    if let Some(n) = args.restart {
        return restarts(args, n).await;
    }
    let reuters_dir = args.corpora.join("reuters-21578/reuters21578");
    let (corpus, corpus_name) = if reuters_dir.is_dir() {
        let c = corpus::reuters(&reuters_dir).context("read Reuters-21578")?;
        (c, format!("Reuters-21578 ({})", reuters_dir.display()))
    } else {
        (
            corpus::generated(5000),
            "generated (no ../shared corpora)".to_string(),
        )
    };
    anyhow::ensure!(!corpus.is_empty(), "empty corpus");
    eprintln!(
        "wirefeed-bench: corpus {corpus_name}: {} distinct stories",
        corpus.len()
    );
    let wirefeed = std::fs::canonicalize(&args.wirefeed)
        .with_context(|| format!("{} (run cargo build --release)", args.wirefeed.display()))?;
    let corpus_name = if args.typographic {
        format!("{corpus_name}, with typographic punctuation")
    } else {
        corpus_name
    };
    let mut report = Report::new(
        &args_line(),
        &corpus_name,
        corpus.len(),
        args.feeds,
        args.items,
    );
    if let Some(rate) = args.steady_rate {
        return steady(args, rate, &wirefeed, corpus).await;
    }
    if let Some(dir) = &args.write_feeds {
        let scale = args.scale.first().copied().unwrap_or(1);
        let (feed_count, per_feed) = match args.scale_by {
            ScaleBy::Feeds => (args.feeds * scale, args.items),
            ScaleBy::Items => (args.feeds, args.items * scale),
        };
        let (docs, items, _) = feed_docs(args, &corpus, feed_count, per_feed);
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        for (n, doc) in docs.iter().enumerate() {
            let path = dir.join(format!("feed-{n:05}.rss"));
            std::fs::write(&path, doc).with_context(|| format!("write {}", path.display()))?;
        }
        eprintln!(
            "wirefeed-bench: {} feeds, {items} items written to {}",
            docs.len(),
            dir.display()
        );
        return Ok(());
    }
    report.exactly_once = args.exactly_once;
    report.compression = args.compression.clone();
    report.batch = args.batch;
    warm_up(args, &corpus).await?;

    report.rounds = args.rounds.into();
    for (n, &scale) in args.scale.iter().enumerate() {
        let (feed_count, per_feed) = match args.scale_by {
            ScaleBy::Feeds => (args.feeds * scale, args.items),
            ScaleBy::Items => (args.feeds, args.items * scale),
        };
        let (docs, items, expected_accepted) = feed_docs(args, &corpus, feed_count, per_feed);
        eprintln!(
            "wirefeed-bench: scale {scale}: {feed_count} feeds × {per_feed} items, {} rounds",
            args.rounds
        );
        let ctx = ScaleRun {
            args,
            wirefeed: &wirefeed,
            feed_bytes: docs.iter().map(|d| d.len() as u64).sum(),
            docs,
            items,
        };
        let mut input = None;
        let mut rounds = Vec::new();
        for round in 0..usize::from(args.rounds) {
            // Python takes ~40 s at 1×: once, in round 0 of the first scale.
            let python = n == 0 && round == 0 && args.python.is_some();
            let steps = steps(round, python, args.benthos.is_some());
            rounds.push(run_round(&ctx, round, &steps, &mut input).await?);
        }
        report.scales.push(ScaleResult::new(
            scale,
            feed_count,
            per_feed,
            items,
            expected_accepted,
            ctx.feed_bytes,
            rounds,
        ));
    }
    report.print();
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }
    if let Some(path) = &args.markdown {
        let md = match &args.section {
            Some(title) => report.section(title),
            None => report.markdown(),
        };
        std::fs::write(path, md)?;
    }
    let problems = report.problems();
    anyhow::ensure!(
        problems.is_empty(),
        "the runs were not correct:\n{}",
        problems.join("\n")
    );
    Ok(())
}

/// The settings every wirefeed run takes from the command line.
fn settings<'a>(
    args: &'a Args,
    wirefeed: &'a std::path::Path,
    topic: &'a str,
    poll_interval: &'a str,
) -> run::Settings<'a> {
    run::Settings {
        wirefeed,
        brokers: &args.brokers,
        topic,
        poll_interval,
        exactly_once: args.exactly_once,
        compression: &args.compression,
        batch: args.batch,
        timeout: Duration::from_secs(args.timeout_secs),
    }
}

/// What every round at one scale shares.
struct ScaleRun<'a> {
    args: &'a Args,
    wirefeed: &'a std::path::Path,
    docs: Vec<String>,
    items: u64,
    feed_bytes: u64,
}

/// What every raw run at a scale sends: the records and state entries read back from round
/// 0's wirefeed run, so every round's raw runs send the same bytes.
struct RawInput {
    records: Arc<Vec<kafka::Record>>,
    state: Arc<Vec<kafka::Record>>,
}

/// One run of a round.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Step {
    Wirefeed,
    Raw,
    RawWithState,
    Python,
    Benthos,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Wirefeed => "wirefeed",
            Step::Raw => "raw",
            Step::RawWithState => "raw+state",
            Step::Python => "Python",
            Step::Benthos => "Benthos",
        }
    }
}

/// The runs of `round` in order: wirefeed first in even rounds (round 0 must, as the raw runs
/// send its records), last in odd ones, so that neither wirefeed nor its baselines always run
/// second on a broker the other has just warmed or left busy.
fn steps(round: usize, python: bool, benthos: bool) -> Vec<Step> {
    let mut steps = vec![Step::Wirefeed, Step::Raw, Step::RawWithState];
    steps.extend(python.then_some(Step::Python));
    steps.extend(benthos.then_some(Step::Benthos));
    if round % 2 == 1 {
        steps.reverse();
    }
    steps
}

/// One round: each of `steps` once, against a feed server of the round's own (it records
/// when each feed was first served, the start of wirefeed's time). Round 0 fills `input`.
async fn run_round(
    ctx: &ScaleRun<'_>,
    round: usize,
    steps: &[Step],
    input: &mut Option<RawInput>,
) -> anyhow::Result<RoundResult> {
    let args = ctx.args;
    let order: Vec<String> = steps.iter().map(|s| s.name().to_string()).collect();
    eprintln!("wirefeed-bench: round {round}: {}", order.join(", "));
    let server = server::FeedServer::start(ctx.docs.clone()).await?;
    let no_input = || anyhow::anyhow!("a raw run before round 0's wirefeed run");
    let (mut wf, mut raw, mut raw_with_state, mut python, mut benthos) =
        (None, None, None, None, None);
    for step in steps {
        match step {
            Step::Wirefeed => {
                let (mut run, topic) = run_wirefeed(ctx, &server).await?;
                wf = Some(WirefeedResult::new(&run, ctx.feed_bytes));
                if input.is_none() {
                    let state = read_back(
                        kafka::Tail::start(&args.brokers, &format!("{topic}.state"))?,
                        run.records.len() as u64,
                    )
                    .await
                    .context("reading wirefeed's state topic back")?;
                    *input = Some(RawInput {
                        records: Arc::new(std::mem::take(&mut run.records)),
                        state: Arc::new(state),
                    });
                }
            }
            Step::Raw => {
                let i = input.as_ref().ok_or_else(no_input)?;
                raw = Some(run_raw(args, i.records.clone(), None).await?);
            }
            Step::RawWithState => {
                let i = input.as_ref().ok_or_else(no_input)?;
                let state = Some(i.state.clone());
                raw_with_state = Some(run_raw(args, i.records.clone(), state).await?);
            }
            Step::Python => {
                let py = args.python.as_ref().context("no --python")?;
                let mut cmd = std::process::Command::new(py);
                cmd.arg(&args.python_script)
                    .arg("--taxonomy")
                    .arg(&args.taxonomy);
                python = Some(run_peer(args, "Python", cmd, &server).await?);
            }
            Step::Benthos => {
                let bin = args.benthos.as_ref().context("no --benthos")?;
                let mut cmd = std::process::Command::new(bin);
                cmd.args(["--batch", &args.batch.to_string()]);
                benthos = Some(run_peer(args, "Benthos", cmd, &server).await?);
            }
        }
    }
    Ok(RoundResult::new(
        round,
        order,
        wf.context("a round without a wirefeed run")?,
        raw.context("a round without a raw run")?,
        raw_with_state,
        python,
        benthos,
    ))
}

/// One wirefeed run on a fresh topic (so a fresh transactional id) and work directory (so a
/// fresh state): no round resumes another's. Returns the run and its topic.
async fn run_wirefeed(
    ctx: &ScaleRun<'_>,
    server: &server::FeedServer,
) -> anyhow::Result<(run::WirefeedRun, String)> {
    let work = tempfile::tempdir()?;
    let topic = unique("bench.wirefeed");
    eprintln!("wirefeed-bench: wirefeed → topic {topic}");
    let settings = settings(ctx.args, ctx.wirefeed, &topic, &ctx.args.poll_interval);
    let wf = run::run_wirefeed(&settings, server, ctx.items, work.path()).await?;
    eprintln!(
        "wirefeed-bench: wirefeed {} stories in {:.2} s",
        wf.acked, wf.seconds
    );
    Ok((wf, topic))
}

async fn steady(
    args: &Args,
    rate: f64,
    wirefeed: &std::path::Path,
    corpus: Vec<corpus::Story>,
) -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    let topic = unique("bench.steady");
    eprintln!(
        "wirefeed-bench: steady {rate} items/s for {} s over {} feeds → topic {topic}",
        args.steady_secs, args.steady_feeds
    );
    let settings = settings(args, wirefeed, &topic, &args.steady_poll);
    let a = steady::SteadyArgs {
        rate,
        duration: Duration::from_secs(args.steady_secs),
        feeds: args.steady_feeds,
        window: args.steady_window,
        every: Duration::from_secs(args.steady_every.max(1)),
    };
    let r = steady::run_steady(&settings, &a, corpus, work.path()).await?;
    let md = r.markdown(&args_line());
    println!("{md}");
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&r)?)?;
    }
    if let Some(path) = &args.markdown {
        std::fs::write(path, &md)?;
    }
    let problems = r.problems();
    anyhow::ensure!(
        problems.is_empty(),
        "the run was not correct:\n{}",
        problems.join("\n")
    );
    Ok(())
}

async fn restarts(args: &Args, n: u64) -> anyhow::Result<()> {
    let wirefeed = std::fs::canonicalize(&args.wirefeed)
        .with_context(|| format!("{} (run cargo build --release)", args.wirefeed.display()))?;
    let work = tempfile::tempdir()?;
    let cases = [(n, 0), (n / 4, n)];
    let results = restart::run_restarts(&wirefeed, &args.brokers, &cases, work.path()).await?;
    let md = restart::markdown(&results, &args_line());
    println!("{md}");
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&results)?)?;
    }
    if let Some(path) = &args.markdown {
        std::fs::write(path, &md)?;
    }
    Ok(())
}

fn args_line() -> String {
    let mut a: Vec<String> = std::env::args().collect();
    if let Some(first) = a.first_mut() {
        *first = "wirefeed-bench".into();
    }
    // Quoted where a shell would split or expand it, so the line can be pasted.
    for arg in a.iter_mut().skip(1) {
        if arg.is_empty()
            || arg.contains(|c: char| c.is_whitespace() || "`$\"'\\!*?()&;|<>".contains(c))
        {
            *arg = format!("'{}'", arg.replace('\'', r"'\''"));
        }
    }
    a.join(" ")
}

/// Warms the broker before anything is measured. The broker is a JVM: in a profile of the
/// first run, its JIT compiler took 8.5% of the machine, and the raw producer, which always
/// runs after wirefeed, met a warm broker while wirefeed met a cold one. Corpus stories as
/// record-sized payloads, produced with the measured settings to a topic of their own.
async fn warm_up(args: &Args, corpus: &[corpus::Story]) -> anyhow::Result<()> {
    const RECORDS: usize = 40_000;
    let records: Vec<kafka::Record> = (0..RECORDS)
        .map(|i| {
            let s = &corpus[i % corpus.len()];
            kafka::Record {
                seen: std::time::Instant::now(),
                key: format!("warm-up-{i}").into_bytes(),
                payload: serde_json::to_vec(&serde_json::json!({
                    "headline": s.headline, "body": s.paragraphs.join("\n\n"), "n": i
                }))
                .unwrap_or_default(),
                headers: Vec::new(),
            }
        })
        .collect();
    let topic = unique("bench.warmup");
    kafka::create_topic(&args.brokers, &topic).await?;
    let (brokers, compression) = (args.brokers.clone(), args.compression.clone());
    let (eo, batch) = (args.exactly_once, args.batch);
    let r = tokio::task::spawn_blocking(move || {
        kafka::produce_raw(&brokers, &topic, &records, None, &compression, eo, batch)
    })
    .await??;
    eprintln!(
        "wirefeed-bench: broker warm-up: {} records in {:.2} s (not reported)",
        r.records, r.seconds
    );
    Ok(())
}

/// The raw producer baseline: wirefeed's records produced again to a fresh topic. With
/// `state`, each record is followed in the same transaction by the state entry of the same
/// index (read back from wirefeed's state topic, so the same number and sizes; the pairing
/// is by position, not by story) to a fresh `compact,delete` topic: what wirefeed sends.
async fn run_raw(
    args: &Args,
    records: Arc<Vec<kafka::Record>>,
    state: Option<Arc<Vec<kafka::Record>>>,
) -> anyhow::Result<kafka::RawResult> {
    let raw_topic = unique(if state.is_some() {
        "bench.rawstate"
    } else {
        "bench.raw"
    });
    let state_topic = format!("{raw_topic}.state");
    kafka::create_topic(&args.brokers, &raw_topic).await?;
    if state.is_some() {
        kafka::create_topic_with(
            &args.brokers,
            &state_topic,
            kafka::PARTITIONS,
            &[("cleanup.policy", "compact,delete")],
        )
        .await?;
    }
    // Every pipeline runs with a consumer tailing its topic, as wirefeed's run does (that
    // is how its end is seen): the same competition for the cores, and a count of what
    // really became visible instead of what the pipeline says it sent.
    let tail = kafka::Tail::start_with(&args.brokers, &raw_topic, |_| Some(()))?;
    let mut raw = tokio::task::spawn_blocking({
        let (brokers, compression) = (args.brokers.clone(), args.compression.clone());
        let (eo, batch) = (args.exactly_once, args.batch);
        move || {
            let state = state
                .as_deref()
                .map(|s| (state_topic.as_str(), s.as_slice()));
            kafka::produce_raw(
                &brokers,
                &raw_topic,
                &records,
                state,
                &compression,
                eo,
                batch,
            )
        }
    })
    .await??;
    raw.visible = settle_tail(tail, raw.records as u64).await?;
    eprintln!(
        "wirefeed-bench: raw producer {} records and {} state entries in {:.2} s",
        raw.records, raw.state_records, raw.seconds
    );
    Ok(raw)
}

/// Waits (up to 10 s) until `tail` has seen `expected` records, stops it and returns what
/// it saw: transactional records become visible only after their commit.
async fn read_back<T: Send + 'static>(
    tail: kafka::Tail<T>,
    expected: u64,
) -> anyhow::Result<Vec<T>> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while (tail.len() as u64) < expected && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::task::spawn_blocking(move || tail.finish())
        .await
        .context("the tailing consumer's thread")
}

/// [`read_back`], counting.
async fn settle_tail(tail: kafka::Tail<()>, expected: u64) -> anyhow::Result<u64> {
    Ok(read_back(tail, expected).await?.len() as u64)
}

/// Runs a baseline pipeline (`cmd` plus the feeds, broker and topic arguments every
/// baseline takes) against the same feeds, and reads the one JSON line it prints last.
async fn run_peer(
    args: &Args,
    name: &str,
    mut cmd: std::process::Command,
    server: &server::FeedServer,
) -> anyhow::Result<PeerResult> {
    let topic = unique(&format!("bench.{}", name.to_lowercase()));
    kafka::create_topic(&args.brokers, &topic).await?;
    let work = tempfile::tempdir()?;
    let feeds_file = work.path().join("feeds.txt");
    std::fs::write(&feeds_file, server.urls().join("\n"))?;
    server.take_phase();
    eprintln!("wirefeed-bench: {name} pipeline → topic {topic}");
    // std::process on a blocking thread: tokio's `process` feature would change the feature
    // set of the tokio every workspace crate shares and rebuild them all.
    cmd.arg("--feeds-file")
        .arg(&feeds_file)
        .args(["--brokers", &args.brokers, "--topic", &topic]);
    let tail = kafka::Tail::start_with(&args.brokers, &topic, |_| Some(()))?;
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await?
        .with_context(|| format!("run {program}"))?;
    anyhow::ensure!(
        out.status.success(),
        "{name} pipeline failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // What a pipeline that succeeded said on stderr (warnings, feeds it skipped) is the
    // cause when its counts come out short, so it is shown, not swallowed.
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in stderr.lines().filter(|l| !l.trim().is_empty()).take(20) {
        eprintln!("wirefeed-bench: {name}: {line}");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout
        .lines()
        .last()
        .with_context(|| format!("no output from the {name} pipeline"))?;
    let mut r: PeerResult =
        serde_json::from_str(last).with_context(|| format!("{name} pipeline output"))?;
    r.visible = settle_tail(tail, r.stories).await?;
    eprintln!(
        "wirefeed-bench: {name} {} stories in {:.2} s",
        r.stories, r.seconds
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_rounds_run_in_reverse_and_python_only_where_asked() {
        use Step::*;
        assert_eq!(
            steps(0, true, true),
            [Wirefeed, Raw, RawWithState, Python, Benthos]
        );
        assert_eq!(
            steps(1, false, true),
            [Benthos, RawWithState, Raw, Wirefeed]
        );
        assert_eq!(steps(2, false, false), [Wirefeed, Raw, RawWithState]);
    }
}
