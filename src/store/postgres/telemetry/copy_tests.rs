//! The binary `COPY` of telemetry against a real server (a throwaway one, a fresh database per
//! test): what the shared suite does not pin down about it, namely `seq` in stream order,
//! routing to day partitions, and times on both sides of PostgreSQL's 2000-01-01 epoch.

use chrono::{DateTime, Duration, TimeZone, Utc};
use wellvisor_actors::domain::{Parameter, Sample};
use wellvisor_actors::store::Store;

use crate::store::postgres::{partitions, PostgresStore};
use crate::store::suite::{at, full_sample, range, well};
use crate::store::throwaway;

async fn fresh() -> PostgresStore {
    let url = throwaway::database().await.unwrap_or_else(|error| panic!("throwaway database: {error}"));
    PostgresStore::open(&url).await.unwrap_or_else(|error| panic!("open {url}: {error}"))
}

async fn count(store: &PostgresStore, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    sqlx::query_scalar(&sql).fetch_one(&store.pool).await.unwrap_or_else(|error| panic!("{sql}: {error}"))
}

#[tokio::test]
async fn equal_times_read_back_and_take_seq_in_batch_order() {
    let store = fresh().await;
    let (a, b) = (well("W-001"), well("W-002"));
    // Two wells interleaved, every sample of the batch at the same millisecond.
    let batch: Vec<Sample> = (0..3_000u32).map(|i| full_sample(if i % 2 == 0 { &a } else { &b }, at(0), i)).collect();
    store.write_samples(&batch).await.expect("write");
    let read = store.read_telemetry(&range(&a, at(0), at(1), 10_000)).await.expect("read");
    let of_a: Vec<Sample> = batch.iter().filter(|s| s.well_id == a).cloned().collect();
    assert_eq!(read, of_a);
    let by_seq: Vec<f64> = sqlx::query_scalar("SELECT current_a FROM telemetry ORDER BY seq")
        .fetch_all(&store.pool)
        .await
        .expect("by seq");
    let written: Vec<f64> = batch.iter().filter_map(|s| s.values.get(Parameter::CurrentA)).collect();
    assert_eq!(by_seq, written);
}

#[tokio::test]
async fn a_batch_spanning_midnight_lands_in_both_day_partitions() {
    let store = fresh().await;
    let w = well("W-001");
    let midnight = Utc.with_ymd_and_hms(2025, 6, 2, 0, 0, 0).single().expect("midnight");
    let times = [midnight - Duration::milliseconds(1), midnight, midnight - Duration::hours(1)];
    let batch: Vec<Sample> = times.iter().zip(0..).map(|(&t, seed)| full_sample(&w, t, seed)).collect();
    store.write_samples(&batch).await.expect("write");
    let day_before = partitions::name(times[0].date_naive());
    assert_eq!(count(&store, &day_before).await, 2, "{day_before}");
    assert_eq!(count(&store, &partitions::name(midnight.date_naive())).await, 1);
    assert_eq!(count(&store, "telemetry_default").await, 0);
    let read = store.read_telemetry(&range(&w, times[2], midnight + Duration::seconds(1), 10)).await;
    assert_eq!(read.expect("read"), vec![batch[2].clone(), batch[0].clone(), batch[1].clone()]);
}

#[tokio::test]
async fn times_before_and_after_the_postgres_epoch_round_trip_to_the_millisecond() {
    let store = fresh().await;
    let w = well("W-001");
    let epoch = DateTime::from_timestamp_millis(946_684_800_000).expect("2000-01-01");
    let offsets = [-86_400_000_123, -1, 0, 1, 1_000_000_000_007];
    let batch: Vec<Sample> =
        offsets.iter().zip(0..).map(|(&ms, seed)| full_sample(&w, epoch + Duration::milliseconds(ms), seed)).collect();
    store.write_samples(&batch).await.expect("write");
    let (first, last) = (batch[0].at, batch[4].at + Duration::milliseconds(1));
    assert_eq!(store.read_telemetry(&range(&w, first, last, 10)).await.expect("read"), batch);
}

#[tokio::test]
async fn chunks_copied_in_one_transaction_end_at_currval_and_commit_together() {
    let store = fresh().await;
    let w = well("W-001");
    let batch: Vec<Sample> = (0..500u32).map(|i| full_sample(&w, at(i64::from(i)), i)).collect();
    let mut tx = store.pool.begin().await.expect("begin");
    for chunk in batch.chunks(200) {
        let copied = super::insert(chunk).execute(&mut tx).await.expect("copy");
        assert_eq!(copied, chunk.len() as u64);
    }
    let last: i64 = sqlx::query_scalar("SELECT currval('telemetry_seq')").fetch_one(&mut *tx).await.expect("currval");
    let highest: i64 = sqlx::query_scalar("SELECT max(seq) FROM telemetry").fetch_one(&mut *tx).await.expect("max");
    assert_eq!(last, highest);
    assert_eq!(count(&store, "telemetry").await, 0, "nothing visible before the commit");
    tx.commit().await.expect("commit");
    let read = store.read_telemetry(&range(&w, at(0), at(500), 1_000)).await.expect("read");
    assert_eq!(read, batch);
}
