//! Per-well static data the diagnostic engine judges against (esp-domain §1.1): nameplate,
//! fluid and sizing figures, and the feeder the well's drive hangs on.

use serde::{Deserialize, Serialize};

/// What the engineer knows of a well before its first poll. Device profiles carry defaults; a
/// well's configuration overrides them one by one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// Some figures of [`WellData`], each optional: a profile's `[well_data]` defaults, or the
/// overrides of a well group or of one well. What is unset comes from the layer below
/// (built-in defaults, then the profile, then the group or well).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WellDataOverrides {
    /// Motor nameplate current, A.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motor_rated_current: Option<f64>,
    /// Motor or insulation temperature rating, °C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motor_rated_temperature: Option<f64>,
    /// Bubble-point pressure, psi.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bubble_point_pressure: Option<f64>,
    /// Wellhead pressure against a closed valve at the design frequency, psi.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shut_in_head: Option<f64>,
    /// Design liquid rate, bbl/d.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_flow: Option<f64>,
    /// Frequency the shut-in head and design flow refer to, Hz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_frequency: Option<f64>,
    /// The power feeder the drive is supplied from. Per well or group only: profiles refuse it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feeder_id: Option<String>,
}

impl WellDataOverrides {
    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `base` with every figure set here put in its place. Not validated: call
    /// [`WellData::validate`] on the result.
    pub fn apply(&self, base: &WellData) -> WellData {
        WellData {
            motor_rated_current: self.motor_rated_current.unwrap_or(base.motor_rated_current),
            motor_rated_temperature: self.motor_rated_temperature.unwrap_or(base.motor_rated_temperature),
            bubble_point_pressure: self.bubble_point_pressure.unwrap_or(base.bubble_point_pressure),
            shut_in_head: self.shut_in_head.unwrap_or(base.shut_in_head),
            design_flow: self.design_flow.unwrap_or(base.design_flow),
            design_frequency: self.design_frequency.unwrap_or(base.design_frequency),
            feeder_id: self.feeder_id.clone().or_else(|| base.feeder_id.clone()),
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
    fn overrides_replace_only_what_they_set() {
        let base = WellData { feeder_id: Some("F-1".into()), ..WellData::default() };
        let none = WellDataOverrides::default();
        assert!(none.is_empty());
        assert_eq!(none.apply(&base), base);
        let some = WellDataOverrides { shut_in_head: Some(2500.0), ..WellDataOverrides::default() };
        let applied = some.apply(&base);
        assert_eq!((applied.shut_in_head, applied.feeder_id.as_deref()), (2500.0, Some("F-1")));
        assert_eq!(applied.design_flow, base.design_flow);
    }

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
