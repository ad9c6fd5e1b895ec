//! Each simulated well's design point: nameplate, reservoir and surface figures drawn once from
//! the seed, so a fleet looks varied yet every run with the same seed looks the same.
//!
//! Convention: voltages and currents are motor side (after the step-up transformer), so
//! `power = √3 · V · I · pf` holds for the values a poller reads (esp-domain §1).

use std::ops::Range;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::noise::well_key;

/// The steady operating point of one well and the fixed quirks of its sensors.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignPoint {
    /// Motor nameplate current, A.
    pub rated_current: f64,
    /// Running current as a fraction of nameplate.
    pub load_fraction: f64,
    /// Drive output frequency while running, Hz.
    pub frequency: f64,
    /// Motor-side line voltage while running, V.
    pub voltage: f64,
    pub power_factor: f64,
    /// Pump intake pressure while running (drawn down), psi.
    pub intake_pressure: f64,
    /// How far PIP builds up above the running value when the pump stops, psi.
    pub drawdown: f64,
    /// Bubble point; below the running PIP so a healthy well has no free gas, psi.
    pub bubble_point: f64,
    pub intake_temperature: f64,
    /// Motor temperature above intake temperature while running, °C.
    pub motor_rise: f64,
    /// Vibration level per axis while running, g.
    pub vibration: [f64; 2],
    pub leakage_current: f64,
    /// Pump pressure rise at the running frequency, psi.
    pub pump_delta_p: f64,
    pub tubing_pressure: f64,
    pub casing_pressure: f64,
    pub flow_rate: f64,
    /// Drive temperature with the motor stopped, °C; load adds up to 8 °C.
    pub drive_temperature: f64,
    /// How long the drive takes to ramp from 0 to the running frequency.
    pub ramp: Duration,
    /// Starts the drive had counted before the simulation began.
    pub initial_starts: u32,
    /// Fixed per-phase offsets of current (±0.5 %) and voltage (±0.25 %), summing to zero.
    pub current_unbalance: [f64; 3],
    pub voltage_unbalance: [f64; 3],
}

impl DesignPoint {
    /// The design point of well `index` (0-based) under `seed`.
    pub fn draw(seed: u64, index: usize) -> DesignPoint {
        let mut rng = SmallRng::seed_from_u64(well_key(seed, index));
        let intake_pressure = round(draw(&mut rng, 800.0..2500.0), 1.0);
        DesignPoint {
            rated_current: round(draw(&mut rng, 30.0..90.0), 0.5),
            load_fraction: draw(&mut rng, 0.70..0.90),
            frequency: round(draw(&mut rng, 50.0..60.0), 0.5),
            voltage: round(draw(&mut rng, 1800.0..2300.0), 10.0),
            power_factor: draw(&mut rng, 0.80..0.90),
            intake_pressure,
            drawdown: draw(&mut rng, 150.0..500.0),
            bubble_point: round(intake_pressure * draw(&mut rng, 0.40..0.85), 1.0),
            intake_temperature: draw(&mut rng, 60.0..110.0),
            motor_rise: draw(&mut rng, 15.0..30.0),
            vibration: [draw(&mut rng, 0.05..0.30), draw(&mut rng, 0.05..0.30)],
            leakage_current: draw(&mut rng, 1.0..5.0),
            pump_delta_p: draw(&mut rng, 1200.0..2800.0),
            tubing_pressure: draw(&mut rng, 100.0..300.0),
            casing_pressure: draw(&mut rng, 50.0..150.0),
            flow_rate: round(draw(&mut rng, 1000.0..5000.0), 10.0),
            drive_temperature: draw(&mut rng, 30.0..42.0),
            ramp: Duration::from_secs(rng.random_range(20..=60)),
            initial_starts: rng.random_range(5..=200),
            current_unbalance: centred(&mut rng, 0.005),
            voltage_unbalance: centred(&mut rng, 0.0025),
        }
    }

    /// Running current per phase on average, A.
    pub fn running_current(&self) -> f64 {
        self.rated_current * self.load_fraction
    }

    /// PIP the well builds up to once the pump has been stopped long enough, psi.
    pub fn static_intake_pressure(&self) -> f64 {
        self.intake_pressure + self.drawdown
    }
}

fn draw(rng: &mut SmallRng, range: Range<f64>) -> f64 {
    rng.random_range(range)
}

fn round(value: f64, step: f64) -> f64 {
    (value / step).round() * step
}

/// Three offsets within ±`half_width` whose mean is zero, so the average stays on design.
fn centred(rng: &mut SmallRng, half_width: f64) -> [f64; 3] {
    let raw = [0; 3].map(|_| rng.random_range(-half_width..half_width));
    let mean = raw.iter().sum::<f64>() / 3.0;
    raw.map(|x| (x - mean).clamp(-half_width, half_width))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_well_gives_the_same_design() {
        assert_eq!(DesignPoint::draw(7, 3), DesignPoint::draw(7, 3));
        assert_ne!(DesignPoint::draw(7, 3), DesignPoint::draw(7, 4));
    }

    #[test]
    fn designs_stay_in_their_published_ranges() {
        for index in 0..500 {
            let d = DesignPoint::draw(11, index);
            assert!((30.0..=90.0).contains(&d.rated_current), "{d:?}");
            assert!((50.0..=60.0).contains(&d.frequency), "{d:?}");
            assert!((800.0..=2500.0).contains(&d.intake_pressure), "{d:?}");
            assert!(d.bubble_point < d.intake_pressure, "{d:?}");
            assert!((20..=60).contains(&d.ramp.as_secs()), "{d:?}");
            assert!(d.current_unbalance.iter().all(|x| x.abs() <= 0.005), "{d:?}");
        }
    }
}
