//! The storage seam: what the recorder and the API need from a historian. The service
//! implements it for SQLite and PostgreSQL; this crate knows no SQL.

use chrono::{DateTime, Utc};

use crate::device::link::BoxFuture;
use crate::domain::{Parameter, Sample, WellId};

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

/// A historian backend.
pub trait Store: Send + Sync + 'static {
    /// Writes a batch in one transaction: all of it or none of it.
    fn write_samples<'a>(&'a self, samples: &'a [Sample]) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Raw samples of one well in `[from, to)`, oldest first, at most `limit`.
    fn read_telemetry<'a>(&'a self, query: &'a TelemetryQuery) -> BoxFuture<'a, Result<Vec<Sample>, StoreError>>;

    /// How many samples are stored, for one well or for all.
    fn count_samples<'a>(&'a self, well_id: Option<&'a WellId>) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// Records a well added at run time (replacing an earlier definition).
    fn save_well<'a>(&'a self, well: &'a StoredWell) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Forgets a well added at run time; its telemetry stays.
    fn delete_well<'a>(&'a self, well_id: &'a WellId) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Every well added at run time and not removed since.
    fn load_wells(&self) -> BoxFuture<'_, Result<Vec<StoredWell>, StoreError>>;

    /// Whether the store answers now (readiness).
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>>;
}
