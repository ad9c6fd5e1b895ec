//! Every value a spool frame carries reads back bit-exact, and damage is refused, not guessed.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::diagnostics::{
    AlarmId, AlarmJournalEntry, AlarmMemory, AlarmRecord, AlarmState, AuditEntry, DiagnosisEvent, DiagnosisKind,
    DiagnosisRecord, Evidence, Priority, Shelf, Source,
};

fn at(secs: i64, nanos: u32) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, nanos).single().unwrap_or_default()
}

fn well() -> WellId {
    WellId::new("W-017.b_x").expect("valid well id")
}

fn round_trip<T: Spoolable + PartialEq + std::fmt::Debug>(value: &T) -> T {
    let mut payload = Vec::new();
    value.encode(&mut payload);
    T::decode(&payload).expect("decodes what it encoded")
}

/// Compares values by their bits, which `PartialEq` does not (it equates 0.0 and -0.0).
fn bits(sample: &Sample) -> Vec<(Parameter, u64)> {
    sample.values.iter().map(|(parameter, value)| (parameter, value.to_bits())).collect()
}

#[test]
fn version_one_has_a_slot_for_every_parameter() {
    for parameter in Parameter::ALL {
        assert!(PARAMETERS_V1.contains(parameter), "{parameter} has no slot");
    }
    assert_eq!(PARAMETERS_V1.len(), Parameter::COUNT);
}

#[test]
fn a_full_sample_reads_back_bit_exact() {
    let mut sample = Sample::new(well(), at(1_767_225_600, 123_456_789));
    let awkward = [-0.0, f64::MIN_POSITIVE / 3.0, f64::MAX, 0.1 + 0.2, -1e-300, 58.5];
    for (n, parameter) in Parameter::ALL.iter().enumerate() {
        sample.values.set(*parameter, awkward[n % awkward.len()] * (n as f64 + 1.0));
    }
    sample.run_state = Some(RunState::LockedOut);
    sample.trip_code = Some(TripCode::Other);
    let back = round_trip(&sample);
    assert_eq!(back, sample);
    assert_eq!(bits(&back), bits(&sample));
    assert_eq!(back.at.timestamp_subsec_nanos(), 123_456_789);
}

#[test]
fn a_sparse_sample_keeps_its_gaps_and_absent_states() {
    let mut sample = Sample::new(well(), at(-5, 1));
    sample.values.set(Parameter::TripCode, 7.0);
    let back = round_trip(&sample);
    assert_eq!(back, sample);
    assert_eq!(back.values.len(), 1);
    assert_eq!((back.run_state, back.trip_code), (None, None));
}

#[test]
fn every_drive_state_and_trip_code_has_its_own_code() {
    for state in [RunState::Stopped, RunState::Starting, RunState::Running, RunState::Tripped, RunState::LockedOut] {
        assert_eq!(run_state_from(run_state_code(state)), Some(state));
    }
    for code in 1..=11 {
        let trip = trip_code_from(code).expect("codes 1-11 are trip codes");
        assert_eq!(trip_code_code(trip), code);
    }
    assert_eq!(trip_code_from(12), None);
}

fn records() -> Vec<Record> {
    let source = Source::Well(well());
    let alarm_id = AlarmId::new(&source, "gas_lock");
    let diagnosis = DiagnosisRecord {
        source: source.clone(),
        kind: DiagnosisKind::GasLock,
        event: DiagnosisEvent::Raised,
        at: at(1_767_225_600, 999_999_999),
        priority: Priority::High,
        confidence: 2.0 / 3.0,
        evidence: vec![Evidence {
            signal: "cv_current".into(),
            value: 0.1 + 0.2,
            limit: Some(-0.0),
            baseline: Some(f64::MIN_POSITIVE),
            window_secs: Some(600),
        }],
        blocks_auto_restart: true,
        advice: "check \"gas\" — ünïcode".into(),
        alarm_id: alarm_id.clone(),
        parent: Some(AlarmId::new(&Source::Feeder("F-1".into()), "power_event")),
    };
    let memory = AlarmMemory {
        shelf: Some(Shelf { until: Some(at(1_767_229_200, 5)), reason: "maintenance".into() }),
        activations: 3,
        ..AlarmMemory::default()
    };
    let alarm = AlarmRecord {
        id: alarm_id.clone(),
        source,
        name: "gas_lock".into(),
        priority: Priority::Medium,
        state: AlarmState::Shelved,
        parent: None,
        message: "gas lock".into(),
        updated_at: at(1_767_225_601, 7),
        memory,
    };
    let journal = AlarmJournalEntry {
        alarm_id,
        at: at(1_767_225_602, 0),
        from: AlarmState::Unacknowledged,
        to: AlarmState::Shelved,
        cause: "shelved".into(),
        priority: Priority::Medium,
        actor: Some("10.0.0.7".into()),
    };
    let audit = AuditEntry {
        at: at(1_767_225_603, 1),
        actor: "10.0.0.7".into(),
        action: "shelve".into(),
        target: "W-017.b_x:gas_lock".into(),
        reason: Some("maintenance".into()),
        before: None,
        after: Some("shelved".into()),
        role: Some("operator".into()),
        client: Some("10.0.0.7 (via 127.0.0.1)".into()),
        params: Some(r#"{"reason":"maintenance","duration":"2h"}"#.into()),
        result: Some("ok".into()),
    };
    let baseline = StoredBaseline { well_id: well(), at: at(1_767_225_604, 42), state: r#"{"load":41.25}"#.into() };
    vec![
        Record::Diagnosis(diagnosis),
        Record::AlarmState(alarm),
        Record::Journal(journal),
        Record::Audit(audit),
        Record::Baseline(baseline),
    ]
}

#[test]
fn every_record_kind_reads_back_exactly() {
    for record in records() {
        assert_eq!(round_trip(&record), record, "{}", record.kind());
    }
}

#[test]
fn an_audit_entry_spooled_before_roles_and_results_existed_still_decodes() {
    let older = r#"{"at":"2026-01-01T00:00:03Z","actor":"10.0.0.7","action":"ack","target":"W-1:gas_lock"}"#;
    let mut payload = vec![VERSION, AUDIT];
    payload.extend_from_slice(older.as_bytes());
    let Ok(Record::Audit(entry)) = Record::decode(&payload) else { panic!("an older audit entry decodes") };
    assert_eq!(
        (entry.actor.as_str(), entry.action.as_str(), entry.target.as_str()),
        ("10.0.0.7", "ack", "W-1:gas_lock")
    );
    assert_eq!((entry.role, entry.client, entry.params, entry.result), (None, None, None, None));
}

#[test]
fn evidence_numbers_keep_their_bits() {
    let Record::Diagnosis(diagnosis) = &records()[0] else { panic!("the first record is a diagnosis") };
    let Record::Diagnosis(back) = round_trip(&records()[0]) else { panic!("a diagnosis reads back as one") };
    let evidence = (&diagnosis.evidence[0], &back.evidence[0]);
    assert_eq!(evidence.0.value.to_bits(), evidence.1.value.to_bits());
    assert_eq!(evidence.0.limit.map(f64::to_bits), evidence.1.limit.map(f64::to_bits));
    assert_eq!(evidence.0.baseline.map(f64::to_bits), evidence.1.baseline.map(f64::to_bits));
    assert_eq!(diagnosis.confidence.to_bits(), back.confidence.to_bits());
}

#[test]
fn an_unknown_version_is_refused() {
    let mut payload = Vec::new();
    Sample::new(well(), at(0, 0)).encode(&mut payload);
    payload[0] = 9;
    assert_eq!(Sample::decode(&payload), Err(CodecError::Version(9)));
}

#[test]
fn a_cut_or_padded_payload_is_refused() {
    let mut sample = Sample::new(well(), at(10, 0));
    sample.values.set(Parameter::Frequency, 60.0);
    let mut payload = Vec::new();
    sample.encode(&mut payload);
    for len in 0..payload.len() {
        assert!(Sample::decode(&payload[..len]).is_err(), "a payload cut to {len} bytes decoded");
    }
    payload.push(0);
    assert!(matches!(Sample::decode(&payload), Err(CodecError::Malformed(_))));
    assert!(matches!(Record::decode(&[VERSION, 77]), Err(CodecError::Malformed(_))));
}
