//! The storage seam: what the recorder and the API need from a historian. The service
//! implements it for SQLite and PostgreSQL; this crate knows no SQL.
//!
//! Two kinds of writes: telemetry [`Sample`]s, many and cheap, and [`Record`]s, the few things
//! diagnostics leave behind (diagnosis history, alarm states, the alarm journal, the operator
//! audit, learned baselines). The recorder batches each kind through its own queue.

use chrono::{DateTime, Utc};

use crate::device::link::BoxFuture;
use crate::diagnostics::{AlarmJournalEntry, AlarmRecord, AuditEntry, DiagnosisRecord, Source};
use crate::domain::{Parameter, Sample, WellId};

mod rollup;

pub use rollup::{rolled_up, Aggregate, Resolution, RollupPoint, RollupQuery};

/// A storage failure. `Unavailable` is worth retrying; `Rejected` is not.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store rejected the request: {0}")]
    Rejected(String),
}

/// A raw telemetry range query.
#[derive(Clone, Debug, PartialEq)]
pub struct TelemetryQuery {
    pub well_id: WellId,
    /// Inclusive start.
    pub from: DateTime<Utc>,
    /// Exclusive end.
    pub to: DateTime<Utc>,
    /// The parameters wanted; empty means all.
    pub params: Vec<Parameter>,
    /// The most samples to return, oldest first.
    pub limit: usize,
}

/// A well added at run time, kept so it comes back after a restart of the process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredWell {
    pub id: WellId,
    /// The well's definition as the service serialises it (JSON).
    pub definition: String,
}

/// A well's learned running baseline (esp-domain §1.2), kept so learning survives a restart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBaseline {
    pub well_id: WellId,
    /// When the baseline was last updated.
    pub at: DateTime<Utc>,
    /// The baseline as diagnostics serialise it (JSON); the store only checks that it is JSON.
    pub state: String,
}

/// What the historian keeps besides samples.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// A diagnosis raised or cleared: appended to the history.
    Diagnosis(DiagnosisRecord),
    /// The latest state of one alarm point: replaces the point's earlier state (by alarm id).
    AlarmState(AlarmRecord),
    /// An automatic or operator state change of one alarm: appended.
    Journal(AlarmJournalEntry),
    /// An operator action: appended, and never changed afterwards.
    Audit(AuditEntry),
    /// A well's baseline: replaces the well's earlier baseline (by well id).
    Baseline(StoredBaseline),
}

impl Record {
    /// The record's kind, for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Diagnosis(_) => "diagnosis",
            Record::AlarmState(_) => "alarm_state",
            Record::Journal(_) => "journal",
            Record::Audit(_) => "audit",
            Record::Baseline(_) => "baseline",
        }
    }

    /// Refuses what no backend can store faithfully: a number that is not finite (JSON has
    /// none, SQL stores NaN as NULL) or a baseline that is not JSON. Every backend calls this
    /// before it writes, so all of them refuse the same records.
    pub fn validate(&self) -> Result<(), StoreError> {
        let finite = match self {
            Record::Diagnosis(diagnosis) => {
                diagnosis.confidence.is_finite()
                    && diagnosis.evidence.iter().all(|e| {
                        e.value.is_finite()
                            && e.limit.is_none_or(f64::is_finite)
                            && e.baseline.is_none_or(f64::is_finite)
                    })
            }
            Record::Baseline(baseline) => {
                if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(&baseline.state) {
                    let well_id = &baseline.well_id;
                    return Err(StoreError::Rejected(format!("baseline of {well_id} is not json: {error}")));
                }
                true
            }
            Record::AlarmState(_) | Record::Journal(_) | Record::Audit(_) => true,
        };
        if !finite {
            return Err(StoreError::Rejected(format!("{} record holds a number that is not finite", self.kind())));
        }
        Ok(())
    }
}

/// The diagnosis history of one source.
#[derive(Clone, Debug, PartialEq)]
pub struct DiagnosisQuery {
    pub source: Source,
    /// Inclusive start.
    pub from: DateTime<Utc>,
    /// Exclusive end.
    pub to: DateTime<Utc>,
    /// The most entries to return, oldest first.
    pub limit: usize,
}

/// The audit trail in `[from, to)`, oldest first (or newest first), at most `limit` entries,
/// narrowed by any of the filters given. `actor`, `action` and `target` match the whole text
/// exactly (case included). `result` matches by prefix: `401` finds `401 unauthenticated`, `4`
/// every refusal of a client error, `ok` the actions carried out. Entries written before
/// results were kept have none, so a `result` filter never finds them. `well` keeps what was
/// done to one well: its own entries (`W-001`) and its alarms' (`W-001:gas_lock`), never
/// another well whose id merely starts the same (`W-0010`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Inclusive start.
    pub from: DateTime<Utc>,
    /// Exclusive end.
    pub to: DateTime<Utc>,
    pub limit: usize,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    /// A prefix of the result.
    pub result: Option<String>,
    /// Only entries about this well or one of its alarms.
    pub well: Option<WellId>,
    /// Newest first, so `limit` keeps the latest entries; equal times in reverse write order.
    pub newest_first: bool,
}

impl AuditQuery {
    /// Every entry in `[from, to)`, at most `limit`: no filter.
    pub fn between(from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> Self {
        Self { from, to, limit, ..Self::default() }
    }

    /// Whether `entry` passes the filters (not the range or the limit): the reference the SQL
    /// backends' `WHERE` clauses are held to, and what in-memory stores apply.
    pub fn matches(&self, entry: &AuditEntry) -> bool {
        let exact = |wanted: &Option<String>, value: &str| wanted.as_deref().is_none_or(|wanted| wanted == value);
        let result = self
            .result
            .as_deref()
            .is_none_or(|prefix| entry.result.as_deref().is_some_and(|result| result.starts_with(prefix)));
        exact(&self.actor, &entry.actor)
            && exact(&self.action, &entry.action)
            && exact(&self.target, &entry.target)
            && result
            && self.well.as_ref().is_none_or(|well| is_about(&entry.target, well))
    }
}

/// Whether an audit target names `well` or one of its alarms (`W-001`, `W-001:gas_lock`).
fn is_about(target: &str, well: &WellId) -> bool {
    target.strip_prefix(well.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
}

/// The alarm journal in `[from, to)`, oldest first (or newest first), at most `limit` entries.
/// `well` keeps the transitions of one well's alarms (`W-001:gas_lock`), never those of another
/// well whose id merely starts the same (`W-0010:gas_lock`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlarmJournalQuery {
    /// Inclusive start.
    pub from: DateTime<Utc>,
    /// Exclusive end.
    pub to: DateTime<Utc>,
    pub limit: usize,
    /// Only transitions of this well's alarms.
    pub well: Option<WellId>,
    /// Newest first, so `limit` keeps the latest entries; equal times in reverse write order.
    pub newest_first: bool,
}

impl AlarmJournalQuery {
    /// Every entry in `[from, to)`, oldest first, at most `limit`.
    pub fn between(from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> Self {
        Self { from, to, limit, ..Self::default() }
    }

    /// Whether `entry` passes the well filter (not the range or the limit): the reference the
    /// SQL backends' `WHERE` clauses are held to, and what in-memory stores apply.
    pub fn matches(&self, entry: &AlarmJournalEntry) -> bool {
        self.well.as_ref().is_none_or(|well| is_alarm_of(entry.alarm_id.as_str(), well))
    }
}

/// Whether an alarm id names one of `well`'s alarms (`W-001:gas_lock`).
fn is_alarm_of(alarm_id: &str, well: &WellId) -> bool {
    alarm_id.strip_prefix(well.as_str()).is_some_and(|rest| rest.starts_with(':'))
}

/// A historian backend.
///
/// The timestamps a backend queries by (`Sample::at`, a record's `at`, `updated_at`) are kept
/// to the millisecond; everything else reads back exactly as written. Entries with equal
/// timestamps read back in the order they were written.
pub trait Store: Send + Sync + 'static {
    /// Writes a batch in one transaction: all of it or none of it. Once it returns, the batch's
    /// values count in [`Store::read_rollups`] (a backend may write its roll-ups later).
    fn write_samples<'a>(&'a self, samples: &'a [Sample]) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Raw samples of one well in `[from, to)`, oldest first, at most `limit`.
    fn read_telemetry<'a>(&'a self, query: &'a TelemetryQuery) -> BoxFuture<'a, Result<Vec<Sample>, StoreError>>;

    /// One well's roll-ups at `query.resolution`: the buckets that start in `[from, to)`, oldest
    /// first, at most `limit`, with the wanted parameters that had values in each. A bucket
    /// where none of them had a value is not returned.
    fn read_rollups<'a>(&'a self, query: &'a RollupQuery) -> BoxFuture<'a, Result<Vec<RollupPoint>, StoreError>>;

    /// How many samples are stored, for one well or for all.
    fn count_samples<'a>(&'a self, well_id: Option<&'a WellId>) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// Records a well added at run time (replacing an earlier definition).
    fn save_well<'a>(&'a self, well: &'a StoredWell) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Forgets a well added at run time; its telemetry stays.
    fn delete_well<'a>(&'a self, well_id: &'a WellId) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Every well added at run time and not removed since.
    fn load_wells(&self) -> BoxFuture<'_, Result<Vec<StoredWell>, StoreError>>;

    /// Writes records in one transaction, in order: all of them or none of them. A later
    /// [`Record::AlarmState`] or [`Record::Baseline`] replaces the earlier one with its key.
    fn write_records<'a>(&'a self, records: &'a [Record]) -> BoxFuture<'a, Result<(), StoreError>>;

    /// One source's diagnosis history in `[from, to)`, oldest first, at most `limit`.
    fn read_diagnoses<'a>(
        &'a self,
        query: &'a DiagnosisQuery,
    ) -> BoxFuture<'a, Result<Vec<DiagnosisRecord>, StoreError>>;

    /// The latest persisted state of every alarm point, by alarm id.
    fn load_alarms(&self) -> BoxFuture<'_, Result<Vec<AlarmRecord>, StoreError>>;

    /// Alarm journal entries in `[query.from, query.to)` that pass its well filter, oldest first
    /// (newest first when it asks), at most `query.limit` (see [`AlarmJournalQuery`]).
    fn read_alarm_journal<'a>(
        &'a self,
        query: &'a AlarmJournalQuery,
    ) -> BoxFuture<'a, Result<Vec<AlarmJournalEntry>, StoreError>>;

    /// Audit entries in `[query.from, query.to)` that pass its filters, oldest first (newest
    /// first when it asks), at most `query.limit` (see [`AuditQuery`]).
    fn read_audit<'a>(&'a self, query: &'a AuditQuery) -> BoxFuture<'a, Result<Vec<AuditEntry>, StoreError>>;

    /// Every stored baseline, by well id.
    fn load_baselines(&self) -> BoxFuture<'_, Result<Vec<StoredBaseline>, StoreError>>;

    /// Whether the store answers now (readiness).
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{AlarmId, AlarmState, Priority};

    fn entry(actor: &str, action: &str, target: &str, result: Option<&str>) -> AuditEntry {
        AuditEntry {
            at: DateTime::<Utc>::default(),
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            reason: None,
            before: None,
            after: None,
            role: None,
            client: None,
            params: None,
            result: result.map(str::to_owned),
        }
    }

    fn query(actor: Option<&str>, action: Option<&str>, target: Option<&str>, result: Option<&str>) -> AuditQuery {
        let owned = |text: Option<&str>| text.map(str::to_owned);
        AuditQuery {
            actor: owned(actor),
            action: owned(action),
            target: owned(target),
            result: owned(result),
            ..AuditQuery::default()
        }
    }

    #[test]
    fn audit_filters_match_names_exactly_and_results_by_prefix() {
        let denied = entry("alice", "restart", "W-001", Some("403 forbidden"));
        assert!(query(None, None, None, None).matches(&denied), "no filter passes everything");
        assert!(query(Some("alice"), Some("restart"), Some("W-001"), Some("403")).matches(&denied));
        assert!(query(None, None, None, Some("4")).matches(&denied));
        assert!(query(None, None, None, Some("403 forbidden")).matches(&denied));
        for refused in [
            query(Some("Alice"), None, None, None),
            query(Some("ali"), None, None, None),
            query(None, Some("restart "), None, None),
            query(None, None, Some("W-00"), None),
            query(None, None, None, Some("ok")),
            query(None, None, None, Some("forbidden")),
        ] {
            assert!(!refused.matches(&denied), "{refused:?}");
        }
        let older = entry("10.0.0.7", "ack", "W-001:gas_lock", None);
        assert!(!query(None, None, None, Some("")).matches(&older), "an entry without a result never passes");
        assert!(query(None, None, None, Some("")).matches(&denied), "an empty prefix passes any result");
    }

    #[test]
    fn a_well_filter_keeps_the_well_and_its_alarms_only() {
        let about = |well: &str| AuditQuery { well: WellId::new(well).ok(), ..AuditQuery::default() };
        for target in ["W_1", "W_1:gas_lock", "W_1:"] {
            assert!(about("W_1").matches(&entry("alice", "ack", target, None)), "{target}");
        }
        for target in ["W_10", "WX1", "w_1", "W_10:gas_lock", "", "X:W_1"] {
            assert!(!about("W_1").matches(&entry("alice", "ack", target, None)), "{target}");
        }
    }

    #[test]
    fn a_journal_well_filter_keeps_the_wells_alarms_only() {
        let of = |alarm: &str| AlarmJournalEntry {
            alarm_id: AlarmId::parse(alarm),
            at: DateTime::<Utc>::default(),
            from: AlarmState::Normal,
            to: AlarmState::Unacknowledged,
            cause: "activated".into(),
            priority: Priority::High,
            actor: None,
        };
        let well = AlarmJournalQuery { well: WellId::new("W_1").ok(), ..AlarmJournalQuery::default() };
        for alarm in ["W_1:gas_lock", "W_1:"] {
            assert!(well.matches(&of(alarm)), "{alarm}");
        }
        for alarm in ["W_1", "W_10:gas_lock", "WX1:gas_lock", "w_1:gas_lock", "feeder@W_1:power_event", ""] {
            assert!(!well.matches(&of(alarm)), "{alarm}");
        }
        assert!(AlarmJournalQuery::default().matches(&of("feeder@F-1:power_event")), "no filter passes everything");
    }
}
