use chrono::TimeZone;

use super::*;
use crate::auth::accounts::MemoryAccounts;

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, minute, 0).unwrap()
}

async fn directory() -> (Directory, Arc<MemoryAccounts>) {
    let accounts = Arc::new(MemoryAccounts::default());
    (Directory::load(accounts.clone()).await.unwrap(), accounts)
}

#[tokio::test]
async fn a_user_logs_in_with_the_right_password_only() {
    let (directory, _) = directory().await;
    directory.add_user("alice", Role::Operator, "a long enough password", at(0)).await.unwrap();
    assert_eq!(directory.login("alice", "a long enough password").await.unwrap().role, Role::Operator);
    assert_eq!(directory.login("alice", "a wrong long password").await, Err(LoginError::WrongPassword));
    assert_eq!(directory.login("bob", "a long enough password").await, Err(LoginError::UnknownUser));
}

#[tokio::test]
async fn a_disabled_user_cannot_log_in_even_with_the_right_password() {
    let (directory, _) = directory().await;
    directory.add_user("alice", Role::Viewer, "a long enough password", at(0)).await.unwrap();
    let change = UserChange { disabled: Some(true), ..UserChange::default() };
    directory.update_user("alice", change, at(1)).await.unwrap();
    assert_eq!(directory.login("alice", "a long enough password").await, Err(LoginError::Disabled));
}

#[tokio::test]
async fn changes_reach_the_store_and_another_directory_sees_them_on_refresh() {
    let (directory, accounts) = directory().await;
    let other = Directory::load(accounts.clone()).await.unwrap();
    directory.add_user("alice", Role::Viewer, "a long enough password", at(0)).await.unwrap();
    let change = UserChange {
        role: Some(Role::Engineer),
        password: Some("another long password".into()),
        ..UserChange::default()
    };
    directory.update_user("alice", change, at(2)).await.unwrap();
    assert!(other.user("alice").is_none());
    other.refresh().await.unwrap();
    let seen = other.user("alice").unwrap();
    assert_eq!((seen.role, seen.updated_at), (Role::Engineer, at(2)));
    assert!(other.login("alice", "another long password").await.is_ok());
    let stored = accounts.load_users().await.unwrap();
    assert!(stored.iter().all(|u| !u.password_hash.contains("long password")), "no clear password is stored");
}

#[tokio::test]
async fn names_passwords_and_duplicates_are_refused_with_the_reason() {
    let (directory, _) = directory().await;
    for bad in ["", "has space", "semi;colon", &"x".repeat(65)] {
        let added = directory.add_user(bad, Role::Viewer, "a long enough password", at(0)).await;
        assert!(matches!(added, Err(AccountError::InvalidName(_))), "{bad:?}");
    }
    let short = directory.add_user("carol", Role::Viewer, "short", at(0)).await;
    assert!(matches!(short, Err(AccountError::Password(PasswordError::TooShort))));
    directory.add_user("carol", Role::Viewer, "a long enough password", at(0)).await.unwrap();
    let again = directory.add_user("carol", Role::Admin, "a long enough password", at(0)).await;
    assert!(matches!(again, Err(AccountError::UserExists(_))));
    let unknown = directory.update_user("dave", UserChange::default(), at(0)).await;
    assert!(matches!(unknown, Err(AccountError::UnknownUser(_))));
}

#[tokio::test]
async fn a_revoked_key_stays_revoked() {
    let (directory, accounts) = directory().await;
    let (made, record) = directory.add_key("gateway push", Role::Service, "admin", at(0)).await.unwrap();
    assert!(!accounts.load_api_keys().await.unwrap()[0].secret_hash.contains(&made.key));
    assert_eq!(directory.revoke_key(&record.id, at(5)).await.unwrap().revoked_at, Some(at(5)));
    assert!(matches!(directory.revoke_key(&record.id, at(6)).await, Err(AccountError::KeyRevoked(_))));
    assert!(matches!(directory.revoke_key("000000000000", at(6)).await, Err(AccountError::UnknownKey(_))));
}
