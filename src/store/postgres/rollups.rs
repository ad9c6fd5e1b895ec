//! The roll-up tables of migrations 0003 and 0004 in PostgreSQL: the flush that merges held
//! [`BucketRow`]s into `telemetry_1m`/`telemetry_1h` and moves the watermark, the deletes and
//! inserts of a recount, and the read of stored buckets that held rows are added to.
//!
//! Rows are bound column-wise, one array per column, spread back into rows by `UNNEST` and
//! merged by `ON CONFLICT DO UPDATE`: one statement per resolution and flush. The rows are
//! summarised per key, so no key repeats in a statement (which PostgreSQL refuses), and
//! sorted, so concurrent writers lock rows in the same order.
//!
//! Column names come only from the fixed `Parameter` enum, never from request text.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{PgConnection, PgPool, Postgres, Row};
use wellvisor_actors::domain::{Parameter, WellId};
use wellvisor_actors::store::{rolled_up, Resolution, RollupQuery};

use tracing::warn;

use super::recovery;
use super::telemetry::{sql_limit, to_millis};
use crate::store::rollup::write_behind::WriteBehind;
use crate::store::rollup::{self, Accumulator, BucketRow, Slots};

/// Rows per statement; a flush holds about `write_behind::ROW_CAP` rows.
const ROWS_PER_STATEMENT: usize = 50_000;

/// Merges every row `behind` holds into the tables and persists the watermark they bring, in
/// one transaction. Nothing to do when nothing is held and the watermark stands. Recounts the
/// held buckets instead when the stored watermark is not the one expected.
pub(super) async fn flush(pool: &PgPool, behind: &WriteBehind) -> sqlx::Result<()> {
    let Some(flush) = behind.begin_flush().await else { return Ok(()) };
    let mut tx = pool.begin().await?;
    let stored: i64 = sqlx::query_scalar("SELECT seq FROM rollup_watermark FOR UPDATE").fetch_one(&mut *tx).await?;
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
pub(super) async fn merge(conn: &mut PgConnection, resolution: Resolution, rows: &[BucketRow<'_>]) -> sqlx::Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        upsert(resolution, chunk).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Deletes the rows of `well_id`'s `buckets` (epoch ms) at `resolution`.
pub(super) async fn delete(
    conn: &mut PgConnection,
    resolution: Resolution,
    well_id: &WellId,
    buckets: &[i64],
) -> sqlx::Result<()> {
    let sql = format!("DELETE FROM {} WHERE well_id = $1 AND bucket = ANY($2)", rollup::table(resolution));
    let buckets: Vec<DateTime<Utc>> = buckets.iter().map(|&millis| instant(millis)).collect();
    sqlx::query(&sql).bind(well_id.as_str()).bind(buckets).execute(conn).await.map(drop)
}

/// The persisted watermark: every raw row up to this `seq` is counted in the tables.
pub(super) async fn watermark(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT seq FROM rollup_watermark").fetch_one(pool).await
}

pub(super) async fn set_watermark(conn: &mut PgConnection, seq: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE rollup_watermark SET seq = $1").bind(seq).execute(conn).await.map(drop)
}

static UPSERT_1M: LazyLock<String> = LazyLock::new(|| upsert_sql(Resolution::Minute));
static UPSERT_1H: LazyLock<String> = LazyLock::new(|| upsert_sql(Resolution::Hour));

/// `INSERT INTO t AS r (...) SELECT * FROM UNNEST(...) ON CONFLICT (well_id, bucket) DO UPDATE`,
/// each column merged with the stored one (`r`) as `Accumulator::merge` does. `LEAST` and
/// `GREATEST` ignore NULLs, which is what an empty side needs.
fn upsert_sql(resolution: Resolution) -> String {
    let mut columns = vec![("well_id".to_owned(), "text"), ("bucket".to_owned(), "timestamptz")];
    let types = ["float8", "float8", "float8", "int8", "float8", "timestamptz"];
    columns.extend(rollup::columns().zip(types.iter().copied().cycle()));
    let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
    let arrays: Vec<String> = columns.iter().enumerate().map(|(i, (_, ty))| format!("${}::{ty}[]", i + 1)).collect();
    let assignments: Vec<String> = rolled_up()
        .map(|p| {
            let p = p.as_str();
            format!(
                "{p}_min = LEAST(r.{p}_min, excluded.{p}_min), \
                 {p}_max = GREATEST(r.{p}_max, excluded.{p}_max), \
                 {p}_sum = r.{p}_sum + excluded.{p}_sum, \
                 {p}_count = r.{p}_count + excluded.{p}_count, \
                 {p}_last = CASE WHEN r.{p}_last_at IS NULL OR excluded.{p}_last_at >= r.{p}_last_at \
                 THEN excluded.{p}_last ELSE r.{p}_last END, \
                 {p}_last_at = GREATEST(r.{p}_last_at, excluded.{p}_last_at)"
            )
        })
        .collect();
    format!(
        "INSERT INTO {table} AS r ({names}) SELECT * FROM UNNEST({arrays}) \
         ON CONFLICT (well_id, bucket) DO UPDATE SET {assignments}",
        table = rollup::table(resolution),
        names = names.join(", "),
        arrays = arrays.join(", "),
        assignments = assignments.join(", "),
    )
}

/// The statement merging `chunk` into the table of `resolution`, with its arrays bound.
fn upsert<'a>(resolution: Resolution, chunk: &'a [BucketRow<'a>]) -> Query<'a, Postgres, PgArguments> {
    let sql = match resolution {
        Resolution::Minute => UPSERT_1M.as_str(),
        Resolution::Hour => UPSERT_1H.as_str(),
    };
    let mut query = sqlx::query(sql)
        .bind(chunk.iter().map(|row| row.well_id.as_str()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|row| instant(row.bucket)).collect::<Vec<_>>());
    for parameter in rolled_up() {
        let present = |row: &BucketRow<'_>| Some(*row.get(parameter)).filter(|a| !a.is_empty());
        let column = |field: fn(&Accumulator) -> f64| -> Vec<Option<f64>> {
            chunk.iter().map(|row| present(row).map(|a| field(&a))).collect()
        };
        let sums: Vec<f64> = chunk.iter().map(|row| row.get(parameter).sum).collect();
        let counts: Vec<i64> =
            chunk.iter().map(|row| i64::try_from(row.get(parameter).count).unwrap_or(i64::MAX)).collect();
        let last_at: Vec<Option<DateTime<Utc>>> =
            chunk.iter().map(|row| present(row).map(|a| instant(a.last_at))).collect();
        query = query.bind(column(|a| a.min)).bind(column(|a| a.max)).bind(sums).bind(counts);
        query = query.bind(column(|a| a.last)).bind(last_at);
    }
    query
}

/// Epoch milliseconds as a time; those of a sample's own time always are one.
fn instant(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

/// The stored buckets `query` asks for, by start (epoch ms): at most `limit`, oldest first,
/// with the wanted parameters' accumulators.
pub(super) async fn stored(pool: &PgPool, query: &RollupQuery) -> sqlx::Result<BTreeMap<i64, Slots>> {
    let wanted = query.wanted();
    let rows = sqlx::query(&select(query.resolution, &wanted))
        .bind(query.well_id.as_str())
        .bind(to_millis(query.from))
        .bind(to_millis(query.to))
        .bind(sql_limit(query.limit))
        .fetch_all(pool)
        .await?;
    let mut buckets = BTreeMap::new();
    for row in &rows {
        let bucket: DateTime<Utc> = row.try_get(0)?;
        buckets.insert(bucket.timestamp_millis(), decode(row, &wanted)?);
    }
    Ok(buckets)
}

/// The range read for `wanted` (not empty), binding well id, from, to and limit as `$1`-`$4`.
/// Buckets where none of the wanted parameters had a value are skipped.
fn select(resolution: Resolution, wanted: &[Parameter]) -> String {
    let fields = wanted.iter().map(|p| {
        let p = p.as_str();
        format!("{p}_min, {p}_max, {p}_sum, {p}_count, {p}_last, {p}_last_at")
    });
    let any = wanted.iter().map(|p| format!("{}_count > 0", p.as_str()));
    format!(
        "SELECT bucket, {} FROM {} WHERE well_id = $1 AND bucket >= $2 AND bucket < $3 AND ({}) \
         ORDER BY bucket LIMIT $4",
        fields.collect::<Vec<_>>().join(", "),
        rollup::table(resolution),
        any.collect::<Vec<_>>().join(" OR "),
    )
}

/// A row of [`select`] as accumulators; the slots of parameters not wanted, or without a value,
/// stay empty.
fn decode(row: &PgRow, wanted: &[Parameter]) -> sqlx::Result<Slots> {
    let mut slots = [Accumulator::default(); Parameter::COUNT];
    for (i, parameter) in wanted.iter().enumerate() {
        let column = 1 + rollup::FIELDS.len() * i;
        let count: i64 = row.try_get(column + 3)?;
        if count <= 0 {
            continue;
        }
        let last_at: DateTime<Utc> = row.try_get(column + 5)?;
        slots[parameter.index()] = Accumulator {
            min: row.try_get(column)?,
            max: row.try_get(column + 1)?,
            sum: row.try_get(column + 2)?,
            count: count.unsigned_abs(),
            last: row.try_get(column + 4)?,
            last_at: last_at.timestamp_millis(),
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
    use crate::store::{throwaway, PostgresStore};

    #[tokio::test]
    async fn raw_writes_leave_the_rollups_alone() {
        let url = throwaway::database().await.unwrap_or_else(|error| panic!("throwaway database: {error}"));
        let store = PostgresStore::open(&url).await.unwrap_or_else(|error| panic!("open: {error}"));
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
    fn every_column_has_one_typed_array_and_one_merge() {
        let sql = upsert_sql(Resolution::Hour);
        let columns = 2 + (Parameter::COUNT - 2) * rollup::FIELDS.len();
        assert!(sql.starts_with("INSERT INTO telemetry_1h AS r (well_id, bucket, current_a_min"), "{sql}");
        assert!(sql.contains(&format!("${columns}::timestamptz[])")), "{sql}");
        assert!(!sql.contains(&format!("${}", columns + 1)), "{sql}");
        assert!(sql.contains("current_a_count = r.current_a_count + excluded.current_a_count"), "{sql}");
        assert!(sql.contains("$5::float8[], $6::int8[], $7::float8[], $8::timestamptz[], $9::float8[]"), "{sql}");
    }
}
