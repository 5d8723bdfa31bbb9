//! The feed publisher: an axum server on 127.0.0.1 serving the benchmark feeds with ETags
//! (a repeated poll costs a 304), noting when each feed was first served.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

struct Feed {
    body: Bytes,
    etag: String,
}

/// What one measured phase saw: when each feed was first served with 200, and how many bytes.
#[derive(Default)]
pub struct Phase {
    pub first_served: Vec<Option<Instant>>,
    pub bytes_served: u64,
    pub not_modified: u64,
}

#[derive(Clone)]
struct Shared {
    feeds: Arc<Vec<Feed>>,
    phase: Arc<Mutex<Phase>>,
}

pub struct FeedServer {
    pub addr: SocketAddr,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl FeedServer {
    pub async fn start(docs: Vec<String>) -> anyhow::Result<FeedServer> {
        let feeds: Vec<Feed> = docs
            .into_iter()
            .map(|d| Feed {
                etag: format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(d.as_bytes())),
                body: Bytes::from(d),
            })
            .collect();
        let shared = Shared {
            phase: Arc::new(Mutex::new(Phase {
                first_served: vec![None; feeds.len()],
                ..Phase::default()
            })),
            feeds: Arc::new(feeds),
        };
        let app = axum::Router::new()
            .route("/feed/{n}", axum::routing::get(serve_feed))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("wirefeed-bench: feed server stopped: {e}");
            }
        });
        Ok(FeedServer { addr, shared, task })
    }

    pub fn urls(&self) -> Vec<String> {
        (0..self.shared.feeds.len())
            .map(|n| format!("http://{}/feed/{n}", self.addr))
            .collect()
    }

    /// Ends the current phase and returns what it saw; the next phase starts from scratch.
    pub fn take_phase(&self) -> Phase {
        let mut p = self.shared.phase.lock().expect("phase lock");
        std::mem::replace(
            &mut *p,
            Phase {
                first_served: vec![None; self.shared.feeds.len()],
                ..Phase::default()
            },
        )
    }

    /// Feeds served at least once in the current phase.
    pub fn served_feeds(&self) -> usize {
        let p = self.shared.phase.lock().expect("phase lock");
        p.first_served.iter().filter(|t| t.is_some()).count()
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_feed(State(s): State<Shared>, Path(n): Path<usize>, headers: HeaderMap) -> Response {
    let Some(feed) = s.feeds.get(n) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == feed.etag.as_bytes());
    {
        let mut p = s.phase.lock().expect("phase lock");
        if unchanged {
            p.not_modified += 1;
        } else {
            p.bytes_served += feed.body.len() as u64;
            p.first_served[n].get_or_insert_with(Instant::now);
        }
    }
    let etag = [(header::ETAG, feed.etag.clone())];
    if unchanged {
        return (StatusCode::NOT_MODIFIED, etag).into_response();
    }
    (
        StatusCode::OK,
        etag,
        [(header::CONTENT_TYPE, "application/rss+xml")],
        feed.body.clone(),
    )
        .into_response()
}
