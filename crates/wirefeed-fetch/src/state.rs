//! Per-feed HTTP state that survives a restart: the validators (ETag, Last-Modified) and the
//! URL after permanent redirects. One small JSON file per source in `<state_dir>/fetch/`.
//!
//! Validators are persisted one poll late (see `run_http`): a crash can then only skip a
//! document whose items were handed to the pipeline at least one interval earlier, never the
//! document being processed. Losing this state costs one full refetch, nothing else.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct FeedState {
    /// The configured URL this state belongs to; a changed config URL discards the state.
    pub configured: String,
    /// Where permanent redirects (301/308) led.
    pub url: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

pub(crate) struct StateFile {
    path: Option<PathBuf>,
}

impl StateFile {
    pub(crate) fn new(state_dir: Option<&Path>, source: &str) -> StateFile {
        // Source names are free text: keep a readable stem, and a hash so two names that
        // clean to the same stem never share a file.
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
        let file = format!("{stem}-{:08x}.json", xxh3_64(source.as_bytes()) as u32);
        StateFile {
            path: state_dir.map(|d| d.join("fetch").join(file)),
        }
    }

    /// The stored state, if any and if it belongs to `configured`.
    pub(crate) fn load(&self, configured: &str) -> std::io::Result<Option<FeedState>> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let state: FeedState = serde_json::from_slice(&bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        Ok((state.configured == configured).then_some(state))
    }

    /// Writes atomically (temp file + rename), so a crash leaves the old or the new state.
    pub(crate) fn save(&self, state: &FeedState) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_is_dropped_when_the_url_changes() {
        let dir = tempfile::tempdir().unwrap();
        let f = StateFile::new(Some(dir.path()), "world news/€");
        assert_eq!(f.load("http://a/").unwrap(), None);
        let s = FeedState {
            configured: "http://a/".into(),
            url: Some("http://b/".into()),
            etag: Some("\"x\"".into()),
            last_modified: None,
        };
        f.save(&s).unwrap();
        assert_eq!(f.load("http://a/").unwrap(), Some(s));
        assert_eq!(f.load("http://other/").unwrap(), None);
        assert!(StateFile::new(None, "x")
            .load("http://a/")
            .unwrap()
            .is_none());
    }
}
