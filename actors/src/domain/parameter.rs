//! The canonical ESP parameters of esp-domain §1, with their fixed units.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! parameters {
    ($($variant:ident => $name:literal, $unit:literal;)+) => {
        /// A canonical parameter. Profiles map registers to these; the API and storage use
        /// [`Parameter::as_str`] exactly.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Parameter { $($variant),+ }

        impl Parameter {
            /// Every parameter, in slot order.
            pub const ALL: &'static [Parameter] = &[$(Parameter::$variant),+];

            /// The canonical name.
            pub fn as_str(self) -> &'static str {
                match self { $(Parameter::$variant => $name),+ }
            }

            /// The fixed unit values are converted to (`-` for ratios, `enum` for codes).
            pub fn unit(self) -> &'static str {
                match self { $(Parameter::$variant => $unit),+ }
            }

            /// Parses a canonical name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(Parameter::$variant),)+ _ => None }
            }
        }
    };
}

parameters! {
    CurrentA => "current_a", "A";
    CurrentB => "current_b", "A";
    CurrentC => "current_c", "A";
    VoltageAb => "voltage_ab", "V";
    VoltageBc => "voltage_bc", "V";
    VoltageCa => "voltage_ca", "V";
    Frequency => "frequency", "Hz";
    Power => "power", "kW";
    PowerFactor => "power_factor", "-";
    IntakePressure => "intake_pressure", "psi";
    IntakeTemperature => "intake_temperature", "°C";
    DischargePressure => "discharge_pressure", "psi";
    MotorTemperature => "motor_temperature", "°C";
    VibrationX => "vibration_x", "g";
    VibrationY => "vibration_y", "g";
    LeakageCurrent => "leakage_current", "mA";
    TubingPressure => "tubing_pressure", "psi";
    CasingPressure => "casing_pressure", "psi";
    FlowRate => "flow_rate", "bbl/d";
    DriveTemperature => "drive_temperature", "°C";
    StartsCount => "starts_count", "count";
    RunState => "run_state", "enum";
    TripCode => "trip_code", "enum";
}

impl Parameter {
    /// How many parameters exist; the length of a sample's value array.
    pub const COUNT: usize = Parameter::ALL.len();

    /// The slot of this parameter in a sample's value array.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the value is a device code mapped through an enum table.
    pub fn is_code(self) -> bool {
        matches!(self, Parameter::RunState | Parameter::TripCode)
    }

    /// Parses a comma-separated list of canonical names, as the telemetry API takes them.
    pub fn parse_list(list: &str) -> Result<Vec<Parameter>, UnknownParameter> {
        list.split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(|name| Parameter::from_name(name).ok_or_else(|| UnknownParameter(name.into())))
            .collect()
    }
}

/// A name that is not a canonical parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown parameter {0:?}; canonical names are listed in the profile reference")]
pub struct UnknownParameter(pub String);

impl std::fmt::Display for Parameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Parameter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Parameter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Parameter::from_name(&name).ok_or_else(|| serde::de::Error::custom(UnknownParameter(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_declaration_order() {
        for (slot, parameter) in Parameter::ALL.iter().enumerate() {
            assert_eq!(parameter.index(), slot);
            assert_eq!(Parameter::from_name(parameter.as_str()), Some(*parameter));
        }
    }

    #[test]
    fn parses_lists_and_names_the_unknown_one() {
        assert_eq!(Parameter::parse_list("current_a, frequency,"), Ok(vec![Parameter::CurrentA, Parameter::Frequency]));
        assert_eq!(Parameter::parse_list("current_a,amps"), Err(UnknownParameter("amps".into())));
    }
}
