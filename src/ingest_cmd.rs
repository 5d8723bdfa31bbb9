//! `wirefeed ingest`: a backfill is `run --once` over given folders and files, with progress
//! read from the same [`Metrics`] that `/metrics` exports, so the two never disagree.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use wirefeed_telemetry::Metrics;

use crate::cli::IngestArgs;
use crate::config::{Config, SinkKind, SourceConfig, SourceKind};
use crate::pipeline;

/// Runs the backfill; returns the summary line. `shutdown` stops it early (SIGINT/SIGTERM):
/// what was read so far is drained and published, as with `run`.
pub async fn run(args: IngestArgs, shutdown: CancellationToken) -> anyhow::Result<String> {
    let mut config = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    // Single files are gathered into a private folder, since sources read folders: hard links
    // (free), or copies when the file is on another file system.
    let staging = tempfile::tempdir().context("creating a staging folder")?;
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut staged = 0usize;
    for p in &args.paths {
        let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_dir() {
            dirs.push(p.clone());
        } else {
            let name = p.file_name().context("a file path without a name")?;
            let to = staging
                .path()
                .join(format!("{staged:06}-{}", name.to_string_lossy()));
            if std::fs::hard_link(p, &to).is_err() {
                std::fs::copy(p, &to).with_context(|| format!("cannot stage {}", p.display()))?;
            }
            staged += 1;
        }
    }
    if staged > 0 {
        dirs.push(staging.path().to_path_buf());
    }
    let total_files: usize = dirs.iter().map(|d| count_files(d)).sum();

    config.sources = dirs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let name = if dirs.len() == 1 {
                args.source.clone()
            } else {
                format!("{}-{}", args.source, i + 1)
            };
            SourceConfig::new(name, SourceKind::Dir, None, Some(d.clone()))
        })
        .collect();
    if let Some(b) = args.brokers {
        config.sink.kind = SinkKind::Kafka;
        config.sink.kafka.brokers = b;
    }
    if let Some(t) = args.topic {
        config.sink.kafka.topic = t;
    }
    if let Some(o) = args.out {
        config.sink.kind = SinkKind::File;
        config.sink.file.path = o;
    }
    if let Some(s) = args.state_dir {
        config.state_dir = Some(s);
    }
    config.listen = args
        .listen
        .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    config.admin_listen = None;
    config.validate()?;

    let metrics = Arc::new(Metrics::new().context("registering metrics")?);
    let started = Instant::now();
    // On a terminal: one status line rewritten twice a second. Elsewhere (a Kubernetes Job,
    // CI): a log line every 10 s, so progress is visible without flooding the log.
    let terminal = std::io::stderr().is_terminal();
    let progress = {
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let every = Duration::from_millis(if terminal { 500 } else { 10_000 });
            loop {
                tokio::time::sleep(every).await;
                let line = progress_line(&metrics, total_files, started.elapsed());
                if terminal {
                    eprint!("\r\x1b[2K{line}");
                    let _ = std::io::stderr().flush();
                } else {
                    tracing::info!("{line}");
                }
            }
        })
    };
    let result = pipeline::run_with_metrics(config, shutdown, true, metrics.clone()).await;
    progress.abort();
    if terminal {
        eprint!("\r\x1b[2K");
    }
    let summary = result?;
    let secs = started.elapsed().as_secs_f64();
    Ok(format!(
        "wirefeed ingest: {} files, published {} stories, dropped {} duplicates, {} dead letters in {:.1}s ({:.1} stories/s)",
        total_files,
        summary.published,
        summary.duplicates,
        summary.dead_letters,
        secs,
        summary.published as f64 / secs.max(0.001)
    ))
}

/// Files a dir source would read (its `list` skips hidden and partial files the same way).
fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    !(name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".part"))
                        && e.metadata().is_ok_and(|m| m.is_file())
                })
                .count()
        })
        .unwrap_or(0)
}

/// The sum of every series of one counter family.
fn counter_sum(metrics: &Metrics, name: &str) -> f64 {
    metrics
        .registry
        .gather()
        .iter()
        .filter(|f| f.name() == name)
        .flat_map(|f| f.get_metric())
        .map(|m| m.get_counter().value())
        .sum()
}

/// One status line. Hand-rolled: a single `\r`-rewritten line does not need a progress-bar
/// crate.
fn progress_line(metrics: &Metrics, total_files: usize, elapsed: Duration) -> String {
    let files = counter_sum(metrics, "wirefeed_fetch_requests_total");
    let published = counter_sum(metrics, "wirefeed_stories_published_total");
    let secs = elapsed.as_secs_f64().max(0.001);
    let eta = if files > 0.0 && (files as usize) < total_files {
        let left = (total_files as f64 - files) * secs / files;
        format!(
            "ETA {}",
            humantime::format_duration(Duration::from_secs(left.ceil() as u64))
        )
    } else {
        "ETA —".to_string()
    };
    format!(
        "ingest: {files:.0}/{total_files} files, {published:.0} stories, {:.1} stories/s, {eta}",
        published / secs
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_line_shows_rate_and_eta_from_the_metrics() {
        let m = Metrics::new().unwrap();
        m.fetch_requests.with_label_values(&["a", "ok"]).inc_by(3);
        m.fetch_requests
            .with_label_values(&["b", "parse_error"])
            .inc();
        m.stories_published.with_label_values(&["a"]).inc_by(20);
        let line = progress_line(&m, 8, Duration::from_secs(10));
        assert_eq!(
            line,
            "ingest: 4/8 files, 20 stories, 2.0 stories/s, ETA 10s"
        );
        m.fetch_requests.with_label_values(&["a", "ok"]).inc_by(4);
        let line = progress_line(&m, 8, Duration::from_secs(10));
        assert!(line.ends_with("ETA —"), "{line}");
    }
}
