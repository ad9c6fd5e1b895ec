//! Credentials for tests: a known token secret and admin password (what the environment gives
//! a real deployment), tokens minted for any role, and a directory holding one user per role.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use wellvisor::auth::accounts::{Accounts, MemoryAccounts, UserRecord};
use wellvisor::auth::{Auth, Directory, Role, Tokens};
use wellvisor::config::RateLimitConfig;
use wellvisor::http::guard::Security;
use wellvisor::http::rate_limit::RateLimiter;

pub const TEST_SECRET: &str = "test secret for wellvisor tokens, 32+ bytes";
pub const TEST_ADMIN_PASSWORD: &str = "test admin password";

/// The environment a test service runs with: `WELLVISOR_JWT_SECRET` and
/// `WELLVISOR_ADMIN_PASSWORD`, nothing else.
pub fn test_env(name: &str) -> Option<String> {
    match name {
        "WELLVISOR_JWT_SECRET" => Some(TEST_SECRET.into()),
        "WELLVISOR_ADMIN_PASSWORD" => Some(TEST_ADMIN_PASSWORD.into()),
        _ => None,
    }
}

pub fn tokens() -> Tokens {
    Tokens::new(TEST_SECRET.as_bytes(), Duration::from_secs(30 * 60)).unwrap_or_else(|e| panic!("{e}"))
}

/// A token for the user named like the role (`admin` for admin), signed with the test secret.
pub fn token_for(role: Role) -> String {
    tokens().issue(role.as_str(), role, Utc::now()).0
}

/// Security with one enabled user per role, each named after it, and the default limits.
pub async fn test_security() -> Arc<Security> {
    let accounts = Arc::new(MemoryAccounts::default());
    for role in Role::ALL {
        let now = Utc::now();
        let user = UserRecord {
            name: role.as_str().to_owned(),
            role,
            // Never matches a password: tests that log in add their own user.
            password_hash: "!".into(),
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        accounts.save_user(&user).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let directory = Directory::load(accounts).await.unwrap_or_else(|e| panic!("{e}"));
    let auth = Auth::new(tokens(), Arc::new(directory));
    Security::new(auth, RateLimiter::new(RateLimitConfig::default(), Vec::new()))
}
