//! What the fleet tells its live subscribers (`GET /api/v1/events`): status changes of wells,
//! alarm state changes and restarts. The Fleet actor is the only publisher: wells and the
//! supervisor send it their news, the alarm book reaches it through [`AlarmRelay`], and it numbers
//! each event in the order it publishes them, so a subscriber sees one gap-free sequence of the
//! events it asked for (gaps mean filtered out, never lost: a subscriber that would lose events is
//! dropped instead).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ractor::ActorRef;
use serde::Serialize;

use super::{FleetMsg, StatusEvent};
use crate::diagnostics::book::{AlarmEvent, AlarmListener};
use crate::domain::WellId;

/// The families of events a subscriber can ask for, by their wire names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A well's connection, supervision or run state changed, or a well was added or removed.
    Status,
    /// An alarm point changed state.
    Alarm,
    /// A well's actor was restarted, or left down after too many failures.
    Restart,
}

impl EventKind {
    pub const ALL: [EventKind; 3] = [Self::Status, Self::Alarm, Self::Restart];

    /// The wire name, as serde writes it and as the SSE `event:` field carries it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Alarm => "alarm",
            Self::Restart => "restart",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }
}

/// One piece of news for the control room. Serialises as the inner event alone; its kind travels
/// beside it ([`FleetEvent::kind`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FleetEvent {
    Status(StatusEvent),
    Alarm(AlarmEvent),
    Restart(RestartEvent),
}

impl FleetEvent {
    pub fn kind(&self) -> EventKind {
        match self {
            Self::Status(_) => EventKind::Status,
            Self::Alarm(_) => EventKind::Alarm,
            Self::Restart(_) => EventKind::Restart,
        }
    }

    /// The well it is about; none for alarms of feeders, gateways and the system.
    pub fn well_id(&self) -> Option<&WellId> {
        match self {
            Self::Status(event) => Some(&event.well_id),
            Self::Alarm(event) => event.well_id(),
            Self::Restart(event) => Some(&event.well_id),
        }
    }
}

/// Why a well's actor was started again, or was not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RestartCause {
    /// The actor failed and the supervisor restarts it after a backoff.
    Automatic,
    /// An operator asked (`POST /api/v1/wells/{id}/restart`); this also clears `failed`.
    Operator,
    /// The failure that hit the restart-intensity limit: the well stays `failed` until an
    /// operator restarts it.
    GaveUp,
}

/// A restart of a well's actor, automatic or by an operator, or the supervisor giving up on it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestartEvent {
    pub well_id: WellId,
    pub at: DateTime<Utc>,
    pub cause: RestartCause,
    /// The failure behind an automatic restart or a give-up (a panic message, an exit reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An event as the fleet's broadcast channel carries it: numbered, and shared between
/// subscribers rather than copied for each.
#[derive(Clone, Debug)]
pub struct SequencedEvent {
    /// Strictly increasing from 1 in publishing order, for the life of the Fleet actor.
    pub seq: u64,
    pub event: Arc<FleetEvent>,
}

/// Hands the alarm book's announcements to the Fleet actor's mailbox (unbounded: the book never
/// waits), so alarm events are numbered with the rest.
pub(super) struct AlarmRelay(pub(super) ActorRef<FleetMsg>);

impl AlarmListener for AlarmRelay {
    fn alarm_changed(&self, event: AlarmEvent) {
        // During shutdown the fleet may already be gone; the book still holds the alarm's state.
        let _ = self.0.cast(FleetMsg::Alarm(event));
    }
}
