//! Who did it: the authenticated caller of a request that changes something, and the audit
//! entries written in their name. Each entry names the user or key, the role, the action, the
//! target, the parameters (never a secret), the result, the client address and the time.
//!
//! The guard hands every authenticated request an [`AuditSlot`]. A handler that records its
//! own, richer entry (with the state before and after) marks the slot; for any other request
//! that changes something, the guard writes a plain entry once the answer is known, so no
//! mutating request goes unaudited, refusals included.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::Utc;
use serde_json::Value;
use tracing::warn;
use wellvisor_actors::diagnostics::{ActionOutcome, AuditEntry};
use wellvisor_actors::recorder::{RecorderIntake, Submitted};
use wellvisor_actors::store::Record;

use super::error::ApiError;
use super::extract::ClientAddr;
use crate::auth::Principal;

/// Set once a handler has audited its request.
#[derive(Clone, Debug, Default)]
pub struct AuditSlot(Arc<AtomicBool>);

impl AuditSlot {
    pub fn mark(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_marked(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// The caller of a request that changes something, as a handler sees it.
#[derive(Clone, Debug)]
pub struct Operator {
    pub principal: Principal,
    pub client: ClientAddr,
    slot: AuditSlot,
}

impl<S: Send + Sync> FromRequestParts<S> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let client = ClientAddr::from_request_parts(parts, state).await.unwrap_or_else(|never| match never {});
        let principal = parts.extensions.get::<Principal>().cloned();
        let slot = parts.extensions.get::<AuditSlot>().cloned().unwrap_or_default();
        // The guard puts a principal on every route that is not public; none here means a
        // mutating route was listed as public, which a test forbids.
        let principal = principal.ok_or_else(|| ApiError::Unauthenticated("authentication required".into()))?;
        Ok(Self { principal, client, slot })
    }
}

impl Operator {
    /// The name alarm actions and logs carry.
    pub fn actor(&self) -> String {
        self.principal.name.clone()
    }

    /// A successful action's entry, with nothing before or after yet.
    pub fn entry(&self, action: &str, target: &str, params: Option<Value>) -> AuditEntry {
        entry_for(Some(&self.principal), &self.client, action, target, params, "ok")
    }

    /// Records the handler's own entry.
    pub fn record(&self, records: &RecorderIntake, entry: AuditEntry) {
        self.slot.mark();
        let (action, target) = (entry.action.clone(), entry.target.clone());
        submit(records, vec![Record::Audit(entry)], &action, &target);
    }

    /// Records an alarm action: its journal entry, the alarm's new state, and the audit entry
    /// the book made, completed with who and from where.
    pub fn record_outcome(&self, records: &RecorderIntake, outcome: ActionOutcome, params: Option<Value>) {
        self.slot.mark();
        let ActionOutcome { journal, record, mut audit } = outcome;
        audit.role = Some(self.principal.role.to_string());
        audit.client = Some(self.client.to_string());
        audit.params = params.map(|p| p.to_string());
        audit.result = Some("ok".into());
        let (action, target) = (audit.action.clone(), audit.target.clone());
        submit(
            records,
            vec![Record::Journal(journal), Record::AlarmState(record), Record::Audit(audit)],
            &action,
            &target,
        );
    }
}

/// An entry for a request, by whoever made it (none: the credentials proved nothing).
pub fn entry_for(
    principal: Option<&Principal>,
    client: &ClientAddr,
    action: &str,
    target: &str,
    params: Option<Value>,
    result: &str,
) -> AuditEntry {
    AuditEntry {
        at: Utc::now(),
        actor: principal.map_or_else(|| "anonymous".to_owned(), |p| p.name.clone()),
        action: action.to_owned(),
        target: target.to_owned(),
        reason: None,
        before: None,
        after: None,
        role: principal.map(|p| p.role.to_string()),
        client: Some(client.to_string()),
        params: params.map(|p| p.to_string()),
        result: Some(result.to_owned()),
    }
}

/// Hands audit records to the recorder without waiting. A full queue drops them, and that is
/// never silent: logged here with what was lost, and counted by the recorder.
pub fn submit(records: &RecorderIntake, batch: Vec<Record>, action: &str, target: &str) {
    let submitted = batch.len();
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
            submitted,
            lost,
            "recorder queue full: action not fully recorded"
        );
    }
}
