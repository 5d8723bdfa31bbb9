//! Telemetry shared by every stage: the one place that names metrics, and the HTTP endpoints
//! operators and orchestrators poll.
//!
//! Read [`Metrics`] first: every metric wirefeed exports is a field there, so names, units and
//! label sets are defined once. Labels only ever take values from config (source names), the
//! taxonomy (topic ids) or closed enums (outcomes, stages) — never URLs, story ids or error
//! strings, which would make the series count unbounded. [`Health`] holds the readiness flags
//! and [`serve`] exposes both over HTTP.
//!
//! Not for: logging setup (the binary owns that) or deciding what is healthy (stages report it).

mod health;
mod metrics;
mod server;

pub use health::Health;
pub use metrics::{Metrics, Queue};
/// The kind of a gathered metric family, for callers that inspect `Metrics::registry`.
pub use prometheus::proto::MetricType;
pub use server::{serve, serve_endpoints, serve_with_admin, Endpoints, ServeError};
