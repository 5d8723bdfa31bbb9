//! Helpers shared by the end-to-end tests: run the real binary, serve feeds over real HTTP on
//! 127.0.0.1, consume from the real broker.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The broker scripts/test started. Tests fail, not skip, without one: a skipped Kafka test
/// would let CI pass without proving delivery.
pub fn brokers() -> String {
    std::env::var("WIREFEED_TEST_BROKERS").unwrap_or_else(|_| "127.0.0.1:9092".into())
}

/// A topic name no other test run uses.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}.{}.{nanos}", std::process::id())
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The wirefeed binary as a child process; killed on drop so a failing test leaves nothing.
pub struct Wirefeed {
    pub child: Child,
    pub log: PathBuf,
}

impl Wirefeed {
    pub fn start(args: &[&str], log: &Path) -> Wirefeed {
        let child = Command::new(env!("CARGO_BIN_EXE_wirefeed"))
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("start wirefeed");
        Wirefeed {
            child,
            log: log.to_path_buf(),
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM and returns the exit status and how long the exit took.
    pub fn terminate(&mut self) -> (std::process::ExitStatus, Duration) {
        let started = Instant::now();
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(15) {
                panic!(
                    "wirefeed did not exit within 15 s of SIGTERM\n{}",
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Wirefeed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `url` until it answers 200 or `timeout` passes.
pub async fn wait_http_ok(url: &str, timeout: Duration) -> bool {
    let client = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < timeout {
        if let Ok(r) = client.get(url).timeout(Duration::from_secs(2)).send().await {
            if r.status().is_success() {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

pub async fn get_text(url: &str) -> String {
    reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of one sample in a Prometheus text exposition, e.g.
/// `metric(&text, "wirefeed_sink_records_total{output=\"stories\",outcome=\"acked\"}")`.
pub fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)
            .and_then(|rest| rest.trim().parse().ok())
    })
}

/// A record read back from Kafka.
#[derive(Debug, Clone)]
pub struct Record {
    pub key: String,
    pub value: serde_json::Value,
    pub raw: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

impl Record {
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads `topic` from the beginning until `want` records arrived and then `quiet` passed with
/// nothing new (so extra, unwanted records are caught too), or `timeout`.
pub fn consume(topic: &str, want: usize, quiet: Duration, timeout: Duration) -> Vec<Record> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .set("group.id", unique("wirefeed-test"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).unwrap();
    let started = Instant::now();
    let mut out = Vec::new();
    let mut last = Instant::now();
    while started.elapsed() < timeout {
        if out.len() >= want && last.elapsed() >= quiet {
            break;
        }
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let raw = m.payload().unwrap_or_default().to_vec();
                let headers = m
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| {
                                (
                                    h.key.to_string(),
                                    String::from_utf8_lossy(h.value.unwrap_or_default())
                                        .into_owned(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(Record {
                    key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
                    value: serde_json::from_slice(&raw).unwrap_or(serde_json::Value::Null),
                    raw,
                    headers,
                });
                last = Instant::now();
            }
            Some(Err(e)) => eprintln!("consumer: {e}"),
            None => {}
        }
    }
    out
}

/// Serves files over HTTP on 127.0.0.1 with ETag support; returns the base URL.
pub async fn serve_files(files: Vec<(&'static str, &'static str, Vec<u8>)>) -> SocketAddr {
    use axum::http::{header, HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    use axum::routing::get;
    let mut app = axum::Router::new();
    for (route, content_type, body) in files {
        let etag = format!("\"{:x}\"", body.len());
        app = app.route(
            route,
            get(move |headers: HeaderMap| {
                let body = body.clone();
                let etag = etag.clone();
                async move {
                    if headers
                        .get(header::IF_NONE_MATCH)
                        .and_then(|v| v.to_str().ok())
                        == Some(etag.as_str())
                    {
                        return StatusCode::NOT_MODIFIED.into_response();
                    }
                    (
                        [
                            (header::CONTENT_TYPE, content_type.to_string()),
                            (header::ETAG, etag),
                        ],
                        body,
                    )
                        .into_response()
                }
            }),
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

pub fn validator() -> jsonschema::Validator {
    wirefeed_model::ninjs_validator()
}

pub fn assert_valid_ninjs(v: &jsonschema::Validator, record: &serde_json::Value) {
    let errors = wirefeed_model::validate_ninjs(v, record);
    assert!(
        errors.is_empty(),
        "record is not valid ninjs 2.2: {errors:?}\n{record:#}"
    );
}
