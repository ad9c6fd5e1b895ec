//! The API's documentation, served by the service itself: the OpenAPI document at
//! `GET /api/v1/openapi.json` and Swagger UI at `GET /api/docs`.
//!
//! Swagger UI is vendored in `assets/swagger-ui/` (its version and checksums are in `VERSION`)
//! and compiled into the binary, so nothing is fetched at build or run time and the page works
//! on an isolated control network. The page is ours: it loads the stylesheet, the bundle and a
//! small initializer from `/api/docs/{file}`, with no inline script or style, so it runs under
//! a `default-src 'self'` Content-Security-Policy. All of it is public, like the probes.

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, ErrorBody};
use super::openapi;

/// The page at `/api/docs`.
const INDEX_HTML: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>wellvisor API</title>
  <link rel="icon" href="/ui/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>
"#;

/// Starts Swagger UI on the document; a file of its own because the CSP allows no inline script.
const INIT_JS: &str = r##"window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
"##;

const SWAGGER_UI_CSS: &[u8] = include_bytes!("../../assets/swagger-ui/swagger-ui.css");
const SWAGGER_UI_BUNDLE: &[u8] = include_bytes!("../../assets/swagger-ui/swagger-ui-bundle.js");
const SWAGGER_UI_LICENSE: &[u8] = include_bytes!("../../assets/swagger-ui/LICENSE");

/// Swagger UI's assets change only with the binary: let browsers keep them for an hour.
const ASSET_CACHE: &str = "public, max-age=3600";

/// The files `/api/docs/{file}` serves, with their content types.
const FILES: [(&str, &str, &[u8]); 4] = [
    ("swagger-ui.css", "text/css; charset=utf-8", SWAGGER_UI_CSS),
    ("swagger-ui-bundle.js", "text/javascript; charset=utf-8", SWAGGER_UI_BUNDLE),
    ("init.js", "text/javascript; charset=utf-8", INIT_JS.as_bytes()),
    ("LICENSE", "text/plain; charset=utf-8", SWAGGER_UI_LICENSE),
];

/// `GET /api/v1/openapi.json`.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "docs",
    responses((status = 200, description = "this document (OpenAPI 3.1)", content_type = "application/json", body = Object)))]
pub async fn openapi_json() -> Response {
    let json = HeaderValue::from_static("application/json");
    ([(header::CONTENT_TYPE, json)], openapi::document_json()).into_response()
}

/// `GET /api/docs`: Swagger UI on this document.
#[utoipa::path(get, path = "/api/docs", tag = "docs",
    responses((status = 200, description = "the Swagger UI page", content_type = "text/html", body = String)))]
pub async fn swagger_ui() -> Response {
    let html = HeaderValue::from_static("text/html; charset=utf-8");
    ([(header::CONTENT_TYPE, html)], INDEX_HTML).into_response()
}

/// `GET /api/docs/{file}`: the page's stylesheet, script bundle and initializer, and Swagger
/// UI's licence.
#[utoipa::path(get, path = "/api/docs/{file}", tag = "docs",
    params(("file" = String, Path, description = "one of the page's files",
        pattern = "^(swagger-ui\\.css|swagger-ui-bundle\\.js|init\\.js|LICENSE)$")),
    responses(
        (status = 200, description = "the file", content(
            (String = "text/css"), (String = "text/javascript"), (String = "text/plain"))),
        (status = 400, description = "a name that is not UTF-8 once decoded (`bad_request`)", body = ErrorBody),
        (status = 404, description = "no such file (`not_found`)", body = ErrorBody),
    ))]
pub async fn asset(file: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let Path(file) = file.map_err(|rejection| ApiError::BadRequest(rejection.body_text().to_lowercase()))?;
    let Some((_, content_type, bytes)) = FILES.iter().find(|(name, _, _)| *name == file) else {
        return Err(ApiError::NoRoute(format!("/api/docs/{file}")));
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static(ASSET_CACHE)),
    ];
    Ok((headers, *bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_our_own_files_and_runs_no_inline_script() {
        for file in ["/api/docs/swagger-ui.css", "/api/docs/swagger-ui-bundle.js", "/api/docs/init.js"] {
            assert!(INDEX_HTML.contains(file), "{file}");
            let name = file.trim_start_matches("/api/docs/");
            assert!(FILES.iter().any(|(served, _, _)| *served == name), "{name} is not served");
        }
        assert_eq!(INDEX_HTML.matches("<script").count(), INDEX_HTML.matches("<script src=").count());
        assert!(!INDEX_HTML.contains("style=") && !INDEX_HTML.contains("<style") && !INDEX_HTML.contains("http"));
        assert!(INIT_JS.contains("\"/api/v1/openapi.json\""));
    }

    #[test]
    fn the_vendored_swagger_ui_is_whole() {
        assert!(SWAGGER_UI_BUNDLE.len() > 500_000 && SWAGGER_UI_CSS.len() > 50_000);
        assert!(SWAGGER_UI_BUNDLE.windows(15).any(|window| window == b"SwaggerUIBundle"));
        assert!(SWAGGER_UI_LICENSE.windows(14).any(|window| window == b"Apache License"));
    }
}
