//! The canonical diagnoses of esp-domain §2.3, with what the control room is told about each:
//! default priority, whether it blocks an automatic pump restart, and one line of advice.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Priority;

macro_rules! diagnoses {
    ($($variant:ident => $name:literal, $priority:ident, $blocks:literal, $advice:literal;)+) => {
        /// A canonical diagnosis. APIs, storage and tests use [`DiagnosisKind::as_str`] exactly.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum DiagnosisKind { $($variant),+ }

        impl DiagnosisKind {
            /// Every diagnosis, in declaration order.
            pub const ALL: &'static [DiagnosisKind] = &[$(DiagnosisKind::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(DiagnosisKind::$variant => $name),+ }
            }

            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(DiagnosisKind::$variant),)+ _ => None }
            }

            /// The priority of the plain form; a rule may raise it (e.g. `overload` > 115 %).
            pub fn default_priority(self) -> Priority {
                match self { $(DiagnosisKind::$variant => Priority::$priority),+ }
            }

            /// Whether a remote or supervisor start is blocked while this is active (esp-domain §5).
            pub fn blocks_auto_restart(self) -> bool {
                match self { $(DiagnosisKind::$variant => $blocks),+ }
            }

            /// What the operator should do, in one line (esp-domain §2.3).
            pub fn advice(self) -> &'static str {
                match self { $(DiagnosisKind::$variant => $advice),+ }
            }
        }
    };
}

diagnoses! {
    CommsLoss => "comms_loss", Medium, true,
        "Check network, gateway and site power; values are shown stale";
    SensorFault => "sensor_fault", Low, false,
        "Raise a gauge/interface ticket; dependent rules fall back";
    UnplannedTrip => "unplanned_trip", High, false,
        "Read the decoded trip code and the trip capture before restarting";
    PumpOff => "pump_off", Low, false,
        "Lower frequency, use pump-off control or a longer off-time; review inflow";
    GasInterference => "gas_interference", Low, false,
        "Lower frequency, adjust casing back-pressure or venting; consider a gas separator";
    GasLock => "gas_lock", High, false,
        "Use drive ride-through or recovery speed first; lower frequency, vent the casing";
    BrokenShaft => "broken_shaft", High, true,
        "Stop the pump; no repeated restarts, at most one observed test start; workover candidate";
    TubingLeak => "tubing_leak", Medium, false,
        "Run a well test and a tubing pressure test; plan a workover";
    ClosedValve => "closed_valve", High, true,
        "Check wellhead and flowline valves, choke and ESD; stop if not cleared within minutes";
    Overload => "overload", High, false,
        "Reduce frequency; check supply voltage, solids and fluid viscosity";
    Solids => "solids", Medium, false,
        "Use gentler ramps; review sand control and scale treatment";
    CurrentImbalance => "current_imbalance", Medium, false,
        "Check motor leads and cable; a downhole cause blocks restarts after a trip";
    VoltageImbalance => "voltage_imbalance", Low, false,
        "Check the supply and the transformer taps; contact the power provider if feeder-wide";
    MotorOverheat => "motor_overheat", High, false,
        "Check flow past the motor and the load; reduce frequency";
    HighVibration => "high_vibration", Medium, false,
        "Check for solids and bearing wear; reduce frequency; plan a pull if rising";
    InsulationDegradation => "insulation_degradation", Medium, false,
        "Run an insulation test at the next stop; plan a workover";
    ExcessiveCycling => "excessive_cycling", Medium, true,
        "Root-cause the trips; adjust frequency and off-time; a lock-out is recommended";
    PowerEvent => "power_event", High, false,
        "Contact the power provider; watch the staggered restarts of the feeder";
}

impl DiagnosisKind {
    /// Diagnoses judged from process values, which a lost link or a parent outage makes moot.
    pub fn is_value_based(self) -> bool {
        !matches!(self, Self::CommsLoss | Self::UnplannedTrip | Self::ExcessiveCycling | Self::PowerEvent)
    }
}

impl std::fmt::Display for DiagnosisKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DiagnosisKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DiagnosisKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        DiagnosisKind::from_name(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown diagnosis {name:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde() {
        assert_eq!(DiagnosisKind::ALL.len(), 18);
        for kind in DiagnosisKind::ALL {
            assert_eq!(DiagnosisKind::from_name(kind.as_str()), Some(*kind));
            let json = serde_json::to_string(kind).unwrap_or_default();
            assert_eq!(serde_json::from_str::<DiagnosisKind>(&json).ok(), Some(*kind));
            assert!(!kind.advice().is_empty());
        }
        assert!(serde_json::from_str::<DiagnosisKind>("\"gas\"").is_err());
    }

    #[test]
    fn priorities_and_restart_blocks_follow_the_thresholds_table() {
        assert_eq!(DiagnosisKind::GasLock.default_priority(), Priority::High);
        assert_eq!(DiagnosisKind::PumpOff.default_priority(), Priority::Low);
        assert!(DiagnosisKind::BrokenShaft.blocks_auto_restart());
        assert!(DiagnosisKind::ClosedValve.blocks_auto_restart());
        assert!(!DiagnosisKind::PowerEvent.blocks_auto_restart());
        assert!(!DiagnosisKind::CommsLoss.is_value_based());
        assert!(DiagnosisKind::SensorFault.is_value_based());
    }
}
