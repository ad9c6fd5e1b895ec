//! The axum facade (architecture §5): probes, the fleet overview, wells with their telemetry
//! and diagnostic history, alarms with the operator's actions on them, and the audit trail.
//!
//! `app` builds an [`AppState`] and serves [`router`] with
//! `into_make_service_with_connect_info::<SocketAddr>()`. Handlers are thin: they read the
//! fleet view, the alarm book or the store, or ask an actor (always with a deadline); they hold
//! no business rules and never touch Modbus. Every operator action is audited. Every error is
//! [`ApiError`]'s JSON object; malformed input is a 4xx, never a 500, and a part of the service
//! that does not answer is a 503.
//!
//! ## Layout
//! - [`state`]: `AppState`, the probe flags (`Health`) and `HttpLimits`.
//! - [`error`]: `ApiError` and its JSON rendering.
//! - [`extract`]: extractors that reject with `ApiError` (JSON body, query, well and alarm ids,
//!   client), and the readers of single query values.
//! - [`layers`]: the request span, the JSON net for tower-layer errors, the 404/405 fallbacks.
//! - `health`, `fleet`, `wells`, `operations`, `telemetry`, `diagnostics`, `alarms`,
//!   `alarm_actions`, `audit`: the handlers, by resource (`audit` also records actions).
//! - `views`: the JSON shapes of wells; `range`: the `from`/`to`/`limit` of history reads;
//!   `resolution`: raw or roll-up telemetry, and how `auto` chooses;
//!   `ask`: deadlines on actor and store calls.

mod alarm_actions;
mod alarms;
mod ask;
mod audit;
mod diagnostics;
pub mod error;
pub mod extract;
mod fleet;
mod health;
pub mod layers;
mod operations;
mod range;
mod resolution;
pub mod state;
mod telemetry;
mod views;
mod wells;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{middleware, Router};
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use state::{AppState, Health, HttpLimits};
pub use views::{WellDetail, WellList, WellSummary};

/// Every route of API v1, and the middleware they all run behind (outermost first): request
/// id (kept from the client or made up, and echoed), tracing, the JSON error net, the body limit
/// (413) and the request timeout (503).
pub fn router(state: AppState, limits: HttpLimits) -> Router {
    let routes = Router::new()
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/health/startup", get(health::startup))
        .route("/api/v1/fleet", get(fleet::fleet_overview))
        .route("/api/v1/wells", get(wells::list_wells).post(operations::add_well))
        .route("/api/v1/wells/{id}", get(wells::well_detail).delete(operations::remove_well))
        .route("/api/v1/wells/{id}/restart", post(operations::restart_well))
        .route("/api/v1/wells/{id}/telemetry", get(telemetry::well_telemetry))
        .route("/api/v1/wells/{id}/diagnostics", get(diagnostics::well_diagnostics))
        .merge(alarm_routes())
        .route("/api/v1/audit", get(audit::audit_trail))
        .fallback(layers::no_route)
        .method_not_allowed_fallback(layers::method_not_allowed);
    let stack = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(layers::RequestSpan))
        .layer(middleware::from_fn(layers::json_errors))
        .layer(RequestBodyLimitLayer::new(limits.body_limit))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, limits.request_timeout))
        // The body limit above is the configured one; axum's own 2 MB default would undercut it.
        .layer(DefaultBodyLimit::disable());
    routes.layer(stack).with_state(state)
}

/// The alarm list, one alarm, the KPIs (a fixed path, so it wins over `{id}`; alarm ids always
/// hold a `:`) and the operator's actions.
fn alarm_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/alarms", get(alarms::list_alarms))
        .route("/api/v1/alarms/kpis", get(alarms::alarm_kpis))
        .route("/api/v1/alarms/{id}", get(alarms::alarm))
        .route("/api/v1/alarms/{id}/ack", post(alarm_actions::acknowledge))
        .route("/api/v1/alarms/{id}/reset", post(alarm_actions::reset))
        .route("/api/v1/alarms/{id}/shelve", post(alarm_actions::shelve))
        .route("/api/v1/alarms/{id}/unshelve", post(alarm_actions::unshelve))
        .route("/api/v1/alarms/{id}/out_of_service", post(alarm_actions::remove_from_service))
        .route("/api/v1/alarms/{id}/return_to_service", post(alarm_actions::return_to_service))
}
