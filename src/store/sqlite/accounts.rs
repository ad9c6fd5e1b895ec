//! The `users` and `api_keys` tables of migration 0006: [`Accounts`] for the SQLite backend.
//!
//! Saves are upserts by name or id; loads come sorted by them. A role this build does not know
//! (written by a newer one) fails the load with `users.role` or `api_keys.role` named, rather
//! than being read as some other role.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};
use wellvisor_actors::device::link::BoxFuture;
use wellvisor_actors::store::StoreError;

use super::diagnostics::{parse, timestamp};
use super::telemetry::{from_millis, to_millis};
use super::{verdict, SqliteStore};
use crate::auth::accounts::{Accounts, ApiKeyRecord, UserRecord};
use crate::auth::role::Role;

impl Accounts for SqliteStore {
    fn load_users(&self) -> BoxFuture<'_, Result<Vec<UserRecord>, StoreError>> {
        Box::pin(async move { verdict(users(&self.pool).await) })
    }

    fn save_user<'a>(&'a self, user: &'a UserRecord) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { verdict(upsert_user(&self.pool, user).await) })
    }

    fn load_api_keys(&self) -> BoxFuture<'_, Result<Vec<ApiKeyRecord>, StoreError>> {
        Box::pin(async move { verdict(api_keys(&self.pool).await) })
    }

    fn save_api_key<'a>(&'a self, key: &'a ApiKeyRecord) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { verdict(upsert_api_key(&self.pool, key).await) })
    }
}

async fn upsert_user(pool: &SqlitePool, user: &UserRecord) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO users (name, role, password_hash, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash, \
         disabled = excluded.disabled, created_at = excluded.created_at, updated_at = excluded.updated_at",
    )
    .bind(user.name.as_str())
    .bind(user.role.as_str())
    .bind(user.password_hash.as_str())
    .bind(user.disabled)
    .bind(to_millis(user.created_at))
    .bind(to_millis(user.updated_at))
    .execute(pool)
    .await
    .map(drop)
}

async fn users(pool: &SqlitePool) -> sqlx::Result<Vec<UserRecord>> {
    let rows = sqlx::query("SELECT * FROM users ORDER BY name").fetch_all(pool).await?;
    rows.iter().map(decode_user).collect()
}

fn decode_user(row: &SqliteRow) -> sqlx::Result<UserRecord> {
    Ok(UserRecord {
        name: row.try_get("name")?,
        role: parse(row, "users", "role", str::parse::<Role>)?,
        password_hash: row.try_get("password_hash")?,
        disabled: row.try_get("disabled")?,
        created_at: timestamp(row, "created_at")?,
        updated_at: timestamp(row, "updated_at")?,
    })
}

async fn upsert_api_key(pool: &SqlitePool, key: &ApiKeyRecord) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, name, role, secret_hash, created_by, created_at, revoked_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, \
         secret_hash = excluded.secret_hash, created_by = excluded.created_by, created_at = excluded.created_at, \
         revoked_at = excluded.revoked_at",
    )
    .bind(key.id.as_str())
    .bind(key.name.as_str())
    .bind(key.role.as_str())
    .bind(key.secret_hash.as_str())
    .bind(key.created_by.as_str())
    .bind(to_millis(key.created_at))
    .bind(key.revoked_at.map(to_millis))
    .execute(pool)
    .await
    .map(drop)
}

async fn api_keys(pool: &SqlitePool) -> sqlx::Result<Vec<ApiKeyRecord>> {
    let rows = sqlx::query("SELECT * FROM api_keys ORDER BY id").fetch_all(pool).await?;
    rows.iter().map(decode_api_key).collect()
}

fn decode_api_key(row: &SqliteRow) -> sqlx::Result<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: parse(row, "api_keys", "role", str::parse::<Role>)?,
        secret_hash: row.try_get("secret_hash")?,
        created_by: row.try_get("created_by")?,
        created_at: timestamp(row, "created_at")?,
        revoked_at: row.try_get::<Option<i64>, _>("revoked_at")?.map(from_millis).transpose()?,
    })
}
