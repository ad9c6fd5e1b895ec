//! What every handler can reach: the fleet view, the actors to ask, the store, the well factory
//! and the probe flags. Built once by `app` and cloned into each request by axum.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ractor::ActorRef;
use wellvisor_actors::diagnostics::book::AlarmBook;
use wellvisor_actors::fleet::{FleetMsg, FleetView};
use wellvisor_actors::recorder::{RecorderIntake, RecorderMsg};
use wellvisor_actors::store::Store;
use wellvisor_actors::supervisor::SupervisorMsg;

use super::guard::Security;
use crate::config::{HttpConfig, WellFactory};

/// The handlers' view of the running service. Cheap to clone: every field is shared.
#[derive(Clone)]
pub struct AppState {
    /// The live picture every read is served from; reading it never waits on an actor.
    pub fleet: FleetView,
    pub fleet_actor: ActorRef<FleetMsg>,
    pub supervisor: ActorRef<SupervisorMsg>,
    pub recorder: ActorRef<RecorderMsg>,
    pub store: Arc<dyn Store>,
    /// Turns `POST /api/v1/wells` bodies into well specs against the loaded profiles.
    pub wells: Arc<WellFactory>,
    pub health: Arc<Health>,
    /// Every alarm point of the fleet: listed, acknowledged and shelved here.
    pub alarms: AlarmBook,
    /// Where operator actions go to the historian (audit, alarm journal and states).
    pub records: RecorderIntake,
    /// Authentication, authorization, rate limits and the hardening settings.
    pub security: Arc<Security>,
    /// How long a handler waits for an actor's answer before it answers 503. An operator restart
    /// waits for the old well actor to stop, so keep this above the supervisor's `stop_timeout`.
    pub call_timeout: Duration,
}

/// The flags behind the probes. The app sets them as the service starts and stops; the
/// handlers only read them.
#[derive(Debug, Default)]
pub struct Health {
    startup_complete: AtomicBool,
    tree_up: AtomicBool,
    shutting_down: AtomicBool,
}

impl Health {
    /// All flags down: not started, no tree, not shutting down.
    pub fn new() -> Self {
        Self::default()
    }

    /// The initial fleet has been spawned; `/health/startup` answers 200 from now on.
    pub fn mark_startup_complete(&self) {
        self.startup_complete.store(true, Ordering::Release);
    }

    /// Whether the supervision tree (recorder, fleet, supervisor) is running.
    pub fn set_tree_up(&self, up: bool) {
        self.tree_up.store(up, Ordering::Release);
    }

    /// Shutdown has begun; readiness fails so load balancers stop sending traffic.
    pub fn mark_shutting_down(&self) {
        self.shutting_down.store(true, Ordering::Release);
    }

    pub fn startup_complete(&self) -> bool {
        self.startup_complete.load(Ordering::Acquire)
    }

    pub fn tree_up(&self) -> bool {
        self.tree_up.load(Ordering::Acquire)
    }

    pub fn shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }
}

/// Limits every request is held to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// Largest request body accepted, in bytes; larger is a 413.
    pub body_limit: usize,
    /// Requests taking longer are answered 503.
    pub request_timeout: Duration,
}

impl Default for HttpLimits {
    /// The configuration defaults: 64 KiB bodies, 10 s per request.
    fn default() -> Self {
        Self::from(&HttpConfig::default())
    }
}

impl From<&HttpConfig> for HttpLimits {
    fn from(config: &HttpConfig) -> Self {
        Self { body_limit: config.body_limit, request_timeout: config.request_timeout }
    }
}
