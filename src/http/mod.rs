//! The axum facade (architecture §5): probes and metrics, the fleet overview, wells with their
//! telemetry and diagnostic history, alarms with the operator's actions on them, live events,
//! users and keys, and the audit trail.
//!
//! `app` builds an [`AppState`] and serves [`router`] with
//! `into_make_service_with_connect_info::<SocketAddr>()`. Handlers are thin: they read the
//! fleet view, the alarm book or the store, or ask an actor (always with a deadline); they hold
//! no business rules and never touch Modbus. Every request but the probes, metrics, the API's
//! documentation, the dashboard's files and login is authenticated and checked against [`access::ROUTES`]; every
//! request that changes something is audited, refusals included. Every error is
//! [`ApiError`]'s JSON object; malformed input is a 4xx, never a 500, and a part of the service
//! that does not answer is a 503.
//!
//! ## Layout
//! - [`state`]: `AppState`, the probe flags (`Health`) and `HttpLimits`.
//! - [`error`]: `ApiError` and its JSON rendering.
//! - [`extract`]: extractors that reject with `ApiError` (JSON body, query, well and alarm ids,
//!   client), and the readers of single query values.
//! - [`layers`]: the request span, the JSON net for tower-layer errors, the 404/405 fallbacks.
//! - [`access`]: the route → least role table; [`guard`]: authentication, authorization and
//!   the audit of refusals; [`operator`]: the caller as handlers see it, and audit entries;
//!   [`rate_limit`]: per-client limits (429); `hardening`: security headers and CORS.
//! - `health`, `fleet`, `wells`, `operations`, `telemetry`, `ingest`, `diagnostics`, `alarms`,
//!   `alarm_actions`, `journal` (a well's alarm journal), `audit`, `auth_routes`, `events`
//!   (server-sent events): the handlers, by resource.
//! - [`metrics`]: the Prometheus exposition and the request counters; [`openapi`]: the
//!   document generated from the handlers' annotations; `docs`: it and Swagger UI, served;
//!   `dashboard`: the control room's web page at `/` and its files at `/ui/`.
//! - `views`: the JSON shapes of wells; `range`: the `from`/`to`/`limit` of history reads;
//!   `resolution`: raw or roll-up telemetry, and how `auto` chooses;
//!   `ask`: deadlines on actor and store calls.

pub mod access;
mod alarm_actions;
mod alarms;
mod ask;
mod audit;
mod auth_routes;
mod dashboard;
mod diagnostics;
mod docs;
pub mod error;
mod events;
pub mod extract;
mod fleet;
pub mod guard;
mod hardening;
mod health;
mod ingest;
mod journal;
pub mod layers;
pub mod metrics;
pub mod openapi;
mod operations;
pub mod operator;
mod range;
pub mod rate_limit;
mod resolution;
pub mod state;
mod telemetry;
mod views;
mod wells;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post};
use axum::{middleware, Router};
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use state::{AppState, Health, HttpLimits};
pub use views::{WellDetail, WellList, WellSummary};

/// Every route, the probes and metrics included, behind the middleware (see [`finish`]).
pub fn router(state: AppState, limits: HttpLimits) -> Router {
    finish(api_routes().merge(ops_routes()), state, limits, metrics::MetricsRegistry::shared())
}

/// The API and the probes apart, for `http.ops_bind`: (API, probes and metrics).
/// Both count requests into one registry, so `/metrics` on the probes' address sees the API's.
pub fn split_routers(state: AppState, limits: HttpLimits) -> (Router, Router) {
    let registry = metrics::MetricsRegistry::shared();
    (finish(api_routes(), state.clone(), limits, registry.clone()), finish(ops_routes(), state, limits, registry))
}

/// What the platform probes and scrapes: never authenticated, never rate limited.
fn ops_routes() -> Router<AppState> {
    Router::new()
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/health/startup", get(health::startup))
        .route("/metrics", get(metrics::metrics))
}

/// API v1. Who may call each route is in [`access::ROUTES`].
fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(auth_routes::login))
        .route("/api/v1/auth/me", get(auth_routes::me))
        .route("/api/v1/openapi.json", get(docs::openapi_json))
        .route("/api/docs", get(docs::swagger_ui))
        .route("/api/docs/{file}", get(docs::asset))
        .route("/", get(dashboard::index))
        .route("/ui/{file}", get(dashboard::asset))
        .route("/api/v1/fleet", get(fleet::fleet_overview))
        .route("/api/v1/events", get(events::event_stream))
        .route("/api/v1/wells", get(wells::list_wells).post(operations::add_well))
        .route("/api/v1/wells/{id}", get(wells::well_detail).delete(operations::remove_well))
        .route("/api/v1/wells/{id}/restart", post(operations::restart_well))
        .route("/api/v1/wells/{id}/telemetry", get(telemetry::well_telemetry).post(ingest::ingest_telemetry))
        .route("/api/v1/wells/{id}/diagnostics", get(diagnostics::well_diagnostics))
        .route("/api/v1/wells/{id}/audit", get(audit::well_audit_trail))
        .route("/api/v1/wells/{id}/alarm-journal", get(journal::well_alarm_journal))
        .merge(alarm_routes())
        .merge(account_routes())
        .route("/api/v1/audit", get(audit::audit_trail))
}

/// Users and API keys: the admin's.
fn account_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(auth_routes::list_users).post(auth_routes::add_user))
        .route("/api/v1/users/{name}", patch(auth_routes::update_user))
        .route("/api/v1/api-keys", get(auth_routes::list_api_keys).post(auth_routes::add_api_key))
        .route("/api/v1/api-keys/{id}", delete(auth_routes::revoke_api_key))
}

/// The fallbacks and the middleware every route runs behind, outermost first: request
/// metrics, request id (kept from the client or made up, and echoed), tracing, the JSON error
/// net, security headers, CORS, the rate limit (429), the guard (401/403; it runs after
/// routing, as every layer here does, so it knows the matched route), the body limit (413)
/// and the request timeout (503).
fn finish(
    routes: Router<AppState>,
    state: AppState,
    limits: HttpLimits,
    registry: std::sync::Arc<metrics::MetricsRegistry>,
) -> Router {
    let routes = routes.fallback(layers::no_route).method_not_allowed_fallback(layers::method_not_allowed);
    let stack = ServiceBuilder::new()
        .layer(middleware::from_fn_with_state(registry, metrics::count_requests))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(layers::RequestSpan))
        .layer(middleware::from_fn(layers::json_errors))
        .layer(middleware::from_fn_with_state(state.clone(), hardening::security_headers))
        .layer(hardening::cors(&state.security.cors_origins))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit::limit))
        .layer(middleware::from_fn_with_state(state.clone(), guard::guard))
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
