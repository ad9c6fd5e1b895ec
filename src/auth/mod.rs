//! Who is asking, and may they: users with argon2id passwords, HS256 bearer tokens, API keys
//! for service accounts, the five roles, and the first admin.
//!
//! - [`role`]: the roles and the access each route asks for.
//! - [`password`], [`token`], [`api_key`]: the credentials, each in its own small module.
//! - [`accounts`]: the store seam; [`directory`]: the in-memory copy requests are checked against.
//! - [`bootstrap`]: the first admin of a store with no users.
//!
//! [`Auth`] ties them together for the HTTP guard: it turns a presented credential into a
//! [`Principal`] or a reason for refusal, and counts refusals for the metrics.

pub mod accounts;
pub mod api_key;
pub mod bootstrap;
pub mod commands;
pub mod directory;
pub mod password;
pub mod role;
pub mod token;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use directory::Directory;
pub use role::{Access, Role};
pub use token::Tokens;

/// The authenticated caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The user's name, or `key:<id>` for an API key.
    pub name: String,
    pub role: Role,
}

/// Why a credential proves nothing. The client hears only that it is not accepted; the log
/// and the audit keep which of these it was.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("no credentials")]
    Missing,
    #[error("unreadable Authorization header")]
    Unreadable,
    #[error("{0}")]
    Token(#[from] token::TokenError),
    #[error("unknown user {0}")]
    UnknownUser(String),
    #[error("user {0} is disabled")]
    DisabledUser(String),
    #[error("malformed API key")]
    MalformedKey,
    #[error("unknown API key {0}")]
    UnknownKey(String),
    #[error("API key {0} is revoked")]
    RevokedKey(String),
    #[error("API key {0} does not match")]
    WrongKey(String),
}

/// Counters of what authentication refused, for `/metrics`.
#[derive(Debug, Default)]
pub struct AuthCounters {
    pub login_failures: AtomicU64,
    pub logins: AtomicU64,
    pub unauthenticated: AtomicU64,
    pub forbidden: AtomicU64,
    pub rate_limited: AtomicU64,
}

impl AuthCounters {
    pub fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Credentials checked against the directory.
#[derive(Clone, Debug)]
pub struct Auth {
    pub tokens: Tokens,
    pub directory: Arc<Directory>,
    pub counters: Arc<AuthCounters>,
}

impl Auth {
    pub fn new(tokens: Tokens, directory: Arc<Directory>) -> Self {
        Self { tokens, directory, counters: Arc::default() }
    }

    /// The caller behind a bearer credential (a token or an API key) at `now`. The role is the
    /// one the directory holds now, so a demotion or a disable takes effect at once, not when
    /// the token expires.
    pub fn authenticate(&self, credential: &str, now: DateTime<Utc>) -> Result<Principal, Refusal> {
        if api_key::looks_like_key(credential) {
            return self.authenticate_key(credential);
        }
        let claims = self.tokens.verify(credential, now)?;
        let user = self.directory.user(&claims.sub).ok_or_else(|| Refusal::UnknownUser(claims.sub.clone()))?;
        if user.disabled {
            return Err(Refusal::DisabledUser(user.name));
        }
        Ok(Principal { name: user.name, role: user.role })
    }

    fn authenticate_key(&self, credential: &str) -> Result<Principal, Refusal> {
        let (id, secret) = api_key::split(credential).ok_or(Refusal::MalformedKey)?;
        let key = self.directory.key(id).ok_or_else(|| Refusal::UnknownKey(id.to_owned()))?;
        if key.revoked_at.is_some() {
            return Err(Refusal::RevokedKey(key.id));
        }
        if !api_key::secret_matches(secret, &key.secret_hash) {
            return Err(Refusal::WrongKey(key.id));
        }
        Ok(Principal { name: format!("key:{}", key.id), role: key.role })
    }
}
