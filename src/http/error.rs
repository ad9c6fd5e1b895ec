//! The API's one error type. Every failure a handler, extractor or middleware produces becomes
//! `{"error": {"code": "...", "message": "..."}}` with the status that tells the client what to
//! do: fix the request (4xx) or retry later (503). Bad input is never a 500.

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use wellvisor_actors::diagnostics::{AlarmError, AlarmId, BookError};
use wellvisor_actors::domain::{InvalidWellId, UnknownParameter, WellId};
use wellvisor_actors::store::StoreError;
use wellvisor_actors::supervisor::SupervisorError;

use crate::config::WellDefinitionError;

/// The code of the error an answer carries, for middleware that reports on answers (the audit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorCode(pub &'static str);

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidWellId(#[from] InvalidWellId),
    #[error("{0}")]
    UnknownParameter(#[from] UnknownParameter),
    /// A query string, path segment or value that cannot be read.
    #[error("{0}")]
    BadRequest(String),
    /// A JSON body that is not JSON.
    #[error("{0}")]
    MalformedJson(String),
    #[error("unknown well {0}")]
    UnknownWell(WellId),
    #[error("unknown alarm {0}")]
    UnknownAlarm(AlarmId),
    /// An operator action the alarm's state does not allow now (acking an acknowledged alarm).
    #[error("{0}")]
    ActionRefused(AlarmError),
    #[error("no route for {0}")]
    NoRoute(String),
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    #[error("well {0} already exists")]
    DuplicateWell(WellId),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Well-formed input whose content is wrong: an unknown field, a wrong type, a value out of range.
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    InvalidDefinition(#[from] WellDefinitionError),
    /// A part of the service did not answer in time or is down; worth retrying.
    #[error("{0}")]
    Unavailable(String),
    #[error("the request took longer than the server allows")]
    Timeout,
    #[error("the service is shutting down")]
    ShuttingDown,
    /// No credentials, or credentials that prove nothing (bad, expired, revoked, disabled).
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but the role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Too many requests from this client; `retry_after` seconds until the next is allowed.
    #[error("too many requests: retry in {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("unknown user {0}")]
    UnknownUser(String),
    #[error("unknown API key {0}")]
    UnknownApiKey(String),
    /// The request clashes with what exists (a user name taken).
    #[error("{0}")]
    Conflict(String),
    /// A bug: never the client's input.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidWellId(_) | Self::UnknownParameter(_) | Self::BadRequest(_) | Self::MalformedJson(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::UnknownWell(_) | Self::UnknownAlarm(_) | Self::NoRoute(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::DuplicateWell(_) | Self::ActionRefused(_) | Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::UnknownUser(_) | Self::UnknownApiKey(_) => StatusCode::NOT_FOUND,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) | Self::InvalidDefinition(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) | Self::Timeout | Self::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable, machine-readable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidWellId(_) => "invalid_well_id",
            Self::UnknownParameter(_) => "unknown_parameter",
            Self::BadRequest(_) => "bad_request",
            Self::MalformedJson(_) => "malformed_json",
            Self::UnknownWell(_) => "unknown_well",
            Self::UnknownAlarm(_) => "unknown_alarm",
            Self::ActionRefused(_) => "action_refused",
            Self::NoRoute(_) => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::DuplicateWell(_) => "duplicate_well",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Unprocessable(_) => "unprocessable",
            Self::InvalidDefinition(_) => "invalid_definition",
            Self::Unavailable(_) => "unavailable",
            Self::Timeout => "timeout",
            Self::ShuttingDown => "shutting_down",
            Self::Unauthenticated(_) => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::RateLimited { .. } => "rate_limited",
            Self::UnknownUser(_) => "unknown_user",
            Self::UnknownApiKey(_) => "unknown_api_key",
            Self::Conflict(_) => "conflict",
            Self::Internal(_) => "internal",
        }
    }

    /// The error a bare status stands for, when something other than a handler (a tower
    /// layer, the router) answered `method path` with an empty or plain-text error.
    pub fn from_status(status: StatusCode, method: &Method, path: &str) -> Self {
        let reason = status.canonical_reason().unwrap_or("error").to_lowercase();
        match status {
            StatusCode::NOT_FOUND => Self::NoRoute(path.to_owned()),
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed { method: method.to_string(), path: path.into() },
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge("the request body is larger than allowed".into()),
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => Self::Timeout,
            StatusCode::UNAUTHORIZED => Self::Unauthenticated("authentication required".into()),
            StatusCode::FORBIDDEN => Self::Forbidden(format!("{method} {path} is not allowed")),
            status if status.is_client_error() => Self::BadRequest(reason),
            _ => Self::Internal(reason),
        }
    }

    /// Translates an axum extractor rejection (its status and text) into our vocabulary.
    pub fn from_rejection(status: StatusCode, text: String) -> Self {
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge("the request body is larger than allowed".into()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType(text),
            StatusCode::UNPROCESSABLE_ENTITY => Self::Unprocessable(text),
            status if status.is_client_error() => Self::BadRequest(text),
            _ => Self::Internal(text),
        }
    }
}

impl From<SupervisorError> for ApiError {
    fn from(error: SupervisorError) -> Self {
        match error {
            SupervisorError::Duplicate(id) => Self::DuplicateWell(id),
            SupervisorError::UnknownWell(id) => Self::UnknownWell(id),
            SupervisorError::ShuttingDown => Self::ShuttingDown,
        }
    }
}

impl From<BookError> for ApiError {
    /// A refusal about the request's content names the field (422); one about the alarm's
    /// state is a conflict (409).
    fn from(error: BookError) -> Self {
        match error {
            BookError::UnknownAlarm(id) => Self::UnknownAlarm(id),
            BookError::Refused(error @ AlarmError::MissingReason) => Self::Unprocessable(format!("reason: {error}")),
            BookError::Refused(error @ AlarmError::InvalidShelfDuration) => {
                Self::Unprocessable(format!("duration: {error}"))
            }
            BookError::Refused(error) => Self::ActionRefused(error),
            // The handlers always name an actor, at worst "unknown": a bug if it happens.
            BookError::MissingActor => Self::Internal(error.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => Self::Unavailable(error.to_string()),
            StoreError::Rejected(_) => Self::Unprocessable(error.to_string()),
        }
    }
}

/// The JSON of every error answer; the OpenAPI document files it as `ApiError`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ApiError)]
pub(crate) struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail<'a> {
    /// Stable and machine-readable (`unknown_well`, `unprocessable`, `unauthenticated`...): branch on it.
    #[schema(examples("unknown_well"))]
    code: &'a str,
    /// For people: what was wrong and, where it helps, what to send instead.
    #[schema(examples("unknown well W-404"))]
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), error = %self, "request failed");
        }
        let body = ErrorBody { error: ErrorDetail { code: self.code(), message: self.to_string() } };
        let mut response = (status, Json(body)).into_response();
        response.extensions_mut().insert(ErrorCode(self.code()));
        match self {
            Self::Unauthenticated(_) => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::RateLimited { retry_after } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_mistakes_are_4xx_and_outages_are_503() {
        let id = || WellId::new("W-1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ApiError::UnknownWell(id()).status(), StatusCode::NOT_FOUND);
        assert_eq!(ApiError::from(SupervisorError::Duplicate(id())).status(), StatusCode::CONFLICT);
        assert_eq!(ApiError::from(SupervisorError::ShuttingDown).status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ApiError::from(StoreError::Unavailable("down".into())).status(), StatusCode::SERVICE_UNAVAILABLE);
        let refused = ApiError::from(BookError::Refused(AlarmError::NotShelved));
        assert_eq!((refused.status(), refused.code()), (StatusCode::CONFLICT, "action_refused"));
        let no_reason = ApiError::from(BookError::Refused(AlarmError::MissingReason));
        assert_eq!(
            (no_reason.status(), no_reason.to_string()),
            (StatusCode::UNPROCESSABLE_ENTITY, "reason: a reason is required".into())
        );
        assert_eq!(
            ApiError::from_status(StatusCode::REQUEST_TIMEOUT, &Method::GET, "/").status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn rejections_keep_their_meaning() {
        let too_large = ApiError::from_rejection(StatusCode::PAYLOAD_TOO_LARGE, "Failed to buffer".into());
        assert_eq!(too_large.code(), "payload_too_large");
        let data = ApiError::from_rejection(StatusCode::UNPROCESSABLE_ENTITY, "host: missing".into());
        assert_eq!((data.status(), data.to_string()), (StatusCode::UNPROCESSABLE_ENTITY, "host: missing".into()));
    }
}
