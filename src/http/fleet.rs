//! `GET /api/v1/fleet`: the control room's overview. Counts come from the fleet view and the
//! alarm book (annunciated alarms by priority) and are always served; the actors' counters are
//! asked for concurrently, and an actor that does not answer in time only marks its own part
//! `"available": false`.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use wellvisor_actors::diagnostics::PriorityCounts;
use wellvisor_actors::domain::{ConnectionState, RunState, SupervisionState};
use wellvisor_actors::fleet::{FleetCounters, FleetMsg, FleetSummary};
use wellvisor_actors::recorder::{RecorderMsg, RecorderSnapshot};
use wellvisor_actors::supervisor::{SupervisorCounters, SupervisorMsg};

use super::ask::ask;
use super::error::ApiError;
use super::state::AppState;

/// Alarm priorities, highest first (esp-domain §3).
const ALARM_PRIORITIES: [&str; 3] = ["high", "medium", "low"];

/// The overview's body.
#[derive(Serialize, ToSchema)]
pub struct FleetOverview {
    #[serde(flatten)]
    pub counts: FleetCounts,
    pub recorder: Part<RecorderSnapshot>,
    pub supervisor: Part<SupervisorCounters>,
    /// The fleet actor's status-event counters.
    pub events: Part<FleetCounters>,
}

/// How many wells are in each state.
#[derive(Serialize, ToSchema)]
pub struct FleetCounts {
    pub wells: usize,
    pub connection: BTreeMap<&'static str, usize>,
    pub supervision: BTreeMap<&'static str, usize>,
    /// Wells whose drive state is not known yet count as `unknown`.
    pub run_state: BTreeMap<&'static str, usize>,
    pub active_alarms: BTreeMap<&'static str, usize>,
}

/// One actor's counters, or why they are missing.
#[derive(Serialize, ToSchema)]
pub struct Part<T> {
    pub available: bool,
    #[serde(flatten)]
    pub counters: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl<T> From<Result<T, ApiError>> for Part<T> {
    fn from(answer: Result<T, ApiError>) -> Self {
        match answer {
            Ok(counters) => Self { available: true, counters: Some(counters), error: None },
            Err(error) => Self { available: false, counters: None, error: Some(error.to_string()) },
        }
    }
}

/// `GET /api/v1/fleet`.
#[utoipa::path(get, path = "/api/v1/fleet", tag = "fleet",
    responses((status = 200, description = "the overview; an actor that did not answer in time only marks its part unavailable", body = FleetOverview)))]
pub async fn fleet_overview(State(state): State<AppState>) -> Json<FleetOverview> {
    let mut summary = state.fleet.summary();
    summary.active_alarms = by_priority(state.alarms.annunciated_counts());
    let timeout = state.call_timeout;
    let (recorder, supervisor, events) = tokio::join!(
        ask(&state.recorder, "the recorder", timeout, RecorderMsg::Snapshot),
        ask(&state.supervisor, "the supervisor", timeout, SupervisorMsg::Counters),
        ask(&state.fleet_actor, "the fleet actor", timeout, FleetMsg::Counters),
    );
    Json(FleetOverview {
        counts: summary.into(),
        recorder: recorder.into(),
        supervisor: supervisor.into(),
        events: events.into(),
    })
}

impl From<FleetSummary> for FleetCounts {
    /// Every known state is present, zero or not, so dashboards need no special case for a
    /// state no well is in.
    fn from(summary: FleetSummary) -> Self {
        let run_states = RunState::ALL.iter().map(|s| s.as_str()).chain(["unknown"]);
        Self {
            wells: summary.wells,
            connection: zero_filled(ConnectionState::ALL.iter().map(|s| s.as_str()), summary.connection),
            supervision: zero_filled(SupervisionState::ALL.iter().map(|s| s.as_str()), summary.supervision),
            run_state: zero_filled(run_states, summary.run_state),
            active_alarms: zero_filled(ALARM_PRIORITIES, summary.active_alarms),
        }
    }
}

fn by_priority(counts: PriorityCounts) -> BTreeMap<&'static str, usize> {
    let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    BTreeMap::from([("high", count(counts.high)), ("medium", count(counts.medium)), ("low", count(counts.low))])
}

fn zero_filled(
    names: impl IntoIterator<Item = &'static str>,
    found: BTreeMap<&'static str, usize>,
) -> BTreeMap<&'static str, usize> {
    let mut counts: BTreeMap<&'static str, usize> = names.into_iter().map(|name| (name, 0)).collect();
    counts.extend(found);
    counts
}
