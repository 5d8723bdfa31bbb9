use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;

use crate::{Health, Metrics};

#[derive(Debug)]
pub struct ServeError(pub String);

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ServeError {}

#[derive(Clone)]
struct AppState {
    metrics: Arc<Metrics>,
    health: Arc<Health>,
}

/// Which endpoints one listener serves. With a separate admin address, the probes can live on
/// a port that only the orchestrator reaches while Prometheus scrapes the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoints {
    /// `/metrics`, `/healthz` and `/readyz`.
    All,
    /// `/metrics` only.
    Metrics,
    /// `/healthz` and `/readyz` only.
    Probes,
}

/// Binds `addr` and serves `/metrics`, `/healthz` and `/readyz` until `shutdown` fires.
///
/// Returns the bound address (so `127.0.0.1:0` works in tests) and the server task.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    shutdown: CancellationToken,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), ServeError> {
    serve_endpoints(addr, Endpoints::All, metrics, health, shutdown).await
}

/// [`serve`] on `listen`, or, with an `admin` address, `/metrics` on `listen` and the probes
/// on `admin`. Returns the address of `listen` and one task that ends when both servers have.
pub async fn serve_with_admin(
    listen: SocketAddr,
    admin: Option<SocketAddr>,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    shutdown: CancellationToken,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), ServeError> {
    let Some(admin) = admin else {
        return serve(listen, metrics, health, shutdown).await;
    };
    let (addr, main) = serve_endpoints(
        listen,
        Endpoints::Metrics,
        metrics.clone(),
        health.clone(),
        shutdown.clone(),
    )
    .await?;
    let (admin_addr, probes) =
        serve_endpoints(admin, Endpoints::Probes, metrics, health, shutdown).await?;
    tracing::info!(%admin_addr, "serving /healthz, /readyz on the admin address");
    let both = tokio::spawn(async move {
        let _ = main.await;
        let _ = probes.await;
    });
    Ok((addr, both))
}

/// [`serve`] restricted to some [`Endpoints`]; other paths answer 404.
pub async fn serve_endpoints(
    addr: SocketAddr,
    endpoints: Endpoints,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    shutdown: CancellationToken,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), ServeError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| ServeError(format!("cannot listen on {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| ServeError(e.to_string()))?;
    let mut app = Router::new();
    if endpoints != Endpoints::Probes {
        app = app.route("/metrics", get(metrics_handler));
    }
    if endpoints != Endpoints::Metrics {
        app = app
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/readyz", get(ready_handler));
    }
    let app = app.with_state(AppState { metrics, health });
    let task = tokio::spawn(async move {
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "telemetry server failed");
        }
    });
    Ok((bound, task))
}

async fn metrics_handler(State(s): State<AppState>) -> impl IntoResponse {
    // Health is state, not events: sample it into its gauges at scrape time.
    s.metrics.ready.set(i64::from(s.health.readiness().is_ok()));
    s.metrics
        .backpressure_seconds
        .set(s.health.backpressure_secs() as f64);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.render(),
    )
}

async fn ready_handler(State(s): State<AppState>) -> impl IntoResponse {
    match s.health.readiness() {
        Ok(()) => (StatusCode::OK, "ready\n".to_string()),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("{why}\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn status(addr: SocketAddr, path: &str) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        conn.write_all(req.as_bytes()).await.unwrap();
        let mut buf = String::new();
        conn.read_to_string(&mut buf).await.unwrap();
        let code = buf[9..12].parse().unwrap();
        (code, buf)
    }

    #[tokio::test]
    async fn admin_split_serves_probes_and_metrics_on_separate_listeners() {
        let metrics = Arc::new(Metrics::new().unwrap());
        let health = Arc::new(Health::new(60));
        let stop = CancellationToken::new();
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let (m, _) = serve_endpoints(
            any,
            Endpoints::Metrics,
            metrics.clone(),
            health.clone(),
            stop.clone(),
        )
        .await
        .unwrap();
        let (p, _) = serve_endpoints(
            any,
            Endpoints::Probes,
            metrics,
            health.clone(),
            stop.clone(),
        )
        .await
        .unwrap();
        assert_eq!(status(m, "/readyz").await.0, 404);
        assert_eq!(status(p, "/metrics").await.0, 404);
        assert_eq!(status(p, "/healthz").await.0, 200);
        let (code, body) = status(p, "/readyz").await;
        assert_eq!(code, 503);
        assert!(body.contains("sources not loaded"), "{body}");
        let (_, body) = status(m, "/metrics").await;
        assert!(body.contains("\nwirefeed_ready 0\n"), "{body}");
        health.set_sources_loaded(true);
        health.set_sink_connected(true);
        assert_eq!(status(p, "/readyz").await.0, 200);
        let (_, body) = status(m, "/metrics").await;
        assert!(body.contains("\nwirefeed_ready 1\n"), "{body}");
        assert!(
            body.contains("\nwirefeed_backpressure_seconds 0\n"),
            "{body}"
        );
        stop.cancel();
    }
}
