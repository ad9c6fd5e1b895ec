//! The first start: a store with no enabled admin gets one, from `WELLVISOR_ADMIN_PASSWORD`,
//! or, in the demo only, with a random password printed once. Anything else refuses to start
//! and says how to make an admin. The token secret is settled here too: the environment's, or
//! a random one in the demo.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use super::directory::{AccountError, Directory};
use super::role::Role;

/// The name of the first admin.
pub const FIRST_ADMIN: &str = "admin";

/// What the start found or did about an admin.
#[derive(Debug, PartialEq, Eq)]
pub enum FirstAdmin {
    /// An enabled admin exists already.
    Present,
    /// `admin` was made with the password from the environment.
    FromEnvironment,
    /// `admin` was made with this random password: print it once.
    Generated(String),
}

/// Why the service cannot start without an operator's help.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(
        "no admin user exists: set WELLVISOR_ADMIN_PASSWORD (12 characters or more) to create `admin` on \
         this start, or run `wellvisor user add admin --role admin --config FILE` first"
    )]
    NoAdmin,
    #[error("user `admin` exists but is not an enabled admin; fix it with `wellvisor user` before starting")]
    AdminNameTaken,
    #[error(
        "WELLVISOR_JWT_SECRET is not set: set it to a random string of at least 32 bytes \
         (e.g. `openssl rand -base64 48`)"
    )]
    NoSecret,
    #[error("creating the first admin: {0}")]
    Account(#[from] AccountError),
}

/// Makes sure an enabled admin exists, as the module says.
pub async fn ensure_admin(
    directory: &Directory,
    env_password: Option<&str>,
    demo: bool,
    now: DateTime<Utc>,
) -> Result<FirstAdmin, BootstrapError> {
    if directory.users().iter().any(|user| user.role == Role::Admin && !user.disabled) {
        return Ok(FirstAdmin::Present);
    }
    if directory.user(FIRST_ADMIN).is_some() {
        return Err(BootstrapError::AdminNameTaken);
    }
    let (password, outcome) = match env_password {
        Some(password) => (password.to_owned(), None),
        None if demo => {
            let password = random_text(18);
            (password.clone(), Some(FirstAdmin::Generated(password)))
        }
        None => return Err(BootstrapError::NoAdmin),
    };
    directory.add_user(FIRST_ADMIN, Role::Admin, &password, now).await?;
    Ok(outcome.unwrap_or(FirstAdmin::FromEnvironment))
}

/// The secret tokens are signed with: the environment's, or in the demo a random one (tokens
/// then last only as long as the process).
pub fn token_secret(env_secret: Option<String>, demo: bool) -> Result<Vec<u8>, BootstrapError> {
    match env_secret {
        Some(secret) => Ok(secret.into_bytes()),
        None if demo => Ok(random_text(48).into_bytes()),
        None => Err(BootstrapError::NoSecret),
    }
}

/// `bytes` random bytes as URL-safe text.
fn random_text(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    StdRng::from_os_rng().fill_bytes(&mut buffer);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::auth::accounts::MemoryAccounts;
    use crate::auth::directory::UserChange;

    async fn empty() -> Directory {
        Directory::load(Arc::new(MemoryAccounts::default())).await.unwrap()
    }

    #[tokio::test]
    async fn the_environment_password_makes_the_first_admin() {
        let directory = empty().await;
        let made = ensure_admin(&directory, Some("from the environment"), false, Utc::now()).await.unwrap();
        assert_eq!(made, FirstAdmin::FromEnvironment);
        assert!(directory.login(FIRST_ADMIN, "from the environment").await.is_ok());
        let again = ensure_admin(&directory, Some("another password here"), false, Utc::now()).await.unwrap();
        assert_eq!(again, FirstAdmin::Present, "an existing admin is never overwritten");
    }

    #[tokio::test]
    async fn the_demo_makes_a_random_admin_and_prints_its_password_once() {
        let directory = empty().await;
        let FirstAdmin::Generated(password) = ensure_admin(&directory, None, true, Utc::now()).await.unwrap() else {
            panic!("the demo should generate a password");
        };
        assert!(password.len() >= 20);
        assert!(directory.login(FIRST_ADMIN, &password).await.is_ok());
        assert_eq!(ensure_admin(&directory, None, true, Utc::now()).await.unwrap(), FirstAdmin::Present);
    }

    #[tokio::test]
    async fn without_either_the_start_is_refused_with_how_to_fix_it() {
        let directory = empty().await;
        let refused = ensure_admin(&directory, None, false, Utc::now()).await.unwrap_err();
        assert!(refused.to_string().contains("WELLVISOR_ADMIN_PASSWORD"), "{refused}");
        assert!(matches!(token_secret(None, false), Err(BootstrapError::NoSecret)));
        assert_eq!(token_secret(Some("s".repeat(40)), false).unwrap().len(), 40);
        assert!(token_secret(None, true).unwrap().len() >= 32);
    }

    #[tokio::test]
    async fn a_disabled_admin_does_not_count_and_its_name_is_not_taken_over() {
        let directory = empty().await;
        directory.add_user(FIRST_ADMIN, Role::Admin, "the old password!", Utc::now()).await.unwrap();
        let disable = UserChange { disabled: Some(true), ..UserChange::default() };
        directory.update_user(FIRST_ADMIN, disable, Utc::now()).await.unwrap();
        let refused = ensure_admin(&directory, Some("a new password here"), false, Utc::now()).await;
        assert!(matches!(refused, Err(BootstrapError::AdminNameTaken)));
    }
}
