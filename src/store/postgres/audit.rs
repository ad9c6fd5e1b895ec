//! The append-only `audit` table (migrations 0002 and 0006): how a batch's [`AuditEntry`]s are
//! written in one statement, and how an [`AuditQuery`] reads entries back, its filters applied
//! in SQL.
//!
//! Only the filters a query names become conditions, so a filter on `actor` or `target` can use
//! that column's index; every value is bound, never spliced into the SQL text.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};
use wellvisor_actors::diagnostics::AuditEntry;
use wellvisor_actors::store::AuditQuery;

use super::diagnostics::column;
use super::telemetry::{sql_limit, to_millis};

/// Appends `rows` in order, inside the caller's transaction, with one `UNNEST` statement.
pub(super) async fn insert(conn: &mut PgConnection, rows: &[&AuditEntry]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO audit (at, actor, action, target, reason, state_before, state_after, role, client, params, \
         result) \
         SELECT at, actor, action, target, reason, state_before, state_after, role, client, params, result \
         FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
         $8::text[], $9::text[], $10::text[], $11::text[]) WITH ORDINALITY \
         AS u(at, actor, action, target, reason, state_before, state_after, role, client, params, result, n) \
         ORDER BY n",
    )
    .bind(column(rows, |a| to_millis(a.at)))
    .bind(column(rows, |a| a.actor.as_str()))
    .bind(column(rows, |a| a.action.as_str()))
    .bind(column(rows, |a| a.target.as_str()))
    .bind(column(rows, |a| a.reason.as_deref()))
    .bind(column(rows, |a| a.before.as_deref()))
    .bind(column(rows, |a| a.after.as_deref()))
    .bind(column(rows, |a| a.role.as_deref()))
    .bind(column(rows, |a| a.client.as_deref()))
    .bind(column(rows, |a| a.params.as_deref()))
    .bind(column(rows, |a| a.result.as_deref()))
    .execute(conn)
    .await
    .map(drop)
}

/// The entries `query` asks for, oldest first (or newest first), equal times in write order.
pub(super) async fn read(pool: &PgPool, query: &AuditQuery) -> sqlx::Result<Vec<AuditEntry>> {
    let rows = select(query).build().fetch_all(pool).await?;
    rows.iter().map(decode).collect()
}

fn select(query: &AuditQuery) -> QueryBuilder<'_, Postgres> {
    let mut sql = QueryBuilder::new(
        "SELECT at, actor, action, target, reason, state_before, state_after, role, client, params, result \
         FROM audit WHERE at >= ",
    );
    sql.push_bind(to_millis(query.from)).push(" AND at < ").push_bind(to_millis(query.to));
    for (column, wanted) in [("actor", &query.actor), ("action", &query.action), ("target", &query.target)] {
        if let Some(wanted) = wanted {
            sql.push(format_args!(" AND {column} = ")).push_bind(wanted.as_str());
        }
    }
    if let Some(prefix) = &query.result {
        // Not `LIKE`, which would give `%` and `_` in the prefix a meaning a client did not ask for.
        sql.push(" AND starts_with(result, ").push_bind(prefix.as_str()).push(")");
    }
    if let Some(well) = &query.well {
        // The well or its alarms (`W-001:…`); not `LIKE`, as a well id may hold `_`.
        sql.push(" AND (target = ").push_bind(well.as_str());
        sql.push(" OR starts_with(target, ").push_bind(format!("{well}:")).push("))");
    }
    let order = if query.newest_first { " ORDER BY at DESC, seq DESC" } else { " ORDER BY at, seq" };
    sql.push(order).push(" LIMIT ").push_bind(sql_limit(query.limit));
    sql
}

fn decode(row: &PgRow) -> sqlx::Result<AuditEntry> {
    Ok(AuditEntry {
        at: row.try_get("at")?,
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
