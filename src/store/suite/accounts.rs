//! The accounts half of the shared store suite: users and API keys saved, replaced and loaded,
//! the same against both SQL backends and [`MemoryAccounts`], which the auth tests use. Cases
//! are listed in `store_suite!(accounts ...)`. That a stored role this build does not know is a
//! named error is each SQL backend's own test: only raw SQL can write one.

use std::sync::Arc;

use crate::auth::accounts::{Accounts, ApiKeyRecord, MemoryAccounts, UserRecord};
use crate::auth::role::Role;

use super::at;

pub(crate) fn user(name: &str, role: Role) -> UserRecord {
    UserRecord {
        name: name.to_owned(),
        role,
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ${name}"),
        disabled: false,
        created_at: at(0),
        updated_at: at(1),
    }
}

pub(crate) fn api_key(id: &str, role: Role) -> ApiKeyRecord {
    ApiKeyRecord {
        id: id.to_owned(),
        name: format!("gateway {id} push"),
        role,
        secret_hash: format!("{:0>64}", id),
        created_by: "admin".to_owned(),
        created_at: at(2),
        revoked_at: None,
    }
}

async fn save_users(accounts: &Arc<dyn Accounts>, users: &[&UserRecord]) {
    for user in users {
        accounts.save_user(user).await.unwrap_or_else(|e| panic!("saving user {}: {e}", user.name));
    }
}

async fn save_keys(accounts: &Arc<dyn Accounts>, keys: &[&ApiKeyRecord]) {
    for key in keys {
        accounts.save_api_key(key).await.unwrap_or_else(|e| panic!("saving key {}: {e}", key.id));
    }
}

pub(crate) async fn users_and_api_keys_round_trip_sorted(accounts: Arc<dyn Accounts>) {
    assert_eq!(accounts.load_users().await.expect("no users"), vec![]);
    assert_eq!(accounts.load_api_keys().await.expect("no keys"), vec![]);
    let users: Vec<UserRecord> =
        Role::ALL.iter().zip(["viewer-1", "Operator", "eng.2", "admin", "svc_3"]).map(|(r, n)| user(n, *r)).collect();
    save_users(&accounts, &users.iter().collect::<Vec<_>>()).await;
    let mut disabled = user("zed", Role::Viewer);
    disabled.disabled = true;
    save_users(&accounts, &[&disabled]).await;
    let mut revoked = api_key("0123456789ab", Role::Viewer);
    revoked.revoked_at = Some(at(3));
    let service = api_key("00ff00ff00ff", Role::Service);
    save_keys(&accounts, &[&revoked, &service]).await;
    let mut expected = users.clone();
    expected.push(disabled);
    expected.sort_by(|a, b| a.name.cmp(&b.name));
    let loaded = accounts.load_users().await.expect("users");
    assert_eq!(loaded, expected, "every field, sorted by name in byte order");
    assert_eq!(loaded[0].name, "Operator", "upper case sorts first");
    assert_eq!(accounts.load_api_keys().await.expect("keys"), vec![service, revoked], "sorted by id");
}

pub(crate) async fn saving_a_user_again_replaces_it(accounts: Arc<dyn Accounts>) {
    let (alice, bob) = (user("alice", Role::Operator), user("bob", Role::Viewer));
    save_users(&accounts, &[&alice, &bob]).await;
    let promoted = UserRecord { role: Role::Engineer, updated_at: at(10), ..alice.clone() };
    save_users(&accounts, &[&promoted]).await;
    assert_eq!(accounts.load_users().await.expect("users"), vec![promoted.clone(), bob.clone()], "role changed");
    let disabled = UserRecord { disabled: true, updated_at: at(20), ..promoted };
    save_users(&accounts, &[&disabled]).await;
    assert_eq!(accounts.load_users().await.expect("users"), vec![disabled.clone(), bob.clone()], "disabled");
    let new_hash = "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$changed".to_owned();
    let reset = UserRecord { password_hash: new_hash, disabled: false, updated_at: at(30), ..disabled };
    save_users(&accounts, &[&reset]).await;
    assert_eq!(accounts.load_users().await.expect("users"), vec![reset, bob], "password changed, enabled again");
}

pub(crate) async fn saving_an_api_key_again_replaces_it(accounts: Arc<dyn Accounts>) {
    let (gateway, reader) = (api_key("aaaaaaaaaaaa", Role::Service), api_key("bbbbbbbbbbbb", Role::Viewer));
    save_keys(&accounts, &[&gateway, &reader]).await;
    let revoked = ApiKeyRecord { revoked_at: Some(at(40)), ..gateway.clone() };
    save_keys(&accounts, &[&revoked]).await;
    assert_eq!(accounts.load_api_keys().await.expect("keys"), vec![revoked.clone(), reader.clone()], "revoked");
    let renamed = ApiKeyRecord { name: "gateway-7 push".into(), role: Role::Operator, ..reader };
    save_keys(&accounts, &[&renamed]).await;
    assert_eq!(accounts.load_api_keys().await.expect("keys"), vec![revoked, renamed], "name and role replaced");
    assert!(accounts.load_users().await.expect("users").is_empty(), "keys are not users");
}

/// The accounts cases against the in-memory accounts the auth tests use.
mod memory_accounts {
    use std::sync::Arc;

    use super::{Accounts, MemoryAccounts};

    async fn fresh_accounts() -> (Arc<dyn Accounts>, ()) {
        (Arc::new(MemoryAccounts::default()), ())
    }

    crate::store::suite::store_suite!(accounts fresh_accounts);
}
