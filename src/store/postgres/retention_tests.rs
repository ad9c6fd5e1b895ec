//! What is particular to PostgreSQL retention: a day goes as a dropped partition, strays of the
//! default partition go with their day, empty partitions are dropped without an archive, and a
//! restored day gets its partition back.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use wellvisor_actors::store::Store;

use super::super::{partitions, PostgresStore};
use crate::archive::{restore_day, run_pass};
use crate::config::RetentionConfig;
use crate::store::retention::Retention;
use crate::store::suite::{full_sample, well};
use crate::store::throwaway;

async fn fresh() -> PostgresStore {
    let url = throwaway::database().await.unwrap_or_else(|error| panic!("throwaway database: {error}"));
    PostgresStore::open(&url).await.unwrap_or_else(|error| panic!("open {url}: {error}"))
}

async fn scalar(store: &PostgresStore, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&store.pool).await.unwrap_or_else(|error| panic!("{sql}: {error}"))
}

async fn partition_exists(store: &PostgresStore, day: NaiveDate) -> bool {
    let sql = format!("SELECT count(*) FROM pg_class WHERE relname = '{}' AND relispartition", partitions::name(day));
    scalar(store, &sql).await == 1
}

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, month, day).expect("date")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 4, 20, 12, 0, 0).single().expect("time")
}

#[tokio::test]
async fn a_day_goes_as_a_dropped_partition_and_its_default_strays_with_it() {
    let store = fresh().await;
    let (day, strays) = (date(3, 14), date(3, 10));
    let w = well("W-001");
    let at = day.and_hms_opt(8, 0, 0).expect("time").and_utc();
    store.write_samples(&[full_sample(&w, at, 1), full_sample(&w, at, 2)]).await.expect("write");
    // Rows of a day without a partition, as when its partition could not be created.
    sqlx::raw_sql(
        "INSERT INTO telemetry_default (well_id, at, frequency) VALUES \
         ('W-001', '2025-03-10 05:00:00+00', 50.5), ('W-002', '2025-03-10 23:59:59.999+00', 51.5)",
    )
    .execute(&store.pool)
    .await
    .expect("insert strays");
    assert!(partition_exists(&store, day).await && !partition_exists(&store, strays).await);

    let dir = tempfile::tempdir().expect("dir");
    let config = RetentionConfig { archive_dir: dir.path().to_owned(), ..RetentionConfig::default() };
    let report = run_pass(&store, &config, now()).await.expect("pass");
    let archived: Vec<(NaiveDate, u64)> = report.archived.iter().map(|entry| (entry.day, entry.samples)).collect();
    assert_eq!(archived, [(strays, 2), (day, 2)], "{report:?}");
    assert!(!partition_exists(&store, day).await, "the day's partition is dropped");
    assert_eq!(scalar(&store, "SELECT count(*) FROM telemetry_default").await, 0, "strays deleted");

    restore_day(&store, dir.path(), day).await.expect("restore");
    restore_day(&store, dir.path(), strays).await.expect("restore strays");
    assert!(partition_exists(&store, day).await, "a restored day gets its partition back");
    assert!(partition_exists(&store, strays).await, "restored strays get a partition of their own");
    assert_eq!(scalar(&store, "SELECT count(*) FROM telemetry_default").await, 0);
    assert_eq!(store.count_samples(None).await.expect("count"), 4);
}

#[tokio::test]
async fn empty_day_partitions_are_dropped_without_an_archive() {
    let store = fresh().await;
    let today = Utc::now().date_naive();
    assert!(partition_exists(&store, today).await, "created at open");
    let later = Utc::now() + chrono::Duration::days(60);
    let dir = tempfile::tempdir().expect("dir");
    let config = RetentionConfig { archive_dir: dir.path().join("archive"), ..RetentionConfig::default() };

    let report = run_pass(&store, &config, later).await.expect("pass");
    assert!(report.archived.is_empty() && report.failures.is_empty(), "{report:?}");
    let ahead = today.checked_add_days(Days::new(partitions::AHEAD_DAYS)).expect("date");
    assert!(report.dropped_empty.contains(&today) && report.dropped_empty.contains(&ahead), "{report:?}");
    assert!(!partition_exists(&store, today).await);
    assert!(!dir.path().join("archive").exists(), "nothing to archive, no archive written");
}

#[tokio::test]
async fn a_day_that_changed_since_its_export_is_not_dropped() {
    let store = fresh().await;
    let day = date(3, 14);
    let at = day.and_hms_opt(8, 0, 0).expect("time").and_utc();
    store.write_samples(&[full_sample(&well("W-001"), at, 1)]).await.expect("write");
    let refused = store.drop_day(day, 2).await.expect_err("the day holds 1 sample, not 2");
    assert!(refused.to_string().contains("holds 1 raw samples, not the 2 archived"), "{refused}");
    assert!(partition_exists(&store, day).await);
    assert_eq!(store.count_day(day).await.expect("count"), 1);
}
