//! `GET /metrics`: the service's metrics in the Prometheus text format, for the platform's
//! Prometheus and Grafana. Unauthenticated, like the probes.
//!
//! Nothing is kept in a metrics library: at each scrape the handler reads what the service
//! already keeps (the fleet view's snapshots, the alarm book, the actors' counters) and writes
//! it with [`MetricsWriter`]. The only state of its own is [`MetricsRegistry`]: the HTTP request
//! counts the [`count_requests`] middleware keeps, and the ledger that keeps fleet totals
//! monotonic. The middleware hands the registry to the handler through the request.
//!
//! ## Adding metrics
//! A part of the service with something to count writes it from its own module with a function
//! that takes `&mut MetricsWriter` (`counter`, `gauge`, `histogram`), and `write_scrape` calls
//! it: one line here. Keep series bounded: label by kind or state, never by well, user or path.
//!
//! ## Layout
//! - `writer`: the exposition format: headers, escaping, cumulative buckets.
//! - `fleet`: per-well counters and poll latencies summed into fleet totals; wells by state.
//! - `actors`: the recorder's queues, store lag and spool; supervisor and fleet-actor counters.
//! - `requests`: HTTP requests by method, route template and status; durations by route.

mod access;
mod actors;
mod fleet;
mod requests;
mod writer;

use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use wellvisor_actors::diagnostics::PriorityCounts;

pub use requests::{count_requests, RequestCounts, UNMATCHED};
pub use writer::{Buckets, MetricsWriter};

use super::state::AppState;
use actors::ActorParts;
use fleet::{CounterLedger, FleetTally};

/// The content type of the text exposition format, version 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What the metrics keep between scrapes. One per service, shared by both routers when the
/// probes listen apart; the request-count middleware holds it and lends it to the handler.
#[derive(Default)]
pub struct MetricsRegistry {
    /// HTTP requests since start.
    pub requests: RequestCounts,
    ledger: Mutex<CounterLedger>,
}

impl MetricsRegistry {
    /// A fresh registry, to share between the middleware and the handler.
    pub fn shared() -> Arc<Self> {
        Arc::new(Self::default())
    }
}

/// `GET /metrics`. Without the registry (a router built without the middleware) the HTTP
/// families are missing and fleet totals are not kept monotonic; everything else is there.
#[utoipa::path(get, path = "/metrics", tag = "probes",
    responses((status = 200, description = "the metrics, in the Prometheus text exposition format 0.0.4",
        content_type = "text/plain; version=0.0.4", body = String)))]
pub async fn metrics(State(state): State<AppState>, registry: Option<Extension<Arc<MetricsRegistry>>>) -> Response {
    let parts = ActorParts::ask(&state).await;
    let registry = registry.map(|Extension(registry)| registry);
    let text = write_scrape(&state, registry.as_deref(), &parts);
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()
}

/// Every family of one scrape. Synchronous on purpose: nothing here waits, so no lock is ever
/// held across an await.
fn write_scrape(state: &AppState, registry: Option<&MetricsRegistry>, parts: &ActorParts) -> String {
    let mut metrics = MetricsWriter::new();
    let tally = FleetTally::of(&state.fleet);
    match registry {
        Some(registry) => {
            tally.write(&mut metrics, &mut registry.ledger.lock().unwrap_or_else(PoisonError::into_inner))
        }
        None => tally.write(&mut metrics, &mut CounterLedger::default()),
    }
    write_alarms(&mut metrics, &state.alarms.annunciated_counts());
    parts.write(&mut metrics);
    access::write(&mut metrics, &state.security.auth.counters, state.fleet.subscribers());
    if let Some(registry) = registry {
        registry.requests.write(&mut metrics);
    }
    metrics.finish()
}

/// Annunciated alarms as the fleet overview counts them, all three priorities always present.
fn write_alarms(metrics: &mut MetricsWriter, counts: &PriorityCounts) {
    let help = "Alarms annunciated to the control room, by priority (the fleet overview's active_alarms).";
    for (priority, count) in [("high", counts.high), ("medium", counts.medium), ("low", counts.low)] {
        metrics.gauge("wellvisor_active_alarms", help, &[("priority", priority)], count as f64);
    }
}
