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
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the pipeline: poll sources, clean, tag and publish stories.
    #[command(after_help = "Examples:\n  \
        wirefeed run --config config/wirefeed.toml --once\n  \
        wirefeed run --feed https://example.com/world.rss --brokers 127.0.0.1:9092 --topic wire.stories\n  \
        wirefeed run --watch-dir ./drop --out stories.jsonl --poll-interval 10s")]
    Run(RunArgs),
    /// Parse one feed or wire document (file or URL) and print it as JSON.
    #[command(after_help = "Examples:\n  \
        wirefeed parse config/samples/feeds/world.rss\n  \
        wirefeed parse https://example.com/world.rss")]
    Parse(ParseArgs),
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
    #[arg(long, short)]
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
    #[arg(long, value_name = "HOST:PORT[,…]")]
    pub brokers: Option<String>,
    /// The Kafka output topic.
    #[arg(long)]
    pub topic: Option<String>,
    /// Write JSON Lines to this file instead of Kafka.
    #[arg(long, value_name = "FILE", conflicts_with = "brokers")]
    pub out: Option<PathBuf>,
    /// Where durable state (dedup fingerprints) lives.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Interval between polls for sources added or configured without one, e.g. 30s, 5m.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub poll_interval: Option<Duration>,
    /// Address for /metrics, /healthz and /readyz.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
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
            c.sources.push(SourceConfig {
                name: format!("feed-{}", n + i + 1),
                kind: SourceKind::Http,
                url: Some(url),
                path: None,
                interval: None,
                max_bytes: None,
                enabled: true,
                min_interval: None,
                max_interval: None,
                headers: Default::default(),
            });
        }
        let n = c.sources.len();
        for (i, dir) in self.watch_dirs.into_iter().enumerate() {
            c.sources.push(SourceConfig {
                name: format!("dir-{}", n + i + 1),
                kind: SourceKind::Dir,
                url: None,
                path: Some(dir),
                interval: None,
                max_bytes: None,
                enabled: true,
                min_interval: None,
                max_interval: None,
                headers: Default::default(),
            });
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
        Ok(c)
    }
}

/// `RUST_LOG`-style filtering (default `info`), text or JSON lines on stderr.
pub fn init_logging(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
