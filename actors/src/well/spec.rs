//! What a well actor needs to know about its well: identity, device and poll settings.

use std::sync::Arc;
use std::time::Duration;

use crate::device::{Endpoint, Profile, ReadPlan};
use crate::domain::WellId;

/// How a well is polled. Validated by the service's configuration before any actor starts.
#[derive(Clone, Debug, PartialEq)]
pub struct PollSettings {
    pub period: Duration,
    /// Deadline of every connect and every read.
    pub timeout: Duration,
    /// Each poll fires up to this much after its slot, so slots never line up across wells.
    pub jitter: Duration,
    pub backoff_initial: Duration,
    pub backoff_cap: Duration,
    /// Samples kept in memory per well.
    pub history: usize,
}

impl Default for PollSettings {
    fn default() -> Self {
        Self {
            period: Duration::from_secs(1),
            timeout: Duration::from_millis(500),
            jitter: Duration::from_millis(20),
            backoff_initial: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(10),
            history: 32,
        }
    }
}

/// A well, ready to supervise.
#[derive(Clone, Debug)]
pub struct WellSpec {
    pub id: WellId,
    pub name: String,
    pub profile: Arc<Profile>,
    pub plan: Arc<ReadPlan>,
    pub endpoint: Endpoint,
    pub poll: PollSettings,
}

impl WellSpec {
    pub fn new(id: WellId, name: String, profile: Arc<Profile>, endpoint: Endpoint, poll: PollSettings) -> Self {
        let plan = Arc::new(ReadPlan::new(&profile));
        Self { id, name, profile, plan, endpoint, poll }
    }
}
