//! The operator audit trail (esp-domain §3.4): written for every operator action a handler
//! carries out, read back at `GET /api/v1/audit?from&to&limit`.
//!
//! Writing goes through the recorder's intake without waiting: an HTTP answer never waits on
//! the historian. A full queue drops the record, and that is never silent: the drop is logged
//! here with what was lost, and counted by the recorder.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::warn;
use wellvisor_actors::diagnostics::{ActionOutcome, AuditEntry};
use wellvisor_actors::recorder::{RecorderIntake, Submitted};
use wellvisor_actors::store::Record;

use super::ask::within;
use super::error::ApiError;
use super::extract::{ApiQuery, ClientAddr};
use super::range::RangeParams;
use super::state::AppState;

/// The answer of `GET /api/v1/audit`.
#[derive(Serialize)]
pub struct AuditPage {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub count: usize,
    /// More entries lie in the range than `limit` allowed: ask again from the last `at`.
    pub truncated: bool,
    /// Oldest first.
    pub entries: Vec<AuditEntry>,
}

/// `GET /api/v1/audit`.
pub async fn audit_trail(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<RangeParams>,
) -> Result<Json<AuditPage>, ApiError> {
    let range = params.resolve(Utc::now())?;
    let read = state.store.read_audit(range.from, range.to, range.probe());
    let entries = within(state.call_timeout, "reading the audit trail", read).await?;
    let (entries, truncated) = range.cut(entries);
    Ok(Json(AuditPage { from: range.from, to: range.to, count: entries.len(), truncated, entries }))
}

/// An operator action on something other than an alarm (a well's restart, add or remove).
pub fn well_action(client: &ClientAddr, action: &str, target: &str) -> AuditEntry {
    AuditEntry {
        at: Utc::now(),
        actor: client.actor(),
        action: action.to_owned(),
        target: target.to_owned(),
        reason: None,
        before: None,
        after: None,
    }
}

/// Hands an alarm action's journal entry, new alarm state and audit entry to the recorder.
pub fn record_outcome(records: &RecorderIntake, outcome: ActionOutcome) {
    let ActionOutcome { journal, record, audit } = outcome;
    let target = audit.target.clone();
    let action = audit.action.clone();
    submit(records, [Record::Journal(journal), Record::AlarmState(record), Record::Audit(audit)], &action, &target);
}

/// Hands one audit entry to the recorder.
pub fn record_audit(records: &RecorderIntake, entry: AuditEntry) {
    let target = entry.target.clone();
    let action = entry.action.clone();
    submit(records, [Record::Audit(entry)], &action, &target);
}

fn submit<const N: usize>(records: &RecorderIntake, batch: [Record; N], action: &str, target: &str) {
    let mut dropped = Vec::new();
    for record in batch {
        let kind = record.kind();
        if records.try_submit_record(record) == Submitted::Dropped {
            dropped.push(kind);
        }
    }
    if !dropped.is_empty() {
        let lost = dropped.join(", ");
        warn!(
            action,
            target,
            dropped = dropped.len(),
            submitted = N,
            lost,
            "recorder queue full: operator action not fully recorded"
        );
    }
}
