//! The SQLite backend against real database files in temp directories: the shared store
//! suite, then what is particular to SQLite (files, pragmas, atomicity, open errors, rows
//! this build cannot decode, the append-only audit table).

use std::sync::Arc;

use tempfile::TempDir;
use wellvisor_actors::diagnostics::{AlarmState, DiagnosisEvent, DiagnosisKind, Source};
use wellvisor_actors::domain::Sample;
use wellvisor_actors::store::{AlarmJournalQuery, AuditQuery, DiagnosisQuery, Record, Store, StoreError, StoredWell};

use super::telemetry::ROWS_PER_INSERT;
use super::SqliteStore;
use crate::auth::accounts::Accounts;
use crate::auth::role::Role;
use crate::store::suite::{self, alarm, api_key, at, audit, baseline, diagnosis, full_sample, journal, user, well};
use crate::store::StoreOpenError;

fn url_in(dir: &TempDir, relative: &str) -> String {
    format!("sqlite://{}", dir.path().join(relative).display())
}

async fn open_in(dir: &TempDir, relative: &str) -> SqliteStore {
    SqliteStore::open(&url_in(dir, relative)).await.expect("open store")
}

/// A fresh store in its own temp directory, which lives as long as the returned guard.
async fn fresh_backend() -> (Arc<SqliteStore>, TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_in(&dir, "wellvisor.db").await;
    (Arc::new(store), dir)
}

async fn fresh_store() -> (Arc<dyn Store>, TempDir) {
    let (store, dir) = fresh_backend().await;
    (store, dir)
}

async fn fresh_accounts() -> (Arc<dyn Accounts>, TempDir) {
    let (store, dir) = fresh_backend().await;
    (store, dir)
}

suite::store_suite!(fresh_store);
suite::store_suite!(write_behind fresh_backend);
suite::store_suite!(accounts fresh_accounts);

#[tokio::test]
async fn rollups_are_recounted_after_a_crash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = url_in(&dir, "wellvisor.db");
    let open = || async { Arc::new(SqliteStore::open(&url).await.expect("open store")) };
    suite::rollups_are_recounted_after_a_crash(open).await;
}

#[tokio::test]
async fn rollups_stay_exact_when_another_process_opens_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = url_in(&dir, "wellvisor.db");
    let open = || async { Arc::new(SqliteStore::open(&url).await.expect("open store")) };
    suite::rollups_stay_exact_when_another_process_opens_the_store(open).await;
}

#[tokio::test]
async fn opening_creates_missing_directories_and_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    open_in(&dir, "data/nested/wellvisor.db").await;
    assert!(dir.path().join("data/nested/wellvisor.db").is_file());
}

#[tokio::test]
async fn the_database_runs_in_wal_mode_with_normal_sync() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_in(&dir, "wellvisor.db").await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&store.pool).await.expect("mode");
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&store.pool).await.expect("sync");
    assert_eq!((mode.as_str(), sync), ("wal", 1));
}

#[tokio::test]
async fn data_survives_a_reopen_and_migrations_apply_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_in(&dir, "wellvisor.db").await;
    store.write_samples(&[full_sample(&well("W-001"), at(0), 1)]).await.expect("write");
    store.pool.close().await;
    let store = open_in(&dir, "wellvisor.db").await;
    assert_eq!(store.count_samples(None).await.expect("count"), 1);
    let applied: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&store.pool).await.expect("migrations");
    assert_eq!(applied, super::MIGRATOR.migrations.len() as i64);
}

#[tokio::test]
async fn a_failing_chunk_rolls_back_the_whole_batch_as_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_in(&dir, "wellvisor.db").await;
    sqlx::query(
        "CREATE TRIGGER refuse_bad BEFORE INSERT ON telemetry WHEN NEW.well_id = 'W-BAD' \
         BEGIN SELECT RAISE(ABORT, 'refused'); END",
    )
    .execute(&store.pool)
    .await
    .expect("trigger");
    // Two full chunks commit nothing when the third statement fails.
    let mut batch: Vec<Sample> = (0..2 * ROWS_PER_INSERT as i64).map(|i| Sample::new(well("W-001"), at(i))).collect();
    batch.push(Sample::new(well("W-BAD"), at(0)));
    let result = store.write_samples(&batch).await;
    assert!(matches!(result, Err(StoreError::Rejected(_))), "{result:?}");
    assert_eq!(store.count_samples(None).await.expect("count"), 0);
}

#[tokio::test]
async fn a_definition_that_is_not_json_is_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_in(&dir, "wellvisor.db").await;
    let well = StoredWell { id: well("W-001"), definition: "host = 10.0.0.1".to_owned() };
    let result = store.save_well(&well).await;
    assert!(matches!(result, Err(StoreError::Rejected(_))), "{result:?}");
}

#[tokio::test]
async fn an_in_memory_store_keeps_its_data_while_open() {
    let store = SqliteStore::open("sqlite::memory:").await.expect("open");
    store.write_samples(&[full_sample(&well("W-001"), at(0), 1)]).await.expect("write");
    assert_eq!(store.count_samples(None).await.expect("count"), 1);
    let other = SqliteStore::open("sqlite::memory:").await.expect("open another");
    assert_eq!(other.count_samples(None).await.expect("count"), 0, "each in-memory store is its own");
}

#[tokio::test]
async fn an_uncreatable_directory_is_named_in_the_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("plain-file"), b"").expect("file");
    let error = SqliteStore::open(&url_in(&dir, "plain-file/data/wellvisor.db")).await.err().expect("must fail");
    let message = error.to_string();
    assert!(matches!(error, StoreOpenError::CreateDir { .. }), "{message}");
    let expected = format!("cannot create directory {}: not a directory", dir.path().join("plain-file/data").display());
    assert!(message.starts_with(&expected), "{message}");
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_named_in_the_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("notes.db"), vec![b'x'; 4096]).expect("file");
    let url = url_in(&dir, "notes.db");
    let error = SqliteStore::open(&url).await.err().expect("must fail");
    let message = error.to_string();
    assert!(message.starts_with(&format!("cannot open database {url}: ")), "{message}");
}

/// Runs one statement against the store's pool, as a hand edit or a newer build would.
async fn execute(store: &SqliteStore, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).execute(&store.pool).await.map(drop)
}

fn rejected_naming<T: std::fmt::Debug>(result: Result<T, StoreError>, column: &str, value: &str) {
    match result {
        Err(StoreError::Rejected(message)) => {
            assert!(message.contains(column) && message.contains(value), "{message}");
        }
        other => panic!("expected a rejection naming {column}, got {other:?}"),
    }
}

#[tokio::test]
async fn names_this_build_does_not_know_are_rejected_naming_the_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_in(&dir, "wellvisor.db").await;
    let w = Source::Well(well("W-001"));
    let records = [
        Record::Diagnosis(diagnosis(&w, DiagnosisKind::GasLock, DiagnosisEvent::Raised, at(0))),
        Record::AlarmState(alarm("W-001:gas_lock", AlarmState::Unacknowledged, at(0))),
        Record::Journal(journal("W-001:gas_lock", at(0), "activated")),
        Record::Baseline(baseline("W-001", at(0), "{}")),
    ];
    store.write_records(&records).await.expect("write");
    execute(&store, "UPDATE diagnoses SET kind = 'gremlins'").await.expect("edit");
    execute(&store, "UPDATE alarms SET state = 'snoozed'").await.expect("edit");
    execute(&store, "UPDATE alarm_journal SET priority = 'urgent'").await.expect("edit");
    execute(&store, "UPDATE baselines SET well_id = 'W 001'").await.expect("edit");
    let query = DiagnosisQuery { source: w, from: at(0), to: at(1), limit: 10 };
    rejected_naming(store.read_diagnoses(&query).await, "diagnoses.kind", "gremlins");
    rejected_naming(store.load_alarms().await, "alarms.state", "snoozed");
    rejected_naming(
        store.read_alarm_journal(&AlarmJournalQuery::between(at(0), at(1), 10)).await,
        "alarm_journal.priority",
        "urgent",
    );
    rejected_naming(store.load_baselines().await, "baselines.well_id", "W 001");
}

#[tokio::test]
async fn roles_this_build_does_not_know_are_refused_on_write_and_named_on_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_in(&dir, "wellvisor.db").await;
    store.save_user(&user("alice", Role::Operator)).await.expect("save user");
    store.save_api_key(&api_key("0123456789ab", Role::Service)).await.expect("save key");
    let refused = execute(&store, "UPDATE users SET role = 'auditor'").await;
    assert!(refused.as_ref().is_err_and(|e| e.to_string().contains("CHECK constraint failed")), "{refused:?}");
    // A newer build that knows a sixth role would widen the checks in its own migration.
    let mut conn = store.pool.acquire().await.expect("connection");
    for sql in [
        "PRAGMA ignore_check_constraints = ON",
        "UPDATE users SET role = 'auditor'",
        "UPDATE api_keys SET role = 'root'",
        "PRAGMA ignore_check_constraints = OFF",
    ] {
        sqlx::query(sql).execute(&mut *conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    drop(conn);
    rejected_naming(store.load_users().await, "users.role", "auditor");
    rejected_naming(store.load_api_keys().await, "api_keys.role", "root");
}

#[tokio::test]
async fn the_audit_table_refuses_updates_and_deletes_of_old_and_new_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_in(&dir, "wellvisor.db").await;
    let entry = audit(at(0), "ack");
    store.write_records(&[Record::Audit(entry.clone())]).await.expect("write");
    for sql in ["UPDATE audit SET actor = 'someone else'", "UPDATE audit SET result = '200 ok'", "DELETE FROM audit"] {
        let result = execute(&store, sql).await;
        assert!(result.as_ref().is_err_and(|e| e.to_string().contains("append-only")), "{sql}: {result:?}");
    }
    assert_eq!(store.read_audit(&AuditQuery::between(at(0), at(1), 10)).await.expect("audit"), vec![entry]);
}

#[tokio::test]
async fn a_failing_record_rolls_back_the_whole_batch_as_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_in(&dir, "wellvisor.db").await;
    execute(&store, "CREATE TRIGGER refuse_alarm BEFORE INSERT ON alarms BEGIN SELECT RAISE(ABORT, 'refused'); END")
        .await
        .expect("trigger");
    let records = [
        Record::Audit(audit(at(0), "ack")),
        Record::Journal(journal("W-001:gas_lock", at(0), "acknowledged")),
        Record::AlarmState(alarm("W-001:gas_lock", AlarmState::Acknowledged, at(0))),
    ];
    let result = store.write_records(&records).await;
    assert!(matches!(result, Err(StoreError::Rejected(_))), "{result:?}");
    assert!(store.read_audit(&AuditQuery::between(at(0), at(1), 10)).await.expect("audit").is_empty());
    assert!(store.read_alarm_journal(&AlarmJournalQuery::between(at(0), at(1), 10)).await.expect("journal").is_empty());
}
