//! Who was let in and who was not, and who follows the event stream: the guard's and the
//! login's counters, and the live-event subscribers.

use std::sync::atomic::Ordering;

use wellvisor_actors::fleet::SubscriberStats;

use super::writer::MetricsWriter;
use crate::auth::AuthCounters;

/// Writes the authentication and event-stream families.
pub fn write(metrics: &mut MetricsWriter, auth: &AuthCounters, events: &SubscriberStats) {
    let read = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed);
    let logins = "Logins, by result.";
    metrics.counter("wellvisor_logins_total", logins, &[("result", "ok")], read(&auth.logins));
    metrics.counter("wellvisor_logins_total", logins, &[("result", "failed")], read(&auth.login_failures));
    let refused = "Requests refused by the guard: 401 without valid credentials, 403 for a role that may not.";
    metrics.counter("wellvisor_auth_refused_total", refused, &[("status", "401")], read(&auth.unauthenticated));
    metrics.counter("wellvisor_auth_refused_total", refused, &[("status", "403")], read(&auth.forbidden));
    let limited = "Requests answered 429 by a rate limit.";
    metrics.counter("wellvisor_rate_limited_total", limited, &[], read(&auth.rate_limited));
    let connected = "Clients following GET /api/v1/events now.";
    metrics.gauge("wellvisor_sse_subscribers", connected, &[], events.connected() as f64);
    let dropped = "Event-stream clients dropped for falling behind (they never slow the fleet).";
    metrics.counter("wellvisor_sse_dropped_total", dropped, &[], events.dropped_total());
    metrics.counter(
        "wellvisor_sse_events_sent_total",
        "Events handed to event-stream clients.",
        &[],
        events.sent_total(),
    );
    let refused = "Event-stream clients refused over the subscriber cap.";
    metrics.counter("wellvisor_sse_refused_total", refused, &[], events.refused_total());
}
