//! Per-well static data the diagnostic engine judges against (esp-domain §1.1): nameplate,
//! fluid and sizing figures, and the feeder the well's drive hangs on.

use serde::{Deserialize, Serialize};

/// What the engineer knows of a well before its first poll. Device profiles carry defaults; a
/// well's configuration overrides them one by one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WellData {
    /// Motor nameplate current, A: load %, overload, plausibility.
    pub motor_rated_current: f64,
    /// Motor or insulation temperature rating, °C: `motor_overheat`.
    pub motor_rated_temperature: f64,
    /// Bubble-point pressure from the fluid's PVT analysis, psi: free gas, gas rules.
    pub bubble_point_pressure: f64,
    /// Wellhead pressure against a closed valve at the design frequency, psi: `closed_valve`.
    pub shut_in_head: f64,
    /// Design liquid rate, bbl/d: flow thresholds.
    pub design_flow: f64,
    /// Frequency the shut-in head and design flow refer to, Hz.
    pub design_frequency: f64,
    /// The power feeder the drive is supplied from: `power_event` correlation. Wells without one
    /// are never grouped.
    pub feeder_id: Option<String>,
}

impl Default for WellData {
    /// A mid-sized ESP, for wells and profiles that say nothing better (tune per field).
    fn default() -> Self {
        Self {
            motor_rated_current: 60.0,
            motor_rated_temperature: 180.0,
            bubble_point_pressure: 900.0,
            shut_in_head: 3000.0,
            design_flow: 3000.0,
            design_frequency: 60.0,
            feeder_id: None,
        }
    }
}

/// A figure of [`WellData`] that cannot describe a real well.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct InvalidWellData {
    pub field: &'static str,
    pub problem: String,
}

impl WellData {
    /// Checks every figure is finite and positive, and the feeder id is not blank.
    pub fn validate(&self) -> Result<(), InvalidWellData> {
        let figures = [
            ("motor_rated_current", self.motor_rated_current),
            ("motor_rated_temperature", self.motor_rated_temperature),
            ("bubble_point_pressure", self.bubble_point_pressure),
            ("shut_in_head", self.shut_in_head),
            ("design_flow", self.design_flow),
            ("design_frequency", self.design_frequency),
        ];
        for (field, value) in figures {
            if !value.is_finite() || value <= 0.0 {
                return Err(InvalidWellData { field, problem: format!("must be a positive number, got {value}") });
            }
        }
        if self.feeder_id.as_deref().is_some_and(|feeder| feeder.trim().is_empty()) {
            return Err(InvalidWellData { field: "feeder_id", problem: "must not be blank".into() });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_figures_are_named() {
        assert_eq!(WellData::default().validate(), Ok(()));
        let data = WellData { shut_in_head: -1.0, ..WellData::default() };
        assert_eq!(data.validate().map_err(|e| e.field), Err("shut_in_head"));
        let data = WellData { feeder_id: Some(" ".into()), ..WellData::default() };
        assert_eq!(data.validate().map_err(|e| e.field), Err("feeder_id"));
        let data = WellData { design_flow: f64::NAN, ..WellData::default() };
        assert_eq!(data.validate().map_err(|e| e.field), Err("design_flow"));
    }
}
