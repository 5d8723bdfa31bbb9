//! The memory bound across sources: while the pipeline does not take items, sources stop
//! fetching instead of each parking a downloaded document in memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;
use wirefeed_fetch::{build_client, run_http, DocumentLimiter, HostLimiter, HttpSource};
use wirefeed_telemetry::Metrics;

async fn feed(State(hits): State<Arc<AtomicUsize>>, Path(n): Path<usize>) -> impl IntoResponse {
    hits.fetch_add(1, Ordering::SeqCst);
    let items: String = (0..3)
        .map(|i| format!("<item><title>Story {n}-{i}</title><guid>{n}-{i}</guid><description>Body {n} {i}.</description></item>"))
        .collect();
    (
        [(header::CONTENT_TYPE, "application/rss+xml")],
        format!(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>f{n}</title><link>http://x/</link><description>d</description>{items}</channel></rss>"#
        ),
    )
}

#[tokio::test]
async fn a_full_pipeline_stops_the_fetchers_and_documents_in_hand_stay_bounded() {
    let hits = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route("/feed/{n}", get(feed))
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let metrics = Arc::new(Metrics::new().unwrap());
    // Room for one item and nobody reading: the first document's second item blocks.
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let client = build_client(Duration::from_secs(5)).unwrap();
    let cancel = CancellationToken::new();
    let (hosts, documents) = (
        HostLimiter::new(16, Duration::ZERO),
        DocumentLimiter::new(2),
    );
    let mut tasks = Vec::new();
    for n in 0..8 {
        let mut s = HttpSource::new(&format!("f{n}"), &format!("http://{addr}/feed/{n}"));
        s.interval = Duration::from_millis(20);
        s.hosts = hosts.clone();
        s.documents = documents.clone();
        tasks.push(tokio::spawn(run_http(
            s,
            client.clone(),
            tx.clone(),
            metrics.clone(),
            cancel.clone(),
            false,
        )));
    }
    drop(tx);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // At most two sources (the document slots) got in before the channel filled; the others
    // wait for room instead of fetching, and nobody fetches again while it stays full.
    let stalled = hits.load(Ordering::SeqCst);
    assert!((1..=2).contains(&stalled), "{stalled} fetches with 2 slots");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        stalled,
        "fetching while the pipeline is full"
    );

    // Drain: every source's items arrive, and fetching resumes.
    let mut seen = std::collections::HashSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.len() < 24 && tokio::time::Instant::now() < deadline {
        if let Ok(Some(wirefeed_model::Flow::Item(item))) =
            tokio::time::timeout(Duration::from_millis(200), rx.recv()).await
        {
            seen.insert(item.title.clone());
        }
    }
    cancel.cancel();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        seen.len(),
        24,
        "all 8 feeds × 3 items once the pipeline drains"
    );
    assert!(hits.load(Ordering::SeqCst) >= 8);
}
