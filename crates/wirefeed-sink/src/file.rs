use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::mpsc::{Receiver, Sender};
use tokio::task::JoinHandle;
use wirefeed_model::{DeadLetter, ErrorClass, Flow, Published, Stage, Story};
use wirefeed_telemetry::Metrics;

use crate::{encode_story, record_ack, Committed, Delivery, RestoreStats, SinkError};

/// JSON Lines output: one ninjs record per line, dead letters in a sibling `*.dlq.jsonl`.
pub struct FileSink {
    path: PathBuf,
    dlq_path: PathBuf,
    out: std::fs::File,
    dlq: std::fs::File,
}

/// The dead-letter line: the error in fields, the offending input as text.
#[derive(Serialize)]
struct DeadLine<'a> {
    stage: &'static str,
    class: &'static str,
    message: &'a str,
    source: &'a str,
    at: String,
    payload: String,
}

/// Most lines a batch holds before it is fsync'd and acknowledged; bounds the work lost to
/// a crash and the latency of acknowledgements under load.
const MAX_BATCH: usize = 512;

impl FileSink {
    /// Opens (appends to) `path` and its dead-letter sibling, repairing a torn last line.
    pub fn open(path: &Path) -> Result<FileSink, SinkError> {
        let dlq_path = dlq_path_for(path);
        let out = open_append(path)?;
        let dlq = open_append(&dlq_path)?;
        Ok(FileSink {
            path: path.to_path_buf(),
            dlq_path,
            out,
            dlq,
        })
    }

    /// Every record already in the output file: the file is the source of truth for what
    /// was published, so a crash between writing lines and recording their fingerprints
    /// elsewhere cannot lead to the same story being written twice.
    pub(crate) fn restore(
        &self,
        tx: Sender<Committed>,
    ) -> JoinHandle<Result<RestoreStats, SinkError>> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let io_err = |e| io_error(&path, e);
            let file = std::fs::File::open(&path).map_err(io_err)?;
            // A line holds no commit time (the strict ninjs record has no place for one), but
            // every line was written at or before the file's last modification: taking that
            // as each line's time never ages an entry too soon, and lets a window rebuilt from
            // an old file forget what is older than the window, as the Kafka state topic's
            // record timestamps do. Without it (no mtime on this filesystem), entries count
            // as recent.
            let at = file
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .map(chrono::DateTime::<chrono::Utc>::from);
            let mut stats = RestoreStats::default();
            for (n, line) in std::io::BufRead::lines(std::io::BufReader::new(file)).enumerate() {
                let line = line.map_err(io_err)?;
                match serde_json::from_str::<serde_json::Value>(&line)
                    .ok()
                    .as_ref()
                    .and_then(Published::from_ninjs)
                {
                    Some(entry) => {
                        stats.entries += 1;
                        if tx.blocking_send(Committed { entry, at }).is_err() {
                            return Err(SinkError::RestoreAbandoned);
                        }
                    }
                    None => {
                        stats.unreadable += 1;
                        tracing::warn!(file = %path.display(), line = n + 1, "output line is not a wirefeed record; ignored for state")
                    }
                }
            }
            Ok(stats)
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "file {} (dead letters: {})",
            self.path.display(),
            self.dlq_path.display()
        )
    }

    pub(crate) async fn run<F>(
        mut self,
        mut rx: Receiver<Flow<Story>>,
        metrics: Arc<Metrics>,
        mut on_done: F,
    ) -> Result<(), SinkError>
    where
        F: FnMut(&Story, Delivery<'_>) + Send,
    {
        let mut batch: Vec<Story> = Vec::new();
        let mut buf: Vec<u8> = Vec::new();
        while let Some(first) = rx.recv().await {
            let mut next = Some(first);
            // Take what is already queued, so one fsync covers many records.
            while let Some(flow) = next.take() {
                match flow {
                    Flow::Item(story) => match encode_story(&story) {
                        Ok(bytes) => {
                            buf.extend_from_slice(&bytes);
                            buf.push(b'\n');
                            batch.push(story);
                        }
                        Err(e) => {
                            let dl = DeadLetter::new(
                                Stage::Sink,
                                ErrorClass::Serialize,
                                story.source.clone(),
                                e.to_string(),
                                Vec::new(),
                            );
                            self.write_dead(&dl, &metrics)?;
                            on_done(
                                &story,
                                Delivery::DeadLettered {
                                    reason: &dl.message,
                                },
                            );
                        }
                    },
                    Flow::Dead(dl) => self.write_dead(&dl, &metrics)?,
                }
                if batch.len() < MAX_BATCH {
                    next = rx.try_recv().ok();
                }
            }
            if !buf.is_empty() {
                self.out.write_all(&buf).map_err(|e| self.io_err(e))?;
                self.out.sync_data().map_err(|e| self.io_err(e))?;
                buf.clear();
            }
            for story in batch.drain(..) {
                record_ack(&metrics, &story);
                on_done(&story, Delivery::Published);
            }
        }
        Ok(())
    }

    fn write_dead(&mut self, dl: &DeadLetter, metrics: &Metrics) -> Result<(), SinkError> {
        let line = DeadLine {
            stage: dl.stage.as_str(),
            class: dl.class.as_str(),
            message: &dl.message,
            source: &dl.source,
            at: dl.at.to_rfc3339(),
            payload: String::from_utf8_lossy(
                &dl.payload[..dl.payload.len().min(crate::MAX_DEAD_LETTER_PAYLOAD)],
            )
            .into_owned(),
        };
        let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
        bytes.push(b'\n');
        let r = self
            .dlq
            .write_all(&bytes)
            .and_then(|_| self.dlq.sync_data());
        match r {
            Ok(()) => {
                metrics
                    .sink_records
                    .with_label_values(&["dead_letter", "acked"])
                    .inc();
                Ok(())
            }
            Err(e) => {
                metrics
                    .sink_records
                    .with_label_values(&["dead_letter", "failed"])
                    .inc();
                Err(SinkError::Io {
                    path: self.dlq_path.display().to_string(),
                    source: e,
                })
            }
        }
    }

    fn io_err(&self, e: std::io::Error) -> SinkError {
        io_error(&self.path, e)
    }
}

/// `out/stories.jsonl` → `out/stories.dlq.jsonl`.
pub(crate) fn dlq_path_for(path: &Path) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!("{stem}.dlq.jsonl"))
}

/// Opens for append, creating parent directories, and cuts a torn last line left by a crash
/// mid-write so the file stays valid JSON Lines.
fn open_append(path: &Path) -> Result<std::fs::File, SinkError> {
    let err = |e| SinkError::Io {
        path: path.display().to_string(),
        source: e,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(err)?;
    let len = f.metadata().map_err(err)?.len();
    if len > 0 {
        let data = std::fs::read(path).map_err(err)?;
        if data.last() != Some(&b'\n') {
            let keep = data
                .iter()
                .rposition(|&b| b == b'\n')
                .map(|i| i + 1)
                .unwrap_or(0);
            tracing::warn!(file = %path.display(), dropped_bytes = len as usize - keep, "repairing torn last line");
            f.set_len(keep as u64).map_err(err)?;
            f.seek(SeekFrom::End(0)).map_err(err)?;
        }
    }
    Ok(f)
}

fn io_error(path: &Path, e: std::io::Error) -> SinkError {
    SinkError::Io {
        path: path.display().to_string(),
        source: e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_last_line_is_cut_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.jsonl");
        std::fs::write(&p, "{\"a\":1}\n{\"b\":").unwrap();
        let mut s = FileSink::open(&p).unwrap();
        s.out.write_all(b"{\"c\":3}\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "{\"a\":1}\n{\"c\":3}\n"
        );
        assert_eq!(dlq_path_for(&p), dir.path().join("s.dlq.jsonl"));
    }
}
