//! The diagnostics tables of migration 0002: how each [`Record`] is written (audit entries by
//! `audit.rs`), and how diagnosis history, alarm states, the journal and baselines are read
//! back.
//!
//! Enum and source columns are spelled by [`crate::store::names`]; a row holding a name this
//! build does not know fails to decode with the table and column named (a `Rejected` store
//! error), rather than being guessed at.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use wellvisor_actors::diagnostics::{AlarmId, AlarmJournalEntry, AlarmRecord, DiagnosisRecord, Evidence};
use wellvisor_actors::domain::WellId;
use wellvisor_actors::store::{AlarmJournalQuery, DiagnosisQuery, Record, StoredBaseline};

use super::telemetry::{from_millis, to_millis};
use crate::store::names;

/// A limit as SQLite binds it; "more than i64::MAX" means no limit.
fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// A value that could not be encoded for a column (JSON serialisation failed).
fn encode_error(error: serde_json::Error) -> sqlx::Error {
    sqlx::Error::Encode(Box::new(error))
}

/// Reads the text column `column` of `row` and parses it, naming `table.column` on failure.
pub(super) fn parse<T, E>(
    row: &SqliteRow,
    table: &str,
    column: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> sqlx::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.try_get(column)?;
    parse(&text)
        .map_err(|error| sqlx::Error::ColumnDecode { index: format!("{table}.{column}"), source: Box::new(error) })
}

pub(super) fn timestamp(row: &SqliteRow, column: &str) -> sqlx::Result<DateTime<Utc>> {
    from_millis(row.try_get(column)?)
}

fn optional_alarm_id(row: &SqliteRow, column: &str) -> sqlx::Result<Option<AlarmId>> {
    Ok(row.try_get::<Option<String>, _>(column)?.as_deref().map(AlarmId::parse))
}

/// Writes one record inside the caller's transaction.
pub(super) async fn insert(conn: &mut SqliteConnection, record: &Record) -> sqlx::Result<()> {
    match record {
        Record::Diagnosis(diagnosis) => insert_diagnosis(conn, diagnosis).await,
        Record::AlarmState(alarm) => upsert_alarm(conn, alarm).await,
        Record::Journal(entry) => insert_journal(conn, entry).await,
        Record::Audit(entry) => super::audit::insert(conn, entry).await,
        Record::Baseline(baseline) => upsert_baseline(conn, baseline).await,
    }
}

async fn insert_diagnosis(conn: &mut SqliteConnection, d: &DiagnosisRecord) -> sqlx::Result<()> {
    let evidence = serde_json::to_string(&d.evidence).map_err(encode_error)?;
    sqlx::query(
        "INSERT INTO diagnoses (source, ts, kind, event, priority, confidence, evidence, \
         blocks_auto_restart, advice, alarm_id, parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(names::source(&d.source))
    .bind(to_millis(d.at))
    .bind(d.kind.as_str())
    .bind(names::event(d.event))
    .bind(names::priority(d.priority))
    .bind(d.confidence)
    .bind(evidence)
    .bind(d.blocks_auto_restart)
    .bind(d.advice.as_str())
    .bind(d.alarm_id.as_str())
    .bind(d.parent.as_ref().map(AlarmId::as_str))
    .execute(conn)
    .await
    .map(drop)
}

async fn upsert_alarm(conn: &mut SqliteConnection, alarm: &AlarmRecord) -> sqlx::Result<()> {
    let memory = serde_json::to_string(&alarm.memory).map_err(encode_error)?;
    sqlx::query(
        "INSERT INTO alarms (id, source, name, priority, state, parent, message, updated_at, memory) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET source = excluded.source, name = excluded.name, \
         priority = excluded.priority, state = excluded.state, parent = excluded.parent, \
         message = excluded.message, updated_at = excluded.updated_at, memory = excluded.memory",
    )
    .bind(alarm.id.as_str())
    .bind(names::source(&alarm.source))
    .bind(alarm.name.as_str())
    .bind(names::priority(alarm.priority))
    .bind(alarm.state.as_str())
    .bind(alarm.parent.as_ref().map(AlarmId::as_str))
    .bind(alarm.message.as_str())
    .bind(to_millis(alarm.updated_at))
    .bind(memory)
    .execute(conn)
    .await
    .map(drop)
}

async fn insert_journal(conn: &mut SqliteConnection, entry: &AlarmJournalEntry) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO alarm_journal (alarm_id, ts, from_state, to_state, cause, priority, actor) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(entry.alarm_id.as_str())
    .bind(to_millis(entry.at))
    .bind(entry.from.as_str())
    .bind(entry.to.as_str())
    .bind(entry.cause.as_str())
    .bind(names::priority(entry.priority))
    .bind(entry.actor.as_deref())
    .execute(conn)
    .await
    .map(drop)
}

async fn upsert_baseline(conn: &mut SqliteConnection, baseline: &StoredBaseline) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO baselines (well_id, ts, state) VALUES (?, ?, ?) \
         ON CONFLICT (well_id) DO UPDATE SET ts = excluded.ts, state = excluded.state",
    )
    .bind(baseline.well_id.as_str())
    .bind(to_millis(baseline.at))
    .bind(baseline.state.as_str())
    .execute(conn)
    .await
    .map(drop)
}

pub(super) async fn diagnoses(pool: &SqlitePool, query: &DiagnosisQuery) -> sqlx::Result<Vec<DiagnosisRecord>> {
    let rows =
        sqlx::query("SELECT * FROM diagnoses WHERE source = ? AND ts >= ? AND ts < ? ORDER BY ts, rowid LIMIT ?")
            .bind(names::source(&query.source))
            .bind(to_millis(query.from))
            .bind(to_millis(query.to))
            .bind(sql_limit(query.limit))
            .fetch_all(pool)
            .await?;
    rows.iter().map(decode_diagnosis).collect()
}

fn decode_diagnosis(row: &SqliteRow) -> sqlx::Result<DiagnosisRecord> {
    const TABLE: &str = "diagnoses";
    Ok(DiagnosisRecord {
        source: parse(row, TABLE, "source", names::parse_source)?,
        kind: parse(row, TABLE, "kind", names::parse_kind)?,
        event: parse(row, TABLE, "event", names::parse_event)?,
        at: timestamp(row, "ts")?,
        priority: parse(row, TABLE, "priority", names::parse_priority)?,
        confidence: row.try_get("confidence")?,
        evidence: parse(row, TABLE, "evidence", |text| serde_json::from_str::<Vec<Evidence>>(text))?,
        blocks_auto_restart: row.try_get("blocks_auto_restart")?,
        advice: row.try_get("advice")?,
        alarm_id: AlarmId::parse(&row.try_get::<String, _>("alarm_id")?),
        parent: optional_alarm_id(row, "parent")?,
    })
}

pub(super) async fn alarms(pool: &SqlitePool) -> sqlx::Result<Vec<AlarmRecord>> {
    let rows = sqlx::query("SELECT * FROM alarms ORDER BY id").fetch_all(pool).await?;
    rows.iter().map(decode_alarm).collect()
}

fn decode_alarm(row: &SqliteRow) -> sqlx::Result<AlarmRecord> {
    const TABLE: &str = "alarms";
    Ok(AlarmRecord {
        id: AlarmId::parse(&row.try_get::<String, _>("id")?),
        source: parse(row, TABLE, "source", names::parse_source)?,
        name: row.try_get("name")?,
        priority: parse(row, TABLE, "priority", names::parse_priority)?,
        state: parse(row, TABLE, "state", names::parse_state)?,
        parent: optional_alarm_id(row, "parent")?,
        message: row.try_get("message")?,
        updated_at: timestamp(row, "updated_at")?,
        memory: parse(row, TABLE, "memory", |text| serde_json::from_str(text))?,
    })
}

/// The entries `query` asks for, oldest first (or newest first), equal times in write order.
pub(super) async fn journal(pool: &SqlitePool, query: &AlarmJournalQuery) -> sqlx::Result<Vec<AlarmJournalEntry>> {
    let rows = select_journal(query).build().fetch_all(pool).await?;
    rows.iter().map(decode_journal).collect()
}

fn select_journal(query: &AlarmJournalQuery) -> QueryBuilder<'_, Sqlite> {
    let mut sql = QueryBuilder::new("SELECT * FROM alarm_journal WHERE ts >= ");
    sql.push_bind(to_millis(query.from)).push(" AND ts < ").push_bind(to_millis(query.to));
    if let Some(well) = &query.well {
        // The well's alarms (`W-001:…`) by a text prefix, not `LIKE`: SQLite's LIKE ignores
        // ASCII case, and a well id may hold `_`.
        let alarms = format!("{well}:");
        sql.push(" AND substr(alarm_id, 1, length(").push_bind(alarms.clone()).push(")) = ").push_bind(alarms);
    }
    let order = if query.newest_first { " ORDER BY ts DESC, rowid DESC" } else { " ORDER BY ts, rowid" };
    sql.push(order).push(" LIMIT ").push_bind(sql_limit(query.limit));
    sql
}

fn decode_journal(row: &SqliteRow) -> sqlx::Result<AlarmJournalEntry> {
    const TABLE: &str = "alarm_journal";
    Ok(AlarmJournalEntry {
        alarm_id: AlarmId::parse(&row.try_get::<String, _>("alarm_id")?),
        at: timestamp(row, "ts")?,
        from: parse(row, TABLE, "from_state", names::parse_state)?,
        to: parse(row, TABLE, "to_state", names::parse_state)?,
        cause: row.try_get("cause")?,
        priority: parse(row, TABLE, "priority", names::parse_priority)?,
        actor: row.try_get("actor")?,
    })
}

pub(super) async fn baselines(pool: &SqlitePool) -> sqlx::Result<Vec<StoredBaseline>> {
    let rows = sqlx::query("SELECT * FROM baselines ORDER BY well_id").fetch_all(pool).await?;
    rows.iter().map(decode_baseline).collect()
}

fn decode_baseline(row: &SqliteRow) -> sqlx::Result<StoredBaseline> {
    Ok(StoredBaseline {
        well_id: parse(row, "baselines", "well_id", WellId::new)?,
        at: timestamp(row, "ts")?,
        state: row.try_get("state")?,
    })
}
