//! [`Retention`] for SQLite: days of raw telemetry found, exported, deleted and restored well
//! by well.
//!
//! The only index is `(well_id, ts)`, so every statement here names one well and a time range:
//! an index seek, never a scan of the whole table. The wells are found by skipping along that
//! index (`MIN(well_id) ... WHERE well_id > ?`), one seek per well.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Row, SqliteConnection};
use wellvisor_actors::device::link::BoxFuture;
use wellvisor_actors::domain::{Parameter, Sample, WellId};
use wellvisor_actors::store::{Resolution, StoreError};

use super::{rollups, telemetry, verdict, SqliteStore};
use crate::store::retention::Retention;
use crate::store::retention::{count_changed, day_bounds, export_columns, DayCount, DayCursor, DayPage};
use crate::store::rollup;

const DAY_MS: i64 = 86_400_000;

/// Every well id with raw telemetry, in order, one index seek each.
const WELLS: &str = "WITH RECURSIVE w(id) AS (SELECT MIN(well_id) FROM telemetry \
     UNION ALL SELECT (SELECT MIN(well_id) FROM telemetry WHERE well_id > w.id) FROM w WHERE w.id IS NOT NULL) \
     SELECT id FROM w WHERE id IS NOT NULL";

impl SqliteStore {
    async fn wells(conn: &mut SqliteConnection) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar(WELLS).fetch_all(conn).await
    }

    async fn days_before(&self, before: NaiveDate) -> sqlx::Result<Vec<DayCount>> {
        let mut conn = self.pool.acquire().await?;
        let (end, _) = millis_of(before);
        let mut days = std::collections::BTreeMap::<i64, u64>::new();
        for well in SqliteStore::wells(&mut conn).await? {
            // Floor division, so a day before 1970 is still one day.
            let rows: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT (ts - (((ts % ?1) + ?1) % ?1)) / ?1 AS day, COUNT(*) FROM telemetry \
                 WHERE well_id = ?2 AND ts < ?3 GROUP BY day",
            )
            .bind(DAY_MS)
            .bind(&well)
            .bind(end)
            .fetch_all(&mut *conn)
            .await?;
            for (day, count) in rows {
                *days.entry(day).or_default() += u64::try_from(count).unwrap_or_default();
            }
        }
        Ok(days.into_iter().filter_map(|(day, samples)| Some(DayCount { day: day_of(day)?, samples })).collect())
    }

    async fn count_in(conn: &mut SqliteConnection, day: NaiveDate) -> sqlx::Result<u64> {
        let (start, end) = millis_of(day);
        let mut total = 0;
        for well in SqliteStore::wells(conn).await? {
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM telemetry WHERE well_id = ? AND ts >= ? AND ts < ?")
                    .bind(&well)
                    .bind(start)
                    .bind(end)
                    .fetch_one(&mut *conn)
                    .await?;
            total += u64::try_from(count).unwrap_or_default();
        }
        Ok(total)
    }

    /// Fills a page well by well, from the cursor's well onwards.
    async fn page(&self, day: NaiveDate, after: Option<&DayCursor>, limit: usize) -> sqlx::Result<DayPage> {
        let (start, end) = millis_of(day);
        let sql = format!(
            "SELECT {}, rowid FROM telemetry WHERE well_id = ? AND ts >= ? AND ts < ? AND (ts, rowid) > (?, ?) \
             ORDER BY ts, rowid LIMIT ?",
            export_columns("ts")
        );
        let all = Parameter::ALL;
        let mut conn = self.pool.acquire().await?;
        let (mut well, mut from) = match after {
            Some(cursor) => (Some(cursor.well_id.as_str().to_owned()), (cursor.at_ms, cursor.order)),
            None => (next_well(&mut conn, "").await?, (start, i64::MIN)),
        };
        let mut page = DayPage::default();
        while let Some(id) = well.take() {
            let well_id = WellId::new(&id).map_err(|error| sqlx::Error::Decode(error.to_string().into()))?;
            let wanted = limit - page.samples.len();
            let rows = sqlx::query(&sql)
                .bind(&id)
                .bind(start)
                .bind(end)
                .bind(from.0)
                .bind(from.1)
                .bind(i64::try_from(wanted).unwrap_or(i64::MAX))
                .fetch_all(&mut *conn)
                .await?;
            for row in &rows {
                page.samples.push(telemetry::decode(row, &well_id, all)?);
            }
            if rows.len() == wanted {
                if let (Some(last), Some(sample)) = (rows.last(), page.samples.last()) {
                    let order: i64 = last.try_get(last.len() - 1)?;
                    page.next = Some(DayCursor { well_id, at_ms: telemetry::to_millis(sample.at), order });
                }
                break;
            }
            well = next_well(&mut conn, &id).await?;
            from = (start, i64::MIN);
        }
        Ok(page)
    }

    /// Deletes the day well by well under the write lock (`BEGIN IMMEDIATE`), so no write
    /// lands between the wells listed and the rows deleted; rolls back unless exactly
    /// `expected` rows went.
    async fn delete_day(&self, day: NaiveDate, expected: u64) -> Result<u64, StoreError> {
        let (start, end) = millis_of(day);
        let mut tx = verdict(self.pool.begin_with("BEGIN IMMEDIATE").await)?;
        let mut deleted = 0;
        for well in verdict(SqliteStore::wells(&mut tx).await)? {
            let done = sqlx::query("DELETE FROM telemetry WHERE well_id = ? AND ts >= ? AND ts < ?")
                .bind(&well)
                .bind(start)
                .bind(end)
                .execute(&mut *tx)
                .await;
            deleted += verdict(done)?.rows_affected();
        }
        if deleted != expected {
            verdict(tx.rollback().await)?;
            return Err(count_changed(day, deleted, expected));
        }
        verdict(tx.commit().await)?;
        Ok(deleted)
    }

    /// Deletes roll-up rows, after a flush: a held row of a pruned bucket would otherwise come
    /// back with only the values that arrived since.
    async fn prune(&self, resolution: Resolution, before: DateTime<Utc>) -> sqlx::Result<u64> {
        rollups::flush(&self.pool, &self.rollups).await?;
        let sql = format!("DELETE FROM {} WHERE bucket < ?", rollup::table(resolution));
        let done = sqlx::query(&sql).bind(telemetry::to_millis(before)).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}

impl Retention for SqliteStore {
    fn raw_days(&self, before: NaiveDate) -> BoxFuture<'_, Result<Vec<DayCount>, StoreError>> {
        Box::pin(async move { verdict(self.days_before(before).await) })
    }

    fn count_day(&self, day: NaiveDate) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let mut conn = verdict(self.pool.acquire().await)?;
            verdict(SqliteStore::count_in(&mut conn, day).await)
        })
    }

    fn read_day<'a>(
        &'a self,
        day: NaiveDate,
        after: Option<&'a DayCursor>,
        limit: usize,
    ) -> BoxFuture<'a, Result<DayPage, StoreError>> {
        Box::pin(async move { verdict(self.page(day, after, limit.max(1)).await) })
    }

    // Flushed first: once a day's raw rows are gone, no recount could restore what memory held.
    fn drop_day(&self, day: NaiveDate, expected: u64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            self.flush_rollups().await?;
            self.delete_day(day, expected).await
        })
    }

    // Raw rows only: the roll-ups counted these samples when they first arrived.
    fn restore_day<'a>(&'a self, samples: &'a [Sample]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.write_raw(samples))
    }

    fn prune_rollups(&self, resolution: Resolution, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move { verdict(self.prune(resolution, before).await) })
    }
}

/// The first well id after `after` with raw telemetry.
async fn next_well(conn: &mut SqliteConnection, after: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT MIN(well_id) FROM telemetry WHERE well_id > ?").bind(after).fetch_one(conn).await
}

/// A day's bounds in epoch milliseconds, as `ts` is stored.
fn millis_of(day: NaiveDate) -> (i64, i64) {
    let (start, end) = day_bounds(day);
    (telemetry::to_millis(start), telemetry::to_millis(end))
}

/// The day numbered `index` since 1970-01-01.
fn day_of(index: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp_millis(index.checked_mul(DAY_MS)?).map(|at| at.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::suite::{full_sample, well};

    #[tokio::test]
    async fn a_day_that_changed_since_its_export_is_not_deleted() {
        let dir = tempfile::tempdir().expect("dir");
        let store = SqliteStore::open(&format!("sqlite://{}", dir.path().join("w.db").display())).await.expect("open");
        let day = NaiveDate::from_ymd_opt(2025, 3, 14).expect("date");
        let at = day.and_hms_opt(8, 0, 0).expect("time").and_utc();
        let samples = [full_sample(&well("W-001"), at, 1), full_sample(&well("W-002"), at, 2)];
        store.write_raw(&samples).await.expect("write");
        let refused = store.drop_day(day, 1).await.expect_err("the day holds 2 samples, not 1");
        assert!(refused.to_string().contains("holds 2 raw samples, not the 1 archived"), "{refused}");
        assert_eq!(store.count_day(day).await.expect("count"), 2, "rolled back");
        assert_eq!(store.drop_day(day, 2).await.expect("drop"), 2);
        assert_eq!(store.count_day(day).await.expect("count"), 0);
    }

    #[tokio::test]
    async fn days_are_counted_by_utc_day_before_the_first_kept() {
        let store = SqliteStore::open("sqlite::memory:").await.expect("open");
        let at = |text: &str| DateTime::parse_from_rfc3339(text).expect("time").to_utc();
        let times =
            ["1969-12-31T23:59:59.999Z", "2025-03-13T23:59:59.999Z", "2025-03-14T00:00:00Z", "2025-03-15T00:00:00Z"];
        let samples: Vec<Sample> = times.iter().map(|t| full_sample(&well("W-001"), at(t), 1)).collect();
        store.write_raw(&samples).await.expect("write");
        let before = NaiveDate::from_ymd_opt(2025, 3, 15).expect("date");
        let days: Vec<(String, u64)> =
            store.raw_days(before).await.expect("days").iter().map(|d| (d.day.to_string(), d.samples)).collect();
        assert_eq!(days, [("1969-12-31".to_owned(), 1), ("2025-03-13".to_owned(), 1), ("2025-03-14".to_owned(), 1)]);
    }
}
