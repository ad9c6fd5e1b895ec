//! Extractors that reject with [`ApiError`] instead of axum's plain-text rejections, so a
//! malformed body, query or path is always a JSON 4xx. Handlers take these, never the raw
//! `Json`, `Query` or `Path`.

use std::net::SocketAddr;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::Json;
use serde::de::DeserializeOwned;
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

/// The client's socket address, when the server was started with connect info (it is absent
/// in socket-free tests). Used to record who asked for an operator action.
pub struct ClientAddr(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let address = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(address)| *address);
        Ok(Self(address))
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(address) => write!(f, "{address}"),
            None => f.write_str("unknown"),
        }
    }
}

/// What went wrong underneath an axum rejection, without axum's capitalised preamble.
fn cause(rejection: &dyn std::error::Error) -> String {
    rejection.source().map_or_else(|| rejection.to_string(), ToString::to_string)
}
