//! Swagger UI at `/api/docs`: our page, the vendored files it loads, no credentials needed,
//! nothing else served from there.

#[path = "support/http_harness.rs"]
mod harness;

use axum::body::{to_bytes, Body};
use axum::http::{header, Method, StatusCode};
use harness::{request, TestApp};
use tower::ServiceExt;

#[test]
fn swagger_ui_is_served_from_our_own_files_without_credentials() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let app = runtime.block_on(TestApp::start());
    let fetch = |uri: &str| {
        let request = request(Method::GET, uri, Body::empty());
        runtime.block_on(async {
            let response = app.router.clone().oneshot(request).await.unwrap_or_else(|never| match never {});
            let (parts, body) = response.into_parts();
            let kind = parts.headers.get(header::CONTENT_TYPE).and_then(|t| t.to_str().ok()).unwrap_or("").to_owned();
            (parts.status, kind, to_bytes(body, 8 * 1024 * 1024).await.unwrap_or_default())
        })
    };
    let (status, kind, page) = fetch("/api/docs");
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "text/html; charset=utf-8"));
    let page = String::from_utf8_lossy(&page).into_owned();
    for (file, expected) in
        [("swagger-ui.css", "text/css"), ("swagger-ui-bundle.js", "text/javascript"), ("init.js", "text/javascript")]
    {
        assert!(page.contains(&format!("\"/api/docs/{file}\"")), "the page does not load {file}");
        let (status, kind, bytes) = fetch(&format!("/api/docs/{file}"));
        assert_eq!(status, StatusCode::OK, "{file}");
        assert!(kind.starts_with(expected) && !bytes.is_empty(), "{file}: {kind}");
    }
    let (_, _, init) = fetch("/api/docs/init.js");
    assert!(String::from_utf8_lossy(&init).contains("/api/v1/openapi.json"));
    for outside in ["/api/docs/..%2FCargo.toml", "/api/docs/swagger-ui.js.map", "/api/docs/index.html"] {
        assert_eq!(fetch(outside).0, StatusCode::NOT_FOUND, "{outside}");
    }
}
