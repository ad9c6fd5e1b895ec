//! The one table of who may call what: every route of the API with the least access it asks
//! for and the name its requests carry in the audit trail. The guard reads it for each request;
//! tests walk it to check every route against every role. A route missing from the table is
//! treated as `Read`: authenticated, never public.

use axum::http::Method;

use crate::auth::Access;

/// One route: method and path template (as axum matches it), what it asks, what it is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteAccess {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    /// The audit trail's `action` for requests that change something.
    pub action: &'static str,
}

const fn route(method: &'static str, path: &'static str, access: Access, action: &'static str) -> RouteAccess {
    RouteAccess { method, path, access, action }
}

/// Every route, grouped by resource.
pub const ROUTES: &[RouteAccess] = &[
    // Probes, metrics, the API's documentation and the dashboard's files: for load balancers,
    // Prometheus, people reading the contract and browsers loading the page before anyone has
    // logged in. They reveal no well data.
    route("GET", "/health/live", Access::Public, "health"),
    route("GET", "/health/ready", Access::Public, "health"),
    route("GET", "/health/startup", Access::Public, "health"),
    route("GET", "/metrics", Access::Public, "metrics"),
    route("GET", "/api/v1/openapi.json", Access::Public, "openapi"),
    route("GET", "/api/docs", Access::Public, "docs"),
    route("GET", "/api/docs/{file}", Access::Public, "docs"),
    route("GET", "/", Access::Public, "dashboard"),
    route("GET", "/ui/{file}", Access::Public, "dashboard"),
    // Logging in is how a token is had; it is rate limited and audited by its handler.
    route("POST", "/api/v1/auth/login", Access::Public, "login"),
    route("GET", "/api/v1/auth/me", Access::Read, "whoami"),
    // The control room's picture.
    route("GET", "/api/v1/fleet", Access::Read, "read"),
    route("GET", "/api/v1/events", Access::Read, "read"),
    route("GET", "/api/v1/wells", Access::Read, "read"),
    route("GET", "/api/v1/wells/{id}", Access::Read, "read"),
    route("GET", "/api/v1/wells/{id}/telemetry", Access::Read, "read"),
    route("GET", "/api/v1/wells/{id}/diagnostics", Access::Read, "read"),
    route("GET", "/api/v1/wells/{id}/audit", Access::Read, "read"),
    route("GET", "/api/v1/wells/{id}/alarm-journal", Access::Read, "read"),
    route("GET", "/api/v1/alarms", Access::Read, "read"),
    route("GET", "/api/v1/alarms/kpis", Access::Read, "read"),
    route("GET", "/api/v1/alarms/{id}", Access::Read, "read"),
    // Push devices' telemetry.
    route("POST", "/api/v1/wells/{id}/telemetry", Access::Ingest, "ingest_telemetry"),
    // The night shift's actions.
    route("POST", "/api/v1/wells/{id}/restart", Access::Operate, "restart"),
    route("POST", "/api/v1/alarms/{id}/ack", Access::Operate, "ack"),
    route("POST", "/api/v1/alarms/{id}/reset", Access::Operate, "reset"),
    route("POST", "/api/v1/alarms/{id}/shelve", Access::Operate, "shelve"),
    route("POST", "/api/v1/alarms/{id}/unshelve", Access::Operate, "unshelve"),
    // Taking an alarm out of service hides it for a workover: engineering's call (ISA-18.2).
    route("POST", "/api/v1/alarms/{id}/out_of_service", Access::Engineer, "out_of_service"),
    route("POST", "/api/v1/alarms/{id}/return_to_service", Access::Engineer, "return_to_service"),
    // Changing the fleet.
    route("POST", "/api/v1/wells", Access::Engineer, "add_well"),
    route("DELETE", "/api/v1/wells/{id}", Access::Engineer, "remove_well"),
    // Who may do all this, and what they did.
    route("GET", "/api/v1/audit", Access::Admin, "read_audit"),
    route("GET", "/api/v1/users", Access::Admin, "read_users"),
    route("POST", "/api/v1/users", Access::Admin, "add_user"),
    route("PATCH", "/api/v1/users/{name}", Access::Admin, "update_user"),
    route("GET", "/api/v1/api-keys", Access::Admin, "read_api_keys"),
    route("POST", "/api/v1/api-keys", Access::Admin, "add_api_key"),
    route("DELETE", "/api/v1/api-keys/{id}", Access::Admin, "revoke_api_key"),
];

/// The table's entry for `method` on the matched route template.
pub fn lookup(method: &Method, path: &str) -> Option<&'static RouteAccess> {
    ROUTES.iter().find(|route| route.path == path && route.method == method.as_str())
}

/// Whether a request of this method changes something, and so is audited.
pub fn is_mutating(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The values of a template's `{…}` segments in a concrete path, joined by `/`: the audit's
/// target (`W-001`, `W-001:gas_lock`).
pub fn target(template: &str, path: &str) -> String {
    let values: Vec<&str> = template
        .split('/')
        .zip(path.split('/'))
        .filter(|(pattern, _)| pattern.starts_with('{'))
        .map(|(_, value)| value)
        .collect();
    values.join("/")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_route_appears_once() {
        let mut seen = HashSet::new();
        for route in ROUTES {
            assert!(seen.insert((route.method, route.path)), "{} {} listed twice", route.method, route.path);
        }
    }

    #[test]
    fn nothing_that_changes_state_is_public_except_login() {
        for route in ROUTES.iter().filter(|r| r.method != "GET") {
            assert!(route.access != Access::Public || route.path == "/api/v1/auth/login", "{route:?}");
        }
    }

    #[test]
    fn targets_are_the_path_parameters() {
        assert_eq!(target("/api/v1/wells/{id}/restart", "/api/v1/wells/W-001/restart"), "W-001");
        assert_eq!(target("/api/v1/alarms/{id}/ack", "/api/v1/alarms/W-001:gas_lock/ack"), "W-001:gas_lock");
        assert_eq!(target("/api/v1/wells", "/api/v1/wells"), "");
        assert_eq!(lookup(&Method::DELETE, "/api/v1/wells/{id}").map(|r| r.access), Some(Access::Engineer));
        assert_eq!(lookup(&Method::PUT, "/api/v1/wells/{id}"), None);
    }
}
