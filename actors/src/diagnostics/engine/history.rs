//! The rolling windows a well's engine keeps of each derived quantity: only what the rules read,
//! at the coarsest bucket that serves them.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::super::signals::Signals;
use super::super::window::Series;

const TEN_SECONDS: Duration = Duration::from_secs(10);
const MINUTE: Duration = Duration::from_secs(60);

fn minutes(n: u64) -> Duration {
    Duration::from_secs(60 * n)
}

/// The windows of one well.
#[derive(Clone, Debug)]
pub struct History {
    /// Average current in 10-s buckets: steps within a minute.
    pub current_fine: Series,
    /// Average current in 1-min buckets: variability, slope, levels.
    pub current: Series,
    pub voltage: Series,
    pub current_unbalance: Series,
    pub voltage_unbalance: Series,
    pub intake_pressure: Series,
    pub submergence: Series,
    pub delta_p: Series,
    pub flow_rate: Series,
    pub tubing_pressure: Series,
    pub motor_temperature: Series,
    pub motor_rise: Series,
    pub vibration: Series,
    pub leakage_current: Series,
}

impl Default for History {
    fn default() -> Self {
        Self {
            current_fine: Series::new(TEN_SECONDS, Duration::from_secs(80)),
            current: Series::new(MINUTE, minutes(30)),
            voltage: Series::new(MINUTE, minutes(15)),
            current_unbalance: Series::new(MINUTE, minutes(15)),
            voltage_unbalance: Series::new(MINUTE, minutes(15)),
            intake_pressure: Series::new(MINUTE, minutes(15)),
            submergence: Series::new(MINUTE, minutes(15)),
            delta_p: Series::new(MINUTE, minutes(15)),
            flow_rate: Series::new(MINUTE, minutes(15)),
            tubing_pressure: Series::new(MINUTE, minutes(15)),
            motor_temperature: Series::new(MINUTE, minutes(20)),
            motor_rise: Series::new(MINUTE, minutes(15)),
            vibration: Series::new(MINUTE, minutes(15)),
            // A slow signal judged over the hour: 2-minute buckets are fine enough.
            leakage_current: Series::new(minutes(2), minutes(62)),
        }
    }
}

impl History {
    /// Adds one sample's quantities. Electrical values only count while the motor turns, so a
    /// stopped motor's zeros never pull the running windows down.
    pub fn push(&mut self, signals: &Signals, at: DateTime<Utc>) {
        let running = signals.is_running();
        let add = |series: &mut Series, value: Option<f64>| {
            if let Some(value) = value {
                series.push(at, value);
            }
        };
        if running {
            add(&mut self.current_fine, signals.current);
            add(&mut self.current, signals.current);
            add(&mut self.voltage, signals.voltage);
            add(&mut self.current_unbalance, signals.current_unbalance_pct);
            add(&mut self.voltage_unbalance, signals.voltage_unbalance_pct);
            add(&mut self.delta_p, signals.delta_p);
            add(&mut self.flow_rate, signals.flow_rate);
            add(&mut self.tubing_pressure, signals.tubing_pressure);
            add(&mut self.motor_rise, signals.motor_rise);
            add(&mut self.vibration, signals.vibration);
        }
        add(&mut self.intake_pressure, signals.intake_pressure);
        add(&mut self.submergence, signals.submergence);
        add(&mut self.motor_temperature, signals.motor_temperature);
        add(&mut self.leakage_current, signals.leakage_current);
    }

    /// A new start: running windows begin again, so the start transient and the stop are not
    /// mistaken for variability.
    pub fn restart(&mut self) {
        for series in [
            &mut self.current_fine,
            &mut self.current,
            &mut self.voltage,
            &mut self.current_unbalance,
            &mut self.voltage_unbalance,
            &mut self.delta_p,
            &mut self.flow_rate,
            &mut self.tubing_pressure,
            &mut self.motor_rise,
            &mut self.vibration,
        ] {
            series.clear();
        }
    }
}
