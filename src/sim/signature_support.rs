//! Helpers for the signature tests of the process conditions: a well that ran healthy for
//! hours is put in a condition at [`ONSET`], then sampled once a second in simulated time, and
//! judged with the statistics the diagnostic rules use (esp-domain §1.2, §2.4).

use std::time::Duration;

use wellvisor_actors::domain::{Parameter, WellData};

use super::condition::ProcessCondition;
use super::physics::{ProcessEvent, Reading, WellModel, DEFAULT_RESTART_DELAY};

/// When the condition begins: after the 2 h a running baseline needs, and some.
pub const ONSET: u64 = 3 * 3600;

pub const CURRENTS: [Parameter; 3] = [Parameter::CurrentA, Parameter::CurrentB, Parameter::CurrentC];
pub const VOLTAGES: [Parameter; 3] = [Parameter::VoltageAb, Parameter::VoltageBc, Parameter::VoltageCa];

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The default well data and a smaller, hotter, lower-head 50 Hz well.
pub fn data_sets() -> [WellData; 2] {
    let custom = WellData {
        motor_rated_current: 42.0,
        motor_rated_temperature: 150.0,
        bubble_point_pressure: 1400.0,
        shut_in_head: 2200.0,
        design_flow: 1800.0,
        design_frequency: 50.0,
        feeder_id: Some("F-2".into()),
    };
    [WellData::default(), custom]
}

pub fn get(reading: &Reading, parameter: Parameter) -> f64 {
    reading.values.get(parameter).unwrap_or(f64::NAN)
}

fn mean_of(reading: &Reading, phases: [Parameter; 3]) -> f64 {
    phases.iter().map(|p| get(reading, *p)).sum::<f64>() / 3.0
}

/// Average phase current, A.
pub fn current(reading: &Reading) -> f64 {
    mean_of(reading, CURRENTS)
}

/// Average line voltage, V.
pub fn voltage(reading: &Reading) -> f64 {
    mean_of(reading, VOLTAGES)
}

/// NEMA unbalance, %.
pub fn unbalance(reading: &Reading, phases: [Parameter; 3]) -> f64 {
    let mean = mean_of(reading, phases);
    100.0 * phases.iter().map(|p| (get(reading, *p) - mean).abs()).fold(0.0, f64::max) / mean
}

pub fn submergence(reading: &Reading) -> f64 {
    get(reading, Parameter::IntakePressure) - get(reading, Parameter::CasingPressure)
}

pub fn delta_p(reading: &Reading) -> f64 {
    get(reading, Parameter::DischargePressure) - get(reading, Parameter::IntakePressure)
}

/// Mean, extremes and coefficient of variation of a series.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    pub cv: f64,
}

pub fn stats(values: impl IntoIterator<Item = f64>) -> Stats {
    let values: Vec<f64> = values.into_iter().collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Stats { mean, min, max, cv: variance.sqrt() / mean }
}

/// The well's steady values over the 10 min before [`ONSET`].
#[derive(Clone, Copy, Debug)]
pub struct Baseline {
    pub current: Stats,
    pub voltage: Stats,
    pub frequency: f64,
    pub intake_pressure: f64,
    pub delta_p: f64,
    pub flow: f64,
    pub tubing: f64,
    pub vibration: [f64; 2],
    pub leakage: f64,
    pub motor_temperature: f64,
    pub intake_temperature: f64,
}

/// A well put in a condition at [`ONSET`]. Queries work on copies of the model, so they can be
/// made in any order.
pub struct Trial {
    pub model: WellModel,
    pub base: Baseline,
}

impl Trial {
    /// Well `index` with `data`, healthy until [`ONSET`], then in `condition`.
    pub fn new(index: usize, data: &WellData, condition: ProcessCondition, restart_delay: Duration) -> Trial {
        let mut model = WellModel::for_well(17, index, data, restart_delay);
        let before = window(&model, ONSET - 600, ONSET);
        let mean = |parameter: Parameter| stats(before.iter().map(|r| get(r, parameter))).mean;
        let base = Baseline {
            current: stats(before.iter().map(current)),
            voltage: stats(before.iter().map(voltage)),
            frequency: mean(Parameter::Frequency),
            intake_pressure: mean(Parameter::IntakePressure),
            delta_p: stats(before.iter().map(delta_p)).mean,
            flow: mean(Parameter::FlowRate),
            tubing: mean(Parameter::TubingPressure),
            vibration: [mean(Parameter::VibrationX), mean(Parameter::VibrationY)],
            leakage: mean(Parameter::LeakageCurrent),
            motor_temperature: mean(Parameter::MotorTemperature),
            intake_temperature: mean(Parameter::IntakeTemperature),
        };
        model.apply(ProcessEvent::Condition(condition), secs(ONSET));
        Trial { model, base }
    }

    /// Eight trials: wells 0–3 under each data set, with the default restart delay.
    pub fn all(condition: ProcessCondition) -> Vec<Trial> {
        Trial::all_with_delay(condition, DEFAULT_RESTART_DELAY)
    }

    pub fn all_with_delay(condition: ProcessCondition, restart_delay: Duration) -> Vec<Trial> {
        let sets = data_sets();
        (0..4)
            .flat_map(|index| sets.iter().map(move |data| (index, data)))
            .map(|(index, data)| Trial::new(index, data, condition, restart_delay))
            .collect()
    }

    /// The reading `offset` seconds after onset.
    pub fn at(&self, offset: u64) -> Reading {
        self.model.clone().observe(secs(ONSET + offset))
    }

    /// One reading a second from `from` to `to` seconds after onset (`to` excluded).
    pub fn window(&self, from: u64, to: u64) -> Vec<Reading> {
        window(&self.model, ONSET + from, ONSET + to)
    }

    /// Statistics of `f` over a window after onset.
    pub fn stats(&self, from: u64, to: u64, f: impl Fn(&Reading) -> f64) -> Stats {
        stats(self.window(from, to).iter().map(f))
    }
}

/// One reading a second of a copy of `model` over `[from, to)` seconds of simulation time.
pub fn window(model: &WellModel, from: u64, to: u64) -> Vec<Reading> {
    let mut model = model.clone();
    (from..to).map(|t| model.observe(secs(t))).collect()
}
