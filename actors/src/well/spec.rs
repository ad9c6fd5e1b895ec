//! What a well actor needs to know about its well: identity, device, poll settings and the
//! static data diagnoses judge against.

use std::sync::Arc;
use std::time::Duration;

use crate::device::{Endpoint, Profile, ReadPlan};
use crate::diagnostics::{Baseline, DiagnosisRecord, Thresholds};
use crate::domain::{WellData, WellId};

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
    /// Nameplate, fluid and sizing figures and the feeder (esp-domain §1.1), validated. Shared,
    /// like the profile, so a spec stays small enough to travel in a message.
    pub well_data: Arc<WellData>,
    /// The diagnostic rules' limits for this well: the defaults, unless the service's
    /// configuration resolves its own (see [`WellSpec::with_thresholds`]).
    pub thresholds: Arc<Thresholds>,
    /// What the historian kept of the well's diagnostics, for its first start after a restart of
    /// the process; later actor restarts find everything in the fleet view.
    pub saved: Option<Arc<SavedDiagnostics>>,
}

/// A well's diagnostics as the historian kept them: its baseline and its recent history (whose
/// raised entries without a later clear are its current diagnoses).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SavedDiagnostics {
    pub baseline: Option<Baseline>,
    /// Oldest first.
    pub history: Vec<DiagnosisRecord>,
}

impl WellSpec {
    /// A well with its profile's default static data and the default limits; see
    /// [`WellSpec::with_well_data`] and [`WellSpec::with_thresholds`].
    pub fn new(id: WellId, name: String, profile: Arc<Profile>, endpoint: Endpoint, poll: PollSettings) -> Self {
        let plan = Arc::new(ReadPlan::new(&profile));
        let well_data = Arc::new(profile.well_data.clone());
        Self { id, name, profile, plan, endpoint, poll, well_data, thresholds: Arc::default(), saved: None }
    }

    /// The same well with its own static data, already validated by the caller.
    pub fn with_well_data(self, well_data: WellData) -> Self {
        Self { well_data: Arc::new(well_data), ..self }
    }

    /// The same well with its own diagnostic limits, already validated by the caller.
    pub fn with_thresholds(self, thresholds: Thresholds) -> Self {
        Self { thresholds: Arc::new(thresholds), ..self }
    }
}
