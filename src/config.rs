//! The configuration file: one TOML document, every key documented here, defaults in one
//! place ([`Default`] impls). Relative paths are resolved against the config file's folder,
//! so a config works from any working directory.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address of the `/metrics`, `/healthz` and `/readyz` endpoints.
    pub listen: SocketAddr,
    /// Where durable state lives (the dedup fingerprints). Unset: in memory only.
    pub state_dir: Option<PathBuf>,
    pub pipeline: PipelineConfig,
    /// The sources to read; see [`SourceConfig`].
    #[serde(rename = "source")]
    pub sources: Vec<SourceConfig>,
    pub normalize: wirefeed_normalize::NormalizeConfig,
    pub enrich: EnrichConfig,
    pub sink: SinkConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 9464)),
            state_dir: None,
            pipeline: PipelineConfig::default(),
            sources: Vec::new(),
            normalize: Default::default(),
            enrich: EnrichConfig::default(),
            sink: SinkConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// Capacity of each bounded channel between stages. A full channel blocks the stage before
    /// it, up to the fetchers; 1024 keeps a few seconds of peak flow without much memory.
    pub channel_capacity: usize,
    /// How long the pipeline may be blocked on a full sink before `/readyz` says not ready.
    #[serde(with = "humantime_serde")]
    pub backpressure_limit: Duration,
    /// How long a graceful shutdown may take before the process exits anyway.
    #[serde(with = "humantime_serde")]
    pub shutdown_timeout: Duration,
    /// Total timeout of one HTTP request.
    #[serde(with = "humantime_serde")]
    pub http_timeout: Duration,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            channel_capacity: 1024,
            backpressure_limit: Duration::from_secs(60),
            shutdown_timeout: Duration::from_secs(9),
            http_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// An RSS/Atom/JSON Feed URL polled over HTTP.
    Http,
    /// A directory watched for dropped wire-copy and feed files.
    Dir,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Unique name; the `source` label on metrics and the `source` header on records.
    pub name: String,
    pub kind: SourceKind,
    /// For `http`: the feed URL (http or https).
    pub url: Option<String>,
    /// For `dir`: the directory to watch.
    pub path: Option<PathBuf>,
    /// Time between polls or scans. Default 5m for http, 2s for dir.
    #[serde(default, with = "humantime_serde")]
    pub interval: Option<Duration>,
    /// Cap on one document in bytes (decompressed). Default 20 MiB.
    pub max_bytes: Option<usize>,
    /// Set false to keep a source in the file but not read it.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// For `http`: the shortest interval the adaptive schedule may use. Default `interval`.
    #[serde(default, with = "humantime_serde")]
    pub min_interval: Option<Duration>,
    /// For `http`: the longest interval the adaptive schedule may use. Default `interval`.
    #[serde(default, with = "humantime_serde")]
    pub max_interval: Option<Duration>,
    /// For `http`: extra request headers, e.g. `{ "X-Api-Key" = "${WIRE_API_KEY}" }`.
    /// `${VAR}` is replaced by the environment variable, so secrets stay out of the file;
    /// values are never logged.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl SourceConfig {
    /// The headers with `${VAR}` replaced from the environment. Errors name the source,
    /// header and variable, never a value.
    pub fn resolved_headers(&self) -> anyhow::Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for (k, v) in &self.headers {
            let mut value = String::new();
            let mut rest = v.as_str();
            while let Some(at) = rest.find("${") {
                value.push_str(&rest[..at]);
                let end = rest[at..].find('}').ok_or_else(|| {
                    anyhow::anyhow!("source {:?}: header {k}: unclosed ${{", self.name)
                })?;
                let var = &rest[at + 2..at + end];
                let val = std::env::var(var).map_err(|_| {
                    anyhow::anyhow!(
                        "source {:?}: header {k} needs environment variable {var}, which is not set",
                        self.name
                    )
                })?;
                value.push_str(&val);
                rest = &rest[at + end + 1..];
            }
            value.push_str(rest);
            out.push((k.clone(), value));
        }
        Ok(out)
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnrichConfig {
    /// The topic taxonomy file. Unset: the default taxonomy compiled into the binary.
    pub taxonomy: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SinkKind {
    /// JSON Lines on local disk: the embedded default, no broker needed.
    #[default]
    File,
    Kafka,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SinkConfig {
    /// `file` or `kafka`.
    pub kind: SinkKind,
    pub file: FileSinkConfig,
    pub kafka: KafkaSinkConfig,
}

impl Default for SinkConfig {
    fn default() -> Self {
        SinkConfig {
            kind: SinkKind::File,
            file: FileSinkConfig::default(),
            kafka: KafkaSinkConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileSinkConfig {
    /// Output file; dead letters go to the sibling `<stem>.dlq.jsonl`.
    pub path: PathBuf,
}

impl Default for FileSinkConfig {
    fn default() -> Self {
        FileSinkConfig {
            path: PathBuf::from("wirefeed-stories.jsonl"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaSinkConfig {
    /// Bootstrap servers, `host:port[,host:port…]`.
    pub brokers: String,
    /// The main output topic.
    pub topic: String,
    /// The dead-letter topic.
    pub dlq_topic: String,
    /// Partitions of topics wirefeed creates.
    pub partitions: i32,
    /// Replication factor of topics wirefeed creates.
    pub replication: i32,
    /// Create missing topics at startup (else a missing topic stops startup).
    pub create_topics: bool,
    /// Any librdkafka property, e.g. `"security.protocol" = "SASL_SSL"`. Applied last.
    pub properties: BTreeMap<String, String>,
}

impl Default for KafkaSinkConfig {
    fn default() -> Self {
        KafkaSinkConfig {
            brokers: "127.0.0.1:9092".into(),
            topic: "wire.stories".into(),
            dlq_topic: "wire.stories.dlq".into(),
            partitions: 3,
            replication: 1,
            create_topics: true,
            properties: BTreeMap::new(),
        }
    }
}

impl Config {
    /// Reads a config file; errors name the file, and toml's message names line and key.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config {}", path.display()))?;
        let mut config: Config =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve_paths(base);
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        if let Some(p) = self.state_dir.as_mut() {
            fix(p)
        }
        for s in &mut self.sources {
            if let Some(p) = s.path.as_mut() {
                fix(p)
            }
        }
        if let Some(p) = self.enrich.taxonomy.as_mut() {
            fix(p)
        }
        fix(&mut self.sink.file.path);
    }

    /// Checks what serde cannot: required per-kind keys, unique names, URL schemes.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut names = std::collections::HashSet::new();
        for s in &self.sources {
            anyhow::ensure!(!s.name.is_empty(), "a source has an empty name");
            anyhow::ensure!(
                names.insert(&s.name),
                "source name {:?} is used twice",
                s.name
            );
            match s.kind {
                SourceKind::Http => {
                    let url = s.url.as_deref().ok_or_else(|| {
                        anyhow::anyhow!("source {:?}: kind http needs url", s.name)
                    })?;
                    anyhow::ensure!(
                        url.starts_with("http://") || url.starts_with("https://"),
                        "source {:?}: url must be http or https",
                        s.name
                    );
                }
                SourceKind::Dir => {
                    anyhow::ensure!(s.path.is_some(), "source {:?}: kind dir needs path", s.name);
                }
            }
            s.resolved_headers()?;
            if let (Some(lo), Some(hi)) = (s.min_interval, s.max_interval) {
                anyhow::ensure!(lo <= hi, "source {:?}: min_interval > max_interval", s.name);
            }
        }
        anyhow::ensure!(
            self.pipeline.channel_capacity > 0,
            "pipeline.channel_capacity must be > 0"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_parses_and_validates() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/wirefeed.toml");
        let c = Config::load(&path).unwrap();
        c.validate().unwrap();
        assert!(!c.sources.is_empty());
        assert_eq!(c.sink.kind, SinkKind::File);
        assert!(
            c.sources
                .iter()
                .all(|s| s.path.as_ref().is_none_or(|p| p.exists())),
            "{:?}",
            c.sources
        );
    }

    #[test]
    fn unknown_keys_are_rejected_with_the_line() {
        let err = toml::from_str::<Config>("listen = \"127.0.0.1:1\"\nbogus = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("bogus") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn sources_need_their_kind_keys() {
        let c: Config = toml::from_str("[[source]]\nname = \"a\"\nkind = \"http\"\n").unwrap();
        assert!(c.validate().unwrap_err().to_string().contains("needs url"));
        let c: Config = toml::from_str(
            "[[source]]\nname = \"a\"\nkind = \"http\"\nurl = \"file:///etc/passwd\"\n",
        )
        .unwrap();
        assert!(c.validate().is_err());
    }

    #[test]
    fn header_secrets_come_from_the_environment_and_missing_ones_are_named() {
        let mut s: SourceConfig = toml::from_str(
            r#"name = "wire"
kind = "http"
url = "http://x/"
min_interval = "1m"
max_interval = "1h"
headers = { "X-Api-Key" = "key-${WIREFEED_TEST_SECRET_HDR}", "Accept" = "application/xml" }"#,
        )
        .unwrap();
        std::env::set_var("WIREFEED_TEST_SECRET_HDR", "s3cret");
        let h = s.resolved_headers().unwrap();
        assert!(
            h.contains(&("X-Api-Key".into(), "key-s3cret".into())),
            "{h:?}"
        );
        s.headers
            .insert("X-Other".into(), "${WIREFEED_TEST_UNSET_VAR}".into());
        let e = s.resolved_headers().unwrap_err().to_string();
        assert!(
            e.contains("WIREFEED_TEST_UNSET_VAR") && !e.contains("s3cret"),
            "{e}"
        );
    }
}
