use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio_util::sync::CancellationToken;
use wirefeed_model::{DeadLetter, Flow, Stage};
use wirefeed_telemetry::Metrics;

use crate::document::{read_document, DocumentKind, FetchError};
use crate::seen::Seen;
use crate::ItemSender;

/// A directory into which wire-copy text files and feed/JSON documents are dropped.
#[derive(Debug, Clone)]
pub struct DirSource {
    pub name: Arc<str>,
    pub path: PathBuf,
    pub interval: Duration,
    pub max_bytes: usize,
    /// Also read the files of subdirectories (a backfill of an archive tree).
    pub recursive: bool,
    /// When not empty: read exactly these files instead of listing `path` (`wirefeed ingest`
    /// given single files).
    pub files: Vec<PathBuf>,
}

/// A file younger than this may still be being written; it is picked up on the next scan.
/// Writers that rename into place (the safe way) are never delayed by it.
const SETTLE: Duration = Duration::from_millis(300);

/// Scans `source.path` every interval until `cancel` fires (or once), sending the entries of
/// new or modified files on `tx`.
pub async fn run_dir(
    source: DirSource,
    tx: ItemSender,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
    once: bool,
) {
    // (length, mtime) per file already read in this run.
    let mut read: HashMap<PathBuf, (u64, SystemTime)> = HashMap::new();
    let mut seen = Seen::default();
    loop {
        let listed = if source.files.is_empty() {
            list(&source.path, source.recursive)
        } else {
            stat_all(&source.files)
        };
        match listed {
            Ok(files) => {
                for (path, len, mtime) in files {
                    if read.get(&path) == Some(&(len, mtime)) {
                        continue;
                    }
                    if !once && mtime.elapsed().unwrap_or_default() < SETTLE {
                        continue;
                    }
                    read.insert(path.clone(), (len, mtime));
                    // One pass reads each file once: every item goes on, and the story window
                    // judges repeats across files (and says so in decisions and metrics).
                    let seen = if once { None } else { Some(&mut seen) };
                    if !read_file(&source, &path, len, &tx, &metrics, &cancel, seen).await {
                        return;
                    }
                }
            }
            Err(e) => {
                metrics
                    .fetch_requests
                    .with_label_values(&[&source.name, "network_error"])
                    .inc();
                tracing::warn!(source = %source.name, dir = %source.path.display(), error = %e, "cannot list watch directory");
            }
        }
        if once {
            return;
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(source.interval) => {}
        }
    }
}

/// Regular, non-hidden files sorted by path, so numbered drops are read in order; with
/// `recursive`, those of non-hidden subdirectories too (symbolic links are not followed, so a
/// link cycle cannot loop).
pub fn list(dir: &Path, recursive: bool) -> std::io::Result<Vec<(PathBuf, u64, SystemTime)>> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        list_one(&dir, recursive, &mut files, &mut dirs)?;
    }
    files.sort();
    Ok(files)
}

fn stat_all(paths: &[PathBuf]) -> std::io::Result<Vec<(PathBuf, u64, SystemTime)>> {
    paths
        .iter()
        .map(|p| {
            let meta = std::fs::metadata(p)?;
            Ok((
                p.clone(),
                meta.len(),
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            ))
        })
        .collect()
}

fn list_one(
    dir: &Path,
    recursive: bool,
    files: &mut Vec<(PathBuf, u64, SystemTime)>,
    dirs: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".part") {
            continue;
        }
        let meta = entry.metadata()?;
        if recursive && entry.file_type()?.is_dir() {
            dirs.push(entry.path());
        } else if meta.is_file() {
            files.push((
                entry.path(),
                meta.len(),
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            ));
        }
    }
    Ok(())
}

/// Reads and parses one file; false when the pipeline is shutting down.
async fn read_file(
    source: &DirSource,
    path: &Path,
    len: u64,
    tx: &ItemSender,
    metrics: &Metrics,
    cancel: &CancellationToken,
    mut seen: Option<&mut Seen>,
) -> bool {
    let started = Instant::now();
    let kind = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(|e| DocumentKind::from_extension(&e.to_ascii_lowercase()))
        .unwrap_or(DocumentKind::Sniff);
    let result = if len as usize > source.max_bytes {
        Err((
            FetchError::TooLarge {
                size: len as usize,
                limit: source.max_bytes,
            },
            Vec::new(),
        ))
    } else {
        match tokio::fs::read(path).await {
            Ok(bytes) => {
                metrics
                    .fetch_bytes
                    .with_label_values(&[&source.name])
                    .inc_by(bytes.len() as u64);
                match read_document(&bytes, &source.name, kind, None, None) {
                    Ok(doc) => {
                        for w in &doc.warnings {
                            tracing::warn!(source = %source.name, file = %path.display(), warning = %w, "file parsed with warnings");
                        }
                        for v in &doc.validation {
                            tracing::debug!(source = %source.name, file = %path.display(), violation = %v, "file breaks its spec");
                        }
                        Ok(doc.entries.into_iter().map(|e| e.item).collect::<Vec<_>>())
                    }
                    Err(e) => Err((e, bytes)),
                }
            }
            Err(e) => Err((FetchError::Io(e), Vec::new())),
        }
    };
    metrics
        .fetch_duration
        .with_label_values(&[&source.name])
        .observe(started.elapsed().as_secs_f64());
    let flows: Vec<Flow<_>> = match result {
        Ok(items) => {
            metrics
                .fetch_requests
                .with_label_values(&[&source.name, "ok"])
                .inc();
            let total = items.len();
            let origin = path.display().to_string();
            let fresh: Vec<_> = items
                .into_iter()
                .filter(|i| seen.as_mut().is_none_or(|s| s.is_fresh(i)))
                .map(|mut i| {
                    i.origin = Some(origin.clone());
                    Flow::Item(i)
                })
                .collect();
            metrics
                .fetch_items
                .with_label_values(&[&source.name, "new"])
                .inc_by(fresh.len() as u64);
            metrics
                .fetch_items
                .with_label_values(&[&source.name, "unchanged"])
                .inc_by((total - fresh.len()) as u64);
            tracing::debug!(source = %source.name, file = %path.display(), items = total, "read file");
            fresh
        }
        Err((e, bytes)) => {
            metrics
                .fetch_requests
                .with_label_values(&[&source.name, e.outcome()])
                .inc();
            metrics
                .fetch_items
                .with_label_values(&[&source.name, "dead_letter"])
                .inc();
            tracing::warn!(source = %source.name, file = %path.display(), error = %e, "file rejected; dead-lettered");
            let msg = format!(
                "{}: {e}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            vec![Flow::Dead(
                DeadLetter::new(Stage::Fetch, e.class(), source.name.clone(), msg, bytes)
                    .with_origin(path.display().to_string()),
            )]
        }
    };
    for flow in flows {
        tokio::select! {
            _ = cancel.cancelled() => return false,
            r = tx.send(flow) => if r.is_err() { return false },
        }
    }
    true
}
