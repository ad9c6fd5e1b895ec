//! At open, the PostgreSQL half of the roll-up repair (`rollup::recovery`): find the buckets of
//! raw rows past the watermark (through the BRIN index on `seq` of migration 0004), recount each
//! from all its raw rows, replace its roll-up rows, then move the watermark.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Row};
use wellvisor_actors::domain::{Parameter, Sample};
use wellvisor_actors::store::rolled_up;

use super::{rollups, telemetry};
use crate::store::rollup::recovery::{Touched, TouchedHour, HOURS_PER_TRANSACTION};

/// Each well's minute buckets with raw rows past the watermark, and the highest `seq` in each.
const SCAN: &str = "SELECT well_id, date_bin('1 minute', at, TIMESTAMPTZ 'epoch') AS minute, max(seq) \
     FROM telemetry WHERE seq > $1 GROUP BY well_id, minute";

/// Repairs the roll-ups; returns the watermark they are now counted to.
pub(super) async fn recover(pool: &PgPool) -> sqlx::Result<i64> {
    let watermark = rollups::watermark(pool).await?;
    let mut touched = Touched::new(watermark);
    for row in sqlx::query(SCAN).bind(watermark).fetch_all(pool).await? {
        let minute: DateTime<Utc> = row.try_get(1)?;
        touched.add(row.try_get(0)?, minute.timestamp_millis(), row.try_get(2)?);
    }
    if touched.last_seq == watermark {
        return Ok(watermark);
    }
    for hours in touched.hours().chunks(HOURS_PER_TRANSACTION) {
        let mut tx = pool.begin().await?;
        recount(&mut tx, hours).await?;
        tx.commit().await?;
    }
    let mut tx = pool.begin().await?;
    rollups::set_watermark(&mut tx, touched.last_seq).await?;
    tx.commit().await?;
    Ok(touched.last_seq)
}

/// Replaces the rows of each of `hours` and of their touched minutes with a recount of their
/// raw rows, on the caller's transaction. Also what a flush does instead of merging when
/// another process recounted since this one's last flush.
pub(super) async fn recount(conn: &mut PgConnection, hours: &[TouchedHour]) -> sqlx::Result<()> {
    let wanted: Vec<Parameter> = rolled_up().collect();
    let select = telemetry::select(&wanted);
    for hour in hours {
        recount_hour(conn, hour, &select, &wanted).await?;
    }
    Ok(())
}

async fn recount_hour(
    conn: &mut PgConnection,
    hour: &TouchedHour,
    select: &str,
    wanted: &[Parameter],
) -> sqlx::Result<()> {
    let (from, to) = hour.span();
    let instant = |millis: i64| DateTime::from_timestamp_millis(millis).unwrap_or_default();
    let rows = sqlx::query(select)
        .bind(hour.well_id.as_str())
        .bind(instant(from))
        .bind(instant(to))
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
