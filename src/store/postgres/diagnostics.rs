//! The diagnostics tables of migration 0002: how a batch of [`Record`]s is written (audit
//! entries by `audit.rs`), and how diagnosis history, alarm states, the journal and baselines
//! are read back.
//!
//! A batch is sorted by kind and each kind is written with one `UNNEST` statement, in the
//! caller's transaction: at most five statements, however many records. Within a kind the batch
//! order is kept (appended rows take their `seq` in it); an alarm point or baseline that occurs
//! twice is written once, with its later state, since one upsert may not touch a row twice.
//!
//! Enum and source columns are spelled by [`crate::store::names`]; a row holding a name this
//! build does not know fails to decode with the table and column named, rather than being
//! guessed at. `json` columns are read back as text (`::text`), exactly as written.

use std::collections::HashSet;

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};
use wellvisor_actors::diagnostics::{AlarmId, AlarmJournalEntry, AlarmRecord, AuditEntry, DiagnosisRecord, Evidence};
use wellvisor_actors::domain::WellId;
use wellvisor_actors::store::{AlarmJournalQuery, DiagnosisQuery, Record, StoreError, StoredBaseline};

use super::telemetry::{sql_limit, to_millis};
use crate::store::error::postgres_store_error;
use crate::store::names;

/// A batch's records, by kind, each kind in batch order.
#[derive(Default)]
struct ByKind<'a> {
    diagnoses: Vec<&'a DiagnosisRecord>,
    alarms: Vec<&'a AlarmRecord>,
    journal: Vec<&'a AlarmJournalEntry>,
    audit: Vec<&'a AuditEntry>,
    baselines: Vec<&'a StoredBaseline>,
}

/// Writes `records` inside the caller's transaction, one statement per kind present.
pub(super) async fn insert(conn: &mut PgConnection, records: &[Record]) -> Result<(), StoreError> {
    let mut by_kind = ByKind::default();
    for record in records {
        match record {
            Record::Diagnosis(d) => by_kind.diagnoses.push(d),
            Record::AlarmState(a) => by_kind.alarms.push(a),
            Record::Journal(j) => by_kind.journal.push(j),
            Record::Audit(a) => by_kind.audit.push(a),
            Record::Baseline(b) => by_kind.baselines.push(b),
        }
    }
    insert_diagnoses(conn, &by_kind.diagnoses).await.map_err(writing("diagnoses"))?;
    upsert_alarms(conn, &last_of_each(by_kind.alarms, |a| a.id.as_str())).await.map_err(writing("alarms"))?;
    insert_journal(conn, &by_kind.journal).await.map_err(writing("alarm_journal"))?;
    super::audit::insert(conn, &by_kind.audit).await.map_err(writing("audit"))?;
    let baselines = last_of_each(by_kind.baselines, |b| b.well_id.as_str());
    upsert_baselines(conn, &baselines).await.map_err(writing("baselines"))
}

/// The verdict on a failed write to `table`, naming it.
fn writing(table: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |error| postgres_store_error(&format!("writing {table}"), &error)
}

/// The last item of each key, in the order of those last items.
fn last_of_each<'a, T>(items: Vec<&'a T>, key: impl Fn(&'a T) -> &'a str) -> Vec<&'a T> {
    let mut seen = HashSet::new();
    let mut last: Vec<&T> = items.into_iter().rev().filter(|item| seen.insert(key(item))).collect();
    last.reverse();
    last
}

fn encode_error(error: serde_json::Error) -> sqlx::Error {
    sqlx::Error::Encode(Box::new(error))
}

/// One column of a batch, as the array an `UNNEST` statement binds.
pub(super) fn column<'a, T, U>(items: &[&'a T], value: impl Fn(&'a T) -> U) -> Vec<U> {
    items.iter().copied().map(value).collect()
}

async fn insert_diagnoses(conn: &mut PgConnection, rows: &[&DiagnosisRecord]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let evidence: Vec<String> =
        rows.iter().map(|d| serde_json::to_string(&d.evidence)).collect::<Result<_, _>>().map_err(encode_error)?;
    sqlx::query(
        "INSERT INTO diagnoses (source, at, kind, event, priority, confidence, evidence, blocks_auto_restart, \
         advice, alarm_id, parent) \
         SELECT source, at, kind, event, priority, confidence, evidence::json, blocks, advice, alarm_id, parent \
         FROM UNNEST($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::float8[], \
         $7::text[], $8::bool[], $9::text[], $10::text[], $11::text[]) WITH ORDINALITY \
         AS u(source, at, kind, event, priority, confidence, evidence, blocks, advice, alarm_id, parent, n) \
         ORDER BY n",
    )
    .bind(column(rows, |d| names::source(&d.source)))
    .bind(column(rows, |d| to_millis(d.at)))
    .bind(column(rows, |d| d.kind.as_str()))
    .bind(column(rows, |d| names::event(d.event)))
    .bind(column(rows, |d| names::priority(d.priority)))
    .bind(column(rows, |d| d.confidence))
    .bind(evidence)
    .bind(column(rows, |d| d.blocks_auto_restart))
    .bind(column(rows, |d| d.advice.as_str()))
    .bind(column(rows, |d| d.alarm_id.as_str()))
    .bind(column(rows, |d| d.parent.as_ref().map(AlarmId::as_str)))
    .execute(conn)
    .await
    .map(drop)
}

async fn upsert_alarms(conn: &mut PgConnection, rows: &[&AlarmRecord]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let memory: Vec<String> =
        rows.iter().map(|a| serde_json::to_string(&a.memory)).collect::<Result<_, _>>().map_err(encode_error)?;
    sqlx::query(
        "INSERT INTO alarms (id, source, name, priority, state, parent, message, updated_at, memory) \
         SELECT id, source, name, priority, state, parent, message, updated_at, memory::json \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
         $8::timestamptz[], $9::text[]) \
         AS u(id, source, name, priority, state, parent, message, updated_at, memory) \
         ON CONFLICT (id) DO UPDATE SET source = excluded.source, name = excluded.name, \
         priority = excluded.priority, state = excluded.state, parent = excluded.parent, \
         message = excluded.message, updated_at = excluded.updated_at, memory = excluded.memory",
    )
    .bind(column(rows, |a| a.id.as_str()))
    .bind(column(rows, |a| names::source(&a.source)))
    .bind(column(rows, |a| a.name.as_str()))
    .bind(column(rows, |a| names::priority(a.priority)))
    .bind(column(rows, |a| a.state.as_str()))
    .bind(column(rows, |a| a.parent.as_ref().map(AlarmId::as_str)))
    .bind(column(rows, |a| a.message.as_str()))
    .bind(column(rows, |a| to_millis(a.updated_at)))
    .bind(memory)
    .execute(conn)
    .await
    .map(drop)
}

async fn insert_journal(conn: &mut PgConnection, rows: &[&AlarmJournalEntry]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO alarm_journal (alarm_id, at, from_state, to_state, cause, priority, actor) \
         SELECT alarm_id, at, from_state, to_state, cause, priority, actor \
         FROM UNNEST($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) \
         WITH ORDINALITY AS u(alarm_id, at, from_state, to_state, cause, priority, actor, n) ORDER BY n",
    )
    .bind(column(rows, |j| j.alarm_id.as_str()))
    .bind(column(rows, |j| to_millis(j.at)))
    .bind(column(rows, |j| j.from.as_str()))
    .bind(column(rows, |j| j.to.as_str()))
    .bind(column(rows, |j| j.cause.as_str()))
    .bind(column(rows, |j| names::priority(j.priority)))
    .bind(column(rows, |j| j.actor.as_deref()))
    .execute(conn)
    .await
    .map(drop)
}

async fn upsert_baselines(conn: &mut PgConnection, rows: &[&StoredBaseline]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO baselines (well_id, at, state) \
         SELECT well_id, at, state::json FROM UNNEST($1::text[], $2::timestamptz[], $3::text[]) \
         AS u(well_id, at, state) \
         ON CONFLICT (well_id) DO UPDATE SET at = excluded.at, state = excluded.state",
    )
    .bind(column(rows, |b| b.well_id.as_str()))
    .bind(column(rows, |b| to_millis(b.at)))
    .bind(column(rows, |b| b.state.as_str()))
    .execute(conn)
    .await
    .map(drop)
}

/// Reads the text column `column` of `row` and parses it, naming `table.column` on failure.
pub(super) fn parse<T, E>(
    row: &PgRow,
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

fn optional_alarm_id(row: &PgRow, column: &str) -> sqlx::Result<Option<AlarmId>> {
    Ok(row.try_get::<Option<String>, _>(column)?.as_deref().map(AlarmId::parse))
}

pub(super) async fn diagnoses(pool: &PgPool, query: &DiagnosisQuery) -> sqlx::Result<Vec<DiagnosisRecord>> {
    let rows = sqlx::query(
        "SELECT source, at, kind, event, priority, confidence, evidence::text AS evidence, blocks_auto_restart, \
         advice, alarm_id, parent FROM diagnoses WHERE source = $1 AND at >= $2 AND at < $3 \
         ORDER BY at, seq LIMIT $4",
    )
    .bind(names::source(&query.source))
    .bind(to_millis(query.from))
    .bind(to_millis(query.to))
    .bind(sql_limit(query.limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode_diagnosis).collect()
}

fn decode_diagnosis(row: &PgRow) -> sqlx::Result<DiagnosisRecord> {
    const TABLE: &str = "diagnoses";
    Ok(DiagnosisRecord {
        source: parse(row, TABLE, "source", names::parse_source)?,
        kind: parse(row, TABLE, "kind", names::parse_kind)?,
        event: parse(row, TABLE, "event", names::parse_event)?,
        at: row.try_get("at")?,
        priority: parse(row, TABLE, "priority", names::parse_priority)?,
        confidence: row.try_get("confidence")?,
        evidence: parse(row, TABLE, "evidence", |text| serde_json::from_str::<Vec<Evidence>>(text))?,
        blocks_auto_restart: row.try_get("blocks_auto_restart")?,
        advice: row.try_get("advice")?,
        alarm_id: AlarmId::parse(&row.try_get::<String, _>("alarm_id")?),
        parent: optional_alarm_id(row, "parent")?,
    })
}

pub(super) async fn alarms(pool: &PgPool) -> sqlx::Result<Vec<AlarmRecord>> {
    let rows = sqlx::query(
        "SELECT id, source, name, priority, state, parent, message, updated_at, memory::text AS memory \
         FROM alarms ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode_alarm).collect()
}

fn decode_alarm(row: &PgRow) -> sqlx::Result<AlarmRecord> {
    const TABLE: &str = "alarms";
    Ok(AlarmRecord {
        id: AlarmId::parse(&row.try_get::<String, _>("id")?),
        source: parse(row, TABLE, "source", names::parse_source)?,
        name: row.try_get("name")?,
        priority: parse(row, TABLE, "priority", names::parse_priority)?,
        state: parse(row, TABLE, "state", names::parse_state)?,
        parent: optional_alarm_id(row, "parent")?,
        message: row.try_get("message")?,
        updated_at: row.try_get("updated_at")?,
        memory: parse(row, TABLE, "memory", |text| serde_json::from_str(text))?,
    })
}

/// The entries `query` asks for, oldest first (or newest first), equal times in write order.
pub(super) async fn journal(pool: &PgPool, query: &AlarmJournalQuery) -> sqlx::Result<Vec<AlarmJournalEntry>> {
    let rows = select_journal(query).build().fetch_all(pool).await?;
    rows.iter().map(decode_journal).collect()
}

fn select_journal(query: &AlarmJournalQuery) -> QueryBuilder<'_, Postgres> {
    let mut sql = QueryBuilder::new(
        "SELECT alarm_id, at, from_state, to_state, cause, priority, actor FROM alarm_journal WHERE at >= ",
    );
    sql.push_bind(to_millis(query.from)).push(" AND at < ").push_bind(to_millis(query.to));
    if let Some(well) = &query.well {
        // The well's alarms (`W-001:…`); not `LIKE`, as a well id may hold `_`.
        sql.push(" AND starts_with(alarm_id, ").push_bind(format!("{well}:")).push(")");
    }
    let order = if query.newest_first { " ORDER BY at DESC, seq DESC" } else { " ORDER BY at, seq" };
    sql.push(order).push(" LIMIT ").push_bind(sql_limit(query.limit));
    sql
}

fn decode_journal(row: &PgRow) -> sqlx::Result<AlarmJournalEntry> {
    const TABLE: &str = "alarm_journal";
    Ok(AlarmJournalEntry {
        alarm_id: AlarmId::parse(&row.try_get::<String, _>("alarm_id")?),
        at: row.try_get("at")?,
        from: parse(row, TABLE, "from_state", names::parse_state)?,
        to: parse(row, TABLE, "to_state", names::parse_state)?,
        cause: row.try_get("cause")?,
        priority: parse(row, TABLE, "priority", names::parse_priority)?,
        actor: row.try_get("actor")?,
    })
}

pub(super) async fn baselines(pool: &PgPool) -> sqlx::Result<Vec<StoredBaseline>> {
    let rows =
        sqlx::query("SELECT well_id, at, state::text AS state FROM baselines ORDER BY well_id").fetch_all(pool).await?;
    rows.iter().map(decode_baseline).collect()
}

fn decode_baseline(row: &PgRow) -> sqlx::Result<StoredBaseline> {
    Ok(StoredBaseline {
        well_id: parse(row, "baselines", "well_id", WellId::new)?,
        at: row.try_get("at")?,
        state: row.try_get("state")?,
    })
}
