//! [`MemoryStore`]: an in-memory `Store` that can be told to fail or to write slowly, for
//! recorder, actor and API tests. Samples live here; records in `records.rs`; roll-ups are
//! computed from the samples by `rollups.rs`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::records::MemoryRecords;
use crate::device::link::BoxFuture;
use crate::diagnostics::{AlarmJournalEntry, AlarmRecord, AuditEntry, DiagnosisRecord};
use crate::domain::{Sample, WellId};
use crate::store::{
    AlarmJournalQuery, AuditQuery, DiagnosisQuery, Record, RollupPoint, RollupQuery, Store, StoreError, StoredBaseline,
    StoredWell, TelemetryQuery,
};

/// An in-memory store that can be told to fail, for recorder and API tests.
#[derive(Clone, Default)]
pub struct MemoryStore {
    samples: Arc<Mutex<Vec<Sample>>>,
    wells: Arc<Mutex<Vec<StoredWell>>>,
    records: Arc<Mutex<MemoryRecords>>,
    failing: Arc<Mutex<bool>>,
    /// How long every write takes, to exercise back-pressure.
    write_delay: Arc<Mutex<Duration>>,
}

impl MemoryStore {
    pub fn samples(&self) -> Vec<Sample> {
        self.samples.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// While set, every call answers `Unavailable`.
    pub fn set_failing(&self, failing: bool) {
        *self.failing.lock().unwrap_or_else(PoisonError::into_inner) = failing;
    }

    pub fn set_write_delay(&self, delay: Duration) {
        *self.write_delay.lock().unwrap_or_else(PoisonError::into_inner) = delay;
    }

    fn check(&self) -> Result<(), StoreError> {
        if *self.failing.lock().unwrap_or_else(PoisonError::into_inner) {
            return Err(StoreError::Unavailable("memory store set to fail".into()));
        }
        Ok(())
    }

    /// Waits out the configured write delay, then answers as `check` does.
    async fn check_write(&self) -> Result<(), StoreError> {
        let delay = *self.write_delay.lock().unwrap_or_else(PoisonError::into_inner);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        self.check()
    }

    /// Reads the records after `check`.
    fn read_records<T>(&self, read: impl FnOnce(&MemoryRecords) -> T) -> Result<T, StoreError> {
        self.check()?;
        Ok(read(&self.records.lock().unwrap_or_else(PoisonError::into_inner)))
    }
}

fn in_range(sample: &Sample, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    sample.at >= from && sample.at < to
}

impl Store for MemoryStore {
    fn write_samples<'a>(&'a self, samples: &'a [Sample]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.check_write().await?;
            self.samples.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(samples);
            Ok(())
        })
    }

    fn read_telemetry<'a>(&'a self, query: &'a TelemetryQuery) -> BoxFuture<'a, Result<Vec<Sample>, StoreError>> {
        Box::pin(async move {
            self.check()?;
            let samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
            let mut found: Vec<Sample> = samples
                .iter()
                .filter(|s| s.well_id == query.well_id && in_range(s, query.from, query.to))
                .cloned()
                .collect();
            found.sort_by_key(|s| s.at);
            found.truncate(query.limit);
            Ok(found)
        })
    }

    /// Computed from the samples on every read: the reference the SQL backends are held to.
    fn read_rollups<'a>(&'a self, query: &'a RollupQuery) -> BoxFuture<'a, Result<Vec<RollupPoint>, StoreError>> {
        Box::pin(async move {
            self.check()?;
            let samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
            Ok(super::rollups_of(samples.iter(), query))
        })
    }

    fn count_samples<'a>(&'a self, well_id: Option<&'a WellId>) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            self.check()?;
            let samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
            Ok(samples.iter().filter(|s| well_id.is_none_or(|id| &s.well_id == id)).count() as u64)
        })
    }

    fn save_well<'a>(&'a self, well: &'a StoredWell) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.check()?;
            let mut wells = self.wells.lock().unwrap_or_else(PoisonError::into_inner);
            wells.retain(|w| w.id != well.id);
            wells.push(well.clone());
            Ok(())
        })
    }

    fn delete_well<'a>(&'a self, well_id: &'a WellId) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.check()?;
            self.wells.lock().unwrap_or_else(PoisonError::into_inner).retain(|w| &w.id != well_id);
            Ok(())
        })
    }

    fn load_wells(&self) -> BoxFuture<'_, Result<Vec<StoredWell>, StoreError>> {
        Box::pin(async move {
            self.check()?;
            Ok(self.wells.lock().unwrap_or_else(PoisonError::into_inner).clone())
        })
    }

    fn write_records<'a>(&'a self, records: &'a [Record]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.check_write().await?;
            self.records.lock().unwrap_or_else(PoisonError::into_inner).write(records)
        })
    }

    fn read_diagnoses<'a>(
        &'a self,
        query: &'a DiagnosisQuery,
    ) -> BoxFuture<'a, Result<Vec<DiagnosisRecord>, StoreError>> {
        Box::pin(async move { self.read_records(|records| records.diagnoses(query)) })
    }

    fn load_alarms(&self) -> BoxFuture<'_, Result<Vec<AlarmRecord>, StoreError>> {
        Box::pin(async move { self.read_records(MemoryRecords::alarms) })
    }

    fn read_alarm_journal<'a>(
        &'a self,
        query: &'a AlarmJournalQuery,
    ) -> BoxFuture<'a, Result<Vec<AlarmJournalEntry>, StoreError>> {
        Box::pin(async move { self.read_records(|records| records.journal(query)) })
    }

    fn read_audit<'a>(&'a self, query: &'a AuditQuery) -> BoxFuture<'a, Result<Vec<AuditEntry>, StoreError>> {
        Box::pin(async move { self.read_records(|records| records.audit(query)) })
    }

    fn load_baselines(&self) -> BoxFuture<'_, Result<Vec<StoredBaseline>, StoreError>> {
        Box::pin(async move { self.read_records(MemoryRecords::baselines) })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move { self.check() })
    }
}
