//! Logging in, and the admin's management of users and API keys:
//! `POST /api/v1/auth/login`, `GET /api/v1/auth/me`, `GET|POST /api/v1/users`,
//! `PATCH /api/v1/users/{name}`, `GET|POST /api/v1/api-keys`, `DELETE /api/v1/api-keys/{id}`.
//!
//! A failed login says only "wrong user name or password", whatever the reason; the audit and
//! the log keep the reason. Failed logins are counted per client, and the eleventh in fifteen
//! minutes is a 429 whatever the password. No answer, log line or audit entry ever holds a
//! password, a token or a key's secret, except the one answer that hands a new key out.

use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tracing::{info, warn};
use utoipa::ToSchema;

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ClientAddr, TextPath};
use super::operator::{entry_for, submit, Operator};
use super::rate_limit::{retry_after_secs, Class};
use super::state::AppState;
use crate::auth::accounts::{ApiKeyRecord, UserRecord};
use crate::auth::directory::{valid_user_name, AccountError, UserChange};
use crate::auth::{AuthCounters, Principal, Role};
use wellvisor_actors::store::Record;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginAnswer {
    pub token: String,
    pub token_type: &'static str,
    pub expires_at: DateTime<Utc>,
    pub user: String,
    pub role: Role,
}

/// `POST /api/v1/auth/login`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(()),
    request_body(content = LoginBody, description = "a user's name and password"),
    responses(
        (status = 200, description = "a bearer token, valid until `expires_at`", body = LoginAnswer),
        (status = 400, description = "the body is not JSON (`malformed_json`)", body = ErrorBody),
        (status = 401, description = "wrong user name or password, or a disabled user (`unauthenticated`)", body = ErrorBody),
        (status = 422, description = "a missing or unknown field (`unprocessable`)", body = ErrorBody),
        (status = 429, description = "too many logins, or 10 failed in 15 minutes, from this client (`rate_limited`)", body = ErrorBody,
            headers(("retry-after" = u64, description = "seconds to wait"))),
    ))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let security = &state.security;
    let address = client.peer.map(|peer| peer.ip());
    if let Some(address) = address {
        if let Err(wait) = security.limiter.check(address, Class::LoginFailure, Instant::now()) {
            AuthCounters::count(&security.auth.counters.rate_limited);
            return Err(ApiError::RateLimited { retry_after: retry_after_secs(wait) });
        }
    }
    // The name is the client's word: kept in the audit only when it could be a name.
    let named = if valid_user_name(&body.username) { body.username.as_str() } else { "(invalid name)" };
    match security.auth.directory.login(&body.username, &body.password).await {
        Ok(user) => {
            AuthCounters::count(&security.auth.counters.logins);
            let (token, expires_at) = security.auth.tokens.issue(&user.name, user.role, Utc::now());
            info!(user = %user.name, role = %user.role, %client, "login");
            let principal = Principal { name: user.name.clone(), role: user.role };
            audit_login(&state, Some(&principal), &client, named, "ok");
            Ok(Json(LoginAnswer { token, token_type: "Bearer", expires_at, user: user.name, role: user.role }))
        }
        Err(reason) => {
            AuthCounters::count(&security.auth.counters.login_failures);
            if let Some(address) = address {
                let _ = security.limiter.take(address, Class::LoginFailure, Instant::now());
            }
            warn!(user = named, %client, %reason, "login failed");
            audit_login(&state, None, &client, named, &format!("401 {reason}"));
            Err(ApiError::Unauthenticated("wrong user name or password".into()))
        }
    }
}

fn audit_login(state: &AppState, principal: Option<&Principal>, client: &ClientAddr, name: &str, result: &str) {
    let mut entry = entry_for(principal, client, "login", name, None, result);
    if principal.is_none() {
        entry.actor = name.to_owned();
    }
    submit(&state.records, vec![Record::Audit(entry)], "login", name);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    pub user: String,
    pub role: Role,
}

/// `GET /api/v1/auth/me`: who the credentials say the caller is.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, description = "the caller's user (or `key:<id>`) and role", body = WhoAmI)))]
pub async fn me(operator: Operator) -> Json<WhoAmI> {
    Json(WhoAmI { user: operator.principal.name, role: operator.principal.role })
}

/// A user as the API shows it: never the hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRecord> for UserView {
    fn from(user: UserRecord) -> Self {
        Self {
            name: user.name,
            role: user.role,
            disabled: user.disabled,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<UserView>,
}

/// `GET /api/v1/users`.
#[utoipa::path(get, path = "/api/v1/users", tag = "auth",
    responses((status = 200, description = "every user, by name; never a password or hash", body = UserList)))]
pub async fn list_users(State(state): State<AppState>) -> Json<UserList> {
    Json(UserList { users: state.security.auth.directory.users().into_iter().map(UserView::from).collect() })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// `POST /api/v1/users`: 201 with the user.
#[utoipa::path(post, path = "/api/v1/users", tag = "auth",
    request_body(content = NewUserBody, description = "name (1-64 of letters, digits, `._-`), role, password (12+ characters)"),
    responses(
        (status = 201, description = "added", body = UserView),
        (status = 400, description = "the body is not JSON (`malformed_json`)", body = ErrorBody),
        (status = 409, description = "the name is taken (`conflict`)", body = ErrorBody),
        (status = 422, description = "an invalid name, role or password (`unprocessable`)", body = ErrorBody),
        (status = 503, description = "the store did not take the change (`unavailable`)", body = ErrorBody),
    ))]
pub async fn add_user(
    State(state): State<AppState>,
    operator: Operator,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let added = state.security.auth.directory.add_user(&body.name, body.role, &body.password, Utc::now()).await;
    let user = added.map_err(account_error)?;
    let params = json!({ "name": user.name, "role": user.role });
    operator.record(&state.records, operator.entry("add_user", &user.name, Some(params)));
    info!(user = %user.name, role = %user.role, by = %operator.principal.name, "user added");
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChangeBody {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/users/{name}", tag = "auth", params(("name" = String, Path, description = "the user")),
    request_body(content = UserChangeBody, description = "what changes; absent fields stay"),
    responses(
        (status = 200, description = "changed", body = UserView),
        (status = 400, description = "the body is not JSON (`malformed_json`)", body = ErrorBody),
        (status = 404, description = "no such user (`unknown_user`)", body = ErrorBody),
        (status = 409, description = "the change would leave no enabled admin (`conflict`)", body = ErrorBody),
        (status = 422, description = "an unknown field, role or a password under 12 characters (`unprocessable`)", body = ErrorBody),
        (status = 503, description = "the store did not take the change (`unavailable`)", body = ErrorBody),
    ))]
/// `PATCH /api/v1/users/{name}`: role, password or disabled. A change that would leave no
/// enabled admin is a 409: the fleet must never be left without someone who can fix access.
pub async fn update_user(
    State(state): State<AppState>,
    operator: Operator,
    TextPath(name): TextPath,
    ApiJson(body): ApiJson<UserChangeBody>,
) -> Result<Json<UserView>, ApiError> {
    let directory = &state.security.auth.directory;
    let before = directory.user(&name).ok_or_else(|| ApiError::UnknownUser(name.clone()))?;
    let stays_admin = body.role.unwrap_or(before.role) == Role::Admin && !body.disabled.unwrap_or(before.disabled);
    let other_admins =
        directory.users().iter().filter(|u| u.name != name && u.role == Role::Admin && !u.disabled).count();
    if before.role == Role::Admin && !before.disabled && !stays_admin && other_admins == 0 {
        return Err(ApiError::Conflict(format!("{name} is the last enabled admin")));
    }
    let params = json!({ "role": body.role, "disabled": body.disabled, "password_changed": body.password.is_some() });
    let change = UserChange { role: body.role, disabled: body.disabled, password: body.password };
    let user = directory.update_user(&name, change, Utc::now()).await.map_err(account_error)?;
    let entry = operator.entry("update_user", &name, Some(params));
    let (role_before, role_after) = (describe(&before), describe(&user));
    operator.record(
        &state.records,
        wellvisor_actors::diagnostics::AuditEntry { before: Some(role_before), after: Some(role_after), ..entry },
    );
    Ok(Json(user.into()))
}

fn describe(user: &UserRecord) -> String {
    if user.disabled {
        format!("{} (disabled)", user.role)
    } else {
        user.role.to_string()
    }
}

/// An API key as listed: never its secret or hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRecord> for ApiKeyView {
    fn from(key: ApiKeyRecord) -> Self {
        Self {
            id: key.id,
            name: key.name,
            role: key.role,
            created_by: key.created_by,
            created_at: key.created_at,
            revoked_at: key.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub api_keys: Vec<ApiKeyView>,
}

/// `GET /api/v1/api-keys`.
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "auth",
    responses((status = 200, description = "every key, revoked ones included; never a secret", body = ApiKeyList)))]
pub async fn list_api_keys(State(state): State<AppState>) -> Json<ApiKeyList> {
    Json(ApiKeyList { api_keys: state.security.auth.directory.keys().into_iter().map(ApiKeyView::from).collect() })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKeyBody {
    /// What the key is for.
    pub name: String,
    /// `service` for a device or integration; any role is allowed.
    pub role: Role,
}

/// A new key: the only time its secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewApiKey {
    pub key: String,
    #[serde(flatten)]
    pub record: ApiKeyView,
}

/// `POST /api/v1/api-keys`: 201 with the key, shown this once.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "auth",
    request_body(content = NewApiKeyBody, description = "what the key is for, and its role"),
    responses(
        (status = 201, description = "the key, shown this once", body = NewApiKey),
        (status = 400, description = "the body is not JSON (`malformed_json`)", body = ErrorBody),
        (status = 422, description = "a missing name or unknown role (`unprocessable`)", body = ErrorBody),
        (status = 503, description = "the store did not take the key (`unavailable`)", body = ErrorBody),
    ))]
pub async fn add_api_key(
    State(state): State<AppState>,
    operator: Operator,
    ApiJson(body): ApiJson<NewApiKeyBody>,
) -> Result<(StatusCode, Json<NewApiKey>), ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::Unprocessable("name: 1 to 100 characters".into()));
    }
    let directory = &state.security.auth.directory;
    let (made, record) =
        directory.add_key(name, body.role, &operator.principal.name, Utc::now()).await.map_err(account_error)?;
    let params = json!({ "name": record.name, "role": record.role });
    operator.record(&state.records, operator.entry("add_api_key", &record.id, Some(params)));
    Ok((StatusCode::CREATED, Json(NewApiKey { key: made.key, record: record.into() })))
}

/// `DELETE /api/v1/api-keys/{id}`: 200 with the revoked key.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "auth", params(("id" = String, Path, description = "the key's id")),
    responses(
        (status = 200, description = "revoked for good", body = ApiKeyView),
        (status = 404, description = "no such key (`unknown_api_key`)", body = ErrorBody),
        (status = 409, description = "already revoked (`conflict`)", body = ErrorBody),
        (status = 503, description = "the store did not take the change (`unavailable`)", body = ErrorBody),
    ))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    operator: Operator,
    TextPath(id): TextPath,
) -> Result<Json<ApiKeyView>, ApiError> {
    let revoked = state.security.auth.directory.revoke_key(&id, Utc::now()).await.map_err(account_error)?;
    operator.record(&state.records, operator.entry("revoke_api_key", &id, None));
    Ok(Json(revoked.into()))
}

fn account_error(error: AccountError) -> ApiError {
    match error {
        AccountError::Password(crate::auth::password::PasswordError::Hashing(_)) => {
            ApiError::Internal(error.to_string())
        }
        AccountError::InvalidName(_) | AccountError::Password(_) => ApiError::Unprocessable(error.to_string()),
        AccountError::UserExists(_) | AccountError::KeyRevoked(_) => ApiError::Conflict(error.to_string()),
        AccountError::UnknownUser(name) => ApiError::UnknownUser(name),
        AccountError::UnknownKey(id) => ApiError::UnknownApiKey(id),
        AccountError::Store(store) => ApiError::from(store),
    }
}
