//! Extractors that reject with [`ApiError`] instead of axum's plain-text rejections, so a
//! malformed body, query or path is always a JSON 4xx. Handlers take these, never the raw
//! `Json`, `Query` or `Path`. Also the readers of single query values (a choice among wire
//! names, a flag), so every list filter answers a bad value the same way.

use std::net::SocketAddr;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::Json;
use serde::de::DeserializeOwned;
use wellvisor_actors::diagnostics::AlarmId;
use wellvisor_actors::domain::WellId;

use super::error::ApiError;

/// A JSON body: bad syntax is a 400, a wrong content type a 415, unknown or missing fields and
/// wrong types a 422 naming the field, an oversized body a 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(JsonRejection::JsonSyntaxError(error)) => {
                Err(ApiError::MalformedJson(format!("the body is not valid JSON: {}", cause(&error))))
            }
            Err(JsonRejection::JsonDataError(error)) => {
                Err(ApiError::Unprocessable(format!("the body does not fit: {}", cause(&error))))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::UnsupportedMediaType("send the body with content-type: application/json".into()))
            }
            Err(rejection) => Err(ApiError::from_rejection(rejection.status(), rejection.body_text())),
        }
    }
}

/// A query string: anything that does not fit `T` is a 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(error)) => {
                Err(ApiError::BadRequest(format!("the query string does not fit: {}", cause(&error))))
            }
            Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
        }
    }
}

/// The `{id}` path segment, validated as a well id: a malformed one is a 400, before any
/// lookup, so it can never be confused with an unknown well (404).
pub struct WellIdPath(pub WellId);

impl<S: Send + Sync> FromRequestParts<S> for WellIdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::from_rejection(rejection.status(), rejection.body_text().to_lowercase()))?;
        Ok(Self(WellId::new(&raw)?))
    }
}

/// A `{name}` or `{id}` path segment taken as text, at most 128 characters; the handler
/// judges what it names.
pub struct TextPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for TextPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::from_rejection(rejection.status(), rejection.body_text().to_lowercase()))?;
        if raw.chars().count() > 128 {
            return Err(ApiError::BadRequest("the path segment is longer than 128 characters".into()));
        }
        Ok(Self(raw))
    }
}

/// Who asked for an operator action, as the audit records it until authentication exists
/// (esp-domain §3.4): the client's socket address when the server was started with connect
/// info (it is absent in socket-free tests), and what an `X-Forwarded-For` header claims.
/// The header is the client's word, so it is recorded beside the address, never instead of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientAddr {
    pub peer: Option<SocketAddr>,
    pub forwarded_for: Option<String>,
}

/// The longest `X-Forwarded-For` kept, in characters; the rest is cut.
const MAX_FORWARDED: usize = 200;

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(&parts.extensions, &parts.headers))
    }
}

impl ClientAddr {
    /// The client of a whole request, for middleware.
    pub fn of<B>(request: &axum::http::Request<B>) -> Self {
        Self::from_parts(request.extensions(), request.headers())
    }

    fn from_parts(extensions: &axum::http::Extensions, headers: &HeaderMap) -> Self {
        let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(address)| *address);
        Self { peer, forwarded_for: forwarded_for(headers) }
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let peer = self.peer.map_or_else(|| "unknown".to_owned(), |peer| peer.ip().to_string());
        match &self.forwarded_for {
            Some(forwarded) => write!(f, "{forwarded} (via {peer})"),
            None => f.write_str(&peer),
        }
    }
}

/// Every `X-Forwarded-For` value, joined, with anything but printable ASCII dropped and cut to
/// [`MAX_FORWARDED`], so a client cannot write control characters or pages into the audit.
fn forwarded_for(headers: &HeaderMap) -> Option<String> {
    let values: Vec<String> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect();
    let joined: String =
        values.join(", ").chars().filter(|c| c.is_ascii_graphic() || *c == ' ').take(MAX_FORWARDED).collect();
    let trimmed = joined.trim().trim_matches(',').trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// The `{id}` path segment of an alarm route. Any text is taken: whether it names an alarm
/// point is the book's to say (404 when it does not).
pub struct AlarmIdPath(pub AlarmId);

impl<S: Send + Sync> FromRequestParts<S> for AlarmIdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::from_rejection(rejection.status(), rejection.body_text().to_lowercase()))?;
        Ok(Self(AlarmId::parse(&raw)))
    }
}

/// Reads one query value that must be one of `all` by its wire name; an unknown value is a 400
/// that names the parameter and lists the valid values.
pub fn parse_choice<T: Copy>(
    key: &str,
    raw: Option<String>,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<Option<T>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    if let Some(found) = all.iter().copied().find(|value| name(*value) == raw) {
        return Ok(Some(found));
    }
    let valid: Vec<&str> = all.iter().map(|value| name(*value)).collect();
    Err(ApiError::BadRequest(format!("{key}: unknown value {raw:?}; use one of {}", valid.join(", "))))
}

/// Reads a `true`/`false` query value; absent is `false`.
pub fn parse_flag(key: &str, raw: Option<&str>) -> Result<bool, ApiError> {
    match raw {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::BadRequest(format!("{key}: unknown value {other:?}; use true or false"))),
    }
}

/// What went wrong underneath an axum rejection, without axum's capitalised preamble.
fn cause(rejection: &dyn std::error::Error) -> String {
    rejection.source().map_or_else(|| rejection.to_string(), ToString::to_string)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn client(peer: Option<&str>, forwarded: &[&'static str]) -> ClientAddr {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append("x-forwarded-for", HeaderValue::from_static(value));
        }
        ClientAddr { peer: peer.and_then(|p| p.parse().ok()), forwarded_for: forwarded_for(&headers) }
    }

    #[test]
    fn the_actor_is_the_peer_and_what_a_proxy_forwarded_for() {
        assert_eq!(client(None, &[]).to_string(), "unknown");
        assert_eq!(client(Some("127.0.0.1:5000"), &[]).to_string(), "127.0.0.1");
        assert_eq!(client(Some("127.0.0.1:5000"), &["10.0.0.7"]).to_string(), "10.0.0.7 (via 127.0.0.1)");
        assert_eq!(
            client(None, &["10.0.0.7, 10.0.0.1", "10.0.0.2"]).to_string(),
            "10.0.0.7, 10.0.0.1, 10.0.0.2 (via unknown)"
        );
        assert_eq!(client(None, &[" , "]).to_string(), "unknown");
    }

    #[test]
    fn choices_and_flags_name_the_parameter_when_refused() {
        let states = [wellvisor_actors::domain::ConnectionState::Online];
        let name = wellvisor_actors::domain::ConnectionState::as_str;
        assert_eq!(parse_choice("connection", Some("online".into()), &states, name).ok(), Some(Some(states[0])));
        let refused = parse_choice("connection", Some("sleepy".into()), &states, name).err().map(|e| e.to_string());
        assert_eq!(refused.as_deref(), Some("connection: unknown value \"sleepy\"; use one of online"));
        assert_eq!(parse_flag("include_normal", Some("true")).ok(), Some(true));
        assert!(parse_flag("include_normal", Some("yes")).is_err_and(|e| e.to_string().contains("include_normal")));
    }
}
