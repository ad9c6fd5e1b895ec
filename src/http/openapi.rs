//! The API's OpenAPI 3.1 document, generated from the code: each handler's `#[utoipa::path]`
//! (method, path, parameters, body, the answers it gives), the `ToSchema` derives beside the
//! types' `Serialize`, and [`policy`], which adds what the middleware answers on every route
//! (401 and 403 from the access table, 429 from the rate limiter, 413, the 503 of the timeout)
//! and the security schemes. `docs` serves it at `GET /api/v1/openapi.json`.
//!
//! A new route is documented by annotating its handler and listing it in [`ApiDoc`]'s `paths`;
//! the tests below refuse a route of the access table that the document lacks, and the
//! generated-request test (`tests/http_openapi_fuzz.rs`) refuses any answer it does not list.

mod policy;

use std::sync::OnceLock;

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use policy::Policy;

use super::error::ErrorBody;
use super::health::ReadyChecks;
use super::telemetry::{RollupPage, TelemetryPage};
use super::{
    alarm_actions, alarms, audit, auth_routes, dashboard, diagnostics, docs, events, fleet, health, ingest, journal,
    metrics, operations, telemetry, wells,
};

/// The document's root: every documented route, and the schemas no route names directly.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "wellvisor",
        description = "Supervision of ESP-lifted oil wells over Modbus TCP: the fleet, wells and \
            their telemetry and diagnoses, alarms and the operator's actions on them, and the audit \
            trail. Every error is `{\"error\": {\"code\", \"message\"}}` (the `ApiError` schema); \
            branch on `code`."
    ),
    paths(
        health::live, health::ready, health::startup, metrics::metrics,
        docs::openapi_json, docs::swagger_ui, docs::asset, dashboard::index, dashboard::asset,
        fleet::fleet_overview, events::event_stream,
        wells::list_wells, operations::add_well, wells::well_detail, operations::remove_well,
        operations::restart_well, telemetry::well_telemetry, ingest::ingest_telemetry, diagnostics::well_diagnostics,
        audit::well_audit_trail, journal::well_alarm_journal,
        alarms::list_alarms, alarms::alarm_kpis, alarms::alarm,
        alarm_actions::acknowledge, alarm_actions::reset, alarm_actions::shelve, alarm_actions::unshelve,
        alarm_actions::remove_from_service, alarm_actions::return_to_service,
        audit::audit_trail,
        auth_routes::login, auth_routes::me, auth_routes::list_users, auth_routes::add_user, auth_routes::update_user,
        auth_routes::list_api_keys, auth_routes::add_api_key, auth_routes::revoke_api_key,
    ),
    components(schemas(ErrorBody)),
    modifiers(&Policy),
    security(("bearer" = []), ("api_key" = [])),
    tags(
        (name = "probes", description = "Liveness, readiness and startup for orchestrators, metrics for Prometheus; public"),
        (name = "docs", description = "This document and Swagger UI; public"),
        (name = "dashboard", description = "The control room's web page and its files; public"),
        (name = "fleet", description = "The control room's overview"),
        (name = "wells", description = "Wells, their telemetry and diagnostic history, and the operator's actions on them"),
        (name = "alarms", description = "The alarm list (ISA-18.2), its KPIs and the operator's actions"),
        (name = "audit", description = "Who did what, when, and with what result"),
        (name = "auth", description = "Logging in; users and API keys (admins)"),
    )
)]
pub struct ApiDoc;

/// The document, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(ApiDoc::openapi)
}

/// The document as JSON, rendered once.
pub fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        // Rendering plain maps and strings cannot fail; an empty object would show the bug.
        serde_json::to_string(document()).unwrap_or_else(|_| "{}".to_owned())
    })
}

/// What a probe answers: `status` always, readiness's `checks`, and an `error` when it fails.
/// (The probes write this shape with `json!`; the HTTP tests check their answers against it.)
#[derive(Serialize, ToSchema)]
pub struct ProbeAnswer {
    /// `live`, `ready` or `not_ready`, `started` or `starting`.
    #[schema(examples("ready"))]
    status: String,
    /// Readiness only: what it looked at.
    #[serde(skip_serializing_if = "Option::is_none")]
    checks: Option<ReadyChecks>,
    /// When the probe fails: `not_ready` or `starting`, and what is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ProbeError>,
}

/// Why a probe fails.
#[derive(Serialize, ToSchema)]
pub struct ProbeError {
    code: String,
    message: String,
}

/// A telemetry answer: raw samples, or roll-up points, as `resolution` says.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum TelemetryAnswer {
    Raw(TelemetryPage),
    Rollup(RollupPage),
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;
    use crate::http::access::ROUTES;
    use crate::http::range::{DEFAULT_LIMIT, MAX_LIMIT};

    fn json() -> Value {
        serde_json::from_str(document_json()).unwrap_or_else(|e| panic!("the document is not JSON: {e}"))
    }

    fn operations(doc: &Value) -> BTreeSet<(String, String)> {
        let mut operations = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
        operations
    }

    #[test]
    fn the_document_is_openapi_3_json() {
        let doc = json();
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
        assert_eq!(doc["info"]["title"], "wellvisor");
        assert!(doc["components"]["schemas"]["ApiError"]["properties"]["error"].is_object());
        assert!(operations(&doc).len() >= 20);
    }

    #[test]
    fn documented_routes_and_the_access_table_agree() {
        let documented = operations(&json());
        let table: BTreeSet<(String, String)> =
            ROUTES.iter().map(|route| (route.method.to_owned(), route.path.to_owned())).collect();
        let undocumented: Vec<_> = table.difference(&documented).collect();
        assert!(undocumented.is_empty(), "routes without a #[utoipa::path] listed in ApiDoc: {undocumented:?}");
        let unknown: Vec<_> = documented.difference(&table).collect();
        assert!(unknown.is_empty(), "documented routes missing from the access table: {unknown:?}");
    }

    #[test]
    fn every_operation_answers_errors_with_the_error_object() {
        let doc = json();
        for (method, path) in operations(&doc) {
            let responses = doc["paths"][&path][method.to_lowercase()]["responses"].as_object().expect("responses");
            assert!(responses.contains_key("503") && responses.contains_key("413"), "{method} {path}");
            for (status, response) in responses.iter().filter(|(status, _)| status.starts_with(['4', '5'])) {
                let response = resolve(&doc, response);
                let schema = response["content"]["application/json"]["schema"]["$ref"].as_str().unwrap_or_default();
                // A failing probe answers its checks beside the error.
                let probe = path.starts_with("/health/") && schema.ends_with("/ProbeAnswer");
                assert!(probe || schema == "#/components/schemas/ApiError", "{method} {path} {status}: {schema}");
            }
        }
    }

    #[test]
    fn history_limits_are_the_ones_the_range_enforces() {
        let doc = json();
        let parameters = doc["paths"]["/api/v1/wells/{id}/telemetry"]["get"]["parameters"].as_array().expect("params");
        let limit = parameters.iter().find(|p| p["name"] == "limit").expect("limit");
        assert_eq!(limit["schema"]["maximum"].as_u64(), Some(MAX_LIMIT as u64));
        assert_eq!(limit["schema"]["default"].as_u64(), Some(DEFAULT_LIMIT as u64));
    }

    fn resolve<'a>(doc: &'a Value, response: &'a Value) -> &'a Value {
        match response["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/responses/")) {
            Some(name) => &doc["components"]["responses"][name],
            None => response,
        }
    }
}
