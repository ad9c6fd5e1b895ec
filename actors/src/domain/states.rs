//! The states a well shows (architecture §4) and the canonical drive codes (esp-domain §1).

use serde::{Deserialize, Serialize};

/// How the device link is doing, judged only from real poll outcomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// No poll has completed since the well actor started.
    Connecting,
    /// The last poll read every register block.
    Online,
    /// The device answers, but some reads fail (exception replies, undecodable values).
    Degraded,
    /// No valid reply: connect failure, timeout, transport or framing error, gateway exception.
    Offline,
}

/// What supervision is doing with the well's actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SupervisionState {
    Running,
    /// The actor failed and a restart is scheduled.
    Restarting,
    /// The restart-intensity limit was hit; the well stays down until an operator restart.
    Failed,
    /// Stopped on purpose.
    Stopped,
}

/// The canonical drive state, mapped from the device's own codes by the profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Stopped,
    Starting,
    Running,
    Tripped,
    LockedOut,
}

/// The canonical last-shutdown reason; the raw vendor code is kept beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TripCode {
    None,
    Underload,
    Overload,
    GroundFault,
    PhaseImbalance,
    PowerLoss,
    MotorOvertemperature,
    LowIntakePressure,
    HighVibration,
    ManualStop,
    Other,
}

/// The quality a value carries (esp-domain §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    Good,
    /// Last read on an earlier poll; the latest poll did not refresh it.
    Stale,
    Bad,
}

macro_rules! snake_case_names {
    ($ty:ty { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$ty] = &[$(<$ty>::$variant),+];

            /// The canonical name used by profiles, the API and storage.
            pub fn as_str(self) -> &'static str {
                match self { $(<$ty>::$variant => $name),+ }
            }

            /// Parses a canonical name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(<$ty>::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

snake_case_names!(ConnectionState {
    Connecting => "connecting", Online => "online", Degraded => "degraded", Offline => "offline",
});
snake_case_names!(SupervisionState {
    Running => "running", Restarting => "restarting", Failed => "failed", Stopped => "stopped",
});
snake_case_names!(RunState {
    Stopped => "stopped", Starting => "starting", Running => "running", Tripped => "tripped",
    LockedOut => "locked_out",
});
snake_case_names!(TripCode {
    None => "none", Underload => "underload", Overload => "overload",
    GroundFault => "ground_fault", PhaseImbalance => "phase_imbalance",
    PowerLoss => "power_loss", MotorOvertemperature => "motor_overtemperature",
    LowIntakePressure => "low_intake_pressure", HighVibration => "high_vibration",
    ManualStop => "manual_stop", Other => "other",
});
snake_case_names!(Quality { Good => "good", Stale => "stale", Bad => "bad" });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for state in RunState::ALL {
            assert_eq!(RunState::from_name(state.as_str()), Some(*state));
            let json = serde_json::to_string(state).unwrap_or_default();
            assert_eq!(json, format!("\"{state}\""));
        }
        for code in TripCode::ALL {
            assert_eq!(TripCode::from_name(code.as_str()), Some(*code));
            let json = serde_json::to_string(code).unwrap_or_default();
            assert_eq!(json, format!("\"{code}\""));
        }
        assert_eq!(ConnectionState::from_name("online"), Some(ConnectionState::Online));
        assert_eq!(RunState::from_name("Running"), None);
    }
}
