//! Per-feed HTTP state that survives a restart: the validators (ETag, Last-Modified) and the
//! URL after permanent redirects, for every source in one file, `<state_dir>/fetch/state.json`.
//!
//! One file, written at most once a second, rather than one file per source written on every
//! change: with thousands of sources each temp-file-and-rename allocated and freed an inode,
//! and ext4's inode allocator (`recently_deleted`) made those creates cost ~0.8 ms each in a
//! profile of the load benchmark, 13% of wirefeed's CPU, on the async worker threads.
//!
//! Validators are persisted one poll late (see `run_http`), and the file a second later
//! still: a crash can then only skip a document whose items were handed to the pipeline at
//! least one interval earlier, never the document being processed. Losing this state costs
//! one full refetch, nothing else. Per-source files of earlier versions are read when a source
//! is not in the shared file, and removed once it holds them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

/// How long a change waits for others before the file is rewritten.
const WRITE_DELAY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct FeedState {
    /// The configured URL this state belongs to; a changed config URL discards the state.
    pub configured: String,
    /// Where permanent redirects (301/308) led.
    pub url: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The fetch state of every source, shared by their tasks. Cloning shares it.
#[derive(Clone, Default)]
pub struct FetchStates {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// `<state_dir>/fetch`; `None` keeps the state in memory only.
    dir: Option<PathBuf>,
    map: Mutex<Map>,
    /// Serializes writers (the delayed one and [`FetchStates::flush`]) on the temp file.
    write: Mutex<()>,
}

#[derive(Default)]
struct Map {
    states: BTreeMap<String, FeedState>,
    dirty: bool,
    /// A delayed write is on its way.
    scheduled: bool,
    /// Per-source files of an earlier version, migrated into `states`.
    legacy: Vec<PathBuf>,
}

impl std::fmt::Debug for FetchStates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchStates")
            .field("dir", &self.inner.dir)
            .finish_non_exhaustive()
    }
}

impl FetchStates {
    /// Reads `<state_dir>/fetch/state.json` if there is one; `None` keeps state in memory.
    pub fn open(state_dir: Option<&Path>) -> std::io::Result<FetchStates> {
        let mut states = BTreeMap::new();
        if let Some(d) = state_dir {
            match std::fs::read(d.join("fetch").join("state.json")) {
                Ok(bytes) => {
                    states = serde_json::from_slice(&bytes)
                        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(FetchStates::with(state_dir, states))
    }

    /// No stored state (after [`FetchStates::open`] failed: losing it costs one refetch per
    /// source); the file is rewritten with the first change.
    pub fn empty(state_dir: Option<&Path>) -> FetchStates {
        FetchStates::with(state_dir, BTreeMap::new())
    }

    fn with(state_dir: Option<&Path>, states: BTreeMap<String, FeedState>) -> FetchStates {
        let dir = state_dir.map(|d| d.join("fetch"));
        FetchStates {
            inner: Arc::new(Inner {
                dir,
                map: Mutex::new(Map {
                    states,
                    ..Map::default()
                }),
                write: Mutex::new(()),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Map> {
        self.inner.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The stored state of `source`, if any and if it belongs to `configured`.
    pub(crate) fn load(
        &self,
        source: &str,
        configured: &str,
    ) -> std::io::Result<Option<FeedState>> {
        if let Some(s) = self.lock().states.get(source) {
            return Ok((s.configured == configured).then(|| s.clone()));
        }
        let Some(path) = self.inner.dir.as_deref().map(|d| legacy_path(d, source)) else {
            return Ok(None);
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let state: FeedState = serde_json::from_slice(&bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let mut map = self.lock();
        map.states.insert(source.to_string(), state.clone());
        map.legacy.push(path);
        Ok((state.configured == configured).then_some(state))
    }

    /// Records the state of `source`; the file follows within [`WRITE_DELAY`] (or at
    /// [`FetchStates::flush`]).
    pub(crate) fn save(&self, source: &str, state: FeedState) {
        let schedule = {
            let mut map = self.lock();
            map.states.insert(source.to_string(), state);
            if self.inner.dir.is_none() {
                return;
            }
            map.dirty = true;
            !std::mem::replace(&mut map.scheduled, true)
        };
        if !schedule {
            return;
        }
        let this = self.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    tokio::time::sleep(WRITE_DELAY).await;
                    let result = tokio::task::spawn_blocking(move || this.write()).await;
                    if let Ok(Err(e)) = result {
                        tracing::warn!(error = %e, "cannot persist fetch state");
                    }
                });
            }
            Err(_) => {
                if let Err(e) = this.write() {
                    tracing::warn!(error = %e, "cannot persist fetch state");
                }
            }
        }
    }

    /// Writes pending changes now (at shutdown, so nothing waits for the delayed write).
    pub fn flush(&self) -> std::io::Result<()> {
        self.write()
    }

    /// Rewrites the file atomically (temp file + rename) if anything changed, so a crash
    /// leaves the old or the new state.
    fn write(&self) -> std::io::Result<()> {
        let Some(dir) = &self.inner.dir else {
            return Ok(());
        };
        let _writer = self.inner.write.lock().unwrap_or_else(|p| p.into_inner());
        let (bytes, legacy) = {
            let mut map = self.lock();
            map.scheduled = false;
            if !map.dirty {
                return Ok(());
            }
            map.dirty = false;
            let bytes = serde_json::to_vec(&map.states).map_err(std::io::Error::other);
            (bytes, std::mem::take(&mut map.legacy))
        };
        let result = bytes.and_then(|bytes| {
            std::fs::create_dir_all(dir)?;
            let tmp = dir.join("state.json.tmp");
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, dir.join("state.json"))
        });
        if result.is_err() {
            // Try again with the next change or flush.
            let mut map = self.lock();
            map.dirty = true;
            map.legacy.extend(legacy);
            return result;
        }
        for path in legacy {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    }
}

/// The per-source file of versions before the shared one. Source names are free text: a
/// readable stem, and a hash so two names that clean to the same stem never share a file.
fn legacy_path(dir: &Path, source: &str) -> PathBuf {
    let stem: String = source
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    dir.join(format!(
        "{stem}-{:08x}.json",
        xxh3_64(source.as_bytes()) as u32
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(etag: &str) -> FeedState {
        FeedState {
            configured: "http://a/".into(),
            url: Some("http://b/".into()),
            etag: Some(etag.into()),
            last_modified: None,
        }
    }

    #[test]
    fn state_round_trips_and_is_dropped_when_the_url_changes() {
        let dir = tempfile::tempdir().unwrap();
        let states = FetchStates::open(Some(dir.path())).unwrap();
        assert_eq!(states.load("world news/€", "http://a/").unwrap(), None);
        // No runtime here: the write happens at once.
        states.save("world news/€", state("\"x\""));
        states.save("other", state("\"y\""));
        let reopened = FetchStates::open(Some(dir.path())).unwrap();
        assert_eq!(
            reopened.load("world news/€", "http://a/").unwrap(),
            Some(state("\"x\""))
        );
        assert_eq!(
            reopened.load("other", "http://a/").unwrap(),
            Some(state("\"y\""))
        );
        assert_eq!(
            reopened.load("world news/€", "http://other/").unwrap(),
            None
        );
        let memory = FetchStates::open(None).unwrap();
        memory.save("x", state("1"));
        assert_eq!(memory.load("x", "http://a/").unwrap(), Some(state("1")));
    }

    #[tokio::test(start_paused = true)]
    async fn changes_are_written_together_after_a_delay_or_at_flush() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("fetch/state.json");
        let states = FetchStates::open(Some(dir.path())).unwrap();
        states.save("a", state("1"));
        states.save("b", state("2"));
        assert!(!file.exists(), "written before the delay");
        // The delayed write runs on a blocking thread: wait for it in real time.
        tokio::time::sleep(WRITE_DELAY * 2).await;
        for _ in 0..200 {
            if file.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("\"a\"") && text.contains("\"b\""), "{text}");
        states.save("a", state("3"));
        states.flush().unwrap();
        let reopened = FetchStates::open(Some(dir.path())).unwrap();
        assert_eq!(reopened.load("a", "http://a/").unwrap(), Some(state("3")));
    }

    #[test]
    fn per_source_files_of_earlier_versions_are_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let fetch = dir.path().join("fetch");
        std::fs::create_dir_all(&fetch).unwrap();
        let old = legacy_path(&fetch, "wire");
        std::fs::write(&old, serde_json::to_vec(&state("old")).unwrap()).unwrap();
        let states = FetchStates::open(Some(dir.path())).unwrap();
        assert_eq!(
            states.load("wire", "http://a/").unwrap(),
            Some(state("old"))
        );
        states.save("wire", state("new"));
        assert!(
            !old.exists(),
            "legacy file kept after the shared file holds it"
        );
        let reopened = FetchStates::open(Some(dir.path())).unwrap();
        assert_eq!(
            reopened.load("wire", "http://a/").unwrap(),
            Some(state("new"))
        );
    }

    #[test]
    fn a_corrupt_file_is_an_error_not_a_silent_reset() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("fetch")).unwrap();
        std::fs::write(dir.path().join("fetch/state.json"), "{not json").unwrap();
        let err = FetchStates::open(Some(dir.path())).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    }
}
