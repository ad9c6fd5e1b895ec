//! At open, the SQLite half of the roll-up repair (`rollup::recovery`): find the buckets of raw
//! rows past the watermark, recount each from all its raw rows, replace its roll-up rows, then
//! move the watermark. The sequence is the rowid; migration 0004 says when SQLite reuses one.

use sqlx::sqlite::SqlitePool;
use sqlx::{Row, SqliteConnection};
use wellvisor_actors::domain::{Parameter, Sample};
use wellvisor_actors::store::rolled_up;

use super::{rollups, telemetry};
use crate::store::rollup::recovery::{Touched, TouchedHour, HOURS_PER_TRANSACTION};

/// Each well's minute buckets with raw rows past the watermark, and the highest rowid in each.
/// The modulo is made non-negative so times before 1970 fall in the bucket that holds them.
const SCAN: &str = "SELECT well_id, ts - (((ts % 60000) + 60000) % 60000) AS minute, max(rowid) \
     FROM telemetry WHERE rowid > ? GROUP BY well_id, minute";

/// Takes the write lock at once: a transaction that reads before it writes could otherwise
/// find its snapshot outdated by another writer and fail without waiting.
pub(super) const IMMEDIATE: &str = "BEGIN IMMEDIATE";

/// Repairs the roll-ups; returns the watermark they are now counted to.
pub(super) async fn recover(pool: &SqlitePool) -> sqlx::Result<i64> {
    let watermark = rollups::watermark(pool).await?;
    let mut touched = Touched::new(watermark);
    for row in sqlx::query(SCAN).bind(watermark).fetch_all(pool).await? {
        touched.add(row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    }
    if touched.last_seq == watermark {
        return Ok(watermark);
    }
    for hours in touched.hours().chunks(HOURS_PER_TRANSACTION) {
        let mut tx = pool.begin_with(IMMEDIATE).await?;
        recount(&mut tx, hours).await?;
        tx.commit().await?;
    }
    let mut tx = pool.begin_with(IMMEDIATE).await?;
    rollups::set_watermark(&mut tx, touched.last_seq).await?;
    tx.commit().await?;
    Ok(touched.last_seq)
}

/// Replaces the rows of each of `hours` and of their touched minutes with a recount of their
/// raw rows, on the caller's transaction. Also what a flush does instead of merging when
/// another process recounted since this one's last flush.
pub(super) async fn recount(conn: &mut SqliteConnection, hours: &[TouchedHour]) -> sqlx::Result<()> {
    let wanted: Vec<Parameter> = rolled_up().collect();
    let select = telemetry::select(&wanted);
    for hour in hours {
        recount_hour(conn, hour, &select, &wanted).await?;
    }
    Ok(())
}

async fn recount_hour(
    conn: &mut SqliteConnection,
    hour: &TouchedHour,
    select: &str,
    wanted: &[Parameter],
) -> sqlx::Result<()> {
    let (from, to) = hour.span();
    let rows = sqlx::query(select)
        .bind(hour.well_id.as_str())
        .bind(from)
        .bind(to)
        .bind(i64::MAX)
        .fetch_all(&mut *conn)
        .await?;
    let samples: Vec<Sample> =
        rows.iter().map(|row| telemetry::decode(row, &hour.well_id, wanted)).collect::<sqlx::Result<_>>()?;
    for (resolution, buckets) in hour.keys() {
        rollups::delete(conn, resolution, &hour.well_id, &buckets).await?;
    }
    for (resolution, rows) in hour.recount(&samples) {
        rollups::merge(conn, resolution, &rows).await?;
    }
    Ok(())
}
