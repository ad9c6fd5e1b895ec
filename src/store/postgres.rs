//! [`PostgresStore`]: the production historian, a PostgreSQL server through sqlx
//! (architecture §6).
//!
//! Opened by [`crate::store::open`] for `postgres://` and `postgresql://` URLs. It passes the
//! same shared suite as the SQLite backend; what differs is how it scales: telemetry is
//! partitioned by day, and every batch, of samples or of records, is written with a handful of
//! array-bound statements in one transaction rather than a round trip per row.
//!
//! - `options.rs`: pool size and statement timeout from the URL's query; URL redaction.
//! - `partitions.rs`: the day partitions of `telemetry`, created ahead of the rows.
//! - `telemetry.rs`: the wide telemetry row and its binary `COPY` batch write (migration 0001).
//! - `once.rs`: a batch is stored at most once, even when its commit's answer was lost.
//! - `rollups.rs`: the 1-minute and 1-hour roll-ups, held in memory and flushed (migrations
//!   0003, 0004).
//! - `recovery.rs`: at open, the roll-ups of raw rows a crash left unflushed, recounted.
//! - `retention.rs`: days of raw telemetry exported, dropped as partitions, restored.
//! - `diagnostics.rs`: diagnosis history, alarms, journal and baselines (migration 0002).
//! - `audit.rs`: the append-only audit trail and its filtered reads (migrations 0002, 0006).
//! - `accounts.rs`: users and API keys (migration 0006).

mod accounts;
mod audit;
mod diagnostics;
mod once;
mod options;
mod partitions;
mod recovery;
mod retention;
mod rollups;
mod telemetry;
#[cfg(test)]
mod tests;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::ConnectOptions as _;
use sqlx::{Connection, PgConnection, Row};
use tracing::{info, warn};
use wellvisor_actors::device::link::BoxFuture;
use wellvisor_actors::diagnostics::{AlarmJournalEntry, AlarmRecord, AuditEntry, DiagnosisRecord};
use wellvisor_actors::domain::{Sample, WellId};
use wellvisor_actors::store::{
    AlarmJournalQuery, AuditQuery, DiagnosisQuery, Record, RollupPoint, RollupQuery, Store, StoreError, StoredBaseline,
    StoredWell, TelemetryQuery,
};

use self::options::redact;
pub use self::options::PostgresOptions;
use self::partitions::Partitions;
use super::error::{postgres_is_transient, postgres_reason, postgres_store_error, StoreOpenError};
use super::rollup::write_behind::WriteBehind;

/// The schema, embedded at build time and applied at every open (already applied = no-op).
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long the first connection may take at open before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a caller waits for a pooled connection (a new one included) before the store
/// counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL backend of `Store`. Clones share the pool and the held roll-ups.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    partitions: Arc<Partitions>,
    rollups: Arc<WriteBehind>,
}

impl PostgresStore {
    /// Opens and migrates the database at `url`, with the options of its query
    /// (see [`PostgresOptions`]).
    pub async fn open(url: &str) -> Result<PostgresStore, StoreOpenError> {
        let (options, driver_url) =
            PostgresOptions::from_url(url).map_err(|reason| StoreOpenError::Open { url: redact(url), reason })?;
        PostgresStore::open_with(&driver_url, options).await
    }

    /// Opens and migrates the database at `url` with `options` (keys in `url`'s query are the
    /// driver's own: `sslmode`, `application_name`, ...).
    ///
    /// Tries once: a server that does not answer within 10 s, refuses, or is starting up gives
    /// [`StoreOpenError::Unreachable`] (the caller may retry); a bad URL, password or database
    /// name gives [`StoreOpenError::Open`]. Errors show the URL without its password.
    pub async fn open_with(url: &str, options: PostgresOptions) -> Result<PostgresStore, StoreOpenError> {
        let shown = redact(url);
        let open_error = |reason: String| StoreOpenError::Open { url: shown.clone(), reason };
        let connect = PgConnectOptions::from_str(url)
            .map_err(|error| open_error(error.to_string()))?
            .application_name("wellvisor")
            .log_statements(log::LevelFilter::Trace)
            .log_slow_statements(log::LevelFilter::Warn, super::SLOW_STATEMENT)
            .options([("statement_timeout", options.statement_timeout.as_millis().to_string())]);
        let mut conn = connect_once(&connect, &shown).await?;
        let migrated = MIGRATOR.run(&mut conn).await;
        if let Err(error) = conn.close().await {
            warn!(url = %shown, error = %postgres_reason(&error), "closing the migration connection failed");
        }
        migrated.map_err(|error| StoreOpenError::Migrate { url: shown.clone(), reason: error.to_string() })?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with(connect);
        PostgresStore::prepare(pool).await.map_err(|error| {
            let reason = postgres_reason(&error);
            if postgres_is_transient(&error) {
                StoreOpenError::Unreachable { url: shown.clone(), reason }
            } else {
                open_error(reason)
            }
        })
    }

    /// Loads the known day partitions and creates today's and the days ahead, then recounts
    /// the roll-ups a crash left unflushed.
    async fn prepare(pool: PgPool) -> sqlx::Result<PostgresStore> {
        let partitions = Partitions::load(&pool).await?;
        partitions.ensure(&pool, partitions::ahead(Utc::now().date_naive())).await?;
        let watermark = recovery::recover(&pool).await?;
        Ok(PostgresStore { pool, partitions: Arc::new(partitions), rollups: Arc::new(WriteBehind::new(watermark)) })
    }

    /// Merges the roll-ups held in memory into the tables now: before retention prunes them,
    /// and at shutdown after the recorder's last batch.
    pub(crate) async fn flush_rollups(&self) -> Result<(), StoreError> {
        verdict("flushing roll-ups", rollups::flush(&self.pool, &self.rollups).await)
    }

    #[cfg(test)]
    pub(crate) fn write_behind(&self) -> &WriteBehind {
        &self.rollups
    }

    /// Makes sure the stored roll-ups are the ones this store flushed, so adding what it holds
    /// counts nothing twice: after another process recounted them, flushes first.
    async fn own_rollups(&self) -> sqlx::Result<()> {
        let stored = rollups::watermark(&self.pool).await?;
        if stored == self.rollups.persisted() || !self.rollups.foreign_watermark(stored) {
            return Ok(());
        }
        rollups::flush(&self.pool, &self.rollups).await
    }

    /// Writes raw samples only, in one transaction, leaving the roll-ups alone: for samples the
    /// roll-ups already counted when they first arrived (an archived day brought back).
    pub(crate) async fn write_raw(&self, samples: &[Sample]) -> Result<(), StoreError> {
        if samples.is_empty() {
            return Ok(());
        }
        self.partitions_for(samples).await?;
        let write = async {
            let mut tx = self.pool.begin().await?;
            insert(&mut tx, samples).await?;
            tx.commit().await
        };
        verdict("writing telemetry", write.await)
    }

    /// Writes a batch in one transaction, then hands it to the held roll-ups, and flushes them
    /// when that is due. A failed flush keeps its rows held for the next one and does not fail
    /// the write: the batch is stored, and retrying it would store it twice.
    async fn write_counted(&self, samples: &[Sample]) -> Result<(), StoreError> {
        if samples.is_empty() {
            return Ok(());
        }
        self.partitions_for(samples).await?;
        let failed = |error: sqlx::Error| postgres_store_error("writing telemetry", &error);
        let pending = self.rollups.begin_write();
        let fingerprint = once::fingerprint(samples);
        let inserted = async {
            let mut tx = self.pool.begin().await?;
            insert(&mut tx, samples).await?;
            // The batch's highest `seq`: the sequence's last value drawn on this connection.
            let last_seq: i64 = sqlx::query_scalar("SELECT currval('telemetry_seq')").fetch_one(&mut *tx).await?;
            let stored_before = once::claim(&mut tx, fingerprint, last_seq).await?;
            Ok((tx, last_seq, stored_before))
        };
        let (tx, last_seq) = match inserted.await {
            Ok((tx, last_seq, None)) => (tx, last_seq),
            Ok((tx, _, Some(first_last_seq))) => {
                // An earlier attempt's commit happened though its answer was lost.
                info!(samples = samples.len(), "this batch is already stored: its copy is rolled back");
                drop(tx);
                pending.committed(samples, first_last_seq);
                return Ok(());
            }
            Err(error) => {
                pending.rolled_back();
                return Err(failed(error));
            }
        };
        if let Err(error) = tx.commit().await {
            pending.uncertain();
            return Err(failed(error));
        }
        if pending.committed(samples, last_seq) {
            if let Err(error) = self.flush_rollups().await {
                warn!(%error, "flushing roll-ups failed; they stay held for the next flush");
            }
        }
        Ok(())
    }

    /// Makes sure the days of `samples` have partitions.
    async fn partitions_for(&self, samples: &[Sample]) -> Result<(), StoreError> {
        let days = partitions::needed(samples, Utc::now().date_naive());
        verdict("creating telemetry partitions", self.partitions.ensure(&self.pool, days).await)
    }

    /// Writes records in one transaction, after every backend's validation.
    async fn insert_records(&self, records: &[Record]) -> Result<(), StoreError> {
        records.iter().try_for_each(Record::validate)?;
        if records.is_empty() {
            return Ok(());
        }
        let verdict = |error: sqlx::Error| postgres_store_error("writing records", &error);
        let mut tx = self.pool.begin().await.map_err(verdict)?;
        diagnostics::insert(&mut tx, records).await?;
        tx.commit().await.map_err(verdict)
    }

    async fn select(&self, query: &TelemetryQuery) -> sqlx::Result<Vec<Sample>> {
        let wanted = super::wanted(&query.params);
        let sql = telemetry::select(&wanted);
        let rows = sqlx::query(&sql)
            .bind(query.well_id.as_str())
            .bind(telemetry::to_millis(query.from))
            .bind(telemetry::to_millis(query.to))
            .bind(telemetry::sql_limit(query.limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| telemetry::decode(row, &query.well_id, &wanted)).collect()
    }

    async fn count(&self, well_id: Option<&WellId>) -> sqlx::Result<u64> {
        let count: i64 = match well_id {
            Some(id) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM telemetry WHERE well_id = $1")
                    .bind(id.as_str())
                    .fetch_one(&self.pool)
                    .await?
            }
            None => sqlx::query_scalar("SELECT COUNT(*) FROM telemetry").fetch_one(&self.pool).await?,
        };
        Ok(u64::try_from(count).unwrap_or_default())
    }

    async fn upsert_well(&self, well: &StoredWell) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO wells (id, definition, updated_at) VALUES ($1, $2::json, $3) \
             ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at",
        )
        .bind(well.id.as_str())
        .bind(well.definition.as_str())
        .bind(telemetry::to_millis(Utc::now()))
        .execute(&self.pool)
        .await
        .map(drop)
    }

    async fn remove_well(&self, well_id: &WellId) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM wells WHERE id = $1").bind(well_id.as_str()).execute(&self.pool).await.map(drop)
    }

    /// Every stored well, by id. A row whose id is no longer valid (edited by hand) is skipped
    /// with a warning, so the other wells still come back.
    async fn all_wells(&self) -> sqlx::Result<Vec<StoredWell>> {
        let rows = sqlx::query("SELECT id, definition::text FROM wells ORDER BY id").fetch_all(&self.pool).await?;
        let mut wells = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get(0)?;
            match WellId::new(&id) {
                Ok(id) => wells.push(StoredWell { id, definition: row.try_get(1)? }),
                Err(error) => warn!(%error, "stored well skipped"),
            }
        }
        Ok(wells)
    }
}

/// Inserts `samples` as raw rows on the caller's transaction.
async fn insert(conn: &mut PgConnection, samples: &[Sample]) -> sqlx::Result<()> {
    for chunk in samples.chunks(telemetry::ROWS_PER_STATEMENT) {
        telemetry::insert(chunk).execute(&mut *conn).await?;
    }
    Ok(())
}

/// One connection, tried once within [`CONNECT_TIMEOUT`]: the clear answer to "is the server
/// there?", before any pool (whose own connect retries a refused server until it times out).
async fn connect_once(connect: &PgConnectOptions, shown: &str) -> Result<PgConnection, StoreOpenError> {
    let unreachable = |reason: String| StoreOpenError::Unreachable { url: shown.to_owned(), reason };
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(connect)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(error)) if postgres_is_transient(&error) => Err(unreachable(postgres_reason(&error))),
        Ok(Err(error)) => Err(StoreOpenError::Open { url: shown.to_owned(), reason: postgres_reason(&error) }),
        Err(_) => Err(unreachable(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()))),
    }
}

/// The recorder's verdict on a driver result, saying what was being done.
fn verdict<T>(doing: &str, result: sqlx::Result<T>) -> Result<T, StoreError> {
    result.map_err(|error| postgres_store_error(doing, &error))
}

impl Store for PostgresStore {
    fn write_samples<'a>(&'a self, samples: &'a [Sample]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.write_counted(samples))
    }

    fn read_rollups<'a>(&'a self, query: &'a RollupQuery) -> BoxFuture<'a, Result<Vec<RollupPoint>, StoreError>> {
        Box::pin(async move {
            verdict("reading roll-ups", self.own_rollups().await)?;
            let read = self.rollups.read(query, rollups::stored(&self.pool, query));
            verdict("reading roll-ups", read.await)
        })
    }

    fn read_telemetry<'a>(&'a self, query: &'a TelemetryQuery) -> BoxFuture<'a, Result<Vec<Sample>, StoreError>> {
        Box::pin(async move { verdict("reading telemetry", self.select(query).await) })
    }

    fn count_samples<'a>(&'a self, well_id: Option<&'a WellId>) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move { verdict("counting telemetry", self.count(well_id).await) })
    }

    fn save_well<'a>(&'a self, well: &'a StoredWell) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { verdict("writing wells", self.upsert_well(well).await) })
    }

    fn delete_well<'a>(&'a self, well_id: &'a WellId) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { verdict("deleting from wells", self.remove_well(well_id).await) })
    }

    fn load_wells(&self) -> BoxFuture<'_, Result<Vec<StoredWell>, StoreError>> {
        Box::pin(async move { verdict("reading wells", self.all_wells().await) })
    }

    fn write_records<'a>(&'a self, records: &'a [Record]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.insert_records(records))
    }

    fn read_diagnoses<'a>(
        &'a self,
        query: &'a DiagnosisQuery,
    ) -> BoxFuture<'a, Result<Vec<DiagnosisRecord>, StoreError>> {
        Box::pin(async move { verdict("reading diagnoses", diagnostics::diagnoses(&self.pool, query).await) })
    }

    fn load_alarms(&self) -> BoxFuture<'_, Result<Vec<AlarmRecord>, StoreError>> {
        Box::pin(async move { verdict("reading alarms", diagnostics::alarms(&self.pool).await) })
    }

    fn read_alarm_journal<'a>(
        &'a self,
        query: &'a AlarmJournalQuery,
    ) -> BoxFuture<'a, Result<Vec<AlarmJournalEntry>, StoreError>> {
        Box::pin(async move { verdict("reading alarm_journal", diagnostics::journal(&self.pool, query).await) })
    }

    fn read_audit<'a>(&'a self, query: &'a AuditQuery) -> BoxFuture<'a, Result<Vec<AuditEntry>, StoreError>> {
        Box::pin(async move { verdict("reading audit", audit::read(&self.pool, query).await) })
    }

    fn load_baselines(&self) -> BoxFuture<'_, Result<Vec<StoredBaseline>, StoreError>> {
        Box::pin(async move { verdict("reading baselines", diagnostics::baselines(&self.pool).await) })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move { verdict("ping", sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)) })
    }
}
