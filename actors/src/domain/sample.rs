//! One poll's decoded values for one well: fixed-size, so the hot path never allocates for it.

use chrono::{DateTime, Utc};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::{Parameter, RunState, TripCode, WellId};

/// Values by canonical parameter; absent where the poll did not produce the value.
///
/// The `run_state` and `trip_code` slots hold the raw device codes; the canonical codes are on
/// the [`Sample`]. Absence is stored as NaN, which decoding never yields, so a sample stays small
/// enough to keep a short history of every well in memory.
#[derive(Clone, Copy, Debug)]
pub struct Values([f64; Parameter::COUNT]);

impl Default for Values {
    fn default() -> Self {
        Self([f64::NAN; Parameter::COUNT])
    }
}

impl PartialEq for Values {
    fn eq(&self, other: &Self) -> bool {
        self.0.iter().zip(other.0.iter()).all(|(a, b)| a == b || (a.is_nan() && b.is_nan()))
    }
}

impl Values {
    pub fn get(&self, parameter: Parameter) -> Option<f64> {
        let value = self.0[parameter.index()];
        (!value.is_nan()).then_some(value)
    }

    /// Stores a value; a non-finite one is not a value and leaves the slot empty.
    pub fn set(&mut self, parameter: Parameter, value: f64) {
        self.0[parameter.index()] = if value.is_finite() { value } else { f64::NAN };
    }

    /// The parameters that carry a value, with it.
    pub fn iter(&self) -> impl Iterator<Item = (Parameter, f64)> + '_ {
        Parameter::ALL.iter().filter_map(|p| self.get(*p).map(|value| (*p, value)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|v| v.is_nan())
    }

    /// How many parameters carry a value.
    pub fn len(&self) -> usize {
        self.0.iter().filter(|v| !v.is_nan()).count()
    }
}

impl Serialize for Values {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (parameter, value) in self.iter() {
            map.serialize_entry(parameter.as_str(), &value)?;
        }
        map.end()
    }
}

/// What one poll of one well produced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sample {
    pub well_id: WellId,
    /// When the poll completed (UTC).
    pub at: DateTime<Utc>,
    pub values: Values,
    /// The canonical drive state, when the device's code is in the profile's table.
    pub run_state: Option<RunState>,
    /// The canonical last-shutdown reason; unmapped device codes become `other`.
    pub trip_code: Option<TripCode>,
}

impl Sample {
    pub fn new(well_id: WellId, at: DateTime<Utc>) -> Self {
        Self { well_id, at, values: Values::default(), run_state: None, trip_code: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_only_present_values_by_canonical_name() {
        let mut values = Values::default();
        values.set(Parameter::Frequency, 55.5);
        values.set(Parameter::CurrentA, 40.0);
        let json = serde_json::to_value(values).unwrap_or_default();
        assert_eq!(json, serde_json::json!({"current_a": 40.0, "frequency": 55.5}));
        assert!(!values.is_empty());
        assert!(Values::default().is_empty());
    }
}
