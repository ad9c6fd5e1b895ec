//! The record half of the shared store suite: diagnosis history, alarm states, the alarm
//! journal, the audit trail and baselines. Cases are listed in `store_suite!`; the audit
//! trail's filters have theirs in `audit.rs`, one well's journal in `journal.rs`.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use wellvisor_actors::diagnostics::{
    AlarmId, AlarmJournalEntry, AlarmMemory, AlarmRecord, AlarmState, AuditEntry, CoreState, DiagnosisEvent,
    DiagnosisKind, DiagnosisRecord, Evidence, Priority, Shelf, Source,
};
use wellvisor_actors::store::{
    AlarmJournalQuery, AuditQuery, DiagnosisQuery, Record, Store, StoreError, StoredBaseline,
};

use super::{at, well};

fn source(id: &str) -> Source {
    Source::Well(well(id))
}

pub(crate) fn diagnosis(
    source: &Source,
    kind: DiagnosisKind,
    event: DiagnosisEvent,
    at: DateTime<Utc>,
) -> DiagnosisRecord {
    DiagnosisRecord {
        source: source.clone(),
        kind,
        event,
        at,
        priority: kind.default_priority(),
        confidence: 2.0 / 3.0,
        evidence: vec![
            Evidence {
                signal: "load_bl_pct".into(),
                value: 61.25,
                limit: Some(70.0),
                baseline: Some(98.5),
                window_secs: Some(600),
            },
            Evidence { signal: "intake_pressure".into(), value: 1e-7, limit: None, baseline: None, window_secs: None },
        ],
        blocks_auto_restart: kind.blocks_auto_restart(),
        advice: kind.advice().to_owned(),
        alarm_id: AlarmId::new(source, kind.as_str()),
        parent: Some(AlarmId::new(&Source::Feeder("F-1".into()), "power_event")),
    }
}

/// An alarm point with a memory that uses every field (a shelf with an expiry, an ack time).
pub(crate) fn alarm(id: &str, state: AlarmState, updated_at: DateTime<Utc>) -> AlarmRecord {
    let source = source("W-001");
    let memory = AlarmMemory {
        core: CoreState::Acknowledged,
        measured: true,
        measured_since: Some(updated_at - Duration::nanoseconds(1_234_567_891)),
        active: true,
        acked_at: Some(updated_at),
        shelf: Some(Shelf { until: Some(updated_at + Duration::hours(8)), reason: "pulling the pump".into() }),
        suppressed: false,
        out_of_service: None,
        activations: 3,
        suppressed_activations: 1,
    };
    AlarmRecord {
        id: AlarmId::parse(id),
        source,
        name: "gas_lock".into(),
        priority: Priority::High,
        state,
        parent: None,
        message: "gas lock: lower frequency, vent the casing".into(),
        updated_at,
        memory,
    }
}

pub(crate) fn journal(alarm: &str, at: DateTime<Utc>, cause: &str) -> AlarmJournalEntry {
    AlarmJournalEntry {
        alarm_id: AlarmId::parse(alarm),
        at,
        from: AlarmState::Unacknowledged,
        to: AlarmState::Acknowledged,
        cause: cause.to_owned(),
        priority: Priority::Medium,
        actor: Some("10.0.0.7".into()),
    }
}

pub(crate) fn audit(at: DateTime<Utc>, action: &str) -> AuditEntry {
    AuditEntry {
        at,
        actor: "10.0.0.7".into(),
        action: action.to_owned(),
        target: "W-001:gas_lock".into(),
        reason: Some("crew on site".into()),
        before: Some("unacknowledged".into()),
        after: None,
        role: Some("operator".into()),
        client: Some("10.0.0.7 (via 127.0.0.1)".into()),
        params: Some(r#"{"reason":"crew on site"}"#.into()),
        result: Some("ok".into()),
    }
}

pub(crate) fn baseline(id: &str, at: DateTime<Utc>, state: &str) -> StoredBaseline {
    StoredBaseline { well_id: well(id), at, state: state.to_owned() }
}

fn diagnoses_of(source: &Source, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> DiagnosisQuery {
    DiagnosisQuery { source: source.clone(), from, to, limit }
}

async fn write(store: &Arc<dyn Store>, records: Vec<Record>) {
    store.write_records(&records).await.expect("write records");
}

pub(crate) async fn every_record_kind_round_trips(store: Arc<dyn Store>) {
    let w = source("W-001");
    let d = diagnosis(&w, DiagnosisKind::GasLock, DiagnosisEvent::Raised, at(0));
    let (a, j, e, b) = (
        alarm("W-001:gas_lock", AlarmState::Shelved, at(1)),
        journal("W-001:gas_lock", at(2), "acknowledged"),
        audit(at(3), "shelve"),
        baseline("W-001", at(4), r#"{"current":{"mean":41.5,"var":0.25},"valid":true}"#),
    );
    let records = vec![
        Record::Diagnosis(d.clone()),
        Record::AlarmState(a.clone()),
        Record::Journal(j.clone()),
        Record::Audit(e.clone()),
        Record::Baseline(b.clone()),
    ];
    write(&store, records).await;
    assert_eq!(store.read_diagnoses(&diagnoses_of(&w, at(0), at(1), 10)).await.expect("diagnoses"), vec![d]);
    assert_eq!(store.load_alarms().await.expect("alarms"), vec![a]);
    assert_eq!(
        store.read_alarm_journal(&AlarmJournalQuery::between(at(0), at(10), 10)).await.expect("journal"),
        vec![j]
    );
    assert_eq!(store.read_audit(&AuditQuery::between(at(0), at(10), 10)).await.expect("audit"), vec![e]);
    assert_eq!(store.load_baselines().await.expect("baselines"), vec![b]);
}

pub(crate) async fn diagnoses_round_trip_for_every_kind_event_and_source(store: Arc<dyn Store>) {
    let sources = [source("W-001"), Source::Feeder("F-1".into()), Source::Gateway("10.0.0.5:502".into())];
    let mut written = Vec::new();
    for (n, kind) in DiagnosisKind::ALL.iter().enumerate() {
        let event = if n % 2 == 0 { DiagnosisEvent::Raised } else { DiagnosisEvent::Cleared };
        let mut d = diagnosis(&sources[n % 3], *kind, event, at(n as i64 * 10));
        d.parent = None;
        d.evidence.truncate(n % 3);
        written.push(d);
    }
    write(&store, written.iter().cloned().map(Record::Diagnosis).collect()).await;
    for source in &sources {
        let read = store.read_diagnoses(&diagnoses_of(source, at(0), at(1_000_000), 100)).await.expect("read");
        let expected: Vec<DiagnosisRecord> = written.iter().filter(|d| &d.source == source).cloned().collect();
        assert_eq!(read, expected, "{source}");
    }
}

pub(crate) async fn evidence_numbers_round_trip_exactly(store: Arc<dyn Store>) {
    let w = source("W-001");
    let mut d = diagnosis(&w, DiagnosisKind::Overload, DiagnosisEvent::Raised, at(0));
    let awkward = [122.05999999999999, 133.05814285714285, f64::MAX, f64::MIN_POSITIVE, -2.3607814556158805e-20];
    let values = (0..500).map(|i| f64::from(i) / 7.0 + 100.0).chain(awkward);
    d.evidence = values
        .map(|value| Evidence {
            signal: "load_np_pct".into(),
            value,
            limit: Some(value / 3.0),
            baseline: None,
            window_secs: None,
        })
        .collect();
    d.confidence = 0.1 + 0.2;
    write(&store, vec![Record::Diagnosis(d.clone())]).await;
    let read = store.read_diagnoses(&diagnoses_of(&w, at(0), at(1), 1)).await.expect("diagnoses");
    assert_eq!(read, vec![d]);
}

pub(crate) async fn alarm_states_are_replaced_not_duplicated(store: Arc<dyn Store>) {
    let first = alarm("W-001:gas_lock", AlarmState::Unacknowledged, at(0));
    let other = alarm("W-001:closed_valve", AlarmState::Latched, at(1));
    write(&store, vec![Record::AlarmState(first), Record::AlarmState(other.clone())]).await;
    let mut replaced = alarm("W-001:gas_lock", AlarmState::Acknowledged, at(2));
    replaced.memory.activations = 4;
    let mut latest = replaced.clone();
    latest.state = AlarmState::Normal;
    latest.message = "cleared".into();
    // Within one batch the later state wins.
    write(&store, vec![Record::AlarmState(replaced), Record::AlarmState(latest.clone())]).await;
    assert_eq!(store.load_alarms().await.expect("alarms"), vec![other, latest], "by id, one row each");
}

pub(crate) async fn baselines_are_replaced_not_duplicated(store: Arc<dyn Store>) {
    write(&store, vec![Record::Baseline(baseline("W-002", at(0), "{\"n\":1}"))]).await;
    write(&store, vec![Record::Baseline(baseline("W-001", at(1), "{\"n\":2}"))]).await;
    write(&store, vec![Record::Baseline(baseline("W-002", at(2), "{\"n\":3}"))]).await;
    let loaded = store.load_baselines().await.expect("baselines");
    assert_eq!(loaded, vec![baseline("W-001", at(1), "{\"n\":2}"), baseline("W-002", at(2), "{\"n\":3}")]);
}

pub(crate) async fn record_ranges_include_from_exclude_to_and_filter_by_source(store: Arc<dyn Store>) {
    let (w, other) = (source("W-001"), source("W-002"));
    let mut records = Vec::new();
    for i in 0..5 {
        records.push(Record::Diagnosis(diagnosis(&w, DiagnosisKind::PumpOff, DiagnosisEvent::Raised, at(i * 1000))));
        records.push(Record::Journal(journal("W-001:pump_off", at(i * 1000), "activated")));
        records.push(Record::Audit(audit(at(i * 1000), "ack")));
    }
    records.push(Record::Diagnosis(diagnosis(&other, DiagnosisKind::PumpOff, DiagnosisEvent::Raised, at(1000))));
    write(&store, records).await;
    let d = store.read_diagnoses(&diagnoses_of(&w, at(1000), at(3000), 10)).await.expect("diagnoses");
    assert_eq!(d.iter().map(|d| d.at).collect::<Vec<_>>(), vec![at(1000), at(2000)]);
    assert!(d.iter().all(|d| d.source == w));
    let j = store.read_alarm_journal(&AlarmJournalQuery::between(at(1000), at(3000), 10)).await.expect("journal");
    assert_eq!(j.iter().map(|j| j.at).collect::<Vec<_>>(), vec![at(1000), at(2000)]);
    let a = store.read_audit(&AuditQuery::between(at(1000), at(3000), 10)).await.expect("audit");
    assert_eq!(a.iter().map(|a| a.at).collect::<Vec<_>>(), vec![at(1000), at(2000)]);
    let none = store.read_diagnoses(&diagnoses_of(&w, at(1001), at(2000), 10)).await.expect("diagnoses");
    assert!(none.is_empty(), "{none:?}");
    let none = store.read_audit(&AuditQuery::between(at(1001), at(2000), 10)).await.expect("audit");
    assert!(none.is_empty(), "{none:?}");
}

pub(crate) async fn record_limits_return_the_oldest_first(store: Arc<dyn Store>) {
    let w = source("W-001");
    let mut records = Vec::new();
    for i in (0..10).rev() {
        records.push(Record::Diagnosis(diagnosis(&w, DiagnosisKind::Solids, DiagnosisEvent::Raised, at(i * 1000))));
        records.push(Record::Journal(journal("W-001:solids", at(i * 1000), "activated")));
        records.push(Record::Audit(audit(at(i * 1000), "ack")));
    }
    write(&store, records).await;
    let oldest = vec![at(0), at(1000), at(2000)];
    let d = store.read_diagnoses(&diagnoses_of(&w, at(0), at(100_000), 3)).await.expect("diagnoses");
    assert_eq!(d.iter().map(|d| d.at).collect::<Vec<_>>(), oldest);
    let j = store.read_alarm_journal(&AlarmJournalQuery::between(at(0), at(100_000), 3)).await.expect("journal");
    assert_eq!(j.iter().map(|j| j.at).collect::<Vec<_>>(), oldest);
    let a = store.read_audit(&AuditQuery::between(at(0), at(100_000), 3)).await.expect("audit");
    assert_eq!(a.iter().map(|a| a.at).collect::<Vec<_>>(), oldest);
    assert!(store.read_audit(&AuditQuery::between(at(0), at(100_000), 0)).await.expect("audit").is_empty());
    assert!(store
        .read_alarm_journal(&AlarmJournalQuery::between(at(0), at(100_000), 0))
        .await
        .expect("journal")
        .is_empty());
}

pub(crate) async fn audit_is_append_only_in_write_order(store: Arc<dyn Store>) {
    let (ack, shelve, reset) = (audit(at(5), "ack"), audit(at(5), "shelve"), audit(at(0), "reset"));
    write(&store, vec![Record::Audit(ack.clone()), Record::Audit(shelve.clone())]).await;
    write(&store, vec![Record::Audit(reset.clone()), Record::Audit(ack.clone())]).await;
    let read = store.read_audit(&AuditQuery::between(at(0), at(10), 10)).await.expect("audit");
    assert_eq!(read, vec![reset, ack.clone(), shelve, ack], "oldest first, equal times in write order, none merged");
    let journal_entry = journal("W-001:gas_lock", at(1), "acknowledged");
    write(&store, vec![Record::Journal(journal_entry.clone()), Record::Journal(journal_entry.clone())]).await;
    assert_eq!(
        store.read_alarm_journal(&AlarmJournalQuery::between(at(0), at(10), 10)).await.expect("journal"),
        vec![journal_entry; 2]
    );
}

pub(crate) async fn a_batch_with_an_invalid_record_writes_nothing(store: Arc<dyn Store>) {
    let records = vec![
        Record::Audit(audit(at(0), "ack")),
        Record::AlarmState(alarm("W-001:gas_lock", AlarmState::Acknowledged, at(0))),
        Record::Baseline(baseline("W-001", at(0), "not json")),
    ];
    let result = store.write_records(&records).await;
    assert!(matches!(result, Err(StoreError::Rejected(_))), "{result:?}");
    let mut nan = diagnosis(&source("W-001"), DiagnosisKind::Overload, DiagnosisEvent::Raised, at(0));
    nan.evidence[0].value = f64::NAN;
    let result = store.write_records(&[Record::Audit(audit(at(0), "ack")), Record::Diagnosis(nan)]).await;
    assert!(matches!(result, Err(StoreError::Rejected(_))), "{result:?}");
    assert!(store.read_audit(&AuditQuery::between(at(-1000), at(1000), 10)).await.expect("audit").is_empty());
    assert!(store.load_alarms().await.expect("alarms").is_empty());
    assert!(store.load_baselines().await.expect("baselines").is_empty());
}

pub(crate) async fn an_empty_record_batch_is_a_no_op(store: Arc<dyn Store>) {
    store.write_records(&[]).await.expect("write nothing");
    assert!(store.load_alarms().await.expect("alarms").is_empty());
    assert!(store.load_baselines().await.expect("baselines").is_empty());
    assert!(store.read_audit(&AuditQuery::between(at(-1000), at(1000), 10)).await.expect("audit").is_empty());
}

/// The record cases against the engine's in-memory test store.
mod memory_store {
    use std::sync::Arc;

    use wellvisor_actors::store::Store;
    use wellvisor_actors::testing::MemoryStore;

    async fn fresh_store() -> (Arc<dyn Store>, ()) {
        (Arc::new(MemoryStore::default()), ())
    }

    crate::store::suite::store_suite!(records fresh_store);
}
