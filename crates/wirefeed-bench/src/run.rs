//! One measured run of the real `wirefeed` binary: config, child process, Prometheus scrapes,
//! /proc sampling, and the numbers taken from them.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::kafka::{Record, Tail};
use crate::server::{FeedServer, Phase};

pub struct Settings<'a> {
    pub wirefeed: &'a Path,
    pub brokers: &'a str,
    pub topic: &'a str,
    pub poll_interval: &'a str,
    pub exactly_once: bool,
    pub compression: &'a str,
    pub batch: usize,
    pub timeout: Duration,
}

/// What one wirefeed run measured; times are from the first feed request.
pub struct WirefeedRun {
    pub accepted: u64,
    pub duplicates: u64,
    pub dead_letters: u64,
    pub acked: u64,
    /// First feed request to the last record visible to the consumer.
    pub seconds: f64,
    pub phase: Phase,
    pub records: Vec<Record>,
    /// Served → visible to a `read_committed` consumer, per record, in seconds, sorted.
    pub visible_latency: Vec<f64>,
    /// wirefeed's own `wirefeed_delivery_latency_seconds` buckets (upper bound, count).
    pub histogram: Vec<(f64, f64)>,
    pub peak_rss_bytes: u64,
    pub cpu_seconds: f64,
    /// Kafka transactions committed and their mean duration (begin to commit).
    pub transactions: u64,
    pub transaction_mean_s: f64,
}

/// Kills the child if the run fails half-way, so no wirefeed outlives the bench.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn sum_series(text: &str, name: &str, filter: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .filter(|l| filter.iter().all(|f| l.contains(f)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn histogram(text: &str, name: &str) -> Vec<(f64, f64)> {
    let prefix = format!("{name}_bucket{{le=\"");
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(&prefix)?;
            let (le, rest) = rest.split_once('"')?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((le, rest.rsplit(' ').next()?.parse().ok()?))
        })
        .collect()
}

/// The `q` quantile of a cumulative Prometheus histogram, interpolated linearly inside the
/// bucket the way Prometheus' `histogram_quantile` does.
pub fn histogram_quantile(buckets: &[(f64, f64)], q: f64) -> Option<f64> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut prev = (0.0, 0.0);
    for &(le, count) in buckets {
        if count >= rank {
            if le.is_infinite() {
                return Some(prev.0);
            }
            let within = if count > prev.1 {
                (rank - prev.1) / (count - prev.1)
            } else {
                0.0
            };
            return Some(prev.0 + (le - prev.0) * within);
        }
        prev = (le, count);
    }
    None
}

/// User + system CPU seconds of a process, from /proc. (`process_cpu_seconds_total` of the
/// prometheus crate counts whole seconds only, too coarse for a short run.)
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks())
}

/// `getconf CLK_TCK`; 100 on every Linux this runs on, asked anyway rather than assumed.
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// VmHWM (peak resident set) of a process, from /proc.
pub fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The wirefeed config of a run: every feed a source polled every `s.poll_interval`.
pub fn config_text(s: &Settings<'_>, metrics_port: u16, urls: &[String]) -> String {
    let mut config = format!(
        "listen = \"127.0.0.1:{metrics_port}\"\nstate_dir = \"state\"\n\n# One local test server hosts every feed: per-host politeness would measure its own\n# spacing (200 feeds x 250 ms = 50 s), not the pipeline.\n[pipeline]\nper_host_concurrency = 64\nper_host_spacing = \"0ms\"\n\n[sink]\nkind = \"kafka\"\n[sink.kafka]\nbrokers = \"{b}\"\ntopic = \"{t}\"\ndlq_topic = \"{t}.dlq\"\ntransactional_id = \"{t}\"\nexactly_once = {eo}\ncompression = \"{c}\"\nbatch_max_records = {n}\n\n",
        b = s.brokers,
        t = s.topic,
        eo = s.exactly_once,
        c = s.compression,
        n = s.batch,
    );
    for (i, url) in urls.iter().enumerate() {
        // min = max: a fixed poll period, so the measured latency is not the adaptive schedule.
        config.push_str(&format!(
            "[[source]]\nname = \"feed{i:04}\"\nkind = \"http\"\nurl = \"{url}\"\ninterval = \"{p}\"\nmin_interval = \"{p}\"\nmax_interval = \"{p}\"\n\n",
            p = s.poll_interval
        ));
    }
    config
}

pub async fn run_wirefeed(
    s: &Settings<'_>,
    server: &FeedServer,
    items: u64,
    work: &Path,
) -> anyhow::Result<WirefeedRun> {
    crate::kafka::create_topic(s.brokers, s.topic).await?;
    let tail = Tail::start(s.brokers, s.topic)?;
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let config = config_text(s, metrics_port, &server.urls());
    let config_path = work.join("wirefeed.toml");
    std::fs::write(&config_path, config)?;
    server.take_phase();
    let child = Command::new(s.wirefeed)
        .args(["run", "--config"])
        .arg(&config_path)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(work.join("wirefeed.log"))?)
        .spawn()
        .with_context(|| format!("start {}", s.wirefeed.display()))?;
    let mut child = ChildGuard(child);
    let pid = child.0.id();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let started = Instant::now();
    let mut last_acked = -1.0;
    let mut acked_at = Instant::now();
    let feeds = server.urls().len();
    const QUIET: Duration = Duration::from_millis(300);
    const SCRAPE_AT_LEAST: Duration = Duration::from_secs(10);
    let (mut last_seen, mut seen_at, mut scraped_at) = (0, Instant::now(), Instant::now());
    let text = loop {
        if let Some(status) = child.0.try_wait()? {
            bail!(
                "wirefeed exited early ({status}); log: {}",
                work.join("wirefeed.log").display()
            );
        }
        if started.elapsed() > s.timeout {
            bail!(
                "run did not finish within {:?}; log: {}",
                s.timeout,
                work.join("wirefeed.log").display()
            );
        }
        // Scrape only when the run may be over: all feeds served and the consumer quiet for
        // a moment (or every 10 s regardless). Rendering /metrics with thousands of sources'
        // series costs the process under test ~100 ms of CPU a scrape (8.6% of its CPU at one
        // scrape a second in a profile of the 16x run), and Prometheus scrapes every 15 s. The
        // run's end time comes from the consumer, not from this poll.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let seen = tail.len();
        if seen != last_seen {
            last_seen = seen;
            seen_at = Instant::now();
        }
        let quiet = server.served_feeds() == feeds && seen_at.elapsed() >= QUIET;
        if !(quiet && scraped_at.elapsed() >= QUIET) && scraped_at.elapsed() < SCRAPE_AT_LEAST {
            continue;
        }
        scraped_at = Instant::now();
        let Ok(resp) = client
            .get(&url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
        else {
            continue;
        };
        let text = resp.text().await.unwrap_or_default();
        let acked = sum_series(
            &text,
            "wirefeed_sink_records_total",
            &["outcome=\"acked\"", "output=\"stories\""],
        );
        if acked != last_acked {
            last_acked = acked;
            acked_at = Instant::now();
        }
        let read = sum_series(&text, "wirefeed_normalize_stories_total", &[])
            + sum_series(
                &text,
                "wirefeed_fetch_items_total",
                &["outcome=\"dead_letter\""],
            );
        let accepted = sum_series(
            &text,
            "wirefeed_normalize_stories_total",
            &["outcome=\"accepted\""],
        );
        // Done: every feed served, every item past normalize, every accepted story acked and
        // visible to the consumer.
        if server.served_feeds() == feeds
            && read >= items as f64
            && acked >= accepted
            && tail.len() as f64 >= acked
        {
            break text;
        }
    };
    let phase = server.take_phase();
    let first = phase
        .first_served
        .iter()
        .flatten()
        .min()
        .copied()
        .context("no feed served")?;
    let peak_rss_bytes = peak_rss(pid).unwrap_or(0);
    let cpu_seconds = cpu_seconds(pid).unwrap_or(0.0);
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let stopped = Instant::now();
    while child.0.try_wait()?.is_none() && stopped.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let records = tail.finish();
    let mut visible_latency: Vec<f64> = records
        .iter()
        .filter_map(|r| {
            let source = std::str::from_utf8(r.header("source")?).ok()?;
            let feed: usize = source.strip_prefix("feed")?.parse().ok()?;
            let served = phase.first_served.get(feed).copied().flatten()?;
            Some(r.seen.saturating_duration_since(served).as_secs_f64())
        })
        .collect();
    visible_latency.sort_by(f64::total_cmp);
    Ok(WirefeedRun {
        accepted: sum_series(
            &text,
            "wirefeed_normalize_stories_total",
            &["outcome=\"accepted\""],
        ) as u64,
        duplicates: sum_series(
            &text,
            "wirefeed_normalize_stories_total",
            &["outcome=\"duplicate\""],
        ) as u64,
        dead_letters: sum_series(&text, "wirefeed_dead_letters_total", &[]) as u64,
        acked: last_acked as u64,
        // The last record visible to the consumer: after its ack, and exact, unlike the scrape
        // that noticed it.
        seconds: records
            .iter()
            .map(|r| r.seen)
            .max()
            .unwrap_or(acked_at)
            .saturating_duration_since(first)
            .as_secs_f64(),
        phase,
        records,
        visible_latency,
        histogram: histogram(&text, "wirefeed_delivery_latency_seconds"),
        peak_rss_bytes,
        cpu_seconds,
        transactions: sum_series(
            &text,
            "wirefeed_sink_transactions_total",
            &["outcome=\"committed\""],
        ) as u64,
        transaction_mean_s: sum_series(
            &text,
            "wirefeed_sink_transaction_duration_seconds_sum",
            &[],
        ) / sum_series(
            &text,
            "wirefeed_sink_transaction_duration_seconds_count",
            &[],
        )
        .max(1.0),
    })
}

/// The `q` quantile of sorted samples (nearest rank).
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    Some(sorted[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sums_and_histograms_from_exposition_text() {
        let text = "# HELP x\nwirefeed_sink_records_total{outcome=\"acked\",output=\"stories\"} 7\nwirefeed_sink_records_total{outcome=\"acked\",output=\"dead_letter\"} 2\nwirefeed_sink_records_total_other 5\nh_bucket{le=\"0.1\"} 2\nh_bucket{le=\"1\"} 6\nh_bucket{le=\"+Inf\"} 6\n";
        assert_eq!(
            sum_series(text, "wirefeed_sink_records_total", &["output=\"stories\""]),
            7.0
        );
        assert_eq!(sum_series(text, "wirefeed_sink_records_total", &[]), 9.0);
        let h = histogram(text, "h");
        assert_eq!(h, [(0.1, 2.0), (1.0, 6.0), (f64::INFINITY, 6.0)]);
        // Rank 3 of 6 sits a quarter into the (0.1, 1] bucket.
        let p50 = histogram_quantile(&h, 0.5).unwrap();
        assert!((p50 - 0.325).abs() < 1e-9, "{p50}");
    }

    #[test]
    fn nearest_rank_quantile() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), Some(50.0));
        assert_eq!(quantile(&v, 0.99), Some(99.0));
        assert_eq!(quantile(&v, 1.0), Some(100.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
