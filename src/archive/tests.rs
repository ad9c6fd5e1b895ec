//! The archive against real stores, SQLite and PostgreSQL alike: a day archived, verified,
//! deleted and restored comes back identical; a tampered file is caught; and no day leaves
//! the store unless its archive verified.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use tempfile::TempDir;
use wellvisor_actors::device::link::BoxFuture;
use wellvisor_actors::domain::{Parameter, Sample};
use wellvisor_actors::store::{Resolution, RollupQuery, StoreError};

use super::pass::first_kept_day;
use super::*;
use crate::config::RetentionConfig;
use crate::store::retention::{DayCount, DayCursor, DayPage, Retention};
use crate::store::suite::{full_sample, well};
use crate::store::{throwaway, Historian, PostgresStore, SqliteStore};

/// The pass's clock: with 30 raw days, 2025-03-21 is the first day kept.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 4, 20, 12, 0, 0).single().expect("time")
}

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, month, day).expect("date")
}

/// Two expired days and two kept ones (the first kept day among them).
fn expired() -> [NaiveDate; 2] {
    [date(3, 14), date(3, 20)]
}
fn kept() -> [NaiveDate; 2] {
    [date(3, 21), date(4, 19)]
}

/// A day's samples as written: three wells, written out of well order, with two polls in the
/// same millisecond, a sparse sample and values at both ends of the day.
fn day_samples(day: NaiveDate) -> Vec<Sample> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("time").and_utc();
    let mut samples = Vec::new();
    for (n, id) in ["W-002", "W-001", "W-010"].iter().enumerate() {
        let well_id = well(id);
        for step in 0..4u32 {
            let at = midnight + Duration::milliseconds(i64::from(step) * 21_600_000 + 7 * n as i64 + 1);
            samples.push(full_sample(&well_id, at, step * 10 + n as u32));
        }
        let tie = samples.last().cloned().expect("a sample");
        let mut sparse = Sample::new(well_id.clone(), tie.at);
        sparse.values.set(Parameter::Frequency, -0.0);
        sparse.values.set(Parameter::CurrentA, f64::MIN_POSITIVE);
        samples.push(sparse);
        let last = day.and_hms_milli_opt(23, 59, 59, 999).expect("time").and_utc();
        samples.push(full_sample(&well_id, last, 99));
    }
    samples
}

/// The order an export gives: by well, then time, then write order (a stable sort).
fn export_order(mut samples: Vec<Sample>) -> Vec<Sample> {
    samples.sort_by(|a, b| (a.well_id.as_str(), a.at).cmp(&(b.well_id.as_str(), b.at)));
    samples
}

fn config(dir: &Path) -> RetentionConfig {
    RetentionConfig { archive_dir: dir.to_owned(), ..RetentionConfig::default() }
}

async fn sqlite() -> (Historian, TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("wellvisor.db").display());
    let store = SqliteStore::open(&url).await.expect("open sqlite");
    (Historian::from(Arc::new(store)), dir)
}

async fn postgres() -> (Historian, TempDir) {
    let url = throwaway::database().await.unwrap_or_else(|error| panic!("throwaway database: {error}"));
    let store = PostgresStore::open(&url).await.unwrap_or_else(|error| panic!("open {url}: {error}"));
    (Historian::from(Arc::new(store)), tempfile::tempdir().expect("temp dir"))
}

/// Writes every test day, and returns them by day.
async fn fill(historian: &Historian) -> Vec<(NaiveDate, Vec<Sample>)> {
    let mut days = Vec::new();
    for day in expired().into_iter().chain(kept()) {
        let samples = day_samples(day);
        historian.store.write_samples(&samples).await.expect("write");
        days.push((day, samples));
    }
    days
}

/// A day read back through the export, in pages small enough to split wells and ties.
async fn read_all(retention: &dyn Retention, day: NaiveDate) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut cursor: Option<DayCursor> = None;
    loop {
        let page = retention.read_day(day, cursor.as_ref(), 4).await.expect("read day");
        samples.extend(page.samples);
        cursor = page.next;
        if cursor.is_none() {
            return samples;
        }
    }
}

macro_rules! both_backends {
    ($($test:ident),+ $(,)?) => {
        mod sqlite_backend {
            $(#[tokio::test] async fn $test() { super::$test(super::sqlite().await).await; })+
        }
        mod postgres_backend {
            $(#[tokio::test] async fn $test() { super::$test(super::postgres().await).await; })+
        }
    };
}

both_backends!(
    a_day_archived_deleted_and_restored_comes_back_identical,
    the_pass_archives_only_days_older_than_raw_days,
    nothing_is_deleted_when_the_archive_cannot_be_written,
    nothing_is_deleted_when_the_export_misses_a_sample,
    a_tampered_archive_fails_verification_and_is_not_restored,
    old_rollups_are_pruned_by_their_own_retention,
);

async fn a_day_archived_deleted_and_restored_comes_back_identical((historian, dir): (Historian, TempDir)) {
    let retention = historian.retention.as_ref();
    let days = fill(&historian).await;
    let (day, written) = days[0].clone();
    let before = read_all(retention, day).await;
    assert_eq!(before, export_order(written), "the export's order");

    let report = run_pass(retention, &config(dir.path()), now()).await.expect("pass");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(retention.count_day(day).await.expect("count"), 0);
    let checked = verify_archive(dir.path(), None).await.expect("verify");
    assert_eq!(checked.len(), 2);
    assert!(checked.iter().all(|(_, verdict)| verdict.is_ok()), "{checked:?}");

    let restored = restore_day(retention, dir.path(), day).await.expect("restore");
    assert_eq!(restored, before.len() as u64);
    let back = read_all(retention, day).await;
    assert_eq!(back, before);
    let bits = |samples: &[Sample]| -> Vec<Vec<Option<u64>>> {
        samples.iter().map(|s| Parameter::ALL.iter().map(|p| s.values.get(*p).map(f64::to_bits)).collect()).collect()
    };
    assert_eq!(bits(&back), bits(&before), "every value bit for bit");

    let again = restore_day(retention, dir.path(), day).await.expect_err("the day is in the store again");
    assert!(matches!(again, ArchiveError::AlreadyInStore { held, .. } if held == back.len() as u64), "{again}");
}

async fn the_pass_archives_only_days_older_than_raw_days((historian, dir): (Historian, TempDir)) {
    let retention = historian.retention.as_ref();
    let days = fill(&historian).await;
    assert_eq!(first_kept_day(now(), 30), kept()[0]);

    let report = run_pass(retention, &config(dir.path()), now()).await.expect("pass");
    let archived: Vec<NaiveDate> = report.archived.iter().map(|entry| entry.day).collect();
    assert_eq!(archived, expired());
    for (day, samples) in &days {
        let held = retention.count_day(*day).await.expect("count");
        let expected = if expired().contains(day) { 0 } else { samples.len() as u64 };
        assert_eq!(held, expected, "{day}");
    }
    let manifest = Manifest::load(dir.path()).expect("manifest");
    let listed: Vec<(NaiveDate, u64)> = manifest.days.iter().map(|entry| (entry.day, entry.samples)).collect();
    assert_eq!(listed, expired().map(|day| (day, day_samples(day).len() as u64)));
    let first = &manifest.days[0];
    assert_eq!(first.first_at, Some(expired()[0].and_hms_milli_opt(0, 0, 0, 1).expect("time").and_utc()));
    assert_eq!(first.verified_at, now());

    let second = run_pass(retention, &config(dir.path()), now()).await.expect("second pass");
    assert!(second.archived.is_empty() && second.failures.is_empty(), "{second:?}");
}

async fn nothing_is_deleted_when_the_archive_cannot_be_written((historian, dir): (Historian, TempDir)) {
    let retention = historian.retention.as_ref();
    fill(&historian).await;
    let [blocked, free] = expired();
    let held = |day| async move { retention.count_day(day).await.expect("count") };

    // No archive directory can be made: the pass stops before it deletes anything.
    let not_a_directory = dir.path().join("not-a-directory");
    std::fs::write(&not_a_directory, "a file where the archive directory should be").expect("write");
    let error = run_pass(retention, &config(&not_a_directory.join("archive")), now()).await.expect_err("no dir");
    assert!(error.to_string().contains("not-a-directory"), "{error}");
    for day in expired() {
        assert_eq!(held(day).await, day_samples(day).len() as u64, "{day}");
    }

    // One day's file cannot be written: that day stays, the other goes.
    let archive = dir.path().join("archive");
    std::fs::create_dir_all(archive.join(format!(".{}.tmp", file_name(blocked)))).expect("block the temp file");
    let report = run_pass(retention, &config(&archive), now()).await.expect("pass");
    assert_eq!(report.archived.iter().map(|entry| entry.day).collect::<Vec<_>>(), [free]);
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let failure = report.failures[0].to_string();
    assert!(failure.contains(&format!("day {blocked}")) && failure.contains("cannot create"), "{failure}");
    assert_eq!(held(blocked).await, day_samples(blocked).len() as u64);
    assert_eq!(held(free).await, 0);
    assert!(Manifest::load(&archive).expect("manifest").get(blocked).is_none());
}

async fn nothing_is_deleted_when_the_export_misses_a_sample((historian, dir): (Historian, TempDir)) {
    fill(&historian).await;
    let lossy = Lossy(historian.retention.clone());

    let report = run_pass(&lossy, &config(dir.path()), now()).await.expect("pass");
    assert!(report.archived.is_empty());
    let messages: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), expired().len(), "{messages:?}");
    assert!(messages[0].contains("archived but the store holds"), "{messages:?}");
    for day in expired() {
        let held = historian.retention.count_day(day).await.expect("count");
        assert_eq!(held, day_samples(day).len() as u64, "{day}");
        assert!(!dir.path().join(file_name(day)).exists(), "an unverified file is not published");
    }
    assert!(Manifest::load(dir.path()).expect("manifest").days.is_empty());
}

async fn a_tampered_archive_fails_verification_and_is_not_restored((historian, dir): (Historian, TempDir)) {
    let retention = historian.retention.as_ref();
    fill(&historian).await;
    run_pass(retention, &config(dir.path()), now()).await.expect("pass");
    let [flipped, truncated] = expired();
    let flipped_path = dir.path().join(file_name(flipped));
    let mut bytes = std::fs::read(&flipped_path).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&flipped_path, bytes).expect("write");
    let truncated_path = dir.path().join(file_name(truncated));
    let bytes = std::fs::read(&truncated_path).expect("read");
    std::fs::write(&truncated_path, &bytes[..bytes.len() - 9]).expect("write");

    let checked = verify_archive(dir.path(), None).await.expect("verify");
    let problems: Vec<String> =
        checked.iter().map(|(_, verdict)| verdict.as_ref().expect_err("tampered").to_string()).collect();
    assert!(problems[0].contains(&file_name(flipped)) && problems[0].contains("does not match"), "{problems:?}");
    assert!(
        problems[1].contains(&file_name(truncated)) && problems[1].contains("bytes, the manifest says"),
        "{problems:?}"
    );

    let refused = restore_day(retention, dir.path(), flipped).await.expect_err("corrupt");
    assert!(matches!(refused, ArchiveError::Corrupt { .. }), "{refused}");
    assert_eq!(retention.count_day(flipped).await.expect("count"), 0, "nothing restored");
}

async fn old_rollups_are_pruned_by_their_own_retention((historian, dir): (Historian, TempDir)) {
    let w = well("W-001");
    let old = Utc.with_ymd_and_hms(2024, 1, 1, 10, 0, 0).single().expect("time");
    let recent = Utc.with_ymd_and_hms(2025, 4, 19, 10, 0, 0).single().expect("time");
    let samples = [full_sample(&w, old, 1), full_sample(&w, recent, 2)];
    historian.store.write_samples(&samples).await.expect("write");
    let points = |resolution, from: DateTime<Utc>| {
        let query = RollupQuery {
            well_id: w.clone(),
            from,
            to: from + Duration::hours(1),
            params: Vec::new(),
            resolution,
            limit: 10,
        };
        let store = historian.store.clone();
        async move { store.read_rollups(&query).await.expect("read roll-ups").len() }
    };
    assert_eq!(points(Resolution::Minute, old).await, 1);

    let config = RetentionConfig { rollup_1m_days: 400, rollup_1h_days: 0, ..config(dir.path()) };
    let report = run_pass(historian.retention.as_ref(), &config, now()).await.expect("pass");
    assert_eq!(report.pruned, [1, 0], "{report:?}");
    assert_eq!(points(Resolution::Minute, old).await, 0, "past 400 days");
    assert_eq!(points(Resolution::Minute, recent).await, 1);
    assert_eq!(points(Resolution::Hour, old).await, 1, "1-hour roll-ups are kept forever");
}

#[tokio::test]
async fn an_undecodable_line_is_named_even_when_the_checksum_matches() {
    let (historian, dir) = sqlite().await;
    fill(&historian).await;
    run_pass(historian.retention.as_ref(), &config(dir.path()), now()).await.expect("pass");
    let day = expired()[0];
    let mut manifest = Manifest::load(dir.path()).expect("manifest");
    // A file rewritten with a bad second line, and a manifest rewritten to match it.
    let text = b"{\"well\":\"W-001\",\"at\":1741910400001}\n{\"well\":\"W-001\",\"at\":\"soon\"}\n";
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, text).expect("gzip");
    let gz = encoder.finish().expect("gzip");
    std::fs::write(dir.path().join(file_name(day)), &gz).expect("write");
    let entry = manifest.days.iter_mut().find(|entry| entry.day == day).expect("entry");
    entry.bytes = gz.len() as u64;
    entry.sha256 = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(&gz))
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    manifest.save(dir.path()).expect("save");

    let checked = verify_archive(dir.path(), Some(day)).await.expect("verify");
    let problem = checked[0].1.as_ref().expect_err("undecodable").to_string();
    assert!(problem.contains(&file_name(day)) && problem.contains("line 2: "), "{problem}");
}

#[test]
fn the_first_kept_day_is_raw_days_before_today() {
    assert_eq!(first_kept_day(now(), 1), date(4, 19));
    assert_eq!(first_kept_day(now(), 30), date(3, 21));
}

/// A store whose export loses the last sample of every day: what a verification must catch.
struct Lossy(Arc<dyn Retention>);

impl Retention for Lossy {
    fn raw_days(&self, before: NaiveDate) -> BoxFuture<'_, Result<Vec<DayCount>, StoreError>> {
        self.0.raw_days(before)
    }

    fn count_day(&self, day: NaiveDate) -> BoxFuture<'_, Result<u64, StoreError>> {
        self.0.count_day(day)
    }

    fn read_day<'a>(
        &'a self,
        day: NaiveDate,
        after: Option<&'a DayCursor>,
        limit: usize,
    ) -> BoxFuture<'a, Result<DayPage, StoreError>> {
        Box::pin(async move {
            let mut page = self.0.read_day(day, after, limit).await?;
            if page.next.is_none() {
                page.samples.pop();
            }
            Ok(page)
        })
    }

    fn drop_day(&self, day: NaiveDate, expected: u64) -> BoxFuture<'_, Result<u64, StoreError>> {
        self.0.drop_day(day, expected)
    }

    fn restore_day<'a>(&'a self, samples: &'a [Sample]) -> BoxFuture<'a, Result<(), StoreError>> {
        self.0.restore_day(samples)
    }

    fn prune_rollups(&self, resolution: Resolution, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        self.0.prune_rollups(resolution, before)
    }
}
