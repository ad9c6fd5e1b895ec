//! The three probes an orchestrator polls. `live` says the process serves; `ready` says it can
//! do useful work now (tree up, store reachable, not shutting down); `startup` says the initial
//! fleet has been spawned. A failing probe answers 503 with the usual error object plus the
//! checks, so whoever reads it sees which one failed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;

use super::ask::within;
use super::state::AppState;

/// `GET /health/live`: 200 for as long as the process answers at all.
pub async fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "live" }))
}

/// What readiness looked at.
#[derive(Serialize)]
struct ReadyChecks {
    supervision_tree: &'static str,
    store: &'static str,
    shutdown: &'static str,
}

/// `GET /health/ready`.
pub async fn ready(State(state): State<AppState>) -> Response {
    let health = &state.health;
    let store = within(state.call_timeout, "the store ping", state.store.ping()).await;
    let checks = ReadyChecks {
        supervision_tree: if health.tree_up() { "up" } else { "down" },
        store: if store.is_ok() { "up" } else { "down" },
        shutdown: if health.shutting_down() { "in_progress" } else { "not_started" },
    };
    let mut failed = Vec::new();
    if !health.tree_up() {
        failed.push("the supervision tree is not running".to_owned());
    }
    if let Err(error) = store {
        failed.push(error.to_string());
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
pub async fn startup(State(state): State<AppState>) -> Response {
    if state.health.startup_complete() {
        return Json(json!({ "status": "started" })).into_response();
    }
    let error = json!({ "code": "starting", "message": "the initial fleet is still being spawned" });
    (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "starting", "error": error }))).into_response()
}
