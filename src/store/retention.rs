//! The retention seam: what the archive and the retention pass need from a historian backend,
//! beside the `Store` trait the recorder and the API use (architecture §6).
//!
//! Kept out of `wellvisor-actors` on purpose: no actor deletes history. `crate::archive` is the
//! only caller; [`crate::store::open_historian`] hands it out with the store.
//!
//! Everything here works on whole UTC days of raw telemetry: the unit of the archive, of the
//! PostgreSQL partitions, and of deletion.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use wellvisor_actors::device::link::BoxFuture;
use wellvisor_actors::domain::{Parameter, Sample, WellId};
use wellvisor_actors::store::{Resolution, StoreError};

/// How many raw samples one UTC day holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayCount {
    pub day: NaiveDate,
    pub samples: u64,
}

/// Where the next page of a day's export starts: just after this row in the order of the
/// export (well id, time, write order). Opaque to callers; only backends read its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayCursor {
    pub(crate) well_id: WellId,
    pub(crate) at_ms: i64,
    /// The backend's write-order tie-breaker (SQLite's rowid, PostgreSQL's `seq`).
    pub(crate) order: i64,
}

/// One page of a day's raw samples, and where the next starts (`None` once the day is done).
#[derive(Clone, Debug, Default)]
pub struct DayPage {
    pub samples: Vec<Sample>,
    pub next: Option<DayCursor>,
}

/// A historian's retention operations. Every deletion is all or nothing.
pub trait Retention: Send + Sync + 'static {
    /// The UTC days before `before` that hold raw samples, oldest first. PostgreSQL also lists
    /// a day whose partition exists but is empty (0 samples), so the pass can drop it.
    fn raw_days(&self, before: NaiveDate) -> BoxFuture<'_, Result<Vec<DayCount>, StoreError>>;

    /// How many raw samples `day` holds.
    fn count_day(&self, day: NaiveDate) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Up to `limit` raw samples of `day` after `after` (from the start when `None`), ordered
    /// by well id, then time, then write order: a day is exported page by page, never whole.
    fn read_day<'a>(
        &'a self,
        day: NaiveDate,
        after: Option<&'a DayCursor>,
        limit: usize,
    ) -> BoxFuture<'a, Result<DayPage, StoreError>>;

    /// Deletes every raw sample of `day`, but only if the day holds exactly `expected` (what
    /// was archived): otherwise deletes nothing and says why. Returns the samples deleted.
    fn drop_day(&self, day: NaiveDate, expected: u64) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Writes archived samples back as raw telemetry, in order, in one transaction. Roll-ups
    /// are not touched: they outlive the raw rows and still hold the day.
    fn restore_day<'a>(&'a self, samples: &'a [Sample]) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Deletes the `resolution` roll-up rows of buckets that start before `before`. Returns
    /// the rows deleted.
    fn prune_rollups(&self, resolution: Resolution, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>>;
}

/// `[day 00:00 UTC, next day 00:00 UTC)`.
pub fn day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = day.and_time(NaiveTime::MIN).and_utc();
    let next = day.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX);
    (start, next.and_time(NaiveTime::MIN).and_utc())
}

/// The column list of an export, in the order the backends' `telemetry::decode` reads them
/// for every parameter: the time column first, then each parameter's column(s).
pub(crate) fn export_columns(time: &str) -> String {
    let mut columns = String::from(time);
    for parameter in Parameter::ALL {
        match parameter {
            Parameter::RunState => columns.push_str(", run_state, run_state_raw"),
            Parameter::TripCode => columns.push_str(", trip_code, trip_code_raw"),
            numeric => {
                columns.push_str(", ");
                columns.push_str(numeric.as_str());
            }
        }
    }
    columns
}

/// The refusal of a [`Retention::drop_day`] whose day changed since it was archived.
pub(crate) fn count_changed(day: NaiveDate, held: u64, expected: u64) -> StoreError {
    StoreError::Rejected(format!("day {day} holds {held} raw samples, not the {expected} archived; nothing deleted"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_runs_from_midnight_to_midnight_utc() {
        let day = NaiveDate::from_ymd_opt(2024, 12, 31).expect("date");
        let (start, end) = day_bounds(day);
        assert_eq!(start.to_rfc3339(), "2024-12-31T00:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2025-01-01T00:00:00+00:00");
    }
}
