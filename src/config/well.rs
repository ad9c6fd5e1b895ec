//! Well definitions, as the configuration file and `POST /api/v1/wells` give them, and the
//! factory that turns one into a [`WellSpec`] the supervisor can start.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wellvisor_actors::device::{Endpoint, Profile};
use wellvisor_actors::diagnostics::thresholds::{ThresholdError, ThresholdOverrides};
use wellvisor_actors::diagnostics::Thresholds;
use wellvisor_actors::domain::{InvalidWellData, WellDataOverrides, WellId};
use wellvisor_actors::well::{PollSettings, WellSpec};

use super::duration;

/// One well: who it is and where its device answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WellDefinition {
    /// Unique id, e.g. `W-001`.
    #[schema(examples("W-100"))]
    pub id: WellId,
    /// Display name; defaults to the id.
    #[serde(default)]
    pub name: String,
    /// The device profile's name (a file in the profiles directory, without `.toml`).
    #[schema(examples("esp-default"))]
    pub profile: String,
    /// Host name or IP address of the device or gateway.
    #[schema(examples("10.0.0.5"))]
    pub host: String,
    /// Modbus TCP port.
    #[schema(maximum = 65535, examples(502))]
    pub port: u16,
    /// Unit id; defaults to the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<u8>,
    /// Per-well changes to the `[polling]` defaults.
    #[serde(default, skip_serializing_if = "PollOverrides::is_empty")]
    pub poll: PollOverrides,
    /// Per-well static data (esp-domain §1.1), over the profile's `[well_data]` defaults; a
    /// well from a `[[well_group]]` carries the group's.
    #[serde(default, skip_serializing_if = "WellDataOverrides::is_empty")]
    pub well_data: WellDataOverrides,
    /// Per-well limits of the diagnostic rules, any subset of the keys of [`Thresholds`], over
    /// the profile's `[thresholds]`; a well from a `[[well_group]]` carries the group's.
    #[serde(default, skip_serializing_if = "ThresholdOverrides::is_empty")]
    pub thresholds: ThresholdOverrides,
}

/// Per-well poll settings; anything unset takes the `[polling]` default. Durations are written
/// as in the configuration file: `500ms`, `5s`, `2m`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PollOverrides {
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, examples("5s"))]
    pub period: Option<Duration>,
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, examples("5s"))]
    pub timeout: Option<Duration>,
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, examples("5s"))]
    pub jitter: Option<Duration>,
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, examples("5s"))]
    pub backoff_initial: Option<Duration>,
    #[serde(default, with = "duration::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, examples("5s"))]
    pub backoff_cap: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<usize>,
}

impl PollOverrides {
    fn is_empty(&self) -> bool {
        *self == PollOverrides::default()
    }

    fn apply(&self, defaults: &PollSettings) -> PollSettings {
        PollSettings {
            period: self.period.unwrap_or(defaults.period),
            timeout: self.timeout.unwrap_or(defaults.timeout),
            jitter: self.jitter.unwrap_or(defaults.jitter),
            backoff_initial: self.backoff_initial.unwrap_or(defaults.backoff_initial),
            backoff_cap: self.backoff_cap.unwrap_or(defaults.backoff_cap),
            history: self.history.unwrap_or(defaults.history),
        }
    }
}

/// A well definition that cannot be started, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("well {well}: {field}: {problem}")]
pub struct WellDefinitionError {
    pub well: String,
    /// The key at fault, e.g. `port` or `thresholds.cv_ratio`.
    pub field: String,
    pub problem: String,
}

/// Checks poll settings; shared by the `[polling]` defaults and per-well overrides.
pub fn check_poll(poll: &PollSettings) -> Result<(), (&'static str, String)> {
    let ms = |d: Duration| d.as_millis();
    if poll.period < Duration::from_millis(10) {
        return Err(("poll.period", format!("{}ms is below the 10ms minimum", ms(poll.period))));
    }
    if poll.timeout.is_zero() || poll.timeout > poll.period * 10 {
        return Err(("poll.timeout", "must be above zero and at most ten periods".into()));
    }
    if poll.jitter > poll.period / 2 {
        return Err(("poll.jitter", format!("{}ms is more than half the period", ms(poll.jitter))));
    }
    if poll.backoff_initial.is_zero() || poll.backoff_cap < poll.backoff_initial {
        return Err(("poll.backoff_cap", "backoff_initial must be above zero and backoff_cap at least as long".into()));
    }
    if poll.history > 10_000 {
        return Err(("poll.history", format!("{} samples is above the 10000 maximum", poll.history)));
    }
    Ok(())
}

/// The configuration key of a bad static-data figure, e.g. `well_data.shut_in_head`.
fn well_data_key(error: &InvalidWellData) -> &'static str {
    match error.field {
        "motor_rated_current" => "well_data.motor_rated_current",
        "motor_rated_temperature" => "well_data.motor_rated_temperature",
        "bubble_point_pressure" => "well_data.bubble_point_pressure",
        "shut_in_head" => "well_data.shut_in_head",
        "design_flow" => "well_data.design_flow",
        "design_frequency" => "well_data.design_frequency",
        "feeder_id" => "well_data.feeder_id",
        _ => "well_data",
    }
}

/// Builds well specs from definitions against the loaded profiles and poll defaults.
#[derive(Clone, Debug)]
pub struct WellFactory {
    profiles: BTreeMap<String, Arc<Profile>>,
    defaults: PollSettings,
}

impl WellFactory {
    pub fn new(profiles: BTreeMap<String, Arc<Profile>>, defaults: PollSettings) -> Self {
        Self { profiles, defaults }
    }

    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    pub fn profile(&self, name: &str) -> Option<&Arc<Profile>> {
        self.profiles.get(name)
    }

    pub fn defaults(&self) -> &PollSettings {
        &self.defaults
    }

    /// Validates a definition and resolves its profile, poll settings, static data and limits.
    pub fn build(&self, definition: &WellDefinition) -> Result<WellSpec, WellDefinitionError> {
        let fail = |field: &str, problem: String| WellDefinitionError {
            well: definition.id.to_string(),
            field: field.to_owned(),
            problem,
        };
        let profile = self.known_profile(&definition.profile).map_err(|problem| fail("profile", problem))?;
        if definition.host.trim().is_empty() {
            return Err(fail("host", "must not be empty".into()));
        }
        if definition.port == 0 {
            return Err(fail("port", "must be 1-65535".into()));
        }
        if definition.name.chars().count() > 200 {
            return Err(fail("name", "is longer than 200 characters".into()));
        }
        let poll = definition.poll.apply(&self.defaults);
        check_poll(&poll).map_err(|(field, problem)| fail(field, problem))?;
        let well_data = definition.well_data.apply(&profile.well_data);
        well_data.validate().map_err(|error| fail(well_data_key(&error), error.problem))?;
        let thresholds = resolve_thresholds(&definition.thresholds, profile)
            .map_err(|error| fail(&format!("thresholds.{}", error.key), error.problem))?;
        let endpoint = Endpoint {
            host: definition.host.trim().to_owned(),
            port: definition.port,
            unit_id: definition.unit_id.unwrap_or(profile.unit_id),
        };
        let name = if definition.name.is_empty() { definition.id.to_string() } else { definition.name.clone() };
        let spec = WellSpec::new(definition.id.clone(), name, profile.clone(), endpoint, poll);
        Ok(spec.with_well_data(well_data).with_thresholds(thresholds))
    }

    /// The profile called `name`, or why there is none.
    fn known_profile(&self, name: &str) -> Result<&Arc<Profile>, String> {
        self.profiles.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.profile_names().collect();
            format!("unknown profile {name:?}; loaded profiles: {}", known.join(", "))
        })
    }
}

/// `overrides` (a group's or a well's) over `profile`'s `[thresholds]` over the defaults,
/// validated. Shared by wells and the check of a `[[well_group]]`.
pub(super) fn resolve_thresholds(
    overrides: &ThresholdOverrides,
    profile: &Profile,
) -> Result<Thresholds, ThresholdError> {
    overrides.over(&profile.thresholds).resolve()
}
