//! Each simulated well's design point: the nameplate and sizing figures of its static data
//! (`WellData`, esp-domain §1.1), plus an operating point and sensor quirks drawn once from the
//! seed, so a fleet looks varied yet every run with the same seed and data looks the same.
//!
//! The operating point is drawn so that a healthy well is clearly normal against the default
//! thresholds (esp-domain §2.4): load 70–90 % of nameplate, PIP ≥ 1.4 × bubble point with ample
//! submergence, tubing pressure far below the shut-in head, the motor ≥ 40 °C below its rating,
//! unbalance well under 1 % (current) and 0.5 % (voltage).
//!
//! Convention: voltages and currents are motor side (after the step-up transformer), so
//! `power = √3 · V · I · pf` holds for the values a poller reads (esp-domain §1).

use std::ops::Range;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use wellvisor_actors::domain::WellData;

use super::noise::well_key;

/// How far below its rating a healthy motor runs at most, °C: 15 °C (the `motor_overheat`
/// threshold) plus a 25 °C margin, plus 1 °C for noise.
const MOTOR_HEADROOM: f64 = 41.0;
/// The least submergence (PIP − casing pressure) a healthy well has, psi.
const MIN_SUBMERGENCE: f64 = 500.0;
/// Fixed per-phase unbalance of a healthy well, as a fraction: current, voltage.
const CURRENT_UNBALANCE: f64 = 0.003;
const VOLTAGE_UNBALANCE: f64 = 0.0015;

/// The steady operating point of one well, its nameplate, and the fixed quirks of its sensors.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignPoint {
    /// Motor nameplate current (`motor_rated_current`), A.
    pub rated_current: f64,
    /// Motor temperature rating (`motor_rated_temperature`), °C.
    pub rated_temperature: f64,
    /// Running current as a fraction of nameplate.
    pub load_fraction: f64,
    /// Drive output frequency while running, a little below `design_frequency`, Hz.
    pub frequency: f64,
    /// The frequency the shut-in head and design flow refer to, Hz.
    pub design_frequency: f64,
    /// Motor-side line voltage while running, V.
    pub voltage: f64,
    pub power_factor: f64,
    /// Pump intake pressure while running (drawn down), psi.
    pub intake_pressure: f64,
    /// How far PIP builds up above the running value when the pump stops, psi.
    pub drawdown: f64,
    /// Bubble point (`bubble_point_pressure`); a healthy well's PIP is ≥ 1.4 × this, psi.
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
    /// Wellhead pressure against a closed valve at `design_frequency` (`shut_in_head`), psi.
    pub shut_in_head: f64,
    pub casing_pressure: f64,
    /// Liquid rate while running, bbl/d.
    pub flow_rate: f64,
    /// Sizing rate at `design_frequency` (`design_flow`), bbl/d.
    pub design_flow: f64,
    /// Drive temperature with the motor stopped, °C; load adds up to 8 °C.
    pub drive_temperature: f64,
    /// How long the drive takes to ramp from 0 to the running frequency.
    pub ramp: Duration,
    /// Starts the drive had counted before the simulation began.
    pub initial_starts: u32,
    /// Fixed per-phase offsets of current (±0.3 %) and voltage (±0.15 %), summing to zero.
    pub current_unbalance: [f64; 3],
    pub voltage_unbalance: [f64; 3],
}

impl DesignPoint {
    /// The design point of well `index` (0-based) under `seed`, built on the well's static
    /// `data`: nameplate and sizing figures come from `data`, only the operating point and the
    /// sensor quirks are drawn.
    pub fn draw(seed: u64, index: usize, data: &WellData) -> DesignPoint {
        let mut rng = SmallRng::seed_from_u64(well_key(seed, index));
        let frequency = round(data.design_frequency * draw(&mut rng, 0.90..0.97), 0.1);
        let speed = frequency / data.design_frequency;
        let bubble_point = data.bubble_point_pressure;
        let casing_pressure = draw(&mut rng, 50.0..150.0).min(0.4 * bubble_point);
        let intake_pressure =
            round((bubble_point * draw(&mut rng, 1.4..2.2)).max(casing_pressure + MIN_SUBMERGENCE), 1.0);
        let motor_rise = draw(&mut rng, 15.0..30.0);
        let hottest_intake = data.motor_rated_temperature - MOTOR_HEADROOM - motor_rise;
        let tubing_ceiling = 0.3 * data.shut_in_head * speed * speed;
        DesignPoint {
            rated_current: data.motor_rated_current,
            rated_temperature: data.motor_rated_temperature,
            load_fraction: draw(&mut rng, 0.72..0.88),
            frequency,
            design_frequency: data.design_frequency,
            voltage: round(draw(&mut rng, 1800.0..2300.0), 10.0),
            power_factor: draw(&mut rng, 0.80..0.90),
            intake_pressure,
            drawdown: intake_pressure * draw(&mut rng, 0.15..0.35),
            bubble_point,
            intake_temperature: draw(&mut rng, 60.0..110.0).min(hottest_intake),
            motor_rise,
            vibration: [draw(&mut rng, 0.05..0.30), draw(&mut rng, 0.05..0.30)],
            leakage_current: draw(&mut rng, 1.0..5.0),
            pump_delta_p: draw(&mut rng, 1200.0..2800.0),
            tubing_pressure: draw(&mut rng, 100.0..300.0).min(tubing_ceiling),
            shut_in_head: data.shut_in_head,
            casing_pressure,
            flow_rate: round(data.design_flow * speed * draw(&mut rng, 0.82..0.98), 10.0),
            design_flow: data.design_flow,
            drive_temperature: draw(&mut rng, 30.0..42.0),
            ramp: Duration::from_secs(rng.random_range(20..=60)),
            initial_starts: rng.random_range(5..=200),
            current_unbalance: centred(&mut rng, CURRENT_UNBALANCE),
            voltage_unbalance: centred(&mut rng, VOLTAGE_UNBALANCE),
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

    /// Running frequency over design frequency: the affinity-law speed ratio.
    pub fn speed_ratio(&self) -> f64 {
        self.frequency / self.design_frequency
    }

    /// Wellhead pressure against a closed valve at the running frequency: the shut-in head
    /// scaled by the affinity law for head, psi.
    pub fn shut_in_head_at_speed(&self) -> f64 {
        self.shut_in_head * self.speed_ratio().powi(2)
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
#[path = "design_tests.rs"]
mod tests;
