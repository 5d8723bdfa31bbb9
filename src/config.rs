//! The configuration file: one TOML document, every key documented here, defaults in one
//! place ([`Default`] impls). Relative paths are resolved against the config file's folder,
//! so a config works from any working directory.
//!
//! Layers: defaults → the file → environment variables and flags (clap's `env`, see `cli.rs`).
//! String values may reference the environment as `${NAME}` (write `$${` for a literal
//! `${`), so credentials live in the deployment's secrets, not in the file.

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
    /// If set, `/healthz` and `/readyz` move to this address and `listen` serves only
    /// `/metrics`: probes on a port only the orchestrator reaches.
    pub admin_listen: Option<SocketAddr>,
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
            admin_listen: None,
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
    /// Politeness: most HTTP requests in flight to one host at a time.
    pub per_host_concurrency: usize,
    /// Politeness: minimum time between request starts to one host (±20% jitter). With the
    /// default, a thousand feeds on one host are polled at ~4 requests per second.
    #[serde(with = "humantime_serde")]
    pub per_host_spacing: Duration,
    /// Memory bound: documents in flight at once across all sources, from the request until
    /// their items are downstream. A slow server holds one slot for at most `http_timeout`.
    pub documents_in_hand: usize,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            channel_capacity: 1024,
            backpressure_limit: Duration::from_secs(60),
            shutdown_timeout: Duration::from_secs(9),
            http_timeout: Duration::from_secs(30),
            per_host_concurrency: 2,
            per_host_spacing: Duration::from_millis(250),
            documents_in_hand: wirefeed_fetch::DEFAULT_DOCUMENTS_IN_HAND,
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
    /// For `dir`: also read the files of subdirectories.
    #[serde(default)]
    pub recursive: bool,
    /// For `dir`: read exactly these files instead of listing `path` (set by `ingest`).
    #[serde(skip)]
    pub files: Vec<PathBuf>,
    /// For `http`: credentials, `{ basic = { username = "u", password = "${PASS}" } }` or
    /// `{ bearer = { token = "${TOKEN}" } }`; `${VAR}` as in `headers`.
    pub auth: Option<AuthConfig>,
}

/// Per-source credentials as written in the config (before `${VAR}` expansion).
#[derive(Clone, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum AuthConfig {
    Basic { username: String, password: String },
    Bearer { token: String },
}

/// A config file may hold a literal secret: Debug never shows it.
impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthConfig::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            AuthConfig::Bearer { .. } => f.write_str("Bearer(<redacted>)"),
        }
    }
}

impl SourceConfig {
    /// The headers with `${VAR}` replaced from the environment. Errors name the source,
    /// header and variable, never a value.
    pub fn resolved_headers(&self) -> anyhow::Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for (k, v) in &self.headers {
            out.push((k.clone(), self.expand(&format!("header {k}"), v)?));
        }
        Ok(out)
    }

    /// The credentials with `${VAR}` replaced; an `Authorization` header as well is an error
    /// (which one would win is not obvious).
    pub fn resolved_auth(&self) -> anyhow::Result<Option<wirefeed_fetch::Auth>> {
        let Some(auth) = &self.auth else {
            return Ok(None);
        };
        anyhow::ensure!(
            !self
                .headers
                .keys()
                .any(|k| k.eq_ignore_ascii_case("authorization")),
            "source {:?}: both auth and an Authorization header; keep one",
            self.name
        );
        Ok(Some(match auth {
            AuthConfig::Basic { username, password } => wirefeed_fetch::Auth::Basic {
                username: self.expand("auth.basic.username", username)?,
                password: self.expand("auth.basic.password", password)?,
            },
            AuthConfig::Bearer { token } => {
                wirefeed_fetch::Auth::Bearer(self.expand("auth.bearer.token", token)?)
            }
        }))
    }

    /// `${VAR}` → the environment variable. Errors name the source, the field and the
    /// variable, never a value.
    fn expand(&self, what: &str, v: &str) -> anyhow::Result<String> {
        let mut value = String::new();
        let mut rest = v;
        while let Some(at) = rest.find("${") {
            value.push_str(&rest[..at]);
            let end = rest[at..]
                .find('}')
                .ok_or_else(|| anyhow::anyhow!("source {:?}: {what}: unclosed ${{", self.name))?;
            let var = &rest[at + 2..at + end];
            let val = std::env::var(var).map_err(|_| {
                anyhow::anyhow!(
                    "source {:?}: {what} needs environment variable {var}, which is not set",
                    self.name
                )
            })?;
            value.push_str(&val);
            rest = &rest[at + end + 1..];
        }
        value.push_str(rest);
        Ok(value)
    }
}

impl SourceConfig {
    /// A source given on the command line: defaults for everything but name and location.
    pub fn new(name: String, kind: SourceKind, url: Option<String>, path: Option<PathBuf>) -> Self {
        SourceConfig {
            name,
            kind,
            url,
            path,
            interval: None,
            max_bytes: None,
            enabled: true,
            min_interval: None,
            max_interval: None,
            headers: Default::default(),
            recursive: false,
            files: Vec::new(),
            auth: None,
        }
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

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaSinkConfig {
    /// Bootstrap servers, `host:port[,host:port…]`.
    pub brokers: String,
    /// The main output topic.
    pub topic: String,
    /// The dead-letter topic.
    pub dlq_topic: String,
    /// The compacted topic of published-story entries that state is rebuilt from at startup.
    /// Default: `<topic>.state`.
    pub state_topic: Option<String>,
    /// Kafka transactions: each batch of records and its state entries commit atomically, so
    /// `read_committed` consumers see every story version exactly once. Off: at-least-once.
    pub exactly_once: bool,
    /// Transactional id: unique per logical instance (a restart or replacement reuses it,
    /// which fences the old process).
    pub transactional_id: String,
    /// Most records in one transaction.
    pub batch_max_records: usize,
    /// How long a transaction waits to fill before committing.
    #[serde(with = "humantime_serde")]
    pub batch_linger: Duration,
    /// `zstd`, `lz4`, `snappy`, `gzip` or `none`.
    pub compression: String,
    /// Partitions of topics wirefeed creates.
    pub partitions: i32,
    /// Replication factor of topics wirefeed creates.
    pub replication: i32,
    /// Create missing topics at startup (else a missing topic stops startup).
    pub create_topics: bool,
    /// Any librdkafka property, e.g. `"security.protocol" = "SASL_SSL"`. Applied last.
    pub properties: BTreeMap<String, String>,
    /// Extra topics for matching stories, as `[[sink.kafka.route]]` tables.
    #[serde(rename = "route")]
    pub routes: Vec<RouteConfig>,
}

/// A story matching every non-empty list is also sent to `topic`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    pub topic: String,
    /// Taxonomy topic ids, e.g. `["missile-defense"]`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Source names.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Primary language subtags, e.g. `["en"]`.
    #[serde(default)]
    pub languages: Vec<String>,
}

/// librdkafka property names whose values are credentials.
fn is_secret_property(key: &str) -> bool {
    ["password", "secret", "token", "key.pem", "jaas"]
        .iter()
        .any(|w| key.contains(w))
}

/// Hand-written so credentials in `properties` never reach a log line or an error message.
impl std::fmt::Debug for KafkaSinkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let properties: BTreeMap<&str, &str> = self
            .properties
            .iter()
            .map(|(k, v)| {
                let shown = if is_secret_property(k) {
                    "<redacted>"
                } else {
                    v
                };
                (k.as_str(), shown)
            })
            .collect();
        f.debug_struct("KafkaSinkConfig")
            .field("brokers", &self.brokers)
            .field("topic", &self.topic)
            .field("dlq_topic", &self.dlq_topic)
            .field("partitions", &self.partitions)
            .field("replication", &self.replication)
            .field("create_topics", &self.create_topics)
            .field("properties", &properties)
            .finish()
    }
}

impl Default for KafkaSinkConfig {
    fn default() -> Self {
        KafkaSinkConfig {
            brokers: "127.0.0.1:9092".into(),
            topic: "wire.stories".into(),
            dlq_topic: "wire.stories.dlq".into(),
            state_topic: None,
            exactly_once: true,
            transactional_id: "wirefeed".into(),
            batch_max_records: 500,
            batch_linger: Duration::from_millis(10),
            compression: "zstd".into(),
            partitions: 3,
            replication: 1,
            create_topics: true,
            properties: BTreeMap::new(),
            routes: Vec::new(),
        }
    }
}

impl Config {
    /// Reads a config file; errors name the file, and toml's message names line and key.
    /// `${NAME}` references are replaced from the process environment.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config {}", path.display()))?;
        let mut config = Config::parse(&text, &|name| std::env::var(name).ok())
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve_paths(base);
        Ok(config)
    }

    /// Parses config text, resolving `${NAME}` with `env`.
    ///
    /// Substitution works on the value tree, not the text, so a variable's content can never
    /// change the document's structure (it is one string, whatever it contains). A value tree
    /// has lost line numbers, so when it does not fit [`Config`] the text is parsed again to
    /// report the error with its line.
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let mut tree: toml::Value = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        expand_env(&mut tree, &mut String::new(), env)?;
        match Config::deserialize(tree) {
            Ok(c) => Ok(c),
            Err(after) => match toml::from_str::<Config>(text) {
                Err(e) => Err(anyhow::anyhow!("{e}")),
                Ok(_) => Err(anyhow::anyhow!(
                    "after substituting environment variables: {after}"
                )),
            },
        }
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

    /// Checks what serde cannot: required per-kind keys, unique names, URL schemes. Messages
    /// name the key (`source[1].url`: the second `[[source]]`), since serde has no line here.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut names = std::collections::HashSet::new();
        for (i, s) in self.sources.iter().enumerate() {
            anyhow::ensure!(!s.name.is_empty(), "key `source[{i}].name`: is empty");
            anyhow::ensure!(
                names.insert(&s.name),
                "key `source[{i}].name`: source name {:?} is used twice",
                s.name
            );
            match s.kind {
                SourceKind::Http => {
                    let url = s.url.as_deref().ok_or_else(|| {
                        anyhow::anyhow!(
                            "key `source[{i}].url`: source {:?} has kind http and needs url",
                            s.name
                        )
                    })?;
                    anyhow::ensure!(
                        url.starts_with("http://") || url.starts_with("https://"),
                        "key `source[{i}].url`: source {:?}: url must be http or https",
                        s.name
                    );
                }
                SourceKind::Dir => {
                    anyhow::ensure!(
                        s.path.is_some(),
                        "key `source[{i}].path`: source {:?} has kind dir and needs path",
                        s.name
                    );
                }
            }
            s.resolved_headers()?;
            s.resolved_auth()?;
            if let (Some(lo), Some(hi)) = (s.min_interval, s.max_interval) {
                anyhow::ensure!(lo <= hi, "source {:?}: min_interval > max_interval", s.name);
            }
        }
        anyhow::ensure!(
            self.pipeline.per_host_concurrency > 0,
            "key `pipeline.per_host_concurrency` must be > 0"
        );
        anyhow::ensure!(
            self.pipeline.channel_capacity > 0,
            "key `pipeline.channel_capacity`: must be > 0"
        );
        if let Some(admin) = self.admin_listen {
            anyhow::ensure!(
                admin != self.listen || admin.port() == 0,
                "key `admin_listen`: must differ from `listen` ({admin})"
            );
        }
        Ok(())
    }
}

/// Replaces `${NAME}` in every string of `value`; `key` is the dotted path, for errors.
fn expand_env(
    value: &mut toml::Value,
    key: &mut String,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    match value {
        toml::Value::String(s) if s.contains('$') => *s = expand_str(s, key, env)?,
        toml::Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = key.len();
                key.push_str(&format!("[{i}]"));
                expand_env(item, key, env)?;
                key.truncate(len);
            }
        }
        toml::Value::Table(table) => {
            for (k, item) in table.iter_mut() {
                let len = key.len();
                if !key.is_empty() {
                    key.push('.');
                }
                key.push_str(k);
                expand_env(item, key, env)?;
                key.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Hand-rolled: one `${NAME}` form and one escape do not justify a templating crate, and the
/// error must name the key, which generic expanders do not know.
fn expand_str(s: &str, key: &str, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(t) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = t;
        } else if let Some(t) = tail.strip_prefix("${") {
            let end = t
                .find('}')
                .ok_or_else(|| anyhow::anyhow!("key `{key}`: unclosed `${{` in {s:?}"))?;
            let name = &t[..end];
            anyhow::ensure!(
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "key `{key}`: `${{{name}}}` is not a valid environment variable name"
            );
            let v = env(name).ok_or_else(|| {
                anyhow::anyhow!("key `{key}`: environment variable {name} is not set")
            })?;
            out.push_str(&v);
            rest = &t[end + 1..];
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
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

    fn env(name: &str) -> Option<String> {
        match name {
            "KAFKA_PASSWORD" => Some("hunter2\" = [oops".into()),
            "BROKERS" => Some("k1:9092,k2:9092".into()),
            _ => None,
        }
    }

    #[test]
    fn env_references_are_substituted_as_plain_strings() {
        let c = Config::parse(
            "[sink.kafka]\nbrokers = \"${BROKERS}\"\ntopic = \"cost-$5-$${literal}\"\n[sink.kafka.properties]\n\"sasl.password\" = \"${KAFKA_PASSWORD}\"\n",
            &env,
        )
        .unwrap();
        assert_eq!(c.sink.kafka.brokers, "k1:9092,k2:9092");
        assert_eq!(c.sink.kafka.topic, "cost-$5-${literal}");
        assert_eq!(
            c.sink.kafka.properties["sasl.password"],
            "hunter2\" = [oops"
        );
    }

    #[test]
    fn an_unset_env_reference_names_the_key_and_the_variable() {
        let err = Config::parse(
            "[[source]]\nname = \"a\"\nkind = \"http\"\nurl = \"https://x/${FEED_TOKEN}\"\n",
            &env,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("source[0].url") && err.contains("FEED_TOKEN"),
            "{err}"
        );
        let err = Config::parse("state_dir = \"${unclosed\"\n", &env)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("state_dir") && err.contains("unclosed"),
            "{err}"
        );
    }

    #[test]
    fn env_references_work_in_non_string_keys_and_errors_keep_their_line() {
        let lookup = |n: &str| (n == "ADDR").then(|| "0.0.0.0:9464".to_string());
        let c = Config::parse("listen = \"${ADDR}\"\n", &lookup).unwrap();
        assert_eq!(c.listen.port(), 9464);
        let err = Config::parse("state_dir = \"${ADDR}\"\n[sink]\nkinds = 1\n", &lookup)
            .unwrap_err()
            .to_string();
        assert!(err.contains("kinds") && err.contains("line 3"), "{err}");
    }

    #[test]
    fn secrets_never_print() {
        let c = Config::parse(
            "[sink.kafka.properties]\n\"sasl.password\" = \"${KAFKA_PASSWORD}\"\n\"sasl.username\" = \"svc\"\n",
            &env,
        )
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains("svc"),
            "{shown}"
        );
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

    #[test]
    fn auth_is_read_expanded_and_redacted() {
        let s: SourceConfig = toml::from_str(
            r#"name = "wire"
kind = "http"
url = "http://x/"
auth = { basic = { username = "wire", password = "${WIREFEED_TEST_SECRET_PASS}" } }"#,
        )
        .unwrap();
        std::env::set_var("WIREFEED_TEST_SECRET_PASS", "pa55word");
        let auth = s.resolved_auth().unwrap().unwrap();
        assert_eq!(
            auth,
            wirefeed_fetch::Auth::Basic {
                username: "wire".into(),
                password: "pa55word".into()
            }
        );
        assert!(!format!("{auth:?}").contains("pa55word"));
        let s: SourceConfig = toml::from_str(
            r#"name = "api"
kind = "http"
url = "http://x/"
auth = { bearer = { token = "literal-t0ken" } }"#,
        )
        .unwrap();
        assert!(!format!("{s:?}").contains("literal-t0ken"), "{s:?}");
        assert_eq!(
            s.resolved_auth().unwrap(),
            Some(wirefeed_fetch::Auth::Bearer("literal-t0ken".into()))
        );
        let mut both = s.clone();
        both.headers
            .insert("authorization".into(), "Bearer x".into());
        assert!(both.resolved_auth().is_err());
    }
}
