//! The PostgreSQL backend against a real server (a throwaway one, a fresh database per test):
//! the shared store suite, then what is particular to PostgreSQL (day partitions, one statement
//! per batch, atomicity, options, open errors, rows this build cannot decode, the append-only
//! audit table).

use std::sync::Arc;

use chrono::{Days, Utc};
use wellvisor_actors::diagnostics::{AlarmState, DiagnosisEvent, DiagnosisKind, Source};
use wellvisor_actors::domain::{Parameter, Sample, WellId};
use wellvisor_actors::store::{
    AlarmJournalQuery, AuditQuery, DiagnosisQuery, Record, Resolution, RollupQuery, Store, StoreError, StoredWell,
};

use super::partitions::{self, AHEAD_DAYS};
use super::PostgresStore;
use crate::auth::accounts::Accounts;
use crate::auth::role::Role;
use crate::store::error::postgres_store_error;
use crate::store::suite::{
    self, alarm, api_key, at, audit, baseline, diagnosis, full_sample, journal, range, user, well,
};
use crate::store::throwaway;

async fn fresh_url() -> String {
    throwaway::database().await.unwrap_or_else(|error| panic!("throwaway database: {error}"))
}

async fn open(url: &str) -> PostgresStore {
    PostgresStore::open(url).await.unwrap_or_else(|error| panic!("open {url}: {error}"))
}

async fn fresh() -> PostgresStore {
    open(&fresh_url().await).await
}

/// A fresh store in its own database; the database goes with the throwaway server.
async fn fresh_backend() -> (Arc<PostgresStore>, ()) {
    (Arc::new(fresh().await), ())
}

async fn fresh_store() -> (Arc<dyn Store>, ()) {
    (Arc::new(fresh().await), ())
}

async fn fresh_accounts() -> (Arc<dyn Accounts>, ()) {
    (Arc::new(fresh().await), ())
}

suite::store_suite!(fresh_store);
suite::store_suite!(write_behind fresh_backend);
suite::store_suite!(accounts fresh_accounts);

#[tokio::test]
async fn rollups_are_recounted_after_a_crash() {
    let url = fresh_url().await;
    suite::rollups_are_recounted_after_a_crash(|| async { Arc::new(open(&url).await) }).await;
}

#[tokio::test]
async fn rollups_stay_exact_when_another_process_opens_the_store() {
    let url = fresh_url().await;
    suite::rollups_stay_exact_when_another_process_opens_the_store(|| async { Arc::new(open(&url).await) }).await;
}

/// Runs one statement against the store's pool, as a hand edit or a newer build would.
async fn execute(store: &PostgresStore, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sql).execute(&store.pool).await.map(drop)
}

async fn scalar(store: &PostgresStore, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&store.pool).await.unwrap_or_else(|error| panic!("{sql}: {error}"))
}

async fn table_exists(store: &PostgresStore, name: &str) -> bool {
    let sql = format!("SELECT count(*) FROM pg_class WHERE relname = '{name}' AND relispartition");
    scalar(store, &sql).await == 1
}

#[tokio::test]
async fn partitions_exist_ahead_and_far_days_get_their_own() {
    let store = fresh().await;
    let today = Utc::now().date_naive();
    let ahead = today.checked_add_days(Days::new(AHEAD_DAYS)).expect("date");
    assert!(table_exists(&store, &partitions::name(today)).await, "today's partition at open");
    assert!(table_exists(&store, &partitions::name(ahead)).await, "the last day ahead at open");
    let w = well("W-001");
    let soon = full_sample(&w, Utc::now() + chrono::Duration::days(3), 1);
    let year_ago = full_sample(&w, Utc::now() - chrono::Duration::days(365), 2);
    store.write_samples(&[soon.clone(), year_ago.clone()]).await.expect("write");
    for sample in [&soon, &year_ago] {
        assert!(table_exists(&store, &partitions::name(sample.at.date_naive())).await, "{}", sample.at);
    }
    let read = store.read_telemetry(&range(&w, year_ago.at, soon.at + chrono::Duration::seconds(1), 10)).await;
    let times: Vec<_> = read.expect("read").iter().map(|s| s.at.timestamp_millis()).collect();
    assert_eq!(times, vec![year_ago.at.timestamp_millis(), soon.at.timestamp_millis()]);
    assert_eq!(scalar(&store, "SELECT count(*) FROM telemetry_default").await, 0, "none fell through");
}

#[tokio::test]
async fn a_day_that_cannot_get_a_partition_is_kept_in_the_default_one() {
    let store = fresh().await;
    // A row already in the default partition for a day makes that day's partition impossible.
    execute(&store, "INSERT INTO telemetry (well_id, at) VALUES ('W-001', '2400-01-01 12:00:00+00')")
        .await
        .expect("row for a day without a partition");
    let w = well("W-001");
    let far = Sample::new(w.clone(), "2400-01-01T13:00:00Z".parse().expect("time"));
    let later = Sample::new(w.clone(), "2400-01-01T13:30:00Z".parse().expect("time"));
    store.write_samples(std::slice::from_ref(&far)).await.expect("write is not refused");
    store.write_samples(std::slice::from_ref(&later)).await.expect("and not retried into an error");
    assert_eq!(scalar(&store, "SELECT count(*) FROM telemetry_default").await, 3);
    let day = far.at.date_naive();
    let read = store.read_telemetry(&range(&w, far.at, far.at + chrono::Duration::hours(1), 10)).await;
    assert_eq!(read.expect("read"), vec![far, later]);
    assert!(!table_exists(&store, &partitions::name(day)).await);
}

#[tokio::test]
async fn a_batch_of_ten_thousand_is_one_copy_statement() {
    let store = fresh().await;
    execute(
        &store,
        "CREATE TABLE statements (n integer NOT NULL); INSERT INTO statements VALUES (0);
         CREATE FUNCTION count_statement() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN UPDATE statements SET n = n + 1; RETURN NULL; END $$;
         CREATE TRIGGER count_statements AFTER INSERT ON telemetry
             FOR EACH STATEMENT EXECUTE FUNCTION count_statement();",
    )
    .await
    .expect("statement counter");
    let wells: Vec<WellId> = (0..100).map(|i| well(&format!("W-{i:03}"))).collect();
    let batch: Vec<Sample> =
        (0..10_000u32).map(|i| full_sample(&wells[i as usize % 100], at(i64::from(i) * 10), i)).collect();
    store.write_samples(&batch).await.expect("write");
    assert_eq!(store.count_samples(None).await.expect("count"), 10_000);
    assert_eq!(scalar(&store, "SELECT n::bigint FROM statements").await, 1);
}

#[tokio::test]
async fn a_batch_written_again_after_a_lost_commit_answer_is_stored_once() {
    let store = fresh().await;
    let w1 = well("W-1");
    let batch: Vec<Sample> = (0..50u32).map(|i| full_sample(&w1, at(i64::from(i) * 1_000), i)).collect();
    // The first write commits, but its answer is lost: the roll-ups never hear of it.
    let mut tx = store.pool.begin().await.expect("begin");
    super::insert(&mut tx, &batch).await.expect("insert");
    let last_seq: i64 = sqlx::query_scalar("SELECT currval('telemetry_seq')").fetch_one(&mut *tx).await.expect("seq");
    assert_eq!(super::once::claim(&mut tx, super::once::fingerprint(&batch), last_seq).await.expect("claim"), None);
    tx.commit().await.expect("commit");
    // The recorder saw the write fail and writes the same batch again.
    store.write_samples(&batch).await.expect("the retry counts as written");
    assert_eq!(store.count_samples(None).await.expect("count"), 50);
    let query = RollupQuery {
        well_id: w1.clone(),
        from: at(-3_600_000),
        to: at(3_600_000),
        params: vec![Parameter::CurrentA],
        resolution: Resolution::Hour,
        limit: 10,
    };
    let counts: Vec<u64> = store
        .read_rollups(&query)
        .await
        .expect("roll-ups")
        .iter()
        .flat_map(|point| point.values.values().map(|aggregate| aggregate.count))
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 50, "the roll-ups count each sample once: {counts:?}");
    // A batch that differs in anything is a new batch.
    let mut changed = batch.clone();
    changed[49].values.set(Parameter::CurrentA, -1.0);
    store.write_samples(&changed).await.expect("write");
    assert_eq!(store.count_samples(None).await.expect("count"), 100);
}

#[tokio::test]
async fn a_failing_row_rolls_back_the_whole_batch_as_rejected() {
    let store = fresh().await;
    execute(
        &store,
        "CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
         CREATE TRIGGER refuse_bad BEFORE INSERT ON telemetry
             FOR EACH ROW WHEN (NEW.well_id = 'W-BAD') EXECUTE FUNCTION refuse_bad();",
    )
    .await
    .expect("trigger");
    let mut batch: Vec<Sample> = (0..5_000).map(|i| Sample::new(well("W-001"), at(i))).collect();
    batch.push(Sample::new(well("W-BAD"), at(0)));
    let result = store.write_samples(&batch).await;
    assert!(
        matches!(&result, Err(StoreError::Rejected(m)) if m.starts_with("writing telemetry: refused")),
        "{result:?}"
    );
    assert_eq!(store.count_samples(None).await.expect("count"), 0);
}

#[tokio::test]
async fn data_survives_a_reopen_and_migrations_apply_once() {
    let url = fresh_url().await;
    let store = open(&url).await;
    store.write_samples(&[full_sample(&well("W-001"), at(0), 1)]).await.expect("write");
    store.pool.close().await;
    let store = open(&url).await;
    assert_eq!(store.count_samples(None).await.expect("count"), 1);
    assert_eq!(scalar(&store, "SELECT count(*) FROM _sqlx_migrations").await, super::MIGRATOR.migrations.len() as i64);
}

#[tokio::test]
async fn pool_size_and_statement_timeout_come_from_the_url() {
    let url = fresh_url().await;
    let store = open(&format!("{url}?max_connections=3&statement_timeout=200ms")).await;
    assert_eq!(store.pool.options().get_max_connections(), 3);
    let shown: String = sqlx::query_scalar("SHOW statement_timeout").fetch_one(&store.pool).await.expect("show");
    assert_eq!(shown, "200ms");
    let slow = sqlx::query("SELECT pg_sleep(2)").execute(&store.pool).await.expect_err("cancelled");
    let verdict = postgres_store_error("sleeping", &slow);
    assert!(matches!(&verdict, StoreError::Unavailable(m) if m.contains("statement timeout")), "{verdict:?}");
    let defaults = fresh().await;
    assert_eq!(defaults.pool.options().get_max_connections(), 8);
    let shown: String = sqlx::query_scalar("SHOW statement_timeout").fetch_one(&defaults.pool).await.expect("show");
    assert_eq!(shown, "30s");
}

#[tokio::test]
async fn a_missing_database_is_an_open_error_not_worth_retrying() {
    let url = fresh_url().await;
    let (server, _) = url.rsplit_once('/').expect("a url with a database");
    let error = PostgresStore::open(&format!("{server}/no_such_database")).await.err().expect("must fail");
    assert!(!error.is_retryable(), "{error}");
    assert!(error.to_string().contains("no_such_database\" does not exist"), "{error}");
}

#[tokio::test]
async fn a_definition_that_is_not_json_is_rejected_naming_the_table() {
    let store = fresh().await;
    let stored = StoredWell { id: well("W-001"), definition: "host = 10.0.0.1".to_owned() };
    let result = store.save_well(&stored).await;
    assert!(matches!(&result, Err(StoreError::Rejected(m)) if m.contains("wells") && m.contains("json")), "{result:?}");
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
    let store = fresh().await;
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
    let store = fresh().await;
    store.save_user(&user("alice", Role::Operator)).await.expect("save user");
    store.save_api_key(&api_key("0123456789ab", Role::Service)).await.expect("save key");
    let refused = execute(&store, "UPDATE users SET role = 'auditor'").await;
    assert!(refused.as_ref().is_err_and(|e| e.to_string().contains("users_role_check")), "{refused:?}");
    // A newer build that knows a sixth role would widen the checks in its own migration.
    execute(&store, "ALTER TABLE users DROP CONSTRAINT users_role_check").await.expect("drop check");
    execute(&store, "ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check").await.expect("drop check");
    execute(&store, "UPDATE users SET role = 'auditor'").await.expect("edit");
    execute(&store, "UPDATE api_keys SET role = 'root'").await.expect("edit");
    rejected_naming(store.load_users().await, "users.role", "auditor");
    rejected_naming(store.load_api_keys().await, "api_keys.role", "root");
}

#[tokio::test]
async fn the_audit_table_refuses_updates_deletes_and_truncation_of_old_and_new_columns() {
    let store = fresh().await;
    let entry = audit(at(0), "ack");
    store.write_records(&[Record::Audit(entry.clone())]).await.expect("write");
    let statements = [
        "UPDATE audit SET actor = 'someone else'",
        "UPDATE audit SET result = '200 ok', params = NULL",
        "DELETE FROM audit",
        "TRUNCATE audit",
    ];
    for sql in statements {
        let result = execute(&store, sql).await;
        assert!(result.as_ref().is_err_and(|e| e.to_string().contains("append-only")), "{sql}: {result:?}");
    }
    assert_eq!(store.read_audit(&AuditQuery::between(at(0), at(1), 10)).await.expect("audit"), vec![entry]);
}

#[tokio::test]
async fn a_failing_record_rolls_back_the_whole_batch_as_rejected() {
    let store = fresh().await;
    execute(
        &store,
        "CREATE FUNCTION refuse_alarm() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
         CREATE TRIGGER refuse_alarm BEFORE INSERT ON alarms FOR EACH ROW EXECUTE FUNCTION refuse_alarm();",
    )
    .await
    .expect("trigger");
    let records = [
        Record::Audit(audit(at(0), "ack")),
        Record::Journal(journal("W-001:gas_lock", at(0), "acknowledged")),
        Record::AlarmState(alarm("W-001:gas_lock", AlarmState::Acknowledged, at(0))),
    ];
    let result = store.write_records(&records).await;
    assert!(matches!(&result, Err(StoreError::Rejected(m)) if m.starts_with("writing alarms: ")), "{result:?}");
    assert!(store.read_audit(&AuditQuery::between(at(0), at(1), 10)).await.expect("audit").is_empty());
    assert!(store.read_alarm_journal(&AlarmJournalQuery::between(at(0), at(1), 10)).await.expect("journal").is_empty());
}
