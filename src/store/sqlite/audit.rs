//! The append-only `audit` table (migrations 0002 and 0006): how an [`AuditEntry`] is written,
//! and how an [`AuditQuery`] reads entries back, its filters applied in SQL.
//!
//! Only the filters a query names become conditions, so a filter on `actor` or `target` can use
//! that column's index; every value is bound, never spliced into the SQL text.

use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use wellvisor_actors::diagnostics::AuditEntry;
use wellvisor_actors::store::AuditQuery;

use super::telemetry::{from_millis, to_millis};

/// Appends one entry inside the caller's transaction.
pub(super) async fn insert(conn: &mut SqliteConnection, entry: &AuditEntry) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit (ts, actor, action, target, reason, state_before, state_after, role, client, params, \
         result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(to_millis(entry.at))
    .bind(entry.actor.as_str())
    .bind(entry.action.as_str())
    .bind(entry.target.as_str())
    .bind(entry.reason.as_deref())
    .bind(entry.before.as_deref())
    .bind(entry.after.as_deref())
    .bind(entry.role.as_deref())
    .bind(entry.client.as_deref())
    .bind(entry.params.as_deref())
    .bind(entry.result.as_deref())
    .execute(conn)
    .await
    .map(drop)
}

/// The entries `query` asks for, oldest first (or newest first), equal times in write order.
pub(super) async fn read(pool: &SqlitePool, query: &AuditQuery) -> sqlx::Result<Vec<AuditEntry>> {
    let rows = select(query).build().fetch_all(pool).await?;
    rows.iter().map(decode).collect()
}

fn select(query: &AuditQuery) -> QueryBuilder<'_, Sqlite> {
    let mut sql = QueryBuilder::new("SELECT * FROM audit WHERE ts >= ");
    sql.push_bind(to_millis(query.from)).push(" AND ts < ").push_bind(to_millis(query.to));
    for (column, wanted) in [("actor", &query.actor), ("action", &query.action), ("target", &query.target)] {
        if let Some(wanted) = wanted {
            sql.push(format_args!(" AND {column} = ")).push_bind(wanted.as_str());
        }
    }
    if let Some(prefix) = &query.result {
        // A prefix compared as text, not `LIKE`: SQLite's LIKE ignores ASCII case and gives `%`
        // and `_` a meaning a client did not ask for.
        sql.push(" AND substr(result, 1, length(").push_bind(prefix.as_str());
        sql.push(")) = ").push_bind(prefix.as_str());
    }
    if let Some(well) = &query.well {
        // The well or its alarms (`W-001:…`), by the same text prefix: a well id may hold `_`.
        let alarms = format!("{well}:");
        sql.push(" AND (target = ").push_bind(well.as_str());
        sql.push(" OR substr(target, 1, length(").push_bind(alarms.clone()).push(")) = ").push_bind(alarms).push(")");
    }
    let order = if query.newest_first { " ORDER BY ts DESC, rowid DESC" } else { " ORDER BY ts, rowid" };
    sql.push(order).push(" LIMIT ").push_bind(i64::try_from(query.limit).unwrap_or(i64::MAX));
    sql
}

fn decode(row: &SqliteRow) -> sqlx::Result<AuditEntry> {
    Ok(AuditEntry {
        at: from_millis(row.try_get("ts")?)?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        reason: row.try_get("reason")?,
        before: row.try_get("state_before")?,
        after: row.try_get("state_after")?,
        role: row.try_get("role")?,
        client: row.try_get("client")?,
        params: row.try_get("params")?,
        result: row.try_get("result")?,
    })
}
