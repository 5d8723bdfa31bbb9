//! Exact-duplicate suppression: the set of body fingerprints already published, persisted as
//! an append-only log of one 16-hex-digit fingerprint per line.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

/// The log's file name inside the state directory.
const LOG_NAME: &str = "dedup.log";

/// Fingerprints of published stories, in memory and (optionally) in `<state_dir>/dedup.log`.
///
/// The log only grows; a line is written once per new fingerprint. Records are buffered
/// and made durable by [`DedupStore::flush`], which the caller runs after the stories are
/// acknowledged by the sink, so a crash re-publishes rather than loses a story.
pub struct DedupStore {
    seen: HashSet<u64>,
    log: Option<Log>,
}

struct Log {
    writer: BufWriter<File>,
}

impl DedupStore {
    /// Opens (creating if needed) the store in `state_dir`, or an in-memory store for `None`.
    ///
    /// A last line without its newline is what a crash mid-write leaves: it is cut off the
    /// file so the next record starts on a line of its own. Any other unreadable line is
    /// skipped with a warning rather than refusing to start: losing one fingerprint costs at
    /// most one re-published duplicate.
    pub fn open(state_dir: Option<&Path>) -> io::Result<DedupStore> {
        let Some(dir) = state_dir else {
            return Ok(DedupStore {
                seen: HashSet::new(),
                log: None,
            });
        };
        std::fs::create_dir_all(dir)?;
        let path = dir.join(LOG_NAME);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;

        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if complete < bytes.len() {
            tracing::warn!(
                path = %path.display(),
                bytes = bytes.len() - complete,
                "dedup log ends in a partial line (interrupted write); truncating it"
            );
            file.set_len(complete as u64)?;
            file.sync_data()?;
        }
        let mut seen = HashSet::new();
        for (n, line) in bytes[..complete].split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            match std::str::from_utf8(line)
                .ok()
                .filter(|l| l.len() == 16)
                .and_then(|l| u64::from_str_radix(l, 16).ok())
            {
                Some(fp) => {
                    seen.insert(fp);
                }
                None => tracing::warn!(
                    path = %path.display(),
                    line = n + 1,
                    "skipping unreadable dedup log line"
                ),
            }
        }
        Ok(DedupStore {
            seen,
            log: Some(Log {
                writer: BufWriter::new(file),
            }),
        })
    }

    /// True if this fingerprint was seen before (a re-post); does not record it.
    pub fn is_duplicate(&self, fingerprint: u64) -> bool {
        self.seen.contains(&fingerprint)
    }

    /// Records a fingerprint as published. Recording one already known writes nothing.
    /// The line is buffered; call [`DedupStore::flush`] to make it durable.
    pub fn record(&mut self, fingerprint: u64) -> io::Result<()> {
        if !self.seen.insert(fingerprint) {
            return Ok(());
        }
        if let Some(log) = &mut self.log {
            writeln!(log.writer, "{fingerprint:016x}")?;
        }
        Ok(())
    }

    /// Writes buffered records and fsyncs the log.
    pub fn flush(&mut self) -> io::Result<()> {
        if let Some(log) = &mut self.log {
            log.writer.flush()?;
            log.writer.get_ref().sync_data()?;
        }
        Ok(())
    }

    /// The number of distinct fingerprints known.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no fingerprint is known.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory() {
        let mut s = DedupStore::open(None).unwrap();
        assert!(s.is_empty());
        assert!(!s.is_duplicate(7));
        s.record(7).unwrap();
        s.record(7).unwrap();
        assert!(s.is_duplicate(7));
        assert_eq!(s.len(), 1);
        s.flush().unwrap();
    }

    #[test]
    fn persists_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        {
            let mut s = DedupStore::open(Some(&state)).unwrap();
            s.record(1).unwrap();
            s.record(u64::MAX).unwrap();
            s.record(1).unwrap();
            s.flush().unwrap();
        }
        let text = std::fs::read_to_string(state.join(LOG_NAME)).unwrap();
        assert_eq!(
            text, "0000000000000001\nffffffffffffffff\n",
            "idempotent record"
        );
        let mut s = DedupStore::open(Some(&state)).unwrap();
        assert_eq!(s.len(), 2);
        assert!(s.is_duplicate(1) && s.is_duplicate(u64::MAX) && !s.is_duplicate(2));
        s.record(2).unwrap();
        s.flush().unwrap();
        drop(s);
        assert_eq!(DedupStore::open(Some(&state)).unwrap().len(), 3);
    }

    #[test]
    fn unflushed_records_are_written_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut s = DedupStore::open(Some(dir.path())).unwrap();
            s.record(5).unwrap();
        }
        assert!(DedupStore::open(Some(dir.path())).unwrap().is_duplicate(5));
    }

    #[test]
    fn tolerates_truncated_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_NAME);
        std::fs::write(&path, "0000000000000001\n00000000000000").unwrap();
        let mut s = DedupStore::open(Some(dir.path())).unwrap();
        assert_eq!(s.len(), 1);
        assert!(s.is_duplicate(1));
        s.record(3).unwrap();
        s.flush().unwrap();
        drop(s);
        // The partial line is gone and the new record starts on its own line.
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "0000000000000001\n0000000000000003\n"
        );
        let s = DedupStore::open(Some(dir.path())).unwrap();
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn skips_corrupt_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_NAME);
        std::fs::write(&path, "garbage\n0000000000000002\n\u{0}\u{0}\u{0}\n").unwrap();
        let s = DedupStore::open(Some(dir.path())).unwrap();
        assert_eq!(s.len(), 1);
        assert!(s.is_duplicate(2));
    }
}
