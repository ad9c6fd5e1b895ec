//! The three probes an orchestrator polls. `live` says the process serves; `ready` says it can
//! do useful work now (tree up, store reachable, not shutting down); `startup` says the initial
//! fleet has been spawned. A failing probe answers 503 with the usual error object plus the
//! checks, so whoever reads it sees which one failed. Readiness also shows the historian's
//! backlog (how far behind the store is, what is held in memory and spooled on disk), so an
//! outage names what it has cost so far.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use wellvisor_actors::recorder::{RecorderMsg, RecorderSnapshot};

use super::ask::{ask, within};
use super::openapi::ProbeAnswer;
use super::state::AppState;

/// `GET /health/live`: 200 for as long as the process answers at all.
#[utoipa::path(get, path = "/health/live", tag = "probes", security(()),
    responses((status = 200, description = "the process serves: `{\"status\": \"live\"}`", body = ProbeAnswer)))]
pub async fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "live" }))
}

/// What readiness looked at.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReadyChecks {
    supervision_tree: &'static str,
    store: &'static str,
    shutdown: &'static str,
    /// The recorder's backlog; absent when the recorder did not answer in time.
    historian: Option<HistorianCheck>,
}

/// How far behind the store the recorder is, and what it holds meanwhile (both kinds).
#[derive(Serialize, ToSchema)]
pub(crate) struct HistorianCheck {
    store_available: bool,
    lag_secs: u64,
    memory_buffered: usize,
    spooled_samples: u64,
    spooled_records: u64,
    spooled_bytes: u64,
    spool_max_bytes: u64,
    spool_dropped: u64,
}

impl From<&RecorderSnapshot> for HistorianCheck {
    fn from(recorder: &RecorderSnapshot) -> Self {
        Self {
            store_available: recorder.store_available,
            lag_secs: recorder.lag_secs,
            memory_buffered: recorder.memory_buffered + recorder.records_memory_buffered,
            spooled_samples: recorder.spooled_samples,
            spooled_records: recorder.records_spooled,
            spooled_bytes: recorder.spooled_sample_bytes + recorder.records_spooled_bytes,
            spool_max_bytes: recorder.spool_max_bytes,
            spool_dropped: recorder.spool_dropped + recorder.records_spool_dropped,
        }
    }
}

impl HistorianCheck {
    /// What the outage has cost so far, for the failure message.
    fn backlog(&self) -> String {
        format!(
            "the historian is {} s behind, {} samples and {} records ({} bytes) spooled",
            self.lag_secs, self.spooled_samples, self.spooled_records, self.spooled_bytes
        )
    }
}

/// `GET /health/ready`.
#[utoipa::path(get, path = "/health/ready", tag = "probes", security(()),
    responses(
        (status = 200, description = "ready: `status` is `ready`, with the checks", body = ProbeAnswer),
        (status = 503, description = "not ready: `status` is `not_ready`, with the checks and an `error` naming what failed", body = ProbeAnswer),
    ))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let health = &state.health;
    let (store, recorder) = tokio::join!(
        within(state.call_timeout, "the store ping", state.store.ping()),
        ask(&state.recorder, "the recorder", state.call_timeout, RecorderMsg::Snapshot),
    );
    let historian = recorder.ok().as_ref().map(HistorianCheck::from);
    let writing = historian.as_ref().is_none_or(|h| h.store_available);
    let checks = ReadyChecks {
        supervision_tree: if health.tree_up() { "up" } else { "down" },
        store: if store.is_ok() && writing { "up" } else { "down" },
        shutdown: if health.shutting_down() { "in_progress" } else { "not_started" },
        historian,
    };
    let mut failed = Vec::new();
    if !health.tree_up() {
        failed.push("the supervision tree is not running".to_owned());
    }
    let backlog = checks.historian.as_ref().map(HistorianCheck::backlog);
    match (store, backlog) {
        (Err(error), Some(backlog)) => failed.push(format!("{error}: {backlog}")),
        (Err(error), None) => failed.push(error.to_string()),
        (Ok(()), Some(backlog)) if !writing => {
            failed.push(format!("the recorder cannot write to the store: {backlog}"))
        }
        (Ok(()), _) => {}
    }
    if health.shutting_down() {
        failed.push("the service is shutting down".to_owned());
    }
    if failed.is_empty() {
        return Json(json!({ "status": "ready", "checks": checks })).into_response();
    }
    let error = json!({ "code": "not_ready", "message": failed.join("; ") });
    (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "not_ready", "checks": checks, "error": error })))
        .into_response()
}

/// `GET /health/startup`.
#[utoipa::path(get, path = "/health/startup", tag = "probes", security(()),
    responses(
        (status = 200, description = "the initial fleet is spawned: `status` is `started`", body = ProbeAnswer),
        (status = 503, description = "still starting: `status` is `starting`, with an `error`", body = ProbeAnswer),
    ))]
pub async fn startup(State(state): State<AppState>) -> Response {
    if state.health.startup_complete() {
        return Json(json!({ "status": "started" })).into_response();
    }
    let error = json!({ "code": "starting", "message": "the initial fleet is still being spawned" });
    (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "starting", "error": error }))).into_response()
}
