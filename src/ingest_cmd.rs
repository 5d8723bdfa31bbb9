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
use crate::decisions::{DecisionLog, ExplainLog};
use crate::pipeline;

/// Runs the backfill and prints the summary line (on standard error when the records go to
/// standard output). `shutdown` stops it early (SIGINT/SIGTERM):
/// what was read so far is drained and published, as with `run`.
pub async fn run(args: IngestArgs, shutdown: CancellationToken) -> anyhow::Result<()> {
    let mut config = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    // Folders are read recursively, one source each; single files together as one source
    // that reads exactly them, so every record and decision names the real path.
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for p in &args.paths {
        let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_dir() {
            dirs.push(p.clone());
        } else {
            files.push(p.clone());
        }
    }
    let total_files: usize = dirs.iter().map(|d| count_files(d)).sum::<usize>() + files.len();
    let mut sources: Vec<SourceConfig> = dirs
        .iter()
        .map(|d| {
            let mut s = SourceConfig::new(String::new(), SourceKind::Dir, None, Some(d.clone()));
            s.recursive = true;
            s
        })
        .collect();
    if !files.is_empty() {
        let mut s = SourceConfig::new(String::new(), SourceKind::Dir, None, Some(".".into()));
        s.files = files;
        sources.push(s);
    }
    let n = sources.len();
    for (i, s) in sources.iter_mut().enumerate() {
        s.name = if n == 1 {
            args.source.clone()
        } else {
            format!("{}-{}", args.source, i + 1)
        };
    }
    config.sources = sources;
    if let Some(b) = args.brokers {
        config.sink.kind = SinkKind::Kafka;
        config.sink.kafka.brokers = b;
    }
    if let Some(t) = args.topic {
        config.sink.kafka.topic = t;
    }
    // `--out -`: the records go to a private file first (the file sink needs one to append
    // to and restore from), then to standard output once the run is over.
    let staging = tempfile::tempdir().context("creating a staging folder")?;
    let to_stdout = args.out.as_deref() == Some(Path::new("-"));
    if let Some(o) = args.out {
        config.sink.kind = SinkKind::File;
        config.sink.file.path = if to_stdout {
            staging.path().join("stories.jsonl")
        } else {
            o
        };
    }
    // A backfill judges its inputs on their own unless told to share the service's window.
    config.state_dir = args.state_dir;
    let create = |p: &PathBuf| -> anyhow::Result<Box<dyn Write + Send>> {
        let f =
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?;
        Ok(Box::new(std::io::BufWriter::new(f)))
    };
    let decisions = args
        .decisions
        .as_ref()
        .map(create)
        .transpose()?
        .map(DecisionLog::new);
    let explain = args
        .explain
        .as_ref()
        .map(create)
        .transpose()?
        .map(ExplainLog::new);
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
    let out_path = config.sink.file.path.clone();
    let result = pipeline::run_with_metrics(
        config,
        shutdown,
        true,
        metrics.clone(),
        pipeline::Audit {
            decisions: decisions.clone(),
            explain: explain.clone(),
        },
    )
    .await;
    progress.abort();
    if terminal {
        eprint!("\r\x1b[2K");
    }
    if let Some(d) = &decisions {
        d.flush().context("writing the decisions file")?;
    }
    if let Some(e) = &explain {
        e.flush().context("writing the explain file")?;
    }
    let summary = result?;
    if to_stdout {
        let mut f = std::fs::File::open(&out_path).context("reading the staged output")?;
        let mut stdout = std::io::stdout().lock();
        std::io::copy(&mut f, &mut stdout).context("writing standard output")?;
        stdout.flush()?;
    }
    let secs = started.elapsed().as_secs_f64();
    let line = format!(
        "wirefeed ingest: {} files, published {} stories, dropped {} duplicates, {} dead letters in {:.1}s ({:.1} stories/s)",
        total_files,
        summary.published,
        summary.duplicates,
        summary.dead_letters,
        secs,
        summary.published as f64 / secs.max(0.001)
    );
    if to_stdout {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
    Ok(())
}

/// Files a recursive dir source would read (the same listing it uses).
fn count_files(dir: &Path) -> usize {
    wirefeed_fetch::list_files(dir, true).map_or(0, |f| f.len())
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
