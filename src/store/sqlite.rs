//! [`SqliteStore`]: the embedded historian, one SQLite file in WAL mode through sqlx.
//!
//! Opened by [`crate::store::open`] for `sqlite:` URLs. The recorder is its only writer, so a
//! small pool serves the recorder's batches and the API's concurrent reads; WAL lets those
//! reads proceed while a batch is being written.
//!
//! - `telemetry.rs`: the wide telemetry row (migration 0001).
//! - `rollups.rs`: the 1-minute and 1-hour roll-ups, held in memory and flushed (migrations
//!   0003, 0004).
//! - `recovery.rs`: at open, the roll-ups of raw rows a crash left unflushed, recounted.
//! - `retention.rs`: days of raw telemetry exported, deleted and restored well by well.
//! - `diagnostics.rs`: diagnosis history, alarms, journal and baselines (migration 0002).
//! - `audit.rs`: the append-only audit trail and its filtered reads (migrations 0002, 0006).
//! - `accounts.rs`: users and API keys (migration 0006).

mod accounts;
mod audit;
mod diagnostics;
mod recovery;
mod retention;
mod rollups;
mod telemetry;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::ConnectOptions as _;
use sqlx::{Row, SqliteConnection};
use tracing::warn;
use wellvisor_actors::device::link::BoxFuture;
use wellvisor_actors::diagnostics::{AlarmJournalEntry, AlarmRecord, AuditEntry, DiagnosisRecord};
use wellvisor_actors::domain::{Sample, WellId};
use wellvisor_actors::store::{
    AlarmJournalQuery, AuditQuery, DiagnosisQuery, Record, RollupPoint, RollupQuery, Store, StoreError, StoredBaseline,
    StoredWell, TelemetryQuery,
};

use super::error::{sqlite_store_error, StoreOpenError};
use super::rollup::write_behind::WriteBehind;

/// The schema, embedded at build time and applied at every open (already applied = no-op).
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Connections for a file database: one writer plus a few concurrent API readers.
const POOL_SIZE: u32 = 4;
/// How long a statement waits for another connection's write lock before `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Page cache per connection, in KiB when negative (SQLite's default is 2 MiB). Ingest spreads
/// each batch over one `(well_id, ts)` index leaf per well; keeping those leaves cached, with
/// the longer WAL below, measured ~1.4x faster ingest for a 500-well fleet.
const CACHE_SIZE: &str = "-16384";
/// WAL pages before a checkpoint copies them back (SQLite's default is 1000, ~4 MiB). A batch
/// rewrites the same hot index pages, so a longer WAL lets one checkpoint copy each page once
/// for many batches instead of once every batch or two; the WAL file stays ~40 MiB.
const WAL_AUTOCHECKPOINT: &str = "10000";
/// How long a caller waits for a free connection before the store counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The SQLite backend of `Store`. Clones share the pool and the held roll-ups.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    rollups: Arc<WriteBehind>,
}

impl SqliteStore {
    /// Opens (creating the directory and file if missing) and migrates the database at `url`:
    /// `sqlite://relative/path.db`, `sqlite:///absolute/path.db` or `sqlite::memory:`.
    ///
    /// An in-memory database lives as long as the returned store (and its clones).
    pub async fn open(url: &str) -> Result<SqliteStore, StoreOpenError> {
        let open_error = |error: sqlx::Error| StoreOpenError::Open { url: url.to_owned(), reason: error.to_string() };
        let memory = is_in_memory(url);
        let options = SqliteConnectOptions::from_str(url)
            .map_err(open_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .log_statements(log::LevelFilter::Trace)
            .log_slow_statements(log::LevelFilter::Warn, super::SLOW_STATEMENT)
            .pragma("cache_size", CACHE_SIZE)
            .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT)
            // A multi-row INSERT in a transaction journals the pages it changes, so a failing
            // row can undo that statement alone; on disk that journal cost a write per page,
            // ~15% of a 1,000-well batch's profile. In memory it costs a copy.
            .pragma("temp_store", "memory");
        if !memory {
            create_file(options.get_filename()).await?;
        }
        let pool = pool_options(memory).connect_with(options).await.map_err(open_error)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|error| StoreOpenError::Migrate { url: url.to_owned(), reason: error.to_string() })?;
        let watermark = recovery::recover(&pool).await.map_err(|error| StoreOpenError::Open {
            url: url.to_owned(),
            reason: format!("recounting roll-ups: {error}"),
        })?;
        Ok(SqliteStore { pool, rollups: Arc::new(WriteBehind::new(watermark)) })
    }

    /// Merges the roll-ups held in memory into the tables now: before retention prunes them,
    /// and at shutdown after the recorder's last batch.
    pub(crate) async fn flush_rollups(&self) -> Result<(), StoreError> {
        verdict(rollups::flush(&self.pool, &self.rollups).await)
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
        let mut tx = verdict(self.pool.begin().await)?;
        verdict(insert(&mut tx, samples).await)?;
        verdict(tx.commit().await)
    }

    /// Writes raw rows in one transaction, then hands the batch to the held roll-ups, and
    /// flushes them when that is due. A failed flush keeps its rows held for the next one and
    /// does not fail the write: the batch is stored, and retrying it would store it twice.
    async fn write_counted(&self, samples: &[Sample]) -> Result<(), StoreError> {
        if samples.is_empty() {
            return Ok(());
        }
        let pending = self.rollups.begin_write();
        let inserted = async {
            let mut tx = self.pool.begin().await?;
            let last_rowid = insert(&mut tx, samples).await?;
            Ok((tx, last_rowid))
        };
        let (tx, last_rowid) = match inserted.await {
            Ok(inserted) => inserted,
            Err(error) => {
                pending.rolled_back();
                return verdict(Err(error));
            }
        };
        if let Err(error) = tx.commit().await {
            pending.uncertain();
            return verdict(Err(error));
        }
        if pending.committed(samples, last_rowid) {
            if let Err(error) = self.flush_rollups().await {
                warn!(%error, "flushing roll-ups failed; they stay held for the next flush");
            }
        }
        Ok(())
    }

    /// Writes records in order in one transaction, after every backend's validation.
    async fn insert_records(&self, records: &[Record]) -> Result<(), StoreError> {
        records.iter().try_for_each(Record::validate)?;
        if records.is_empty() {
            return Ok(());
        }
        let write = async {
            let mut tx = self.pool.begin().await?;
            for record in records {
                diagnostics::insert(&mut tx, record).await?;
            }
            tx.commit().await
        };
        verdict(write.await)
    }

    async fn select(&self, query: &TelemetryQuery) -> sqlx::Result<Vec<Sample>> {
        let wanted = super::wanted(&query.params);
        let sql = telemetry::select(&wanted);
        let rows = sqlx::query(&sql)
            .bind(query.well_id.as_str())
            .bind(telemetry::to_millis(query.from))
            .bind(telemetry::to_millis(query.to))
            .bind(i64::try_from(query.limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| telemetry::decode(row, &query.well_id, &wanted)).collect()
    }

    async fn count(&self, well_id: Option<&WellId>) -> sqlx::Result<u64> {
        let count: i64 = match well_id {
            Some(id) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM telemetry WHERE well_id = ?")
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
            "INSERT INTO wells (id, definition, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at",
        )
        .bind(well.id.as_str())
        .bind(well.definition.as_str())
        .bind(telemetry::to_millis(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn remove_well(&self, well_id: &WellId) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM wells WHERE id = ?").bind(well_id.as_str()).execute(&self.pool).await?;
        Ok(())
    }

    /// Every stored well, by id. A row whose id is no longer valid (edited by hand) is skipped
    /// with a warning, so the other wells still come back.
    async fn all_wells(&self) -> sqlx::Result<Vec<StoredWell>> {
        let rows = sqlx::query("SELECT id, definition FROM wells ORDER BY id").fetch_all(&self.pool).await?;
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

impl Store for SqliteStore {
    fn write_samples<'a>(&'a self, samples: &'a [Sample]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.write_counted(samples))
    }

    fn read_rollups<'a>(&'a self, query: &'a RollupQuery) -> BoxFuture<'a, Result<Vec<RollupPoint>, StoreError>> {
        Box::pin(async move {
            verdict(self.own_rollups().await)?;
            verdict(self.rollups.read(query, rollups::stored(&self.pool, query)).await)
        })
    }

    fn read_telemetry<'a>(&'a self, query: &'a TelemetryQuery) -> BoxFuture<'a, Result<Vec<Sample>, StoreError>> {
        Box::pin(async move { self.select(query).await.map_err(|error| sqlite_store_error(&error)) })
    }

    fn count_samples<'a>(&'a self, well_id: Option<&'a WellId>) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move { self.count(well_id).await.map_err(|error| sqlite_store_error(&error)) })
    }

    fn save_well<'a>(&'a self, well: &'a StoredWell) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.upsert_well(well).await.map_err(|error| sqlite_store_error(&error)) })
    }

    fn delete_well<'a>(&'a self, well_id: &'a WellId) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.remove_well(well_id).await.map_err(|error| sqlite_store_error(&error)) })
    }

    fn load_wells(&self) -> BoxFuture<'_, Result<Vec<StoredWell>, StoreError>> {
        Box::pin(async move { self.all_wells().await.map_err(|error| sqlite_store_error(&error)) })
    }

    fn write_records<'a>(&'a self, records: &'a [Record]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.insert_records(records))
    }

    fn read_diagnoses<'a>(
        &'a self,
        query: &'a DiagnosisQuery,
    ) -> BoxFuture<'a, Result<Vec<DiagnosisRecord>, StoreError>> {
        Box::pin(async move { verdict(diagnostics::diagnoses(&self.pool, query).await) })
    }

    fn load_alarms(&self) -> BoxFuture<'_, Result<Vec<AlarmRecord>, StoreError>> {
        Box::pin(async move { verdict(diagnostics::alarms(&self.pool).await) })
    }

    fn read_alarm_journal<'a>(
        &'a self,
        query: &'a AlarmJournalQuery,
    ) -> BoxFuture<'a, Result<Vec<AlarmJournalEntry>, StoreError>> {
        Box::pin(async move { verdict(diagnostics::journal(&self.pool, query).await) })
    }

    fn read_audit<'a>(&'a self, query: &'a AuditQuery) -> BoxFuture<'a, Result<Vec<AuditEntry>, StoreError>> {
        Box::pin(async move { verdict(audit::read(&self.pool, query).await) })
    }

    fn load_baselines(&self) -> BoxFuture<'_, Result<Vec<StoredBaseline>, StoreError>> {
        Box::pin(async move { verdict(diagnostics::baselines(&self.pool).await) })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query("SELECT 1").execute(&self.pool).await.map(drop).map_err(|error| sqlite_store_error(&error))
        })
    }
}

/// Inserts `samples` as raw rows on the caller's transaction; returns the rowid of the last.
async fn insert(conn: &mut SqliteConnection, samples: &[Sample]) -> sqlx::Result<i64> {
    for chunk in samples.chunks(telemetry::ROWS_PER_INSERT) {
        telemetry::insert(chunk).build().execute(&mut *conn).await?;
    }
    sqlx::query_scalar("SELECT last_insert_rowid()").fetch_one(conn).await
}

/// The recorder's verdict on a driver result: retry later, or refused for good.
fn verdict<T>(result: sqlx::Result<T>) -> Result<T, StoreError> {
    result.map_err(|error| sqlite_store_error(&error))
}

/// Whether `url` names an in-memory database (`sqlite::memory:` or `?mode=memory`).
fn is_in_memory(url: &str) -> bool {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    database == ":memory:" || params.split('&').any(|pair| pair == "mode=memory")
}

/// An in-memory database vanishes with its last connection, so its pool holds exactly one,
/// forever; a file database gets a few, recycled by the pool's defaults.
fn pool_options(memory: bool) -> SqlitePoolOptions {
    let options = SqlitePoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT);
    if memory {
        options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
    } else {
        options.max_connections(POOL_SIZE)
    }
}

/// Creates the database file and its directory when missing, so a path problem is reported
/// as such ("cannot create directory data/: permission denied") rather than as SQLite's
/// "unable to open database file".
async fn create_file(path: &Path) -> Result<(), StoreOpenError> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        if !tokio::fs::try_exists(dir).await.unwrap_or(false) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|error| StoreOpenError::CreateDir { path: dir.to_owned(), error })?;
        }
    }
    // `create_new`: an existing file is SQLite's to open (and to complain about).
    match tokio::fs::OpenOptions::new().write(true).create_new(true).open(path).await {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(StoreOpenError::CreateFile { path: path.to_owned(), error }),
    }
}
