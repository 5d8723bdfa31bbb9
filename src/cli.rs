//! Command-line flags. Every `run` flag overrides one config key, so a one-off run needs no
//! config file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{Config, SinkKind, SourceConfig, SourceKind};

#[derive(Parser, Debug)]
#[command(
    name = "wirefeed",
    version,
    about = "Ingests news wire feeds and publishes clean, deduplicated, topic-tagged IPTC ninjs stories to Kafka"
)]
pub struct Cli {
    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true, env = "WIREFEED_LOG_FORMAT")]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

// Parsed once at startup; boxing the big `run` variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the pipeline: poll sources, clean, tag and publish stories.
    #[command(after_help = "Examples:\n  \
        wirefeed run --config config/wirefeed.toml --once\n  \
        wirefeed run --feed https://example.com/world.rss --brokers 127.0.0.1:9092 --topic wire.stories\n  \
        wirefeed run --watch-dir ./drop --out stories.jsonl --poll-interval 10s\n  \
        wirefeed run -c /etc/wirefeed/wirefeed.toml --listen 0.0.0.0:9464 --admin-listen 0.0.0.0:9465\n\n\
        Environment (a flag wins over its variable, both over the file): WIREFEED_CONFIG,\n\
        WIREFEED_BROKERS, WIREFEED_TOPIC, WIREFEED_STATE_DIR, WIREFEED_LISTEN,\n\
        WIREFEED_ADMIN_LISTEN, WIREFEED_LOG_FORMAT, RUST_LOG. Config values may say ${NAME}.")]
    Run(RunArgs),
    /// Validate the config file and the taxonomy it names, without running anything.
    #[command(after_help = "Exit codes:\n  \
        0  the configuration is valid (a summary is printed)\n  \
        1  it is not: the message names the file, the line and/or the key\n  \
        2  the command line itself is wrong\n\n\
        Examples:\n  \
        wirefeed check --config config/wirefeed.toml\n  \
        KAFKA_PASSWORD=… wirefeed check -c /etc/wirefeed/wirefeed.toml   # ${KAFKA_PASSWORD} in the file")]
    Check(CheckArgs),
    /// Follow the output topic and print each record readably (or as JSON).
    #[command(after_help = "Examples:\n  \
        wirefeed tail --brokers 127.0.0.1:9092 --topic wire.stories\n  \
        wirefeed tail -c config/wirefeed.toml --from-beginning --filter-topic missile-defense\n  \
        wirefeed tail --topic wire.stories --json | jq .headlines[0].value\n  \
        wirefeed tail --topic wire.stories --dlq   # also the dead-letter topic\n\n\
        Brokers, topic and security properties default to the config's [sink.kafka].")]
    Tail(TailArgs),
    /// Backfill: read folders or files once through the whole pipeline, then exit.
    #[command(
        after_help = "Progress (files, stories/s, ETA) is shown on a terminal; a summary is printed at the end.\n\
        The config's sinks, state, normalize and enrich settings apply; its sources are ignored.\n\n\
        Examples:\n  \
        wirefeed ingest --config config/wirefeed.toml ./archive/2025\n  \
        wirefeed ingest ./backfill/*.txt --out backfill.jsonl --state-dir ./state\n  \
        wirefeed ingest -c /etc/wirefeed/wirefeed.toml --source reuters-archive /data/reuters"
    )]
    Ingest(IngestArgs),
    /// Parse one feed or wire document (file or URL) and print it as JSON.
    #[command(after_help = "Examples:\n  \
        wirefeed parse config/samples/feeds/world.rss\n  \
        wirefeed parse https://example.com/world.rss")]
    Parse(ParseArgs),
}

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Folders (every wire-copy or feed file directly inside) or single files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The config file for sink, state, normalize and enrich settings.
    #[arg(long, short, env = "WIREFEED_CONFIG")]
    pub config: Option<PathBuf>,
    /// The `source` name recorded on metrics and record headers.
    #[arg(long, default_value = "ingest")]
    pub source: String,
    /// Publish to these Kafka brokers (host:port,…).
    #[arg(long, value_name = "HOST:PORT[,…]", env = "WIREFEED_BROKERS")]
    pub brokers: Option<String>,
    /// The Kafka output topic.
    #[arg(long, env = "WIREFEED_TOPIC")]
    pub topic: Option<String>,
    /// Write JSON Lines to this file instead (`-`: standard output, after the run).
    #[arg(long, value_name = "FILE|-", conflicts_with = "brokers")]
    pub out: Option<PathBuf>,
    /// One JSON line per input item: emitted as story U version V, dropped as a duplicate of
    /// U (with the distance), or rejected and why — naming the input file and item.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,
    /// One JSON line per tagged story: for each topic its phrases mention, the score, the
    /// rule that decided (fired, implied, below min score, no context, excluded by a phrase)
    /// and every matched phrase with its role and position.
    #[arg(long, value_name = "FILE")]
    pub explain: Option<PathBuf>,
    /// Durable dedup state, shared with the service to skip what it already published.
    /// Without it every ingest starts from a fresh, empty story window.
    #[arg(long, value_name = "DIR", env = "WIREFEED_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Address for /metrics during the run (default: any free port on 127.0.0.1).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

#[derive(Args, Debug)]
pub struct TailArgs {
    /// Take brokers, topics and librdkafka properties from this config's `[sink.kafka]`.
    #[arg(long, short, env = "WIREFEED_CONFIG")]
    pub config: Option<PathBuf>,
    /// Kafka brokers (host:port,…).
    #[arg(long, value_name = "HOST:PORT[,…]", env = "WIREFEED_BROKERS")]
    pub brokers: Option<String>,
    /// Topic to follow (repeatable). Default: the config's output topic.
    #[arg(long = "topic", value_name = "TOPIC")]
    pub topics: Vec<String>,
    /// Also follow the dead-letter topic.
    #[arg(long)]
    pub dlq: bool,
    /// Only stories tagged with this taxonomy topic id (repeatable: any of them).
    #[arg(long = "filter-topic", value_name = "TOPIC_ID")]
    pub filter_topics: Vec<String>,
    /// Print each record value as one line of JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Start at the oldest retained record instead of only new ones.
    #[arg(long)]
    pub from_beginning: bool,
    /// Exit after printing this many records.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The config file (TOML). Without it, the built-in defaults are checked.
    #[arg(long, short, env = "WIREFEED_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ParseArgs {
    /// A file path or an http(s) URL.
    #[arg(value_name = "FILE|URL")]
    pub input: String,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The config file (TOML). Without it, built-in defaults plus the flags below.
    #[arg(long, short, env = "WIREFEED_CONFIG")]
    pub config: Option<PathBuf>,
    /// Read every source once, drain, and exit instead of polling forever.
    #[arg(long)]
    pub once: bool,
    /// Add an HTTP feed (RSS, Atom, JSON Feed). Repeatable.
    #[arg(long = "feed", value_name = "URL")]
    pub feeds: Vec<String>,
    /// Add a directory to watch for wire-copy and feed files. Repeatable.
    #[arg(long = "watch-dir", value_name = "DIR")]
    pub watch_dirs: Vec<PathBuf>,
    /// Publish to these Kafka brokers (host:port,…); selects the Kafka sink.
    #[arg(long, value_name = "HOST:PORT[,…]", env = "WIREFEED_BROKERS")]
    pub brokers: Option<String>,
    /// The Kafka output topic.
    #[arg(long, env = "WIREFEED_TOPIC")]
    pub topic: Option<String>,
    /// Write JSON Lines to this file instead of Kafka.
    #[arg(long, value_name = "FILE", conflicts_with = "brokers")]
    pub out: Option<PathBuf>,
    /// Where durable state (dedup fingerprints) lives.
    #[arg(long, value_name = "DIR", env = "WIREFEED_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Interval between polls for sources added or configured without one, e.g. 30s, 5m.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub poll_interval: Option<Duration>,
    /// Address for /metrics, /healthz and /readyz.
    #[arg(long, value_name = "ADDR", env = "WIREFEED_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Separate address for /healthz and /readyz (then `listen` serves only /metrics).
    #[arg(long, value_name = "ADDR", env = "WIREFEED_ADMIN_LISTEN")]
    pub admin_listen: Option<SocketAddr>,
}

impl RunArgs {
    /// The config file (if any) with the flags applied on top.
    pub fn into_config(self) -> anyhow::Result<Config> {
        let mut c = match &self.config {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        let n = c.sources.len();
        for (i, url) in self.feeds.into_iter().enumerate() {
            c.sources.push(SourceConfig::new(
                format!("feed-{}", n + i + 1),
                SourceKind::Http,
                Some(url),
                None,
            ));
        }
        let n = c.sources.len();
        for (i, dir) in self.watch_dirs.into_iter().enumerate() {
            c.sources.push(SourceConfig::new(
                format!("dir-{}", n + i + 1),
                SourceKind::Dir,
                None,
                Some(dir),
            ));
        }
        if let Some(d) = self.poll_interval {
            for s in c.sources.iter_mut().filter(|s| s.interval.is_none()) {
                s.interval = Some(d);
            }
        }
        if let Some(b) = self.brokers {
            c.sink.kind = SinkKind::Kafka;
            c.sink.kafka.brokers = b;
        }
        if let Some(t) = self.topic {
            c.sink.kafka.topic = t;
        }
        if let Some(o) = self.out {
            c.sink.kind = SinkKind::File;
            c.sink.file.path = o;
        }
        if let Some(s) = self.state_dir {
            c.state_dir = Some(s);
        }
        if let Some(l) = self.listen {
            c.listen = l;
        }
        if let Some(a) = self.admin_listen {
            c.admin_listen = Some(a);
        }
        Ok(c)
    }
}

/// `RUST_LOG`-style filtering (default `info`), text or JSON lines on stderr.
pub fn init_logging(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour only for a person at a terminal: escape codes in files and log collectors are
    // noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
