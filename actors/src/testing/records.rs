//! The record half of [`super::MemoryStore`]: diagnosis history, alarm states, journal, audit
//! and baselines in memory, with the same semantics as the SQL backends (upserts by key,
//! `[from, to)` ranges oldest first, ties in write order, all-or-nothing batches).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::diagnostics::{AlarmId, AlarmJournalEntry, AlarmRecord, AuditEntry, DiagnosisRecord};
use crate::domain::WellId;
use crate::store::{AlarmJournalQuery, AuditQuery, DiagnosisQuery, Record, StoreError, StoredBaseline};

/// Everything written through `write_records`.
#[derive(Default)]
pub(super) struct MemoryRecords {
    diagnoses: Vec<DiagnosisRecord>,
    alarms: BTreeMap<AlarmId, AlarmRecord>,
    journal: Vec<AlarmJournalEntry>,
    audit: Vec<AuditEntry>,
    baselines: BTreeMap<WellId, StoredBaseline>,
}

impl MemoryRecords {
    /// Applies a batch in order, or nothing of it when one record is invalid.
    pub(super) fn write(&mut self, records: &[Record]) -> Result<(), StoreError> {
        records.iter().try_for_each(Record::validate)?;
        for record in records {
            self.apply(record.clone());
        }
        Ok(())
    }

    fn apply(&mut self, record: Record) {
        match record {
            Record::Diagnosis(diagnosis) => self.diagnoses.push(diagnosis),
            Record::AlarmState(alarm) => {
                self.alarms.insert(alarm.id.clone(), alarm);
            }
            Record::Journal(entry) => self.journal.push(entry),
            Record::Audit(entry) => self.audit.push(entry),
            Record::Baseline(baseline) => {
                self.baselines.insert(baseline.well_id.clone(), baseline);
            }
        }
    }

    pub(super) fn diagnoses(&self, query: &DiagnosisQuery) -> Vec<DiagnosisRecord> {
        let of_source = self.diagnoses.iter().filter(|d| d.source == query.source);
        in_range(of_source, |d| d.at, query.from, query.to, query.limit)
    }

    pub(super) fn alarms(&self) -> Vec<AlarmRecord> {
        self.alarms.values().cloned().collect()
    }

    pub(super) fn journal(&self, query: &AlarmJournalQuery) -> Vec<AlarmJournalEntry> {
        let passing = self.journal.iter().filter(|e| query.matches(e));
        let found = in_range(passing, |e| e.at, query.from, query.to, usize::MAX);
        latest_or_oldest(found, query.newest_first, query.limit)
    }

    pub(super) fn audit(&self, query: &AuditQuery) -> Vec<AuditEntry> {
        let passing = self.audit.iter().filter(|e| query.matches(e));
        let found = in_range(passing, |e| e.at, query.from, query.to, usize::MAX);
        latest_or_oldest(found, query.newest_first, query.limit)
    }

    pub(super) fn baselines(&self) -> Vec<StoredBaseline> {
        self.baselines.values().cloned().collect()
    }
}

/// The first `limit` of entries found oldest first, or of the same reversed (newest first,
/// equal times in reverse write order, as the SQL backends order by time and row).
fn latest_or_oldest<T>(mut found: Vec<T>, newest_first: bool, limit: usize) -> Vec<T> {
    if newest_first {
        found.reverse();
    }
    found.truncate(limit);
    found
}

/// The entries in `[from, to)`, oldest first (a stable sort keeps write order on ties), at most
/// `limit`.
fn in_range<'a, T: Clone + 'a>(
    entries: impl Iterator<Item = &'a T>,
    at: impl Fn(&T) -> DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
) -> Vec<T> {
    let mut found: Vec<T> = entries.filter(|e| at(e) >= from && at(e) < to).cloned().collect();
    found.sort_by_key(|e| at(e));
    found.truncate(limit);
    found
}
