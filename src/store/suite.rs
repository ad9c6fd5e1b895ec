//! The behaviour every `Store` backend must show, written once against `Arc<dyn Store>`.
//!
//! A backend's tests run all of it with one line, given an async fixture that returns a fresh,
//! empty store and a guard that keeps its resources (a temp directory, a database) alive:
//!
//! ```ignore
//! crate::store::suite::store_suite!(fresh_store);
//! ```
//!
//! Each case becomes its own `#[tokio::test]` named after the behaviour. Sample cases are
//! here; record cases (diagnoses, alarms, journal, audit, baselines) in `suite/records.rs`,
//! the audit trail's filters in `suite/audit.rs`, one well's alarm journal in
//! `suite/journal.rs` and roll-up cases in `suite/rollups.rs`, all also run against the
//! engine's `MemoryStore`, so the recorder, actor and API tests that use it see what a real
//! backend would do. The SQL backends' write-behind roll-ups have their own
//! cases in `suite/write_behind.rs`, run with `store_suite!(write_behind $fixture)` on a
//! fixture that returns the backend's own type. Users and API keys (`suite/accounts.rs`) run
//! with `store_suite!(accounts $fixture)` on a fixture that returns an `Arc<dyn Accounts>`,
//! against both backends and the auth module's `MemoryAccounts`.

mod accounts;
mod audit;
mod journal;
mod records;
mod rollups;
mod write_behind;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use wellvisor_actors::domain::{Parameter, RunState, Sample, TripCode, WellId};
use wellvisor_actors::store::{Store, StoredWell, TelemetryQuery};

/// Expands to one `#[tokio::test]` per suite case, each on a fresh store from `$fixture`.
/// `store_suite!(records $fixture)` runs the record cases only; `store_suite!(accounts $fixture)`
/// runs the users and API keys cases, on a fixture that returns an `Arc<dyn Accounts>`.
macro_rules! store_suite {
    (records $fixture:path) => {
        $crate::store::suite::store_suite!($fixture;
            every_record_kind_round_trips,
            diagnoses_round_trip_for_every_kind_event_and_source,
            evidence_numbers_round_trip_exactly,
            alarm_states_are_replaced_not_duplicated,
            baselines_are_replaced_not_duplicated,
            record_ranges_include_from_exclude_to_and_filter_by_source,
            record_limits_return_the_oldest_first,
            audit_is_append_only_in_write_order,
            a_batch_with_an_invalid_record_writes_nothing,
            an_empty_record_batch_is_a_no_op,
            audit_entries_round_trip_with_and_without_roles_and_results,
            audit_filters_match_actor_action_and_target_exactly,
            audit_results_match_by_prefix,
            audit_filters_combine_and_apply_before_the_range_limit,
            audit_of_a_well_holds_its_alarms_and_reads_newest_first,
            journal_of_a_well_holds_its_alarms_only_and_reads_newest_first,
        );
    };
    (accounts $fixture:path) => {
        $crate::store::suite::store_suite!($fixture;
            users_and_api_keys_round_trip_sorted,
            saving_a_user_again_replaces_it,
            saving_an_api_key_again_replaces_it,
        );
    };
    (write_behind $fixture:path) => {
        $crate::store::suite::store_suite!($fixture;
            rollups_stay_exact_when_flushed_between_batches,
            rollups_flush_by_themselves_at_the_row_cap,
        );
    };
    (rollups $fixture:path) => {
        $crate::store::suite::store_suite!($fixture;
            rollups_equal_a_direct_computation_over_the_raw_data,
            rollups_read_only_the_asked_parameters,
            rollup_limits_return_the_oldest_buckets_first,
            rollup_ranges_hold_the_buckets_that_start_in_them,
        );
    };
    ($fixture:path) => {
        $crate::store::suite::store_suite!($fixture;
            every_value_round_trips_to_the_millisecond,
            absent_values_stay_absent,
            params_filter_returns_only_those_values,
            range_includes_from_and_excludes_to,
            limit_returns_the_oldest_first,
            samples_are_counted_per_well_and_overall,
            a_batch_of_ten_thousand_round_trips_and_counts_exactly,
            samples_with_the_same_timestamp_are_both_kept,
            an_empty_batch_is_a_no_op,
            wells_are_saved_replaced_deleted_and_loaded,
            ping_answers,
        );
        $crate::store::suite::store_suite!(records $fixture);
        $crate::store::suite::store_suite!(rollups $fixture);
    };
    ($fixture:path; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let (store, _guard) = $fixture().await;
                $crate::store::suite::$case(store).await;
            }
        )+
    };
}
pub(crate) use store_suite;

pub(crate) use accounts::*;
pub(crate) use audit::*;
pub(crate) use journal::*;
pub(crate) use records::*;
pub(crate) use rollups::*;
pub(crate) use write_behind::*;

pub(crate) fn well(id: &str) -> WellId {
    WellId::new(id).expect("valid well id")
}

/// A fixed instant with milliseconds, plus `millis`.
pub(crate) fn at(millis: i64) -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2025, 3, 14, 9, 26, 53).single().expect("valid date");
    base + Duration::milliseconds(589 + millis)
}

/// A sample with every parameter set to a distinct value that is not a short decimal, both
/// canonical codes and both raw codes.
pub(crate) fn full_sample(well_id: &WellId, at: DateTime<Utc>, seed: u32) -> Sample {
    let mut sample = Sample::new(well_id.clone(), at);
    for parameter in Parameter::ALL.iter().filter(|p| !p.is_code()) {
        let value = f64::from(seed) + (parameter.index() as f64 + 1.0) / 7.0;
        sample.values.set(*parameter, value);
    }
    sample.run_state = Some(RunState::ALL[seed as usize % RunState::ALL.len()]);
    sample.values.set(Parameter::RunState, f64::from(seed % 5 + 2));
    sample.trip_code = Some(TripCode::ALL[seed as usize % TripCode::ALL.len()]);
    sample.values.set(Parameter::TripCode, f64::from(seed % 300 + 1000));
    sample
}

/// Everything of `well_id` in `[from, to)`, all parameters.
pub(crate) fn range(well_id: &WellId, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> TelemetryQuery {
    TelemetryQuery { well_id: well_id.clone(), from, to, params: Vec::new(), limit }
}

pub(crate) async fn every_value_round_trips_to_the_millisecond(store: Arc<dyn Store>) {
    let w = well("W-001");
    let written: Vec<Sample> = (0..RunState::ALL.len().max(TripCode::ALL.len()) as u32)
        .map(|seed| full_sample(&w, at(i64::from(seed) * 1001), seed))
        .collect();
    store.write_samples(&written).await.expect("write");
    let read = store.read_telemetry(&range(&w, at(-1000), at(1_000_000), 100)).await.expect("read");
    assert_eq!(read, written);
    assert_eq!(read[0].values.len(), Parameter::COUNT);
    assert_eq!(read[1].at.timestamp_subsec_millis(), 590);
}

pub(crate) async fn absent_values_stay_absent(store: Arc<dyn Store>) {
    let w = well("W-001");
    let mut sparse = Sample::new(w.clone(), at(0));
    sparse.values.set(Parameter::Frequency, 0.0);
    let bare = Sample::new(w.clone(), at(1));
    store.write_samples(&[sparse.clone(), bare.clone()]).await.expect("write");
    let read = store.read_telemetry(&range(&w, at(0), at(2), 10)).await.expect("read");
    assert_eq!(read, vec![sparse, bare]);
    assert_eq!(read[0].values.iter().collect::<Vec<_>>(), vec![(Parameter::Frequency, 0.0)]);
    assert!(read[1].values.is_empty());
    assert_eq!((read[1].run_state, read[1].trip_code), (None, None));
}

pub(crate) async fn params_filter_returns_only_those_values(store: Arc<dyn Store>) {
    let w = well("W-001");
    let full = full_sample(&w, at(0), 3);
    store.write_samples(std::slice::from_ref(&full)).await.expect("write");
    let mut query = range(&w, at(0), at(1), 10);
    query.params = vec![Parameter::MotorTemperature, Parameter::RunState];
    let read = store.read_telemetry(&query).await.expect("read");
    assert_eq!(read.len(), 1);
    let present: Vec<Parameter> = read[0].values.iter().map(|(p, _)| p).collect();
    assert_eq!(present, vec![Parameter::MotorTemperature, Parameter::RunState]);
    assert_eq!(read[0].values.get(Parameter::MotorTemperature), full.values.get(Parameter::MotorTemperature));
    assert_eq!(read[0].values.get(Parameter::RunState), full.values.get(Parameter::RunState));
    assert_eq!((read[0].run_state, read[0].trip_code), (full.run_state, None));
}

pub(crate) async fn range_includes_from_and_excludes_to(store: Arc<dyn Store>) {
    let (w, other) = (well("W-001"), well("W-002"));
    let mut samples: Vec<Sample> = (0..5).map(|i| full_sample(&w, at(i * 1000), i as u32)).collect();
    samples.push(full_sample(&other, at(1000), 9));
    store.write_samples(&samples).await.expect("write");
    let read = store.read_telemetry(&range(&w, at(1000), at(3000), 10)).await.expect("read");
    assert_eq!(read, samples[1..3].to_vec());
    let read = store.read_telemetry(&range(&w, at(1001), at(2000), 10)).await.expect("read");
    assert!(read.is_empty(), "{read:?}");
}

pub(crate) async fn limit_returns_the_oldest_first(store: Arc<dyn Store>) {
    let w = well("W-001");
    let mut samples: Vec<Sample> = (0..10).map(|i| full_sample(&w, at(i * 1000), i as u32)).collect();
    samples.reverse();
    store.write_samples(&samples).await.expect("write");
    let read = store.read_telemetry(&range(&w, at(0), at(100_000), 3)).await.expect("read");
    let times: Vec<DateTime<Utc>> = read.iter().map(|s| s.at).collect();
    assert_eq!(times, vec![at(0), at(1000), at(2000)]);
    let none = store.read_telemetry(&range(&w, at(0), at(100_000), 0)).await.expect("read");
    assert!(none.is_empty());
}

pub(crate) async fn samples_are_counted_per_well_and_overall(store: Arc<dyn Store>) {
    let (a, b) = (well("W-001"), well("W-002"));
    assert_eq!(store.count_samples(None).await.expect("count"), 0);
    let mut samples: Vec<Sample> = (0..3).map(|i| full_sample(&a, at(i), 1)).collect();
    samples.extend((0..5).map(|i| Sample::new(b.clone(), at(i))));
    store.write_samples(&samples).await.expect("write");
    assert_eq!(store.count_samples(Some(&a)).await.expect("count a"), 3);
    assert_eq!(store.count_samples(Some(&b)).await.expect("count b"), 5);
    assert_eq!(store.count_samples(Some(&well("W-404"))).await.expect("count none"), 0);
    assert_eq!(store.count_samples(None).await.expect("count all"), 8);
}

pub(crate) async fn a_batch_of_ten_thousand_round_trips_and_counts_exactly(store: Arc<dyn Store>) {
    let wells: Vec<WellId> = (0..10).map(|i| well(&format!("W-{i:03}"))).collect();
    let batch: Vec<Sample> =
        (0..10_000u32).map(|i| full_sample(&wells[i as usize % 10], at(i64::from(i / 10) * 1000), i)).collect();
    store.write_samples(&batch).await.expect("write");
    assert_eq!(store.count_samples(None).await.expect("count"), 10_000);
    assert_eq!(store.count_samples(Some(&wells[7])).await.expect("count"), 1_000);
    let read = store.read_telemetry(&range(&wells[7], at(0), at(2_000_000), 5_000)).await.expect("read");
    let expected: Vec<Sample> = batch.into_iter().filter(|s| s.well_id == wells[7]).collect();
    assert_eq!(read, expected);
}

pub(crate) async fn samples_with_the_same_timestamp_are_both_kept(store: Arc<dyn Store>) {
    let w = well("W-001");
    let (first, second) = (full_sample(&w, at(0), 1), full_sample(&w, at(0), 2));
    store.write_samples(std::slice::from_ref(&first)).await.expect("write first");
    store.write_samples(&[second.clone(), second.clone()]).await.expect("write second");
    assert_eq!(store.count_samples(Some(&w)).await.expect("count"), 3);
    let read = store.read_telemetry(&range(&w, at(0), at(1), 10)).await.expect("read");
    assert_eq!(read, vec![first, second.clone(), second]);
}

pub(crate) async fn an_empty_batch_is_a_no_op(store: Arc<dyn Store>) {
    store.write_samples(&[]).await.expect("write nothing");
    assert_eq!(store.count_samples(None).await.expect("count"), 0);
}

pub(crate) async fn wells_are_saved_replaced_deleted_and_loaded(store: Arc<dyn Store>) {
    assert_eq!(store.load_wells().await.expect("load empty"), vec![]);
    let stored = |id: &str, definition: &str| StoredWell { id: well(id), definition: definition.to_owned() };
    store.save_well(&stored("W-002", r#"{"host":"10.0.0.2"}"#)).await.expect("save 2");
    store.save_well(&stored("W-001", r#"{"host":"10.0.0.1"}"#)).await.expect("save 1");
    store.save_well(&stored("W-002", r#"{"host":"10.0.0.22"}"#)).await.expect("replace 2");
    let mut loaded = store.load_wells().await.expect("load");
    loaded.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(loaded, vec![stored("W-001", r#"{"host":"10.0.0.1"}"#), stored("W-002", r#"{"host":"10.0.0.22"}"#)]);
    store.write_samples(&[Sample::new(well("W-001"), at(0))]).await.expect("write");
    store.delete_well(&well("W-001")).await.expect("delete");
    assert_eq!(store.count_samples(Some(&well("W-001"))).await.expect("count"), 1, "telemetry stays");
    store.delete_well(&well("W-404")).await.expect("deleting an unknown well is not an error");
    assert_eq!(store.load_wells().await.expect("load"), vec![stored("W-002", r#"{"host":"10.0.0.22"}"#)]);
}

pub(crate) async fn ping_answers(store: Arc<dyn Store>) {
    store.ping().await.expect("ping");
}
