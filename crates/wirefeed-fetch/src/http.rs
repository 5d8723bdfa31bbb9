use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::header::{
    HeaderMap, HeaderValue, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use tokio_util::sync::CancellationToken;
use wirefeed_model::{DeadLetter, Flow, Stage};
use wirefeed_telemetry::Metrics;

use crate::document::{parse_document, DocumentKind, FetchError};
use crate::seen::Seen;
use crate::ItemSender;

/// One HTTP feed to poll.
#[derive(Debug, Clone)]
pub struct HttpSource {
    /// Config name; the metric label and log field.
    pub name: Arc<str>,
    pub url: String,
    pub interval: Duration,
    /// Cap on the decompressed body.
    pub max_bytes: usize,
}

/// The shared client: one connection pool for all feeds, with timeouts on every request.
pub fn build_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!(
            "wirefeed/",
            env!("CARGO_PKG_VERSION"),
            " (+news feed ingester)"
        ))
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
}

/// Validators from the last 200 response, sent back so an unchanged feed costs a 304.
#[derive(Default)]
struct Conditional {
    etag: Option<HeaderValue>,
    last_modified: Option<HeaderValue>,
}

/// Polls `source` until `cancel` fires (or once, when `once` is set), sending new and changed
/// entries on `tx`.
pub async fn run_http(
    source: HttpSource,
    client: reqwest::Client,
    tx: ItemSender,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
    once: bool,
) {
    let mut cond = Conditional::default();
    let mut seen = Seen::default();
    let mut failures: u32 = 0;
    loop {
        let started = Instant::now();
        let result = poll(&source, &client, &mut cond).await;
        metrics
            .fetch_duration
            .with_label_values(&[&source.name])
            .observe(started.elapsed().as_secs_f64());
        let outcome = match result {
            Ok(Polled::NotModified) => {
                failures = 0;
                "not_modified"
            }
            Ok(Polled::Body(bytes, kind)) => {
                failures = 0;
                metrics
                    .fetch_bytes
                    .with_label_values(&[&source.name])
                    .inc_by(bytes.len() as u64);
                match parse_document(&bytes, &source.name, kind, Some(&source.url)) {
                    Ok(items) => {
                        let (mut new, mut unchanged) = (0u64, 0u64);
                        for item in items {
                            if !seen.is_fresh(&item) {
                                unchanged += 1;
                                continue;
                            }
                            new += 1;
                            tokio::select! {
                                _ = cancel.cancelled() => return,
                                r = tx.send(Flow::Item(item)) => if r.is_err() { return },
                            }
                        }
                        metrics
                            .fetch_items
                            .with_label_values(&[&source.name, "new"])
                            .inc_by(new);
                        metrics
                            .fetch_items
                            .with_label_values(&[&source.name, "unchanged"])
                            .inc_by(unchanged);
                        tracing::debug!(source = %source.name, new, unchanged, "polled feed");
                        "ok"
                    }
                    Err(e) => {
                        failures += 1;
                        tracing::warn!(source = %source.name, error = %e, "feed did not parse; dead-lettered");
                        metrics
                            .fetch_items
                            .with_label_values(&[&source.name, "dead_letter"])
                            .inc();
                        let dl = DeadLetter::new(
                            Stage::Fetch,
                            e.class(),
                            source.name.clone(),
                            e.to_string(),
                            bytes,
                        );
                        tokio::select! {
                            _ = cancel.cancelled() => return,
                            r = tx.send(Flow::Dead(dl)) => if r.is_err() { return },
                        }
                        e.outcome()
                    }
                }
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(source = %source.name, error = %e, failures, "feed request failed; will retry");
                e.outcome()
            }
        };
        metrics
            .fetch_requests
            .with_label_values(&[&source.name, outcome])
            .inc();
        if once {
            return;
        }
        let delay = backoff(source.interval, failures);
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

/// The wait before the next poll: the interval, doubled per consecutive failure up to an hour
/// (or the interval, if longer), with ±10% jitter so feeds that failed together spread out.
fn backoff(interval: Duration, failures: u32) -> Duration {
    let cap = interval.max(Duration::from_secs(3600));
    let base = interval.saturating_mul(1u32 << failures.min(16)).min(cap);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = (nanos % 2001) as f64 / 10_000.0 - 0.1; // in [-0.1, 0.1]
    base.mul_f64(1.0 + jitter)
}

enum Polled {
    NotModified,
    Body(Vec<u8>, DocumentKind),
}

async fn poll(
    source: &HttpSource,
    client: &reqwest::Client,
    cond: &mut Conditional,
) -> Result<Polled, FetchError> {
    let mut headers = HeaderMap::new();
    if let Some(v) = &cond.etag {
        headers.insert(IF_NONE_MATCH, v.clone());
    }
    if let Some(v) = &cond.last_modified {
        headers.insert(IF_MODIFIED_SINCE, v.clone());
    }
    let resp = client
        .get(&source.url)
        .headers(headers)
        .send()
        .await
        .map_err(classify)?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Polled::NotModified);
    }
    if !status.is_success() {
        return Err(FetchError::Status(status.as_u16()));
    }
    if let Some(len) = resp.content_length() {
        if len as usize > source.max_bytes {
            return Err(FetchError::TooLarge {
                size: len as usize,
                limit: source.max_bytes,
            });
        }
    }
    let kind = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(DocumentKind::from_content_type)
        .unwrap_or(DocumentKind::Sniff);
    let etag = resp.headers().get(ETAG).cloned();
    let last_modified = resp.headers().get(LAST_MODIFIED).cloned();
    // Stream with a running cap: Content-Length can lie or be absent, and the cap must hold
    // for the decompressed bytes too.
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(classify)?;
        if body.len() + chunk.len() > source.max_bytes {
            return Err(FetchError::TooLarge {
                size: body.len() + chunk.len(),
                limit: source.max_bytes,
            });
        }
        body.extend_from_slice(&chunk);
    }
    cond.etag = etag;
    cond.last_modified = last_modified;
    Ok(Polled::Body(body, kind))
}

fn classify(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        FetchError::Timeout(Duration::ZERO)
    } else {
        // Without the URL: it may carry credentials in its query.
        FetchError::Network(e.without_url().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let i = Duration::from_secs(60);
        let b0 = backoff(i, 0);
        assert!(
            b0 >= Duration::from_secs(53) && b0 <= Duration::from_secs(67),
            "{b0:?}"
        );
        let b3 = backoff(i, 3);
        assert!(
            b3 >= Duration::from_secs(430) && b3 <= Duration::from_secs(530),
            "{b3:?}"
        );
        let b30 = backoff(i, 30);
        assert!(b30 <= Duration::from_secs(3960), "{b30:?}");
    }
}
