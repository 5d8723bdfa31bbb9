use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, LOCATION, RETRY_AFTER,
};
use reqwest::{StatusCode, Url};
use tokio_util::sync::CancellationToken;
use wirefeed_model::{DeadLetter, Flow, Stage};
use wirefeed_telemetry::Metrics;

use crate::document::{read_document, DocumentKind, FetchError};
use crate::hosts::{DocumentLimiter, HostLimiter};
use crate::seen::Seen;
use crate::state::{FeedState, FetchStates};
use crate::ItemSender;

/// At most this many redirects per request; more is a loop or a misconfiguration.
const MAX_REDIRECTS: usize = 5;

/// At most this many pages of a paged (ninjs) feed per poll, so a `next` loop ends.
const MAX_PAGES: usize = 10;

/// One HTTP feed to poll.
#[derive(Clone)]
pub struct HttpSource {
    /// Config name; the metric label and log field.
    pub name: Arc<str>,
    pub url: String,
    /// The first interval; it then adapts within `[min_interval, max_interval]`.
    pub interval: Duration,
    /// Cap on the decompressed body.
    pub max_bytes: usize,
    /// Lower bound of the adaptive interval (default: `interval`, i.e. fixed).
    pub min_interval: Option<Duration>,
    /// Upper bound of the adaptive interval (default: `interval`, i.e. fixed).
    pub max_interval: Option<Duration>,
    /// Extra request headers (API keys, `Authorization`). Values are never logged, and are
    /// not sent on after a redirect to another host.
    pub headers: Vec<(String, String)>,
    /// Credentials sent as `Authorization`, like `headers`: marked sensitive, never logged,
    /// and dropped on a redirect to another host.
    pub auth: Option<Auth>,
    /// Validators and redirected URLs, persisted if opened on a state dir; shared by all
    /// sources.
    pub state: FetchStates,
    /// Per-host concurrency and spacing, shared by all sources.
    pub hosts: HostLimiter,
    /// Documents in hand, shared by all sources.
    pub documents: DocumentLimiter,
}

impl HttpSource {
    /// A source with defaults: fixed interval, 20 MiB cap, no headers, memory-only state.
    pub fn new(name: &str, url: &str) -> HttpSource {
        HttpSource {
            name: Arc::from(name),
            url: url.to_string(),
            interval: crate::DEFAULT_INTERVAL,
            max_bytes: crate::DEFAULT_MAX_BYTES,
            min_interval: None,
            max_interval: None,
            headers: Vec::new(),
            auth: None,
            state: FetchStates::default(),
            hosts: HostLimiter::default(),
            documents: DocumentLimiter::default(),
        }
    }

    fn bounds(&self) -> (Duration, Duration) {
        let min = self.min_interval.unwrap_or(self.interval);
        let max = self.max_interval.unwrap_or(self.interval).max(min);
        (min, max)
    }
}

/// Header values are secrets: Debug shows names only.
impl std::fmt::Debug for HttpSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("HttpSource")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("interval", &self.interval)
            .field("max_bytes", &self.max_bytes)
            .field("min_interval", &self.min_interval)
            .field("max_interval", &self.max_interval)
            .field("headers", &names)
            .field("auth", &self.auth)
            .field("state", &self.state)
            .finish()
    }
}

/// Per-source HTTP credentials.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// HTTP Basic (RFC 7617).
    Basic { username: String, password: String },
    /// `Authorization: Bearer <token>` (RFC 6750).
    Bearer(String),
}

impl Auth {
    /// The `Authorization` header value.
    pub fn header_value(&self) -> String {
        use base64::Engine;
        match self {
            Auth::Basic { username, password } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            ),
            Auth::Bearer(token) => format!("Bearer {token}"),
        }
    }
}

/// Secrets are redacted: the user name is shown, the password and token never are.
impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Auth::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// The shared client: one connection pool for all feeds, with timeouts on every request.
/// Redirects are followed by [`run_http`] itself, to see permanent ones and to drop secret
/// headers across hosts. Standard proxy variables (`HTTPS_PROXY`, `NO_PROXY`, …) apply.
pub fn build_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!(
            "wirefeed/",
            env!("CARGO_PKG_VERSION"),
            " (+news feed ingester)"
        ))
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Validators from the last 200 response, sent back so an unchanged feed costs a 304.
#[derive(Default, Clone, PartialEq)]
struct Conditional {
    etag: Option<String>,
    last_modified: Option<String>,
}

/// Polls `source` until `cancel` fires (or once, when `once` is set), sending new and changed
/// entries on `tx`. Never gives up on a feed: failures back off up to an hour (or the
/// server's `Retry-After`), then it tries again.
pub async fn run_http(
    source: HttpSource,
    client: reqwest::Client,
    tx: ItemSender,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
    once: bool,
) {
    let name = source.name.clone();
    let gauge = |g: &prometheus::IntGaugeVec, v: i64| g.with_label_values(&[&name]).set(v);
    let stored = match source.state.load(&name, &source.url) {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => {
            tracing::warn!(source = %name, error = %e, "cannot read fetch state; starting fresh");
            FeedState::default()
        }
    };
    let mut url = stored.url.clone().unwrap_or_else(|| source.url.clone());
    let mut cond = Conditional {
        etag: stored.etag.clone(),
        last_modified: stored.last_modified.clone(),
    };
    let mut saved = stored;
    let headers = header_map(&source);
    let (min, max) = source.bounds();
    let mut interval = source.interval.clamp(min, max);
    let mut seen = Seen::default();
    let mut failures: u32 = 0;
    loop {
        let host = Url::parse(&url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        // Backpressure reaches the fetchers before they fetch: while the pipeline is full,
        // no source downloads another document to hold.
        tokio::select! {
            _ = cancel.cancelled() => return,
            r = tx.reserve() => if r.is_err() { return },
        }
        let permit = tokio::select! {
            _ = cancel.cancelled() => return,
            p = source.hosts.acquire(&host) => p,
        };
        // Held from the request until every item of the document is downstream. Taken after
        // the host's turn, so feeds queued behind a busy host never hold one idle.
        let in_hand = tokio::select! {
            _ = cancel.cancelled() => return,
            p = source.documents.acquire() => p,
        };
        let started = Instant::now();
        // Validators one poll late: these are the ones we send now, from a response whose
        // items went down the pipeline at least one interval ago.
        let persistable = cond.clone();
        let result = poll(&source, &url, &headers, &client, &mut cond).await;
        drop(permit);
        metrics
            .fetch_duration
            .with_label_values(&[&name])
            .observe(started.elapsed().as_secs_f64());
        let mut retry_after = None;
        let outcome = match result {
            Ok(Polled::NotModified { max_age }) => {
                failures = 0;
                interval = adapt(interval, min, max, 0, max_age);
                "not_modified"
            }
            Ok(Polled::Body(body)) => {
                metrics
                    .fetch_bytes
                    .with_label_values(&[&name])
                    .inc_by(body.bytes.len() as u64);
                if let Some(to) = body.moved_to {
                    tracing::info!(source = %name, "feed moved permanently; polling its new URL from now on");
                    url = to;
                }
                match read_document(
                    &body.bytes,
                    &name,
                    body.kind,
                    body.content_type.as_deref(),
                    Some(&url),
                ) {
                    Ok(doc) => {
                        failures = 0;
                        for w in &doc.warnings {
                            tracing::warn!(source = %name, format = ?doc.format, warning = %w, "feed parsed with warnings");
                        }
                        for v in &doc.validation {
                            tracing::debug!(source = %name, format = ?doc.format, violation = %v, "feed breaks its spec");
                        }
                        let (mut new, mut unchanged) = (0u64, 0u64);
                        let hint = [doc.hints.ttl, doc.hints.update_period, body.max_age]
                            .into_iter()
                            .flatten()
                            .max();
                        let mut entries = doc.entries;
                        let mut next_page = doc.hints.next_page;
                        let mut pages = 1;
                        loop {
                            for e in entries.drain(..) {
                                if !seen.is_fresh(&e.item) {
                                    unchanged += 1;
                                    continue;
                                }
                                new += 1;
                                let mut item = e.item;
                                item.origin = Some(url.clone());
                                tokio::select! {
                                    _ = cancel.cancelled() => return,
                                    r = tx.send(Flow::Item(item)) => if r.is_err() { return },
                                }
                            }
                            // ninjs pages: follow `next` a bounded number of times per poll.
                            let Some(link) = next_page.take() else { break };
                            if pages >= MAX_PAGES {
                                tracing::info!(source = %name, pages, "page limit reached; the rest waits for the next poll");
                                break;
                            }
                            pages += 1;
                            let Some(page) = Url::parse(&url).ok().and_then(|u| u.join(&link).ok())
                            else {
                                break;
                            };
                            let permit = tokio::select! {
                                _ = cancel.cancelled() => return,
                                p = source.hosts.acquire(page.host_str().unwrap_or_default()) => p,
                            };
                            let result =
                                fetch_page(&source, page.as_str(), &headers, &client).await;
                            drop(permit);
                            match result {
                                Ok(d) => {
                                    metrics
                                        .fetch_requests
                                        .with_label_values(&[&name, "ok"])
                                        .inc();
                                    entries = d.entries;
                                    next_page = d.hints.next_page;
                                }
                                Err(e) => {
                                    metrics
                                        .fetch_requests
                                        .with_label_values(&[&name, e.outcome()])
                                        .inc();
                                    tracing::warn!(source = %name, error = %e, outcome = e.outcome(), "next page failed; the rest waits for the next poll");
                                    break;
                                }
                            }
                        }
                        // What this document no longer lists is forgotten: memory follows the
                        // feed's length, not the run's.
                        seen.end_poll();
                        metrics
                            .fetch_items
                            .with_label_values(&[&name, "new"])
                            .inc_by(new);
                        metrics
                            .fetch_items
                            .with_label_values(&[&name, "unchanged"])
                            .inc_by(unchanged);
                        tracing::debug!(source = %name, new, unchanged, "polled feed");
                        interval = adapt(interval, min, max, new, hint);
                        "ok"
                    }
                    Err(e) => {
                        failures += 1;
                        // A broken document must be fetched again, not answered with 304.
                        cond = Conditional::default();
                        tracing::warn!(source = %name, error = %e, outcome = e.outcome(), "feed did not parse; dead-lettered, will retry");
                        metrics
                            .fetch_items
                            .with_label_values(&[&name, "dead_letter"])
                            .inc();
                        let dl = DeadLetter::new(
                            Stage::Fetch,
                            e.class(),
                            name.clone(),
                            e.to_string(),
                            body.bytes,
                        )
                        .with_origin(url.clone());
                        tokio::select! {
                            _ = cancel.cancelled() => return,
                            r = tx.send(Flow::Dead(dl)) => if r.is_err() { return },
                        }
                        e.outcome()
                    }
                }
            }
            Err((e, after)) => {
                failures += 1;
                retry_after = after;
                tracing::warn!(source = %name, error = %e, outcome = e.outcome(), failures, "feed request failed; will retry");
                e.outcome()
            }
        };
        // Not across the wait for the next poll.
        drop(in_hand);
        metrics
            .fetch_requests
            .with_label_values(&[&name, outcome])
            .inc();
        gauge(&metrics.fetch_consecutive_failures, i64::from(failures));
        if failures == 0 {
            gauge(&metrics.fetch_last_success, chrono::Utc::now().timestamp());
            let next = FeedState {
                configured: source.url.clone(),
                url: (url != source.url).then(|| url.clone()),
                etag: persistable.etag,
                last_modified: persistable.last_modified,
            };
            if next != saved {
                source.state.save(&name, next.clone());
                saved = next;
            }
        }
        if once {
            return;
        }
        let delay = if failures == 0 {
            jitter(interval, 0.1)
        } else {
            let cap = max.max(Duration::from_secs(3600));
            backoff(interval, failures).max(retry_after.unwrap_or_default().min(cap))
        };
        gauge(&metrics.fetch_interval, delay.as_secs() as i64);
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

/// Fetches and parses `url` once, unconditionally (for `wirefeed parse`); follows redirects
/// and applies the size cap like a poll.
pub async fn fetch_document(
    client: &reqwest::Client,
    url: &str,
    max_bytes: usize,
) -> Result<crate::Document, FetchError> {
    let mut source = HttpSource::new("parse", url);
    source.max_bytes = max_bytes;
    let mut cond = Conditional::default();
    match poll(&source, url, &HeaderMap::new(), client, &mut cond).await {
        Ok(Polled::Body(b)) => read_document(
            &b.bytes,
            &source.name,
            b.kind,
            b.content_type.as_deref(),
            Some(url),
        ),
        Ok(Polled::NotModified { .. }) => Err(FetchError::Status(304)),
        Err((e, _)) => Err(e),
    }
}

/// One further page of a paged feed, with the source's headers, unconditionally.
async fn fetch_page(
    source: &HttpSource,
    url: &str,
    headers: &HeaderMap,
    client: &reqwest::Client,
) -> Result<crate::Document, FetchError> {
    match poll(source, url, headers, client, &mut Conditional::default()).await {
        Ok(Polled::Body(b)) => read_document(
            &b.bytes,
            &source.name,
            b.kind,
            b.content_type.as_deref(),
            Some(url),
        ),
        Ok(Polled::NotModified { .. }) => Err(FetchError::Status(304)),
        Err((e, _)) => Err(e),
    }
}

/// The next interval from what the last poll saw: halve it when there was something new,
/// grow it by half when not; never below what the publisher asked for (`ttl`,
/// `sy:updatePeriod`, `Cache-Control: max-age`); always within `[min, max]`.
fn adapt(
    current: Duration,
    min: Duration,
    max: Duration,
    new_items: u64,
    publisher_hint: Option<Duration>,
) -> Duration {
    let observed = if new_items > 0 {
        current / 2
    } else {
        current.mul_f64(1.5)
    };
    observed
        .max(publisher_hint.unwrap_or_default())
        .clamp(min, max)
}

/// `d` scaled by a random factor in `[1 - spread, 1 + spread]`, so feeds that were due
/// together drift apart. The clock's nanoseconds are random enough for spreading polls and
/// spare a `rand` dependency.
pub(crate) fn jitter(d: Duration, spread: f64) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let unit = f64::from(nanos % 10_001) / 10_000.0; // in [0, 1]
    d.mul_f64(1.0 + spread * (2.0 * unit - 1.0))
}

/// The wait before the next poll after `failures` failures: the interval, doubled per
/// consecutive failure up to an hour (or the interval, if longer), with ±10% jitter so feeds
/// that failed together spread out. Capped, so a feed is never parked forever.
fn backoff(interval: Duration, failures: u32) -> Duration {
    let cap = interval.max(Duration::from_secs(3600));
    let base = interval.saturating_mul(1u32 << failures.min(16)).min(cap);
    jitter(base, 0.1)
}

/// The configured headers, once; invalid ones are skipped with a log line naming the header
/// (never its value).
fn header_map(source: &HttpSource) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in &source.headers {
        match (
            HeaderName::try_from(k.as_str()),
            HeaderValue::try_from(v.as_str()),
        ) {
            (Ok(name), Ok(mut value)) => {
                value.set_sensitive(true);
                map.insert(name, value);
            }
            _ => {
                tracing::error!(source = %source.name, header = %k, "invalid header name or value; not sent")
            }
        }
    }
    if let Some(auth) = &source.auth {
        match HeaderValue::try_from(auth.header_value()) {
            Ok(mut value) => {
                value.set_sensitive(true);
                map.insert(reqwest::header::AUTHORIZATION, value);
            }
            Err(_) => {
                tracing::error!(source = %source.name, "credentials are not a valid header value; not sent")
            }
        }
    }
    map
}

struct Body {
    bytes: Vec<u8>,
    kind: DocumentKind,
    content_type: Option<String>,
    max_age: Option<Duration>,
    /// Set when every redirect on the way was permanent (301/308).
    moved_to: Option<String>,
}

enum Polled {
    NotModified { max_age: Option<Duration> },
    Body(Body),
}

/// One conditional GET, following up to [`MAX_REDIRECTS`] redirects by hand. An error may
/// carry the server's `Retry-After`.
async fn poll(
    source: &HttpSource,
    url: &str,
    extra: &HeaderMap,
    client: &reqwest::Client,
    cond: &mut Conditional,
) -> Result<Polled, (FetchError, Option<Duration>)> {
    let no_retry = |e| (e, None);
    let mut target =
        Url::parse(url).map_err(|e| no_retry(FetchError::Network(format!("bad URL: {e}"))))?;
    let origin = target.host_str().map(str::to_string);
    let mut permanent = true;
    let mut hops = 0;
    let resp = loop {
        let mut headers = HeaderMap::new();
        if target.host_str().map(str::to_string) == origin {
            headers.extend(extra.clone());
        }
        if let Some(v) = cond
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(IF_NONE_MATCH, v);
        }
        if let Some(v) = cond
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(IF_MODIFIED_SINCE, v);
        }
        let resp = client
            .get(target.clone())
            .headers(headers)
            .send()
            .await
            .map_err(|e| no_retry(classify(e)))?;
        let status = resp.status();
        if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
            break resp;
        }
        hops += 1;
        let next = resp
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| target.join(l).ok());
        match next {
            Some(n) if hops <= MAX_REDIRECTS && matches!(n.scheme(), "http" | "https") => {
                permanent &= matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                target = n;
            }
            _ => return Err(no_retry(FetchError::Redirects)),
        }
    };
    let status = resp.status();
    let max_age = resp
        .headers()
        .get(CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .and_then(max_age_of);
    if status == StatusCode::NOT_MODIFIED {
        return Ok(Polled::NotModified { max_age });
    }
    if !status.is_success() {
        let after = matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        )
        .then(|| {
            resp.headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(retry_after_of)
        })
        .flatten();
        return Err((FetchError::Status(status.as_u16()), after));
    }
    if let Some(len) = resp.content_length() {
        if len as usize > source.max_bytes {
            return Err(no_retry(FetchError::TooLarge {
                size: len as usize,
                limit: source.max_bytes,
            }));
        }
    }
    let content_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let kind = content_type
        .as_deref()
        .map(DocumentKind::from_content_type)
        .unwrap_or(DocumentKind::Sniff);
    let header = |h| {
        resp.headers()
            .get(h)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let etag = header(ETAG);
    let last_modified = header(LAST_MODIFIED);
    // Stream with a running cap: Content-Length can lie or be absent, and the cap must hold
    // for the decompressed bytes too (reqwest decompresses inside the stream).
    let mut bytes = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| no_retry(classify(e)))?;
        if bytes.len() + chunk.len() > source.max_bytes {
            return Err(no_retry(FetchError::TooLarge {
                size: bytes.len() + chunk.len(),
                limit: source.max_bytes,
            }));
        }
        bytes.extend_from_slice(&chunk);
    }
    cond.etag = etag;
    cond.last_modified = last_modified;
    Ok(Polled::Body(Body {
        bytes,
        kind,
        content_type,
        max_age,
        moved_to: (hops > 0 && permanent).then(|| target.to_string()),
    }))
}

/// `max-age=N` of a Cache-Control value (`no-cache`/`no-store` give no hint).
fn max_age_of(v: &str) -> Option<Duration> {
    v.split(',').find_map(|d| {
        let (k, n) = d.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case("max-age").then(|| {
            n.trim()
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs)
        })?
    })
}

/// `Retry-After`: delay-seconds or an HTTP date.
fn retry_after_of(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v.trim()).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
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

    #[test]
    fn interval_adapts_within_bounds_and_respects_publisher_hints() {
        let (min, max) = (Duration::from_secs(60), Duration::from_secs(3600));
        let m = |s| Duration::from_secs(s);
        assert_eq!(adapt(m(600), min, max, 3, None), m(300));
        assert_eq!(adapt(m(600), min, max, 0, None), m(900));
        assert_eq!(adapt(m(100), min, max, 5, None), min);
        assert_eq!(adapt(m(3000), min, max, 0, None), max);
        // ttl 30 min: never poll faster even with new items.
        assert_eq!(adapt(m(600), min, max, 9, Some(m(1800))), m(1800));
        // Fixed interval when min == max.
        assert_eq!(adapt(m(300), m(300), m(300), 9, Some(m(9000))), m(300));
    }

    #[test]
    fn cache_control_and_retry_after_are_read() {
        assert_eq!(
            max_age_of("public, max-age=600"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(max_age_of("no-cache"), None);
        assert_eq!(retry_after_of("120"), Some(Duration::from_secs(120)));
        let soon = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(90));
        let d = retry_after_of(&soon).unwrap();
        assert!(
            d > Duration::from_secs(80) && d <= Duration::from_secs(90),
            "{d:?}"
        );
        assert_eq!(retry_after_of("soon"), None);
    }

    #[test]
    fn header_values_never_appear_in_debug_output() {
        let mut s = HttpSource::new("n", "http://x/");
        s.headers.push(("X-Api-Key".into(), "s3cret".into()));
        s.auth = Some(Auth::Basic {
            username: "wire".into(),
            password: "pa55word".into(),
        });
        let dbg = format!("{s:?}");
        assert!(
            dbg.contains("X-Api-Key") && !dbg.contains("s3cret"),
            "{dbg}"
        );
        assert!(dbg.contains("wire") && !dbg.contains("pa55word"), "{dbg}");
        let bearer = format!("{:?}", Auth::Bearer("t0ken".into()));
        assert!(!bearer.contains("t0ken"), "{bearer}");
        assert_eq!(
            Auth::Basic {
                username: "Aladdin".into(),
                password: "open sesame".into()
            }
            .header_value(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }
}
