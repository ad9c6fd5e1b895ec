//! HTTP requests by method, route and status, and their durations by route: counted by a
//! middleware around every route, written at scrape time.
//!
//! The route is the matched template (`/api/v1/wells/{id}`), or `unmatched` when no route
//! matched, never the raw path; and a method outside the standard ones counts as `OTHER`. So
//! the number of series stays bounded however clients spell their requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use tokio::time::Instant;
use wellvisor_actors::fleet::LatencyHistogram;

use super::writer::MetricsWriter;
use super::MetricsRegistry;

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// What one route has seen.
#[derive(Default)]
struct RouteStats {
    /// Requests by method label and status code.
    requests: HashMap<(&'static str, u16), u64>,
    durations: LatencyHistogram,
}

/// The counts since start, shared by the middleware and the scrape. One short lock per request.
#[derive(Default)]
pub struct RequestCounts {
    routes: Mutex<HashMap<String, RouteStats>>,
}

impl RequestCounts {
    /// Counts one answered request.
    pub fn record(&self, method: &Method, route: &str, status: StatusCode, took: Duration) {
        let mut routes = self.routes.lock().unwrap_or_else(PoisonError::into_inner);
        if !routes.contains_key(route) {
            routes.insert(route.to_owned(), RouteStats::default());
        }
        let Some(stats) = routes.get_mut(route) else { return };
        *stats.requests.entry((method_label(method), status.as_u16())).or_default() += 1;
        stats.durations.observe(took);
    }

    /// Writes `wellvisor_http_requests_total` and `wellvisor_http_request_duration_seconds`,
    /// routes in name order so consecutive scrapes read alike.
    pub fn write(&self, metrics: &mut MetricsWriter) {
        let mut rows = Vec::new();
        let mut durations = Vec::new();
        {
            let routes = self.routes.lock().unwrap_or_else(PoisonError::into_inner);
            for (route, stats) in routes.iter() {
                let counts = stats.requests.iter().map(|((method, status), n)| (route.clone(), *method, *status, *n));
                rows.extend(counts);
                durations.push((route.clone(), stats.durations.clone()));
            }
        }
        rows.sort();
        durations.sort_by(|a, b| a.0.cmp(&b.0));
        for (route, method, status, count) in rows {
            let status = status.to_string();
            let labels = [("method", method), ("route", route.as_str()), ("status", status.as_str())];
            metrics.counter("wellvisor_http_requests_total", "HTTP requests answered.", &labels, count);
        }
        for (route, histogram) in &durations {
            let help = "Time from a request's arrival to its response headers, in seconds.";
            metrics.histogram("wellvisor_http_request_duration_seconds", help, &[("route", route.as_str())], histogram);
        }
    }
}

/// The middleware: hands the registry to the `/metrics` handler through the request's
/// extensions, then counts the answer. A streamed body (server-sent events) counts when its
/// headers go out; its duration is the time to them.
pub async fn count_requests(
    State(registry): State<Arc<MetricsRegistry>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    request.extensions_mut().insert(registry.clone());
    let response = next.run(request).await;
    let route = route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
    registry.requests.record(&method, route, response.status(), started.elapsed());
    response
}

/// The standard methods by name; anything else is one label, so a client cannot make series.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    KNOWN.iter().find(|known| *known == method).map_or("OTHER", |known| known.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_count_by_method_route_and_status_with_made_up_methods_pooled() {
        let counts = RequestCounts::default();
        let custom = Method::from_bytes(b"BREW").unwrap_or(Method::GET);
        counts.record(&Method::GET, "/api/v1/wells/{id}", StatusCode::OK, Duration::from_millis(2));
        counts.record(&Method::GET, "/api/v1/wells/{id}", StatusCode::OK, Duration::from_millis(2));
        counts.record(&Method::GET, "/api/v1/wells/{id}", StatusCode::NOT_FOUND, Duration::from_millis(1));
        counts.record(&custom, UNMATCHED, StatusCode::NOT_FOUND, Duration::from_millis(1));
        let mut metrics = MetricsWriter::new();
        counts.write(&mut metrics);
        let text = metrics.finish();
        let lines = [
            r#"wellvisor_http_requests_total{method="GET",route="/api/v1/wells/{id}",status="200"} 2"#,
            r#"wellvisor_http_requests_total{method="GET",route="/api/v1/wells/{id}",status="404"} 1"#,
            r#"wellvisor_http_requests_total{method="OTHER",route="unmatched",status="404"} 1"#,
            r#"wellvisor_http_request_duration_seconds_count{route="/api/v1/wells/{id}"} 3"#,
            r#"wellvisor_http_request_duration_seconds_count{route="unmatched"} 1"#,
        ];
        for line in lines {
            assert!(text.lines().any(|l| l == line), "{line} missing from {text}");
        }
    }
}
