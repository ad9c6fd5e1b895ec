//! The pieces of the middleware stack that are ours: the tracing span every request runs in,
//! the net that turns any error a tower layer answers with (a 413 from the body limit, a 503
//! from the timeout) into the JSON error object, and the 404 and 405 fallbacks.

use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderValue, Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::trace::MakeSpan;
use tracing::Span;

use super::error::ApiError;

/// The header that carries a request's id, set when the client sent none.
pub const REQUEST_ID: &str = "x-request-id";

/// Opens the span each request is traced in: its id, method, matched route and path.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &axum::http::Request<B>) -> Span {
        let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
        let request_id = request.headers().get(REQUEST_ID).and_then(|id| id.to_str().ok()).unwrap_or("-");
        tracing::info_span!(
            "http_request",
            request_id,
            method = %request.method(),
            route,
            path = request.uri().path(),
        )
    }
}

/// Replaces an error response that is not already our JSON (a tower layer's empty 503 or
/// plain-text 413) with the JSON error object, keeping an `Allow` header.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut replacement = ApiError::from_status(status, &method, &path).into_response();
    if let Some(allow) = allow {
        replacement.headers_mut().insert(header::ALLOW, allow);
    }
    replacement
}

fn is_json(response: &Response) -> bool {
    let json = HeaderValue::from_static("application/json");
    response.headers().get(header::CONTENT_TYPE) == Some(&json)
}

/// Any path no route matches.
pub async fn no_route(uri: Uri) -> ApiError {
    ApiError::NoRoute(uri.path().to_owned())
}

/// A known path asked with a method it does not serve.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed { method: method.to_string(), path: uri.path().to_owned() }
}
