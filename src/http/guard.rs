//! The guard in front of every route: it finds the caller from `Authorization: Bearer …` (a
//! token or an API key), looks the route up in [`super::access`], and answers 401 when the
//! credentials prove nothing and 403 when the role may not. Refusals of requests that change
//! something are audited here; accepted ones are audited by their handler or, failing that,
//! here once the answer is known. The credential itself is never logged or audited.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::json;
use tracing::warn;

use super::access::{self, RouteAccess};
use super::error::{ApiError, ErrorCode};
use super::extract::ClientAddr;
use super::operator::{entry_for, submit, AuditSlot};
use super::rate_limit::RateLimiter;
use super::state::AppState;
use crate::auth::{Access, Auth, AuthCounters, Principal, Refusal};
use wellvisor_actors::store::Record;

/// Everything the guard and the hardening layers hold.
#[derive(Debug)]
pub struct Security {
    pub auth: Auth,
    pub limiter: RateLimiter,
    /// Origins allowed to call from a browser; empty: none.
    pub cors_origins: Vec<HeaderValue>,
    /// Served over TLS, so browsers are told to stay on HTTPS.
    pub tls: bool,
}

impl Security {
    pub fn new(auth: Auth, limiter: RateLimiter) -> Arc<Self> {
        Arc::new(Self { auth, limiter, cors_origins: Vec::new(), tls: false })
    }
}

/// The credential of a request: the bearer token or API key, or an `X-API-Key` header.
fn credential(headers: &HeaderMap) -> Result<&str, Refusal> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let text = value.to_str().map_err(|_| Refusal::Unreadable)?;
        let (scheme, rest) = text.split_once(' ').ok_or(Refusal::Unreadable)?;
        return if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() {
            Ok(rest.trim())
        } else {
            Err(Refusal::Unreadable)
        };
    }
    match headers.get("x-api-key") {
        Some(value) => value.to_str().map_err(|_| Refusal::Unreadable),
        None => Err(Refusal::Missing),
    }
}

/// The middleware, run after routing so the route template is known.
pub async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let template = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let route = template.as_deref().and_then(|t| access::lookup(&method, t));
    let needed = route.map_or(Access::Read, |r| r.access);
    if needed == Access::Public {
        return next.run(request).await;
    }
    let seen = Seen::of(&request, route, template.as_deref());
    let auth = &state.security.auth;
    let principal = match credential(request.headers()).and_then(|c| auth.authenticate(c, Utc::now())) {
        Ok(principal) => principal,
        Err(refusal) => {
            AuthCounters::count(&auth.counters.unauthenticated);
            warn!(method = %method, path = %seen.path, client = %seen.client, reason = %refusal, "unauthenticated");
            seen.audit_refusal(&state, None, &format!("401 unauthenticated: {refusal}"));
            let message = match refusal {
                Refusal::Missing => "authentication required: send Authorization: Bearer <token or API key>",
                _ => "invalid, expired or revoked credentials",
            };
            return ApiError::Unauthenticated(message.into()).into_response();
        }
    };
    if !principal.role.may(needed) {
        AuthCounters::count(&auth.counters.forbidden);
        let message = format!("role {} may not {method} {}: it needs {}", principal.role, seen.path, needed.as_str());
        warn!(user = %principal.name, role = %principal.role, method = %method, path = %seen.path, "forbidden");
        seen.audit_refusal(&state, Some(&principal), "403 forbidden");
        return ApiError::Forbidden(message).into_response();
    }
    let slot = AuditSlot::default();
    request.extensions_mut().insert(principal.clone());
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    if access::is_mutating(&method) && !slot.is_marked() {
        seen.audit_answer(&state, &principal, &response);
    }
    response
}

/// What the audit needs of a request, taken before the request moves on.
struct Seen {
    method: Method,
    path: String,
    action: String,
    target: String,
    query: Option<String>,
    client: ClientAddr,
}

impl Seen {
    fn of(request: &Request, route: Option<&RouteAccess>, template: Option<&str>) -> Self {
        let path = request.uri().path().to_owned();
        let method = request.method().clone();
        let action = route.map_or_else(|| format!("{method} {path}"), |r| r.action.to_owned());
        let target =
            template.map(|t| access::target(t, &path)).filter(|t| !t.is_empty()).unwrap_or_else(|| path.clone());
        let query = request.uri().query().map(|q| q.chars().take(500).collect());
        Self { method, path, action, target, query, client: ClientAddr::of(request) }
    }

    fn params(&self) -> serde_json::Value {
        json!({ "method": self.method.as_str(), "path": self.path, "query": self.query })
    }

    fn audit_refusal(&self, state: &AppState, principal: Option<&Principal>, result: &str) {
        if !access::is_mutating(&self.method) {
            return;
        }
        let entry = entry_for(principal, &self.client, &self.action, &self.target, Some(self.params()), result);
        submit(&state.records, vec![Record::Audit(entry)], &self.action, &self.target);
    }

    /// A request its handler did not audit: what was asked and how it was answered.
    fn audit_answer(&self, state: &AppState, principal: &Principal, response: &Response) {
        let status = response.status();
        let code = response.extensions().get::<ErrorCode>().map(|ErrorCode(code)| *code);
        let result = match code {
            _ if status.is_success() => "ok".to_owned(),
            Some(code) => format!("{} {code}", status.as_u16()),
            None => status.as_u16().to_string(),
        };
        let entry = entry_for(Some(principal), &self.client, &self.action, &self.target, Some(self.params()), &result);
        submit(&state.records, vec![Record::Audit(entry)], &self.action, &self.target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn credentials_come_from_bearer_or_api_key_headers() {
        assert_eq!(credential(&headers(&[("authorization", "Bearer abc.def.ghi")])), Ok("abc.def.ghi"));
        assert_eq!(credential(&headers(&[("authorization", "bearer  wvk_x ")])), Ok("wvk_x"));
        assert_eq!(credential(&headers(&[("x-api-key", "wvk_1")])), Ok("wvk_1"));
        assert_eq!(credential(&headers(&[])), Err(Refusal::Missing));
        assert_eq!(credential(&headers(&[("authorization", "Basic dXNlcjpwdw==")])), Err(Refusal::Unreadable));
        assert_eq!(credential(&headers(&[("authorization", "Bearer ")])), Err(Refusal::Unreadable));
    }
}
