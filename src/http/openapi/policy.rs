//! What the middleware and the shared extractors answer, added to each operation of the
//! document from the code that decides it: the access table says which routes are public and
//! which roles may call the others (401, 403), the rate limiter which routes it counts (429),
//! the body limit (413) and request timeout (503) stand before every handler, a JSON body is
//! read by `ApiJson` (400, 415, 422) and a path segment must decode to UTF-8 (400). A handler's
//! own description of a status wins. Also the two ways to authenticate: a bearer token from
//! `POST /api/v1/auth/login`, or an API key.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response, Type};
use utoipa::Modify;

use crate::auth::{Access, Role};
use crate::http::{access, rate_limit};

/// The [`Modify`] that applies the policy to the whole document.
pub struct Policy;

/// The shared error answers, filed under `components/responses` by these names.
const UNAUTHENTICATED: &str = "Unauthenticated";
const FORBIDDEN: &str = "Forbidden";
const RATE_LIMITED: &str = "RateLimited";
const PAYLOAD_TOO_LARGE: &str = "PayloadTooLarge";
const TIMEOUT: &str = "Timeout";
const BAD_REQUEST: &str = "BadRequest";
const UNSUPPORTED_MEDIA_TYPE: &str = "UnsupportedMediaType";
const UNPROCESSABLE: &str = "Unprocessable";

impl Modify for Policy {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", bearer());
        components.add_security_scheme("api_key", api_key());
        components.responses.extend(shared_responses().map(|(name, response)| (name.to_owned(), response.into())));
        for (path, item) in doc.paths.paths.iter_mut() {
            let methods = [
                ("GET", &mut item.get),
                ("POST", &mut item.post),
                ("PUT", &mut item.put),
                ("PATCH", &mut item.patch),
                ("DELETE", &mut item.delete),
            ];
            for (method, operation) in methods {
                if let Some(operation) = operation {
                    apply(path, method, operation);
                }
            }
        }
    }
}

/// The policy for one operation.
fn apply(path: &str, method: &str, operation: &mut Operation) {
    // A route the table lacks is guarded as `Read`, as the guard treats it.
    let access = access::ROUTES
        .iter()
        .find(|route| route.path == path && route.method == method)
        .map_or(Access::Read, |route| route.access);
    let responses = &mut operation.responses.responses;
    if access == Access::Public {
        // No requirement: the global bearer/API-key requirement does not apply here.
        operation.security = Some(Vec::new());
    } else {
        responses.entry("401".into()).or_insert_with(|| reference(UNAUTHENTICATED));
        responses.entry("403".into()).or_insert_with(|| reference(FORBIDDEN));
        let description = operation.description.get_or_insert_with(String::new);
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&format!("Roles: {}.", roles(access)));
    }
    let axum_method = axum::http::Method::from_bytes(method.as_bytes()).unwrap_or_default();
    if rate_limit::class_of(&axum_method, path).is_some() {
        responses.entry("429".into()).or_insert_with(|| reference(RATE_LIMITED));
    }
    let mut shared = vec![("413", PAYLOAD_TOO_LARGE), ("503", TIMEOUT)];
    if operation.request_body.is_some() {
        shared.extend([("400", BAD_REQUEST), ("415", UNSUPPORTED_MEDIA_TYPE), ("422", UNPROCESSABLE)]);
    }
    if path.contains('{') {
        shared.push(("400", BAD_REQUEST));
    }
    for (status, name) in shared {
        responses.entry(status.into()).or_insert_with(|| reference(name));
    }
}

/// The roles that may call a route asking for `access`, as the guard decides it.
fn roles(access: Access) -> String {
    let names: Vec<&str> = Role::ALL.into_iter().filter(|role| role.may(access)).map(Role::as_str).collect();
    names.join(", ")
}

fn reference(name: &str) -> RefOr<Response> {
    RefOr::Ref(Ref::from_response_name(name))
}

fn bearer() -> SecurityScheme {
    let description = "A token from `POST /api/v1/auth/login` (HS256, valid 30 minutes by default; log in \
        again to refresh), or an API key (`wvk_...`), sent as `Authorization: Bearer <credential>`.";
    SecurityScheme::Http(
        HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").description(Some(description)).build(),
    )
}

fn api_key() -> SecurityScheme {
    let description = "An API key of a service account (`wvk_<id>_<secret>`), made by an admin.";
    SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description("X-API-Key", description)))
}

/// The error answers routes share, each with the error object as its body.
fn shared_responses() -> [(&'static str, Response); 8] {
    let retry_after = HeaderBuilder::new()
        .schema(utoipa::openapi::ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)))
        .description(Some("seconds until a request is allowed again"))
        .build();
    let challenge = HeaderBuilder::new().description(Some("`Bearer`")).build();
    [
        (
            UNAUTHENTICATED,
            error(
                "no credentials, or credentials that prove nothing: unknown, malformed, expired, revoked or \
                a disabled user (`unauthenticated`)",
            )
            .header("WWW-Authenticate", challenge)
            .build(),
        ),
        (FORBIDDEN, error("the caller's role may not do this (`forbidden`)").build()),
        (
            RATE_LIMITED,
            error("too many requests from this client (`rate_limited`)").header("Retry-After", retry_after).build(),
        ),
        (PAYLOAD_TOO_LARGE, error("the body is larger than the configured limit (`payload_too_large`)").build()),
        (
            TIMEOUT,
            error(
                "the request ran past the server's time limit (`timeout`), or the service is shutting down \
                (`shutting_down`); worth retrying",
            )
            .build(),
        ),
        (
            BAD_REQUEST,
            error(
                "a path segment that is not UTF-8 once decoded (`bad_request`), or a body that is not JSON \
                (`malformed_json`)",
            )
            .build(),
        ),
        (UNSUPPORTED_MEDIA_TYPE, error("the body is not sent as application/json (`unsupported_media_type`)").build()),
        (UNPROCESSABLE, error("a body with an unknown or missing field or a wrong type (`unprocessable`)").build()),
    ]
}

fn error(description: &str) -> ResponseBuilder {
    let body = Content::new(Some(Ref::from_schema_name("ApiError")));
    ResponseBuilder::new().description(description).content("application/json", body)
}
