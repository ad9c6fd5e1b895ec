//! [`Retention`] for PostgreSQL: a day of raw telemetry is its day partition, and it goes by
//! dropping that partition whole, never by deleting its rows.
//!
//! The exception is `telemetry_default`, which holds the rows of a day whose partition could
//! not be created (see `partitions.rs`). Such strays are exported with their day and, when the
//! day goes, deleted from the default partition by time range in the same transaction that
//! drops the day's partition: dropping the default partition would take every other stray
//! with it. The default partition is meant to stay small, so this range delete stays cheap.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use wellvisor_actors::device::link::BoxFuture;
use wellvisor_actors::domain::{Parameter, Sample, WellId};
use wellvisor_actors::store::{Resolution, StoreError};

use super::{partitions, rollups, telemetry, verdict, PostgresStore};
use crate::store::retention::Retention;
use crate::store::retention::{count_changed, day_bounds, export_columns, DayCount, DayCursor, DayPage};
use crate::store::rollup;

/// The day partitions of `telemetry`, from the catalogue.
const PARTITIONS: &str = "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
     WHERE i.inhparent = 'telemetry'::regclass";

impl PostgresStore {
    /// Counts each old day partition, and the old strays of the default partition by day.
    async fn days_before(&self, before: NaiveDate) -> sqlx::Result<Vec<DayCount>> {
        let names: Vec<String> = sqlx::query_scalar(PARTITIONS).fetch_all(&self.pool).await?;
        let mut days = std::collections::BTreeMap::<NaiveDate, u64>::new();
        for day in names.iter().filter_map(|name| partitions::day_of(name)).filter(|day| *day < before) {
            let sql = format!("SELECT count(*) FROM {}", partitions::name(day));
            let count: i64 = sqlx::query_scalar(&sql).fetch_one(&self.pool).await?;
            *days.entry(day).or_default() += u64::try_from(count).unwrap_or_default();
        }
        let strays: Vec<(NaiveDate, i64)> = sqlx::query_as(
            "SELECT (at AT TIME ZONE 'UTC')::date AS day, count(*) FROM telemetry_default WHERE at < $1 GROUP BY day",
        )
        .bind(day_bounds(before).0)
        .fetch_all(&self.pool)
        .await?;
        for (day, count) in strays {
            *days.entry(day).or_default() += u64::try_from(count).unwrap_or_default();
        }
        Ok(days.into_iter().map(|(day, samples)| DayCount { day, samples }).collect())
    }

    async fn count_in(&self, day: NaiveDate) -> sqlx::Result<u64> {
        let (start, end) = day_bounds(day);
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM telemetry WHERE at >= $1 AND at < $2")
            .bind(start)
            .bind(end)
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// One keyset page over `(well_id, at, seq)`, the order of the partitions' index.
    async fn page(&self, day: NaiveDate, after: Option<&DayCursor>, limit: usize) -> sqlx::Result<DayPage> {
        let (start, end) = day_bounds(day);
        let sql = format!(
            "SELECT {}, well_id, seq FROM telemetry WHERE at >= $1 AND at < $2 AND (well_id, at, seq) > ($3, $4, $5) \
             ORDER BY well_id, at, seq LIMIT $6",
            export_columns("at")
        );
        let (well, at, order) = match after {
            Some(cursor) => (cursor.well_id.as_str(), cursor_time(cursor.at_ms), cursor.order),
            None => ("", start, i64::MIN),
        };
        let rows = sqlx::query(&sql)
            .bind(start)
            .bind(end)
            .bind(well)
            .bind(at)
            .bind(order)
            .bind(telemetry::sql_limit(limit))
            .fetch_all(&self.pool)
            .await?;
        let mut page = DayPage::default();
        for row in &rows {
            let id: String = row.try_get(row.len() - 2)?;
            let well_id = WellId::new(&id).map_err(|error| sqlx::Error::Decode(error.to_string().into()))?;
            page.samples.push(telemetry::decode(row, &well_id, Parameter::ALL)?);
        }
        if rows.len() == limit {
            if let (Some(last), Some(sample)) = (rows.last(), page.samples.last()) {
                let order: i64 = last.try_get(last.len() - 1)?;
                let at_ms = sample.at.timestamp_millis();
                page.next = Some(DayCursor { well_id: sample.well_id.clone(), at_ms, order });
            }
        }
        Ok(page)
    }

    /// Drops the day's partition and deletes its strays from the default partition, in one
    /// transaction that first locks both against writers and counts what they hold.
    async fn delete_day(&self, day: NaiveDate, expected: u64) -> Result<u64, StoreError> {
        let doing = "dropping a telemetry day";
        let (start, end) = day_bounds(day);
        let partition = partitions::name(day);
        let mut tx = verdict(doing, self.pool.begin().await)?;
        let exists: bool = verdict(
            doing,
            sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL").bind(&partition).fetch_one(&mut *tx).await,
        )?;
        if exists {
            let lock = format!("LOCK TABLE {partition} IN ACCESS EXCLUSIVE MODE");
            verdict(doing, sqlx::query(&lock).execute(&mut *tx).await)?;
        }
        let lock_default = sqlx::query("LOCK TABLE telemetry_default IN SHARE ROW EXCLUSIVE MODE");
        verdict(doing, lock_default.execute(&mut *tx).await)?;
        let held: i64 = verdict(
            doing,
            sqlx::query_scalar("SELECT count(*) FROM telemetry WHERE at >= $1 AND at < $2")
                .bind(start)
                .bind(end)
                .fetch_one(&mut *tx)
                .await,
        )?;
        let held = u64::try_from(held).unwrap_or_default();
        if held != expected {
            verdict(doing, tx.rollback().await)?;
            return Err(count_changed(day, held, expected));
        }
        if exists {
            verdict(doing, sqlx::query(&format!("DROP TABLE {partition}")).execute(&mut *tx).await)?;
        }
        let strays = sqlx::query("DELETE FROM telemetry_default WHERE at >= $1 AND at < $2").bind(start).bind(end);
        verdict(doing, strays.execute(&mut *tx).await)?;
        verdict(doing, tx.commit().await)?;
        // A later write of the day (a restore) creates the partition again.
        self.partitions.forget(day);
        Ok(held)
    }

    /// Deletes roll-up rows, after a flush: a held row of a pruned bucket would otherwise come
    /// back with only the values that arrived since.
    async fn prune(&self, resolution: Resolution, before: DateTime<Utc>) -> sqlx::Result<u64> {
        rollups::flush(&self.pool, &self.rollups).await?;
        let sql = format!("DELETE FROM {} WHERE bucket < $1", rollup::table(resolution));
        let done = sqlx::query(&sql).bind(telemetry::to_millis(before)).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}

impl Retention for PostgresStore {
    fn raw_days(&self, before: NaiveDate) -> BoxFuture<'_, Result<Vec<DayCount>, StoreError>> {
        Box::pin(async move { verdict("listing telemetry days", self.days_before(before).await) })
    }

    fn count_day(&self, day: NaiveDate) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move { verdict("counting a telemetry day", self.count_in(day).await) })
    }

    fn read_day<'a>(
        &'a self,
        day: NaiveDate,
        after: Option<&'a DayCursor>,
        limit: usize,
    ) -> BoxFuture<'a, Result<DayPage, StoreError>> {
        Box::pin(async move { verdict("exporting a telemetry day", self.page(day, after, limit.max(1)).await) })
    }

    // Flushed first: once a day's raw rows are gone, no recount could restore what memory held.
    fn drop_day(&self, day: NaiveDate, expected: u64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            self.flush_rollups().await?;
            self.delete_day(day, expected).await
        })
    }

    // Raw rows only (partitions created as needed): the roll-ups counted these samples when
    // they first arrived.
    fn restore_day<'a>(&'a self, samples: &'a [Sample]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.write_raw(samples))
    }

    fn prune_rollups(&self, resolution: Resolution, before: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move { verdict("pruning roll-ups", self.prune(resolution, before).await) })
    }
}

/// A cursor's time as the `at` column holds it.
fn cursor_time(at_ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at_ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
