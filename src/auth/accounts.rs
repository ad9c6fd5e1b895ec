//! The store seam for users and API keys: both backends keep them in their own tables
//! (migration 0006), and [`MemoryAccounts`] keeps them for tests. The service holds a copy in
//! memory ([`super::directory::Directory`]), so checking a request never waits on the database
//! and an outage of the historian does not lock operators out.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use wellvisor_actors::device::link::BoxFuture;
use wellvisor_actors::store::StoreError;

use super::role::Role;

/// A person's account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    /// Unique, 1–64 characters of `[A-Za-z0-9._-]`.
    pub name: String,
    pub role: Role,
    /// argon2id PHC string; never the password.
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A service account's key; the key itself is never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// The public part of the key, 12 hex digits.
    pub id: String,
    /// What the key is for (`gateway-7 push`).
    pub name: String,
    pub role: Role,
    /// Hex SHA-256 of the key's secret part.
    pub secret_hash: String,
    /// The admin who made it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Set once; a revoked key never works again.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Where users and API keys are kept. Saves are upserts by name or id, replacing the whole
/// record; loads come sorted by name or id (byte order). Times are kept to the millisecond, as
/// every time the historian keeps.
pub trait Accounts: Send + Sync + 'static {
    fn load_users(&self) -> BoxFuture<'_, Result<Vec<UserRecord>, StoreError>>;
    fn save_user<'a>(&'a self, user: &'a UserRecord) -> BoxFuture<'a, Result<(), StoreError>>;
    fn load_api_keys(&self) -> BoxFuture<'_, Result<Vec<ApiKeyRecord>, StoreError>>;
    fn save_api_key<'a>(&'a self, key: &'a ApiKeyRecord) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// Accounts held in memory only: for tests and tools that keep no history.
#[derive(Debug, Default)]
pub struct MemoryAccounts {
    users: Mutex<Vec<UserRecord>>,
    keys: Mutex<Vec<ApiKeyRecord>>,
}

fn upsert<T: Clone>(rows: &Mutex<Vec<T>>, row: &T, same: impl Fn(&T) -> bool) {
    let mut rows = rows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match rows.iter_mut().find(|existing| same(existing)) {
        Some(existing) => *existing = row.clone(),
        None => rows.push(row.clone()),
    }
}

fn all<T: Clone>(rows: &Mutex<Vec<T>>) -> Vec<T> {
    rows.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
}

impl Accounts for MemoryAccounts {
    fn load_users(&self) -> BoxFuture<'_, Result<Vec<UserRecord>, StoreError>> {
        Box::pin(async move {
            let mut users = all(&self.users);
            users.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(users)
        })
    }

    fn save_user<'a>(&'a self, user: &'a UserRecord) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            upsert(&self.users, user, |u| u.name == user.name);
            Ok(())
        })
    }

    fn load_api_keys(&self) -> BoxFuture<'_, Result<Vec<ApiKeyRecord>, StoreError>> {
        Box::pin(async move {
            let mut keys = all(&self.keys);
            keys.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(keys)
        })
    }

    fn save_api_key<'a>(&'a self, key: &'a ApiKeyRecord) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            upsert(&self.keys, key, |k| k.id == key.id);
            Ok(())
        })
    }
}
