//! Steady load: items appear on F feeds at a fixed rate for a fixed time while wirefeed polls
//! every feed at a fixed period. Measures, per time window, the latency from the first poll
//! that served an item to its record being visible to a `read_committed` consumer (so the poll
//! interval itself is excluded; the consumer's own fetch wait is included, making it an upper
//! bound of fetch→ack), and wirefeed's resident memory and open file descriptors. A short run
//! is the steady-latency benchmark; a 30-minute run is the soak.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::corpus::{self, Item, Kind, Story};
use crate::kafka::{self, Tail};
use crate::run::{self, ChildGuard, Settings};

pub struct SteadyArgs {
    /// Items published per second, over all feeds.
    pub rate: f64,
    pub duration: Duration,
    pub feeds: usize,
    /// Newest items each feed document keeps (older ones scroll off, as on a real feed).
    pub window: usize,
    /// Length of one row of the report.
    pub every: Duration,
}

/// One row of the report: what happened in one window of the run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub at_s: f64,
    pub published: u64,
    pub visible: u64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
    pub rss_mb: f64,
    pub open_fds: u64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SteadyReport {
    pub rate: f64,
    pub seconds: f64,
    pub feeds: usize,
    pub poll_interval: String,
    pub published: u64,
    /// Published but never served: they scrolled off their feed between two polls.
    pub never_served: u64,
    pub visible: u64,
    pub duplicates: u64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
    pub rows: Vec<Row>,
}

/// The publisher's state: which items each feed shows now, and when each item was first served.
struct Publisher {
    started: Instant,
    rate: f64,
    total: u64,
    window: usize,
    corpus: Arc<Vec<Story>>,
    feeds: Vec<Mutex<FeedState>>,
    first_served: Mutex<Vec<Option<Instant>>>,
}

#[derive(Default)]
struct FeedState {
    /// Next global item index this feed has not published yet.
    next: u64,
    /// `(index, rendered <item>)`, newest last.
    items: VecDeque<(u64, String)>,
}

impl Publisher {
    /// Items published so far over all feeds.
    fn published(&self) -> u64 {
        ((self.started.elapsed().as_secs_f64() * self.rate) as u64).min(self.total)
    }

    fn story(&self, k: u64) -> Story {
        // Corpus stories first, then generated ones: never the same text twice, so every item
        // is a new story and nothing is (rightly) dropped as a duplicate.
        match self.corpus.get(k as usize) {
            Some(s) => s.clone(),
            None => corpus::generated_story(k as usize),
        }
    }

    /// The feed document of feed `f` now, its ETag, and the new items it shows.
    fn document(&self, f: usize) -> (String, String) {
        let feeds = self.feeds.len() as u64;
        let published = self.published();
        let mut state = self.feeds[f].lock().expect("feed lock");
        if state.next == 0 && state.items.is_empty() {
            state.next = f as u64;
        }
        while state.next < published {
            let k = state.next;
            let s = self.story(k);
            let item = Item {
                kind: Kind::Original,
                guid: format!("s{k}"),
                headline: s.headline,
                paragraphs: s.paragraphs,
            };
            state.items.push_back((k, corpus::rss_item(f, &item)));
            if state.items.len() > self.window {
                state.items.pop_front();
            }
            state.next += feeds;
        }
        let etag = format!("\"{}\"", state.next);
        let mut doc = corpus::rss_head(f);
        for (_, xml) in &state.items {
            doc.push_str(xml);
        }
        doc.push_str(corpus::RSS_TAIL);
        let now = Instant::now();
        let mut served = self.first_served.lock().expect("served lock");
        for (k, _) in &state.items {
            served[*k as usize].get_or_insert(now);
        }
        (doc, etag)
    }
}

async fn serve(
    State(p): State<Arc<Publisher>>,
    UrlPath(n): UrlPath<usize>,
    h: HeaderMap,
) -> Response {
    if n >= p.feeds.len() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let (doc, etag) = p.document(n);
    if h.get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        StatusCode::OK,
        [
            (header::ETAG, etag),
            (header::CONTENT_TYPE, "application/rss+xml".to_string()),
        ],
        doc,
    )
        .into_response()
}

/// Item index of a committed record, from its `guid` altid (`s{k}`).
fn item_index(payload: &[u8]) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(payload).ok()?;
    v.get("altids")?
        .as_array()?
        .iter()
        .find(|a| a.get("role").and_then(|r| r.as_str()) == Some("guid"))?
        .get("value")?
        .as_str()?
        .strip_prefix('s')?
        .parse()
        .ok()
}

fn open_fds(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count() as u64)
        .unwrap_or(0)
}

fn rss_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kb| kb * 1024)
}

fn ms(sorted: &[f64], q: f64) -> Option<f64> {
    run::quantile(sorted, q).map(|s| s * 1000.0)
}

pub async fn run_steady(
    s: &Settings<'_>,
    a: &SteadyArgs,
    corpus: Vec<Story>,
    work: &Path,
) -> anyhow::Result<SteadyReport> {
    let total = (a.rate * a.duration.as_secs_f64()) as u64;
    anyhow::ensure!(total > 0 && a.feeds > 0, "nothing to publish");
    let publisher = Arc::new(Publisher {
        started: Instant::now(),
        rate: a.rate,
        total,
        window: a.window,
        corpus: Arc::new(corpus),
        feeds: (0..a.feeds).map(|_| Mutex::default()).collect(),
        first_served: Mutex::new(vec![None; total as usize]),
    });
    let app = axum::Router::new()
        .route("/feed/{n}", axum::routing::get(serve))
        .with_state(publisher.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let urls: Vec<String> = (0..a.feeds)
        .map(|n| format!("http://{addr}/feed/{n}"))
        .collect();

    kafka::create_topic(s.brokers, s.topic).await?;
    let tail = Tail::start_with(s.brokers, s.topic, |r| {
        item_index(&r.payload).map(|k| (k, r.seen))
    })?;
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let config_path = work.join("wirefeed.toml");
    std::fs::write(&config_path, run::config_text(s, metrics_port, &urls))?;
    let log = work.join("wirefeed.log");
    let child = Command::new(s.wirefeed)
        .args(["run", "--config"])
        .arg(&config_path)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()
        .with_context(|| format!("start {}", s.wirefeed.display()))?;
    let mut child = ChildGuard(child);
    let pid = child.0.id();
    let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let client = reqwest::Client::new();

    // The clock starts now: wirefeed is starting while the first items appear, as in life.
    let started = Instant::now();
    let publisher_start = publisher.started;
    let mut samples: Vec<(f64, u64, u64)> = Vec::new(); // (at, rss, fds)
    let mut next_sample = Duration::ZERO;
    let deadline = a.duration + Duration::from_secs(60);
    let mut duplicates = 0.0;
    loop {
        if let Some(status) = child.0.try_wait()? {
            bail!("wirefeed exited early ({status}); log: {}", log.display());
        }
        let elapsed = started.elapsed();
        if elapsed >= next_sample {
            samples.push((elapsed.as_secs_f64(), rss_bytes(pid), open_fds(pid)));
            next_sample += Duration::from_secs(1);
        }
        if elapsed >= a.duration {
            // Publishing is over: wait until every item is accounted for.
            if let Ok(resp) = client
                .get(&metrics_url)
                .timeout(Duration::from_secs(2))
                .send()
                .await
            {
                let text = resp.text().await.unwrap_or_default();
                duplicates = run::sum_series(
                    &text,
                    "wirefeed_normalize_stories_total",
                    &["outcome=\"duplicate\""],
                );
                // Items that scrolled off a feed before any poll saw them (polls delayed past
                // `window` items) were never offered to wirefeed; they are counted apart.
                let served = publisher
                    .first_served
                    .lock()
                    .expect("served lock")
                    .iter()
                    .filter(|s| s.is_some())
                    .count();
                if tail.len() as f64 + duplicates >= served as f64 {
                    break;
                }
            }
            if elapsed > deadline {
                eprintln!(
                    "wirefeed-bench: {} of {total} items visible 60 s after publishing ended; log: {}",
                    tail.len(),
                    log.display()
                );
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let stopped = Instant::now();
    while child.0.try_wait()?.is_none() && stopped.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.abort();
    let seen = tail.finish();
    let served = std::mem::take(&mut *publisher.first_served.lock().expect("served lock"));

    // Latency per record, filed under the window in which it became visible.
    let every = a.every.as_secs_f64();
    let windows = (started.elapsed().as_secs_f64() / every).ceil() as usize + 1;
    let mut by_window: Vec<Vec<f64>> = vec![Vec::new(); windows];
    let mut all = Vec::with_capacity(seen.len());
    for (k, at) in &seen {
        let Some(Some(first)) = served.get(*k as usize) else {
            continue;
        };
        let latency = at.saturating_duration_since(*first).as_secs_f64();
        let w = (at.saturating_duration_since(started).as_secs_f64() / every) as usize;
        by_window[w.min(windows - 1)].push(latency);
        // The first window is warm-up (taxonomy compile, broker connection, a first poll
        // that finds a backlog); the summary is of the steady state after it.
        if w > 0 {
            all.push(latency);
        }
    }
    all.sort_by(f64::total_cmp);
    let mut rows = Vec::new();
    let mut visible = 0;
    for (w, mut lat) in by_window.into_iter().enumerate() {
        let (from, to) = (w as f64 * every, (w + 1) as f64 * every);
        let in_window: Vec<&(f64, u64, u64)> =
            samples.iter().filter(|s| s.0 >= from && s.0 < to).collect();
        if lat.is_empty() && in_window.is_empty() {
            continue;
        }
        lat.sort_by(f64::total_cmp);
        visible += lat.len() as u64;
        let published_at = |t: f64| {
            let since =
                (started + Duration::from_secs_f64(t)).saturating_duration_since(publisher_start);
            ((since.as_secs_f64() * a.rate) as u64).min(total)
        };
        rows.push(Row {
            at_s: to.min(started.elapsed().as_secs_f64()),
            published: published_at(to) - published_at(from),
            visible: lat.len() as u64,
            latency_p50_ms: ms(&lat, 0.5),
            latency_p99_ms: ms(&lat, 0.99),
            latency_max_ms: lat.last().map(|s| s * 1000.0),
            rss_mb: in_window.iter().map(|s| s.1).max().unwrap_or(0) as f64 / 1e6,
            open_fds: in_window.iter().map(|s| s.2).max().unwrap_or(0),
        });
    }
    Ok(SteadyReport {
        rate: a.rate,
        seconds: a.duration.as_secs_f64(),
        feeds: a.feeds,
        poll_interval: s.poll_interval.to_string(),
        published: total,
        never_served: served.iter().filter(|s| s.is_none()).count() as u64,
        visible,
        duplicates: duplicates as u64,
        latency_p50_ms: ms(&all, 0.5),
        latency_p99_ms: ms(&all, 0.99),
        latency_max_ms: all.last().map(|s| s * 1000.0),
        rows,
    })
}

impl SteadyReport {
    pub fn markdown(&self, command: &str) -> String {
        let f = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.0}"));
        let mut out = format!(
            "## Steady load\n\n`{command}`\n\n{rate:.0} items/s offered for {secs:.0} s over {feeds} feeds, each polled every {poll}; latency is per record, from the first poll that served the item to the record being visible to a `read_committed` consumer (the poll interval itself is excluded; the consumer's fetch wait is included). The summary leaves out the first row (warm-up: start, broker connection, a first poll that finds a backlog); the rows show it.\n\n| offered items/s | published | never served (scrolled off) | visible | duplicates | latency after warm-up p50 / p99 / max ms (target p99 < 100) |\n|---|---|---|---|---|---|\n| {rate:.0} | {} | {} | {} | {} | {} / {} / {} |\n\n",
            self.published,
            self.never_served,
            self.visible,
            self.duplicates,
            f(self.latency_p50_ms),
            f(self.latency_p99_ms),
            f(self.latency_max_ms),
            rate = self.rate,
            secs = self.seconds,
            feeds = self.feeds,
            poll = self.poll_interval,
        );
        out.push_str("| t s | published | visible | p50 ms | p99 ms | max ms | RSS MB | open fds |\n|---|---|---|---|---|---|---|---|\n");
        for r in &self.rows {
            let _ = writeln!(
                out,
                "| {:.0} | {} | {} | {} | {} | {} | {:.0} | {} |",
                r.at_s,
                r.published,
                r.visible,
                f(r.latency_p50_ms),
                f(r.latency_p99_ms),
                f(r.latency_max_ms),
                r.rss_mb,
                r.open_fds
            );
        }
        out
    }

    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let offered = self.published - self.never_served;
        if self.visible + self.duplicates < offered {
            p.push(format!(
                "{} of {} served items neither visible nor counted as duplicates",
                offered - self.visible - self.duplicates,
                offered
            ));
        }
        p
    }
}
