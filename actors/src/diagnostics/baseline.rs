//! A well's own running baseline (esp-domain §1.2): what its current, intake pressure, ΔP,
//! flow, vibration, leakage, motor rise and current variability look like in steady running.
//! Learned minute by minute, as a plain mean for the first hours and then exponentially weighted
//! (time constant 24 h); rescaled by the affinity laws when the operating frequency moves.
//! Serialisable, so a restart of the actor or the process does not lose it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Steady running time before the baseline is trusted, s.
pub const VALID_AFTER_SECS: u64 = 2 * 3600;
/// Time constant of the exponential weighting once valid, s.
const TIME_CONSTANT_SECS: f64 = 24.0 * 3600.0;
/// A steady frequency this far from the baseline's rescales it, Hz.
const RESCALE_STEP_HZ: f64 = 0.5;

/// One minute of steady running, as the engine summarises it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SteadyMinute {
    pub frequency: f64,
    pub current: Option<f64>,
    pub intake_pressure: Option<f64>,
    pub delta_p: Option<f64>,
    pub flow_rate: Option<f64>,
    pub tubing_pressure: Option<f64>,
    pub vibration: Option<f64>,
    pub leakage_current: Option<f64>,
    pub motor_rise: Option<f64>,
    /// Coefficient of variation of the average current over the last 10 minutes.
    pub cv_current: Option<f64>,
}

/// The learned figures; `None` until the well has shown the quantity in steady running.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// The frequency the figures refer to, Hz.
    pub frequency: Option<f64>,
    /// Steady running learned from so far, s.
    pub learned_secs: u64,
    pub current: Option<f64>,
    pub intake_pressure: Option<f64>,
    pub delta_p: Option<f64>,
    pub flow_rate: Option<f64>,
    pub tubing_pressure: Option<f64>,
    pub vibration: Option<f64>,
    pub leakage_current: Option<f64>,
    pub motor_rise: Option<f64>,
    pub cv_current: Option<f64>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl Baseline {
    pub fn is_valid(&self) -> bool {
        self.learned_secs >= VALID_AFTER_SECS && self.current.is_some()
    }

    /// Folds one steady minute in, rescaling first if the frequency moved.
    pub fn learn(&mut self, minute: &SteadyMinute, at: DateTime<Utc>) {
        self.rescale_to(minute.frequency);
        self.frequency.get_or_insert(minute.frequency);
        self.learned_secs += 60;
        let weight = if self.learned_secs <= VALID_AFTER_SECS {
            60.0 / self.learned_secs as f64
        } else {
            60.0 / TIME_CONSTANT_SECS
        };
        let fold = |slot: &mut Option<f64>, value: Option<f64>| {
            if let Some(value) = value.filter(|v| v.is_finite()) {
                *slot = Some(slot.map_or(value, |old| old + weight * (value - old)));
            }
        };
        fold(&mut self.current, minute.current);
        fold(&mut self.intake_pressure, minute.intake_pressure);
        fold(&mut self.delta_p, minute.delta_p);
        fold(&mut self.flow_rate, minute.flow_rate);
        fold(&mut self.tubing_pressure, minute.tubing_pressure);
        fold(&mut self.vibration, minute.vibration);
        fold(&mut self.leakage_current, minute.leakage_current);
        fold(&mut self.motor_rise, minute.motor_rise);
        fold(&mut self.cv_current, minute.cv_current);
        self.updated_at = Some(at);
    }

    /// The affinity laws, a first approximation at constant V/Hz: current and ΔP scale with the
    /// square of the frequency ratio, flow with the ratio. Learning then continues from there.
    pub fn rescale_to(&mut self, frequency: f64) {
        let Some(from) = self.frequency else { return };
        if (frequency - from).abs() <= RESCALE_STEP_HZ || from <= 0.0 || frequency <= 0.0 {
            return;
        }
        let ratio = frequency / from;
        let scale = |slot: &mut Option<f64>, factor: f64| *slot = slot.map(|v| v * factor);
        scale(&mut self.current, ratio * ratio);
        scale(&mut self.delta_p, ratio * ratio);
        scale(&mut self.flow_rate, ratio);
        self.frequency = Some(frequency);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute(current: f64) -> SteadyMinute {
        SteadyMinute { frequency: 55.0, current: Some(current), cv_current: Some(0.004), ..SteadyMinute::default() }
    }

    #[test]
    fn valid_after_two_hours_of_steady_running_as_a_plain_mean() {
        let mut baseline = Baseline::default();
        for i in 0..119 {
            baseline.learn(&minute(if i % 2 == 0 { 40.0 } else { 42.0 }), Utc::now());
        }
        assert!(!baseline.is_valid());
        baseline.learn(&minute(42.0), Utc::now());
        assert!(baseline.is_valid());
        assert!((baseline.current.unwrap_or_default() - 41.0).abs() < 1e-9);
    }

    #[test]
    fn once_valid_it_moves_slowly() {
        let mut baseline = Baseline::default();
        for _ in 0..120 {
            baseline.learn(&minute(40.0), Utc::now());
        }
        for _ in 0..60 {
            baseline.learn(&minute(20.0), Utc::now());
        }
        let current = baseline.current.unwrap_or_default();
        assert!(current > 39.0 && current < 40.0, "an hour at half load moved it to {current}");
    }

    #[test]
    fn a_frequency_step_rescales_by_the_affinity_laws() {
        let mut baseline = Baseline {
            frequency: Some(50.0),
            current: Some(40.0),
            flow_rate: Some(2000.0),
            delta_p: Some(1000.0),
            intake_pressure: Some(1500.0),
            ..Baseline::default()
        };
        baseline.rescale_to(55.0);
        assert!((baseline.current.unwrap_or_default() - 48.4).abs() < 1e-9);
        assert!((baseline.flow_rate.unwrap_or_default() - 2200.0).abs() < 1e-9);
        assert!((baseline.delta_p.unwrap_or_default() - 1210.0).abs() < 1e-9);
        assert_eq!(baseline.intake_pressure, Some(1500.0));
        baseline.rescale_to(55.3);
        assert_eq!(baseline.frequency, Some(55.0));
    }
}
