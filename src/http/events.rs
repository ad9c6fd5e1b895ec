//! `GET /api/v1/events?well&kind`: the fleet's live events as server-sent events: status changes
//! of wells, alarm state changes and restarts, of every well or only of `well=W-001,W-002`, of
//! every kind or only of `kind=status,alarm,restart`.
//!
//! Each SSE event carries `event:` its kind, `id:` the fleet's sequence number (strictly
//! increasing; a gap is an event the filter left out) and `data:` the event as JSON. A comment
//! every [`KEEP_ALIVE`] keeps proxies from closing a quiet stream. The stream is fed through the
//! subscriber's own bounded queue ([`FleetView::follow`]), so a client that does not keep up is
//! dropped, never waited for: its stream ends with `event: dropped` (and a `retry:` hint) if it
//! ever reads again. Streams also end when the service shuts down, so none holds up a graceful
//! stop. `Last-Event-ID` is not honoured: a client that reconnects reads the current state from
//! the API and follows from there.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::time::{interval, Interval, MissedTickBehavior};
use tracing::info;
use wellvisor_actors::domain::WellId;
use wellvisor_actors::fleet::{
    Delivery, DropReason, EventFilter, EventKind, FleetView, SequencedEvent, SubscribersFull, Subscription,
};

use super::error::{ApiError, ErrorBody};
use super::extract::ApiQuery;
use super::state::{AppState, Health};

/// Events a subscriber's queue holds; a client this far behind is dropped. As deep as the
/// fleet's broadcast channel, so a burst (a gateway outage takes a hundred wells offline and
/// raises their alarms within milliseconds) never drops a client that is reading; only one that
/// stays behind. Entries share the events, so an idle or empty queue costs next to nothing.
pub const CLIENT_QUEUE: usize = 4_096;
/// How often a quiet stream sends a comment.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often a stream looks whether the service is shutting down.
const SHUTDOWN_CHECK: Duration = Duration::from_millis(250);
/// What a refused or dropped client is asked to wait before it tries again, in seconds.
const RETRY_SECS: u64 = 5;

/// The filters, as sent. Unknown keys are refused, so a typo never silently widens the stream.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Comma-separated well ids of the fleet; default every well.
    #[param(value_type = Option<Vec<WellId>>, style = Form, explode = false)]
    well: Option<String>,
    /// Comma-separated kinds: `status`, `alarm`, `restart`; default all.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false, example = "status,alarm")]
    kind: Option<String>,
}

/// `GET /api/v1/events`: 200 with `text/event-stream`. A malformed well id is a 400, a well not
/// in the fleet a 404 naming every such well, an unknown kind a 422 naming it, and a subscriber
/// over the configured limit a 503 with `Retry-After`.
#[utoipa::path(get, path = "/api/v1/events", tag = "fleet", params(EventQuery),
    responses(
        (status = 200, description = "server-sent events: `event:` the kind (`status`, `alarm`, `restart`, or `dropped` \
            when the client fell behind and is cut off), `id:` the fleet's sequence number, `data:` the event as JSON",
            content_type = "text/event-stream", body = String),
        (status = 400, description = "an unknown query key, an empty kind or a malformed well id (`bad_request`)", body = ErrorBody),
        (status = 404, description = "a well not in the fleet (`unknown_well`, naming every such well)", body = ErrorBody),
        (status = 422, description = "an unknown kind (`unprocessable`)", body = ErrorBody),
        (status = 503, description = "too many subscribers now (`unavailable`); try again after `Retry-After` seconds", body = ErrorBody,
            headers(("retry-after" = u64, description = "seconds to wait"))),
    ))]
pub async fn event_stream(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<EventQuery>,
) -> Result<Response, Refusal> {
    let filter = query.resolve(&state.fleet)?;
    info!(wells = ?filter.wells, kinds = ?filter.kinds, "event subscriber connected");
    let subscription = state.fleet.follow(filter, CLIENT_QUEUE)?;
    let sse = Sse::new(feed(subscription, state.health.clone())).keep_alive(KeepAlive::new().interval(KEEP_ALIVE));
    let mut response = sse.into_response();
    // Tells nginx-style proxies to pass each event on at once instead of buffering the stream.
    response.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

impl EventQuery {
    fn resolve(self, fleet: &FleetView) -> Result<EventFilter, Refusal> {
        let kinds = self.kind.as_deref().map(parse_kinds).transpose()?;
        let wells = self.well.as_deref().map(|raw| parse_wells(raw, fleet)).transpose()?;
        Ok(EventFilter { wells, kinds })
    }
}

/// `status,alarm`: an empty item is a 400, an unknown kind a 422 that names it.
fn parse_kinds(raw: &str) -> Result<HashSet<EventKind>, Refusal> {
    let mut kinds = HashSet::new();
    for item in raw.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(ApiError::BadRequest("kind: give one or more of status, alarm, restart".into()).into());
        }
        let kind = EventKind::parse(item).ok_or_else(|| {
            ApiError::Unprocessable(format!("kind: unknown kind {item:?}; use status, alarm or restart"))
        })?;
        kinds.insert(kind);
    }
    Ok(kinds)
}

/// `W-001,W-002`: a malformed id is a 400; ids not in the fleet are one 404 naming them all.
fn parse_wells(raw: &str, fleet: &FleetView) -> Result<HashSet<WellId>, Refusal> {
    let mut wells = HashSet::new();
    let mut unknown = Vec::new();
    for item in raw.split(',').map(str::trim) {
        let id = WellId::new(item).map_err(|error| ApiError::BadRequest(format!("well: {error}")))?;
        if fleet.contains(&id) {
            wells.insert(id);
        } else if !unknown.contains(&id) {
            unknown.push(id);
        }
    }
    match unknown.is_empty() {
        true => Ok(wells),
        false => Err(Refusal::UnknownWells(unknown)),
    }
}

/// Why a client gets no stream; each answer is the API's JSON error object.
#[derive(Debug)]
pub enum Refusal {
    Api(ApiError),
    /// Several wells are named at once, which [`ApiError::UnknownWell`] cannot.
    UnknownWells(Vec<WellId>),
    Full(SubscribersFull),
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<SubscribersFull> for Refusal {
    fn from(full: SubscribersFull) -> Self {
        Self::Full(full)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Api(error) => error.into_response(),
            Self::UnknownWells(mut ids) if ids.len() == 1 => ApiError::UnknownWell(ids.remove(0)).into_response(),
            Self::UnknownWells(ids) => {
                let names: Vec<&str> = ids.iter().map(WellId::as_str).collect();
                let message = format!("unknown wells {}", names.join(", "));
                let body = serde_json::json!({ "error": { "code": "unknown_well", "message": message } });
                (StatusCode::NOT_FOUND, Json(body)).into_response()
            }
            Self::Full(full) => {
                let error = ApiError::Unavailable(format!("{full}; try again later"));
                ([(header::RETRY_AFTER, RETRY_SECS.to_string())], error).into_response()
            }
        }
    }
}

/// The SSE body: the subscription's deliveries as events, until the subscriber is dropped, the
/// fleet is gone or the service shuts down.
fn feed(subscription: Subscription, health: Arc<Health>) -> impl Stream<Item = Result<Event, Infallible>> {
    let mut shutdown_check = interval(SHUTDOWN_CHECK);
    shutdown_check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let feed = Feed { subscription, health, shutdown_check };
    stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok(event), feed))
    })
}

struct Feed {
    subscription: Subscription,
    health: Arc<Health>,
    shutdown_check: Interval,
}

impl Feed {
    async fn next(&mut self) -> Option<Event> {
        loop {
            tokio::select! {
                delivery = self.subscription.next() => return match delivery? {
                    Delivery::Event(event) => Some(sse_event(&event)),
                    Delivery::Dropped(reason) => Some(dropped_event(reason)),
                },
                _ = self.shutdown_check.tick() => {
                    if self.health.shutting_down() {
                        return None;
                    }
                }
            }
        }
    }
}

fn sse_event(event: &SequencedEvent) -> Event {
    let kind = event.event.kind().as_str();
    let sse = Event::default().event(kind).id(event.seq.to_string());
    // Our event types always serialise; should one ever fail, the client still learns of it.
    sse.json_data(event.event.as_ref()).unwrap_or_else(|error| {
        tracing::error!(%error, kind, "an event could not be serialised");
        Event::default().event(kind).id(event.seq.to_string()).comment("unserialisable event")
    })
}

/// The last thing a dropped client reads: why, and to come back after a while.
fn dropped_event(reason: DropReason) -> Event {
    let (code, message) = match reason {
        DropReason::QueueFull { capacity } => {
            ("queue_full", format!("the client left {capacity} events unread; reconnect and read the current state"))
        }
        DropReason::Lagged { missed } => {
            ("lagged", format!("the client fell {missed} events behind; reconnect and read the current state"))
        }
    };
    let data = serde_json::json!({ "reason": code, "message": message }).to_string();
    Event::default().event("dropped").retry(Duration::from_secs(RETRY_SECS)).data(data)
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
