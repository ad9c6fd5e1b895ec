//! The tunable limits of the diagnostic rules, with the defaults of esp-domain §2.4 (every one
//! "default, tune per field"). Ratios are fractions (0.8 = 80 %), pressures psi, times seconds.
//!
//! The service's configuration gives them per well as [`ThresholdOverrides`]: a profile's
//! `[thresholds]` table, then a group's or a well's `thresholds` table, over [`Thresholds::default`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Per-well rule limits. Any field left out of a well's configuration takes its default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Value rules judge at most this often, s: their windows are minutes long, so judging every
    /// fast poll would cost CPU and change nothing.
    pub judge_every_secs: u64,
    /// Running-only rules wait this long after the motor reaches `running` (inrush), s.
    pub start_settle_secs: u64,
    /// … and this long after a frequency change larger than `frequency_step_hz`, s.
    pub frequency_settle_secs: u64,
    pub frequency_step_hz: f64,
    /// Polls without a valid reply before `comms_loss`; good polls before it clears.
    pub comms_loss_polls: u32,
    pub comms_recover_polls: u32,
    /// `pump_off` / `gas_lock`: load against baseline below this is underload.
    pub underload_ratio: f64,
    /// Until a baseline is valid, nameplate load below this is underload (a drive default).
    pub nameplate_underload_ratio: f64,
    /// `pump_off`: submergence (PIP − casing pressure) below this, psi.
    pub pump_off_submergence_psi: f64,
    /// `gas_lock`: submergence at or above this tells it from pump-off, psi.
    pub gas_lock_submergence_psi: f64,
    /// `gas_interference`: PIP below this multiple of the bubble point.
    pub gas_interference_pb_ratio: f64,
    /// Current variability (10-min CV) above this multiple of the baseline's is erratic.
    pub cv_ratio: f64,
    /// … and never below this absolute CV, so a very clean baseline does not make noise erratic.
    pub cv_floor: f64,
    /// `broken_shaft`: current below this share of baseline, reached within 60 s.
    pub broken_shaft_current_ratio: f64,
    /// `tubing_leak`: flow (or tubing pressure without a meter) at or below this share of baseline.
    pub tubing_leak_flow_ratio: f64,
    /// `closed_valve`: tubing pressure at or above this share of the shut-in head at frequency.
    pub closed_valve_head_ratio: f64,
    /// `overload`: nameplate ratios for the 5-minute and the 1-minute limits.
    pub overload_ratio: f64,
    pub overload_fast_ratio: f64,
    /// `current_imbalance`: NEMA unbalance above this, %, and high above `current_unbalance_high_pct`.
    pub current_unbalance_pct: f64,
    pub current_unbalance_high_pct: f64,
    /// `voltage_imbalance`: NEMA unbalance above this, %, and medium above `voltage_unbalance_medium_pct`.
    pub voltage_unbalance_pct: f64,
    pub voltage_unbalance_medium_pct: f64,
    /// `motor_overheat`: alarm this many °C below the motor's rated temperature.
    pub motor_temperature_margin_c: f64,
    /// `motor_overheat` trend: rise faster than this, °C per 10 min, at steady load.
    pub motor_temperature_trend_c: f64,
    /// `high_vibration`: multiples of the baseline for medium and high.
    pub vibration_ratio: f64,
    pub vibration_high_ratio: f64,
    /// Absolute vibration cap (vendor / API RP 11S8), g: at or above it is high regardless.
    pub vibration_cap_g: f64,
    /// `insulation_degradation`: leakage multiple of baseline, and step within an hour.
    pub leakage_ratio: f64,
    pub leakage_step_ratio: f64,
    /// `excessive_cycling`: starts after trips within `cycling_window_secs`.
    pub cycling_starts: u32,
    pub cycling_window_secs: u64,
    /// `sensor_fault`: a gauge channel bit-identical this long while running is frozen, s.
    pub frozen_secs: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            judge_every_secs: 5,
            start_settle_secs: 300,
            frequency_settle_secs: 600,
            frequency_step_hz: 1.0,
            comms_loss_polls: 3,
            comms_recover_polls: 2,
            underload_ratio: 0.8,
            nameplate_underload_ratio: 0.5,
            pump_off_submergence_psi: 50.0,
            gas_lock_submergence_psi: 50.0,
            gas_interference_pb_ratio: 1.1,
            cv_ratio: 2.0,
            cv_floor: 0.02,
            broken_shaft_current_ratio: 0.6,
            tubing_leak_flow_ratio: 0.8,
            closed_valve_head_ratio: 0.9,
            overload_ratio: 1.05,
            overload_fast_ratio: 1.15,
            current_unbalance_pct: 5.0,
            current_unbalance_high_pct: 10.0,
            voltage_unbalance_pct: 2.0,
            voltage_unbalance_medium_pct: 3.0,
            motor_temperature_margin_c: 15.0,
            motor_temperature_trend_c: 2.0,
            vibration_ratio: 2.0,
            vibration_high_ratio: 3.0,
            vibration_cap_g: 5.0,
            leakage_ratio: 2.0,
            leakage_step_ratio: 1.5,
            cycling_starts: 3,
            cycling_window_secs: 6 * 3600,
            frozen_secs: 30 * 60,
        }
    }
}

/// A limit that cannot work, naming the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("thresholds.{field}: {problem}")]
pub struct InvalidThreshold {
    pub field: &'static str,
    pub problem: String,
}

impl Thresholds {
    /// Checks every ratio and limit is finite and positive, and paired limits are ordered.
    pub fn validate(&self) -> Result<(), InvalidThreshold> {
        for (field, value) in self.figures() {
            if !value.is_finite() || value <= 0.0 {
                return Err(InvalidThreshold { field, problem: format!("must be a positive number, got {value}") });
            }
        }
        let ordered = [
            ("overload_fast_ratio", self.overload_ratio, self.overload_fast_ratio),
            ("current_unbalance_high_pct", self.current_unbalance_pct, self.current_unbalance_high_pct),
            ("voltage_unbalance_medium_pct", self.voltage_unbalance_pct, self.voltage_unbalance_medium_pct),
            ("vibration_high_ratio", self.vibration_ratio, self.vibration_high_ratio),
        ];
        for (field, lower, upper) in ordered {
            if upper < lower {
                return Err(InvalidThreshold { field, problem: format!("{upper} is below the lower limit {lower}") });
            }
        }
        let counts = [
            ("comms_loss_polls", self.comms_loss_polls),
            ("comms_recover_polls", self.comms_recover_polls),
            ("cycling_starts", self.cycling_starts),
        ];
        for (field, count) in counts {
            if count == 0 {
                return Err(InvalidThreshold { field, problem: "must be at least 1".into() });
            }
        }
        let spans = [("frozen_secs", self.frozen_secs, 60), ("cycling_window_secs", self.cycling_window_secs, 60)];
        for (field, secs, least) in spans {
            if secs < least {
                return Err(InvalidThreshold { field, problem: format!("{secs} s is below the {least} s minimum") });
            }
        }
        Ok(())
    }

    fn figures(&self) -> [(&'static str, f64); 24] {
        [
            ("frequency_step_hz", self.frequency_step_hz),
            ("underload_ratio", self.underload_ratio),
            ("nameplate_underload_ratio", self.nameplate_underload_ratio),
            ("pump_off_submergence_psi", self.pump_off_submergence_psi),
            ("gas_lock_submergence_psi", self.gas_lock_submergence_psi),
            ("gas_interference_pb_ratio", self.gas_interference_pb_ratio),
            ("cv_ratio", self.cv_ratio),
            ("cv_floor", self.cv_floor),
            ("broken_shaft_current_ratio", self.broken_shaft_current_ratio),
            ("tubing_leak_flow_ratio", self.tubing_leak_flow_ratio),
            ("closed_valve_head_ratio", self.closed_valve_head_ratio),
            ("overload_ratio", self.overload_ratio),
            ("overload_fast_ratio", self.overload_fast_ratio),
            ("current_unbalance_pct", self.current_unbalance_pct),
            ("current_unbalance_high_pct", self.current_unbalance_high_pct),
            ("voltage_unbalance_pct", self.voltage_unbalance_pct),
            ("voltage_unbalance_medium_pct", self.voltage_unbalance_medium_pct),
            ("motor_temperature_margin_c", self.motor_temperature_margin_c),
            ("motor_temperature_trend_c", self.motor_temperature_trend_c),
            ("vibration_ratio", self.vibration_ratio),
            ("vibration_high_ratio", self.vibration_high_ratio),
            ("vibration_cap_g", self.vibration_cap_g),
            ("leakage_ratio", self.leakage_ratio),
            ("leakage_step_ratio", self.leakage_step_ratio),
        ]
    }
}

/// Some limits of [`Thresholds`] by key: a profile's `[thresholds]` table, or the `thresholds`
/// table of a well group or of one well. What is unset comes from the layer below (built-in
/// defaults, then the profile, then the group or well). Kept as written, any subset of the keys,
/// so a new limit needs no second list here; [`ThresholdOverrides::resolve`] checks the keys and
/// values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ThresholdOverrides(Map<String, Value>);

/// A `thresholds` table that cannot be used, naming the key: one that names no limit, holds a
/// value of the wrong type, or makes the resolved limits invalid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("thresholds.{key}: {problem}")]
pub struct ThresholdError {
    pub key: String,
    pub problem: String,
}

impl From<InvalidThreshold> for ThresholdError {
    fn from(error: InvalidThreshold) -> Self {
        Self { key: error.field.to_owned(), problem: error.problem }
    }
}

impl ThresholdOverrides {
    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// These overrides on top of `below`: a key set here wins, a key set only there stays.
    pub fn over(&self, below: &ThresholdOverrides) -> ThresholdOverrides {
        let mut merged = below.0.clone();
        merged.extend(self.0.iter().map(|(key, value)| (key.clone(), value.clone())));
        ThresholdOverrides(merged)
    }

    /// [`Thresholds::default`] with every key set here in its place, validated.
    pub fn resolve(&self) -> Result<Thresholds, ThresholdError> {
        let thresholds = parse(&self.0).map_err(|error| self.culprit(&error))?;
        thresholds.validate()?;
        Ok(thresholds)
    }

    /// The first key that cannot be read on its own: serde's error for the whole table does not
    /// say which key it is about.
    fn culprit(&self, error: &serde_json::Error) -> ThresholdError {
        let alone = |key: &String, value: &Value| Map::from_iter([(key.clone(), value.clone())]);
        let single = self.0.iter().find_map(|(key, value)| {
            let problem = parse(&alone(key, value)).err()?.to_string();
            Some(ThresholdError { key: key.clone(), problem })
        });
        single.unwrap_or_else(|| ThresholdError {
            key: self.0.keys().next().cloned().unwrap_or_default(),
            problem: error.to_string(),
        })
    }
}

fn parse(table: &Map<String, Value>) -> Result<Thresholds, serde_json::Error> {
    serde_json::from_value(Value::Object(table.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_limits_are_named() {
        assert_eq!(Thresholds::default().validate(), Ok(()));
        let bad = Thresholds { cv_ratio: 0.0, ..Thresholds::default() };
        assert_eq!(bad.validate().map_err(|e| e.field), Err("cv_ratio"));
        let unordered = Thresholds { overload_fast_ratio: 1.0, ..Thresholds::default() };
        assert_eq!(unordered.validate().map_err(|e| e.field), Err("overload_fast_ratio"));
    }

    #[test]
    fn a_partial_table_keeps_the_other_defaults_and_unknown_keys_are_refused() {
        let parsed: Thresholds = toml::from_str("underload_ratio = 0.7").unwrap_or_default();
        assert_eq!(parsed.underload_ratio, 0.7);
        assert_eq!(parsed.cv_ratio, 2.0);
        assert!(toml::from_str::<Thresholds>("underload = 0.7").is_err());
    }

    #[test]
    fn a_zero_count_names_its_own_key() {
        let bad = Thresholds { cycling_starts: 0, ..Thresholds::default() };
        assert_eq!(bad.validate().map_err(|e| e.field), Err("cycling_starts"));
    }

    fn overrides(text: &str) -> ThresholdOverrides {
        toml::from_str(text).unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    #[test]
    fn overrides_layer_key_by_key_over_the_defaults() {
        let profile = overrides("cv_ratio = 3\nunderload_ratio = 0.7");
        let well = overrides("underload_ratio = 0.6\nfrozen_secs = 600");
        let resolved = well.over(&profile).resolve();
        let expected = Thresholds { cv_ratio: 3.0, underload_ratio: 0.6, frozen_secs: 600, ..Thresholds::default() };
        assert_eq!(resolved, Ok(expected));
        assert_eq!(ThresholdOverrides::default().resolve(), Ok(Thresholds::default()));
        assert!(ThresholdOverrides::default().is_empty() && !profile.is_empty());
    }

    #[test]
    fn bad_overrides_name_the_key() {
        let key_of = |text: &str| overrides(text).resolve().map_err(|error| error.to_string());
        let unknown = key_of("cv_ratio = 3\ncv_rato = 3").unwrap_err();
        assert!(unknown.starts_with("thresholds.cv_rato: unknown field `cv_rato`"), "{unknown}");
        let wrong_type = key_of("frozen_secs = 1.5\ncv_ratio = 3").unwrap_err();
        assert!(wrong_type.starts_with("thresholds.frozen_secs: invalid type"), "{wrong_type}");
        assert_eq!(key_of("cv_ratio = 0"), Err("thresholds.cv_ratio: must be a positive number, got 0".into()));
        let unordered = key_of("overload_ratio = 1.2").unwrap_err();
        assert!(unordered.starts_with("thresholds.overload_fast_ratio: "), "{unordered}");
    }
}
