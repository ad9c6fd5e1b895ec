//! The simulator's HTTP control interface: list wells, switch a well's fault, trip a well, put
//! it in a process condition. A thin facade over the fleet; every rule lives in `fleet`,
//! `fault`, `physics` and `condition`.
//!
//! ```text
//! GET  /wells                -> [WellStatus]
//! PUT  /wells/{id}/fault     {"kind":"slow","delay":"3s"}      -> WellStatus
//! POST /wells/{id}/trip      {"code":"power_loss"}             -> WellStatus
//! PUT  /wells/{id}/condition {"condition":"gas_lock"}          -> WellStatus
//! ```
//! Errors are `{"error":{"code":"...","message":"..."}}` with a 4xx status.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::warn;
use wellvisor_actors::domain::TripCode;

use super::condition::ProcessCondition;
use super::fault::FaultSpec;
use super::fleet::{Fleet, WellStatus};
use super::physics::ProcessEvent;
use super::server::stopped;
use super::SimError;

/// Every route of the control interface.
pub(crate) fn router(fleet: Arc<Fleet>) -> Router {
    Router::new()
        .route("/wells", get(list_wells))
        .route("/wells/{id}/fault", put(set_fault))
        .route("/wells/{id}/trip", post(trip))
        .route("/wells/{id}/condition", put(set_condition))
        .fallback(no_route)
        .with_state(fleet)
}

/// Binds `addr` and serves the control interface until shutdown.
pub(crate) async fn serve(
    addr: SocketAddr,
    fleet: Arc<Fleet>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(SocketAddr, JoinHandle<()>), SimError> {
    let listener = TcpListener::bind(addr).await.map_err(|e| SimError::bind(addr, e))?;
    let local = listener.local_addr().map_err(|e| SimError::bind(addr, e))?;
    let app = router(fleet);
    let task = tokio::spawn(async move {
        let serving = axum::serve(listener, app).with_graceful_shutdown(async move { stopped(&mut shutdown).await });
        if let Err(error) = serving.await {
            warn!(%error, "simulator control interface failed");
        }
    });
    Ok((local, task))
}

/// A 4xx answer with a stable machine-readable code.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, code, message: message.into() }
    }
}

impl From<SimError> for ApiError {
    fn from(error: SimError) -> ApiError {
        let status = match error {
            SimError::UnknownWell(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        let code = if status == StatusCode::NOT_FOUND { "unknown_well" } else { "bad_request" };
        ApiError { status, code, message: error.to_string() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

async fn list_wells(State(fleet): State<Arc<Fleet>>) -> Json<Vec<WellStatus>> {
    Json((0..fleet.len()).filter_map(|index| fleet.status(index)).collect())
}

async fn set_fault(
    State(fleet): State<Arc<Fleet>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<WellStatus>, ApiError> {
    let index = fleet.find(&id)?;
    let spec: FaultSpec = parse_body(&body)?;
    let fault = spec.to_fault().map_err(|problem| ApiError::bad_request("invalid_fault", problem))?;
    fleet.set_fault(index, fault)?;
    status(&fleet, index, &id)
}

/// `POST /wells/{id}/trip` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TripBody {
    code: TripCode,
    /// When the drive restarts by itself (default: the scenario's restart delay).
    #[serde(default, with = "crate::config::duration::option")]
    restart_after: Option<Duration>,
}

async fn trip(
    State(fleet): State<Arc<Fleet>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<WellStatus>, ApiError> {
    let index = fleet.find(&id)?;
    let body: TripBody = parse_body(&body)?;
    if body.code == TripCode::None {
        return Err(ApiError::bad_request("invalid_trip", "a trip needs a reason: code \"none\" is not one"));
    }
    fleet.apply(index, ProcessEvent::Trip { code: body.code, restart_after: body.restart_after })?;
    status(&fleet, index, &id)
}

/// `PUT /wells/{id}/condition` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionBody {
    /// A diagnosis name such as `gas_lock`, or `normal` to end the condition.
    condition: ProcessCondition,
}

async fn set_condition(
    State(fleet): State<Arc<Fleet>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<WellStatus>, ApiError> {
    let index = fleet.find(&id)?;
    let body: ConditionBody = parse_body(&body)?;
    fleet.apply(index, ProcessEvent::Condition(body.condition))?;
    status(&fleet, index, &id)
}

async fn no_route() -> ApiError {
    let message = "no such route: use GET /wells, PUT /wells/{id}/fault, POST /wells/{id}/trip \
                   or PUT /wells/{id}/condition";
    ApiError { status: StatusCode::NOT_FOUND, code: "not_found", message: message.into() }
}

/// Parses a JSON body ourselves, so a bad body gets the same error shape as everything else.
fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|error| ApiError::bad_request("invalid_body", error.to_string()))
}

fn status(fleet: &Fleet, index: usize, id: &str) -> Result<Json<WellStatus>, ApiError> {
    fleet.status(index).map(Json).ok_or_else(|| SimError::UnknownWell(id.to_owned()).into())
}
