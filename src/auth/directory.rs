//! The service's copy of its users and API keys. Requests are checked against memory, so a
//! historian outage never locks operators out; every change is written to the store first and
//! to memory second, and a periodic refresh picks up changes made by `wellvisor user` in
//! another process.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use wellvisor_actors::store::StoreError;

use super::accounts::{Accounts, ApiKeyRecord, UserRecord};
use super::api_key::{self, NewKey};
use super::password::{self, PasswordError};
use super::role::Role;

/// Why an account change or a login was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("user name {0:?} is invalid: 1 to 64 characters of letters, digits, '.', '_' or '-'")]
    InvalidName(String),
    #[error("user {0} already exists")]
    UserExists(String),
    #[error("unknown user {0}")]
    UnknownUser(String),
    #[error("unknown API key {0}")]
    UnknownKey(String),
    #[error("API key {0} is already revoked")]
    KeyRevoked(String),
    #[error("{0}")]
    Password(#[from] PasswordError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Why a login failed. The client is told only "wrong user name or password".
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoginError {
    #[error("no such user")]
    UnknownUser,
    #[error("wrong password")]
    WrongPassword,
    #[error("user disabled")]
    Disabled,
}

/// What an update of a user changes; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
}

/// Users and keys, in memory, backed by [`Accounts`].
pub struct Directory {
    accounts: Arc<dyn Accounts>,
    users: RwLock<BTreeMap<String, UserRecord>>,
    keys: RwLock<BTreeMap<String, ApiKeyRecord>>,
    /// Serialises changes, so two requests cannot interleave a read-modify-write.
    changes: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory").field("users", &self.user_count()).finish_non_exhaustive()
    }
}

fn read<T: Clone>(lock: &RwLock<BTreeMap<String, T>>, key: &str) -> Option<T> {
    lock.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(key).cloned()
}

fn put<T>(lock: &RwLock<BTreeMap<String, T>>, key: String, value: T) {
    lock.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key, value);
}

fn replace<T>(lock: &RwLock<BTreeMap<String, T>>, rows: impl IntoIterator<Item = (String, T)>) {
    *lock.write().unwrap_or_else(std::sync::PoisonError::into_inner) = rows.into_iter().collect();
}

/// Whether `name` can be a user name.
pub fn valid_user_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

impl Directory {
    /// Loads every user and key from the store.
    pub async fn load(accounts: Arc<dyn Accounts>) -> Result<Self, StoreError> {
        let directory =
            Self { accounts, users: RwLock::default(), keys: RwLock::default(), changes: tokio::sync::Mutex::new(()) };
        directory.refresh().await?;
        Ok(directory)
    }

    /// Reads the store again, taking in changes made elsewhere.
    pub async fn refresh(&self) -> Result<(), StoreError> {
        let users = self.accounts.load_users().await?;
        let keys = self.accounts.load_api_keys().await?;
        replace(&self.users, users.into_iter().map(|u| (u.name.clone(), u)));
        replace(&self.keys, keys.into_iter().map(|k| (k.id.clone(), k)));
        Ok(())
    }

    pub fn user(&self, name: &str) -> Option<UserRecord> {
        read(&self.users, name)
    }

    pub fn users(&self) -> Vec<UserRecord> {
        self.users.read().unwrap_or_else(std::sync::PoisonError::into_inner).values().cloned().collect()
    }

    pub fn user_count(&self) -> usize {
        self.users.read().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    pub fn key(&self, id: &str) -> Option<ApiKeyRecord> {
        read(&self.keys, id)
    }

    pub fn keys(&self) -> Vec<ApiKeyRecord> {
        self.keys.read().unwrap_or_else(std::sync::PoisonError::into_inner).values().cloned().collect()
    }

    /// Checks a user's password (argon2 runs off the async threads). An unknown name costs the
    /// same work as a wrong password.
    pub async fn login(&self, name: &str, password: &str) -> Result<UserRecord, LoginError> {
        let user = self.user(name);
        let stored = user.as_ref().map_or_else(|| password::decoy_hash().to_owned(), |u| u.password_hash.clone());
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || password::verify(&password, &stored)).await.unwrap_or(false);
        match user {
            None => Err(LoginError::UnknownUser),
            Some(_) if !matches => Err(LoginError::WrongPassword),
            Some(user) if user.disabled => Err(LoginError::Disabled),
            Some(user) => Ok(user),
        }
    }

    /// Adds a user; the name must be free.
    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<UserRecord, AccountError> {
        if !valid_user_name(name) {
            return Err(AccountError::InvalidName(name.to_owned()));
        }
        let password_hash = hash_off_thread(password).await?;
        let _change = self.changes.lock().await;
        if self.user(name).is_some() {
            return Err(AccountError::UserExists(name.to_owned()));
        }
        let user = UserRecord {
            name: name.to_owned(),
            role,
            password_hash,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        self.accounts.save_user(&user).await?;
        put(&self.users, user.name.clone(), user.clone());
        Ok(user)
    }

    /// Changes a user's role, password or whether it is disabled.
    pub async fn update_user(
        &self,
        name: &str,
        change: UserChange,
        now: DateTime<Utc>,
    ) -> Result<UserRecord, AccountError> {
        let password_hash = match &change.password {
            Some(password) => Some(hash_off_thread(password).await?),
            None => None,
        };
        let _change = self.changes.lock().await;
        let mut user = self.user(name).ok_or_else(|| AccountError::UnknownUser(name.to_owned()))?;
        user.role = change.role.unwrap_or(user.role);
        user.disabled = change.disabled.unwrap_or(user.disabled);
        user.password_hash = password_hash.unwrap_or(user.password_hash);
        user.updated_at = now;
        self.accounts.save_user(&user).await?;
        put(&self.users, user.name.clone(), user.clone());
        Ok(user)
    }

    /// Makes an API key; the returned key is the only copy of its secret.
    pub async fn add_key(
        &self,
        name: &str,
        role: Role,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> Result<(NewKey, ApiKeyRecord), AccountError> {
        let made = api_key::generate();
        let record = ApiKeyRecord {
            id: made.id.clone(),
            name: name.to_owned(),
            role,
            secret_hash: made.secret_hash.clone(),
            created_by: created_by.to_owned(),
            created_at: now,
            revoked_at: None,
        };
        let _change = self.changes.lock().await;
        self.accounts.save_api_key(&record).await?;
        put(&self.keys, record.id.clone(), record.clone());
        Ok((made, record))
    }

    /// Revokes a key for good.
    pub async fn revoke_key(&self, id: &str, now: DateTime<Utc>) -> Result<ApiKeyRecord, AccountError> {
        let _change = self.changes.lock().await;
        let mut key = self.key(id).ok_or_else(|| AccountError::UnknownKey(id.to_owned()))?;
        if key.revoked_at.is_some() {
            return Err(AccountError::KeyRevoked(id.to_owned()));
        }
        key.revoked_at = Some(now);
        self.accounts.save_api_key(&key).await?;
        put(&self.keys, key.id.clone(), key.clone());
        Ok(key)
    }
}

async fn hash_off_thread(password: &str) -> Result<String, AccountError> {
    password::check_policy(password)?;
    let password = password.to_owned();
    let hashed = tokio::task::spawn_blocking(move || password::hash(&password)).await;
    Ok(hashed.map_err(|error| PasswordError::Hashing(error.to_string()))??)
}

#[cfg(test)]
#[path = "directory_tests.rs"]
mod tests;
