//! Restart mode: what a start costs when the state topic is big. A long-running deployment's
//! state topic holds one entry per published story version; at start wirefeed reads all of it
//! back (`Sink::restore`) to rebuild its story window. This fills a fresh state topic with
//! entries of known age, starts `wirefeed run --once` against it with no local window (a new
//! machine, or a lost disk) and nothing to fetch, and measures the restore: wall time, the
//! restore's own `took`, peak resident memory, and how the entries were sorted (restored,
//! older than the window).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use serde::Serialize;
use wirefeed_model::Published;

use crate::run::{peak_rss, ChildGuard};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// One restart: `recent` entries committed within the last day, `old` ones 8 to 60 days ago
/// (the default window is 7 days).
#[derive(Debug, Clone, Serialize)]
pub struct RestartResult {
    pub recent: u64,
    pub old: u64,
    /// From `wirefeed`'s "restored published state" log line.
    pub records: u64,
    pub restored: u64,
    pub older_than_window: u64,
    pub restore_seconds: f64,
    /// From spawn to exit (`--once` with nothing to fetch exits right after the restore).
    pub wall_seconds: f64,
    pub peak_rss_bytes: u64,
}

/// Runs each `(recent, old)` case against its own state topic.
pub async fn run_restarts(
    wirefeed: &Path,
    brokers: &str,
    cases: &[(u64, u64)],
    work: &Path,
) -> anyhow::Result<Vec<RestartResult>> {
    let mut out = Vec::new();
    for (n, &(recent, old)) in cases.iter().enumerate() {
        let topic = crate::unique("bench.restart");
        let state_topic = format!("{topic}.state");
        eprintln!(
            "wirefeed-bench: restart {n}: {recent} recent + {old} old entries in {state_topic}"
        );
        fill(brokers, &state_topic, recent, old).await?;
        let dir = work.join(format!("restart-{n}"));
        std::fs::create_dir_all(dir.join("empty"))?;
        let config = format!(
            r#"listen = "127.0.0.1:0"
state_dir = "{state}"
[[source]]
name = "wire"
kind = "dir"
path = "{empty}"
[sink]
kind = "kafka"
[sink.kafka]
brokers = "{brokers}"
topic = "{topic}"
dlq_topic = "{topic}.dlq"
state_topic = "{state_topic}"
transactional_id = "{topic}"
partitions = 1
"#,
            state = dir.join("state").display(),
            empty = dir.join("empty").display(),
        );
        let config_path = dir.join("wirefeed.toml");
        std::fs::write(&config_path, config)?;
        let log_path = dir.join("wirefeed.log");
        let started = Instant::now();
        let child = Command::new(wirefeed)
            .args(["run", "--once", "--config"])
            .arg(&config_path)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path)?)
            .spawn()
            .context("start wirefeed")?;
        let mut guard = ChildGuard(child);
        let pid = guard.0.id();
        // VmHWM only grows, so the last reading before exit is the peak of the run.
        let mut peak = 0;
        let status = loop {
            if let Some(rss) = peak_rss(pid) {
                peak = peak.max(rss);
            }
            if let Some(status) = guard.0.try_wait()? {
                break status;
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(600),
                "restart {n} did not finish in 10 minutes"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let wall_seconds = started.elapsed().as_secs_f64();
        let log = std::fs::read_to_string(&log_path)?;
        anyhow::ensure!(status.success(), "wirefeed failed on restart {n}:\n{log}");
        let line = log
            .lines()
            .find(|l| l.contains("restored published state from the sink"))
            .with_context(|| format!("no restore line in the log:\n{log}"))?;
        let r = RestartResult {
            recent,
            old,
            records: field(line, "records")?,
            restored: field(line, "missing_locally")?,
            older_than_window: field(line, "older_than_window")?,
            restore_seconds: duration_field(line, "took")?,
            wall_seconds,
            peak_rss_bytes: peak,
        };
        anyhow::ensure!(
            r.records == recent + old && r.restored == recent && r.older_than_window == old,
            "restart {n}: expected {recent} restored and {old} older than the window, got {r:?}"
        );
        eprintln!(
            "wirefeed-bench: restart {n}: restore {:.2} s, wall {:.2} s, peak RSS {} MB",
            r.restore_seconds,
            r.wall_seconds,
            r.peak_rss_bytes >> 20
        );
        out.push(r);
    }
    Ok(out)
}

/// `name=123` in a tracing line.
fn field(line: &str, name: &str) -> anyhow::Result<u64> {
    let raw = raw_field(line, name)?;
    raw.parse()
        .with_context(|| format!("{name}={raw} in {line}"))
}

/// `name=1.5s` / `name=900ms` / `name=12µs` (Debug of a Duration) in seconds.
fn duration_field(line: &str, name: &str) -> anyhow::Result<f64> {
    let raw = raw_field(line, name)?;
    let (num, scale) = if let Some(v) = raw.strip_suffix("ms") {
        (v, 1e-3)
    } else if let Some(v) = raw.strip_suffix("µs") {
        (v, 1e-6)
    } else if let Some(v) = raw.strip_suffix("ns") {
        (v, 1e-9)
    } else if let Some(v) = raw.strip_suffix('s') {
        (v, 1.0)
    } else {
        anyhow::bail!("{name}={raw}: not a duration");
    };
    Ok(num.parse::<f64>()? * scale)
}

fn raw_field<'l>(line: &'l str, name: &str) -> anyhow::Result<&'l str> {
    let key = format!(" {name}=");
    let start = line
        .find(&key)
        .with_context(|| format!("no {name} in {line}"))?
        + key.len();
    Ok(line[start..].split_whitespace().next().unwrap_or_default())
}

/// Creates `topic` compact-only (as wirefeed created state topics before they had a
/// retention, so no entry is deleted under the measurement) and writes `old` entries
/// committed 8 to 60 days ago, then `recent` ones from the last day, each with the record
/// timestamp of its commit; the entries are wirefeed's own [`Published`] type.
async fn fill(brokers: &str, topic: &str, recent: u64, old: u64) -> anyhow::Result<()> {
    crate::kafka::create_topic_with(brokers, topic, 1, &[("cleanup.policy", "compact")]).await?;
    let brokers = brokers.to_string();
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || fill_blocking(&brokers, &topic, recent, old)).await?
}

fn fill_blocking(brokers: &str, topic: &str, recent: u64, old: u64) -> anyhow::Result<()> {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "20")
        .set("compression.type", "zstd")
        .set("queue.buffering.max.messages", "1000000")
        .create()?;
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    for i in 0..old + recent {
        let at = if i < old {
            now_ms - 60 * DAY_MS + (i as i64 * 52 * DAY_MS) / old as i64
        } else {
            now_ms - DAY_MS + ((i - old) as i64 * DAY_MS) / recent as i64
        };
        // A distinct fingerprint per entry: splitmix64 of the index.
        let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        let fingerprint = z ^ (z >> 31);
        let key = format!("{fingerprint:016x}");
        let value = serde_json::to_string(&Published {
            uri: format!("urn:wirefeed:story:{key}"),
            version: 1,
            fingerprint,
            source: "wire".into(),
            guid: Some(format!("tag:example.com,2026:story-{i}")),
            link: Some(format!("https://example.com/news/2026/11/story-{i}.html")),
            headline: format!("Central bank holds rates as inflation eases, story {i}"),
        })?;
        let record = BaseRecord::to(topic)
            .key(&key)
            .payload(&value)
            .timestamp(at);
        crate::kafka::send_waiting(&producer, record)?;
    }
    producer.flush(Duration::from_secs(120))?;
    Ok(())
}

/// The markdown section `scripts/bench` appends to BENCHMARKS.md.
pub fn markdown(results: &[RestartResult], command: &str) -> String {
    let mut s = String::new();
    s.push_str("## Restart against a big state topic\n\n");
    s.push_str(&format!("`{command}`\n\n"));
    s.push_str(
        "A start with no local story window (new machine, lost disk) rebuilds it from the \
         state topic: each case fills a fresh, compact-only state topic with entries committed \
         in the last day (inside the 7-day window) and 8 to 60 days ago (outside it), then \
         times `wirefeed run --once` with nothing to fetch. Entries are streamed into the \
         window; those older than the window are skipped.\n\n",
    );
    s.push_str("| entries in the window | older entries | restored | skipped as older | restore s | start to exit s | peak RSS MB |\n|---|---|---|---|---|---|---|\n");
    for r in results {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {:.2} | {:.2} | {} |\n",
            r.recent,
            r.old,
            r.restored,
            r.older_than_window,
            r.restore_seconds,
            r.wall_seconds,
            r.peak_rss_bytes >> 20
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "2026-11-29T05:38:12.1Z  INFO wirefeed::pipeline: restored published state from the sink records=1500000 unreadable=0 missing_locally=300000 already_known=0 older_than_window=1200000 took=11.612661647s";

    #[test]
    fn reads_the_restore_line() {
        assert_eq!(field(LINE, "records").unwrap(), 1_500_000);
        assert_eq!(field(LINE, "missing_locally").unwrap(), 300_000);
        assert_eq!(field(LINE, "older_than_window").unwrap(), 1_200_000);
        assert!((duration_field(LINE, "took").unwrap() - 11.612661647).abs() < 1e-9);
        let ms = LINE.replace("took=11.612661647s", "took=850.5ms");
        assert!((duration_field(&ms, "took").unwrap() - 0.8505).abs() < 1e-9);
        assert!(field(LINE, "absent").is_err());
    }
}
