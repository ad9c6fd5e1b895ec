//! The roll-up tables of migrations 0003 and 0004 in SQLite: the flush that merges held
//! [`BucketRow`]s into `telemetry_1m`/`telemetry_1h` and moves the watermark, the deletes and
//! inserts of a recount, and the read of stored buckets that held rows are added to.
//!
//! Column names come only from the fixed `Parameter` enum, never from request text.

use std::collections::BTreeMap;

use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use wellvisor_actors::domain::{Parameter, WellId};
use wellvisor_actors::store::{rolled_up, Resolution, RollupQuery};

use tracing::warn;

use super::recovery;
use super::telemetry::to_millis;
use crate::store::rollup::write_behind::WriteBehind;
use crate::store::rollup::{self, Accumulator, BucketRow, Slots};

/// Values bound per row: well id, bucket, and six per rolled-up parameter.
const BINDS_PER_ROW: usize = 2 + (Parameter::COUNT - 2) * rollup::FIELDS.len();

/// Rows per upsert: as many as SQLite's bound-parameter limit (32766) allows.
const ROWS_PER_UPSERT: usize = 32_766 / BINDS_PER_ROW;
const _: () = assert!(ROWS_PER_UPSERT >= 200);

/// Merges every row `behind` holds into the tables and persists the watermark they bring, in
/// one transaction. Nothing to do when nothing is held and the watermark stands. Recounts the
/// held buckets instead when the stored watermark is not the one expected.
pub(super) async fn flush(pool: &SqlitePool, behind: &WriteBehind) -> sqlx::Result<()> {
    let Some(flush) = behind.begin_flush().await else { return Ok(()) };
    let mut tx = pool.begin_with(recovery::IMMEDIATE).await?;
    let stored: i64 = sqlx::query_scalar("SELECT seq FROM rollup_watermark").fetch_one(&mut *tx).await?;
    if stored == flush.expected {
        for resolution in Resolution::ALL {
            merge(&mut tx, resolution, &flush.rows(resolution)).await?;
        }
    } else {
        warn!(stored, expected = flush.expected, "another process recounted roll-ups; recounting the held ones");
        recovery::recount(&mut tx, &flush.touched()).await?;
    }
    set_watermark(&mut tx, flush.watermark).await?;
    flush.commit(tx.commit()).await
}

/// Merges `rows` into the table of `resolution`, on the caller's transaction.
pub(super) async fn merge(
    conn: &mut SqliteConnection,
    resolution: Resolution,
    rows: &[BucketRow<'_>],
) -> sqlx::Result<()> {
    for chunk in rows.chunks(ROWS_PER_UPSERT) {
        upsert(resolution, chunk).build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Deletes the rows of `well_id`'s `buckets` (epoch ms) at `resolution`.
pub(super) async fn delete(
    conn: &mut SqliteConnection,
    resolution: Resolution,
    well_id: &WellId,
    buckets: &[i64],
) -> sqlx::Result<()> {
    let sql = format!("DELETE FROM {} WHERE well_id = ? AND bucket = ?", rollup::table(resolution));
    for bucket in buckets {
        sqlx::query(&sql).bind(well_id.as_str()).bind(bucket).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The persisted watermark: every raw row up to this rowid is counted in the tables.
pub(super) async fn watermark(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT seq FROM rollup_watermark").fetch_one(pool).await
}

pub(super) async fn set_watermark(conn: &mut SqliteConnection, seq: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE rollup_watermark SET seq = ?").bind(seq).execute(conn).await.map(drop)
}

/// `INSERT ... VALUES (...), ... ON CONFLICT (well_id, bucket) DO UPDATE`: each column merged
/// with the stored one as `Accumulator::merge` does. Unqualified names are the stored row.
fn upsert<'a>(resolution: Resolution, chunk: &'a [BucketRow<'a>]) -> QueryBuilder<'a, Sqlite> {
    let columns: Vec<String> =
        ["well_id".to_owned(), "bucket".to_owned()].into_iter().chain(rollup::columns()).collect();
    let table = rollup::table(resolution);
    let mut builder = QueryBuilder::new(format!("INSERT INTO {table} ({}) ", columns.join(", ")));
    builder.push_values(chunk, |mut row, bucket| {
        row.push_bind(bucket.well_id.as_str()).push_bind(bucket.bucket);
        for parameter in rolled_up() {
            let a = *bucket.get(parameter);
            let present = (!a.is_empty()).then_some(a);
            row.push_bind(present.map(|a| a.min)).push_bind(present.map(|a| a.max));
            row.push_bind(a.sum).push_bind(i64::try_from(a.count).unwrap_or(i64::MAX));
            row.push_bind(present.map(|a| a.last)).push_bind(present.map(|a| a.last_at));
        }
    });
    builder.push(" ON CONFLICT (well_id, bucket) DO UPDATE SET ");
    builder.push(merge_assignments());
    builder
}

/// The `SET` list. SQLite's two-argument `min`/`max` are NULL when either side is, hence the
/// `coalesce` that keeps whichever side has a value.
fn merge_assignments() -> String {
    let assignments = rolled_up().map(|p| {
        let p = p.as_str();
        format!(
            "{p}_min = coalesce(min({p}_min, excluded.{p}_min), {p}_min, excluded.{p}_min), \
             {p}_max = coalesce(max({p}_max, excluded.{p}_max), {p}_max, excluded.{p}_max), \
             {p}_sum = {p}_sum + excluded.{p}_sum, \
             {p}_count = {p}_count + excluded.{p}_count, \
             {p}_last = CASE WHEN excluded.{p}_last_at >= coalesce({p}_last_at, excluded.{p}_last_at) \
             THEN excluded.{p}_last ELSE {p}_last END, \
             {p}_last_at = coalesce(max({p}_last_at, excluded.{p}_last_at), {p}_last_at, excluded.{p}_last_at)"
        )
    });
    assignments.collect::<Vec<_>>().join(", ")
}

/// The stored buckets `query` asks for, by start (epoch ms): at most `limit`, oldest first,
/// with the wanted parameters' accumulators.
pub(super) async fn stored(pool: &SqlitePool, query: &RollupQuery) -> sqlx::Result<BTreeMap<i64, Slots>> {
    let wanted = query.wanted();
    let rows = sqlx::query(&select(query.resolution, &wanted))
        .bind(query.well_id.as_str())
        .bind(to_millis(query.from))
        .bind(to_millis(query.to))
        .bind(i64::try_from(query.limit).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?;
    let mut buckets = BTreeMap::new();
    for row in &rows {
        buckets.insert(row.try_get(0)?, decode(row, &wanted)?);
    }
    Ok(buckets)
}

/// The range read for `wanted` (not empty), binding well id, from, to (epoch ms) and limit.
/// Buckets where none of the wanted parameters had a value are skipped.
fn select(resolution: Resolution, wanted: &[Parameter]) -> String {
    let fields = wanted.iter().map(|p| {
        let p = p.as_str();
        format!("{p}_min, {p}_max, {p}_sum, {p}_count, {p}_last, {p}_last_at")
    });
    let any = wanted.iter().map(|p| format!("{}_count > 0", p.as_str()));
    format!(
        "SELECT bucket, {} FROM {} WHERE well_id = ? AND bucket >= ? AND bucket < ? AND ({}) ORDER BY bucket LIMIT ?",
        fields.collect::<Vec<_>>().join(", "),
        rollup::table(resolution),
        any.collect::<Vec<_>>().join(" OR "),
    )
}

/// A row of [`select`] as accumulators; the slots of parameters not wanted, or without a value,
/// stay empty.
fn decode(row: &SqliteRow, wanted: &[Parameter]) -> sqlx::Result<Slots> {
    let mut slots = [Accumulator::default(); Parameter::COUNT];
    for (i, parameter) in wanted.iter().enumerate() {
        let column = 1 + rollup::FIELDS.len() * i;
        let count: i64 = row.try_get(column + 3)?;
        if count <= 0 {
            continue;
        }
        slots[parameter.index()] = Accumulator {
            min: row.try_get(column)?,
            max: row.try_get(column + 1)?,
            sum: row.try_get(column + 2)?,
            count: count.unsigned_abs(),
            last: row.try_get(column + 4)?,
            last_at: row.try_get(column + 5)?,
        };
    }
    Ok(slots)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use wellvisor_actors::store::Store;

    use super::*;
    use crate::store::suite::{full_sample, well};
    use crate::store::SqliteStore;

    #[tokio::test]
    async fn raw_writes_leave_the_rollups_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&format!("sqlite://{}", dir.path().join("w.db").display())).await.expect("open");
        let at = Utc.with_ymd_and_hms(2025, 3, 14, 10, 0, 0).single().expect("time");
        let w = well("W-001");
        store.write_samples(&[full_sample(&w, at, 1)]).await.expect("write");
        store
            .write_raw(&[full_sample(&w, at, 2), full_sample(&w, at + chrono::Duration::hours(1), 3)])
            .await
            .expect("raw");
        assert_eq!(store.count_samples(Some(&w)).await.expect("count"), 3);
        for resolution in Resolution::ALL {
            let query = RollupQuery {
                well_id: w.clone(),
                from: at,
                to: at + chrono::Duration::days(1),
                params: vec![Parameter::Power],
                resolution,
                limit: 10,
            };
            let points = store.read_rollups(&query).await.expect("read");
            assert_eq!(points.len(), 1, "{resolution}: {points:?}");
            assert_eq!(points[0].values[&Parameter::Power].count, 1, "{resolution}");
        }
    }

    #[test]
    fn every_column_is_merged_once() {
        let sql = merge_assignments();
        assert_eq!(sql.matches(" = ").count(), (Parameter::COUNT - 2) * rollup::FIELDS.len(), "{sql}");
    }

    #[test]
    fn reads_only_the_wanted_columns_of_buckets_that_hold_them() {
        let sql = select(Resolution::Hour, &[Parameter::Frequency]);
        let columns = "frequency_min, frequency_max, frequency_sum, frequency_count, frequency_last, frequency_last_at";
        assert!(sql.starts_with(&format!("SELECT bucket, {columns} FROM telemetry_1h")), "{sql}");
        assert!(sql.contains("AND (frequency_count > 0) ORDER BY bucket"), "{sql}");
    }
}
