//! The quantities the rules reason with, derived from one sample (esp-domain §1.2): average
//! current and voltage, NEMA unbalance, pump ΔP, submergence, motor rise, worst vibration axis.
//! Channels known to be bad are left out, so a rule that needs one is inhibited, not fooled.

use chrono::{DateTime, Utc};

use crate::domain::{Parameter, RunState, Sample, TripCode};

/// A set of parameters, one bit per slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChannelSet(u32);

impl ChannelSet {
    pub fn insert(&mut self, parameter: Parameter) {
        self.0 |= 1 << parameter.index();
    }

    pub fn contains(self, parameter: Parameter) -> bool {
        self.0 & (1 << parameter.index()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Parameter> {
        Parameter::ALL.iter().copied().filter(move |p| self.contains(*p))
    }
}

/// One sample's derived quantities; `None` where a source value is missing or bad.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Signals {
    pub at: Option<DateTime<Utc>>,
    pub run_state: Option<RunState>,
    pub trip_code: Option<TripCode>,
    /// Average of the three phase currents, A.
    pub current: Option<f64>,
    /// NEMA current unbalance, %.
    pub current_unbalance_pct: Option<f64>,
    /// Average of the three line voltages, V.
    pub voltage: Option<f64>,
    pub voltage_unbalance_pct: Option<f64>,
    pub frequency: Option<f64>,
    pub power: Option<f64>,
    pub intake_pressure: Option<f64>,
    pub casing_pressure: Option<f64>,
    /// PIP − casing pressure: the liquid column over the intake, psi.
    pub submergence: Option<f64>,
    /// Discharge − intake pressure, psi.
    pub delta_p: Option<f64>,
    pub tubing_pressure: Option<f64>,
    pub flow_rate: Option<f64>,
    pub motor_temperature: Option<f64>,
    pub intake_temperature: Option<f64>,
    /// Motor temperature over intake temperature, °C.
    pub motor_rise: Option<f64>,
    /// The larger of |vibration_x| and |vibration_y|, g.
    pub vibration: Option<f64>,
    pub leakage_current: Option<f64>,
}

impl Signals {
    /// Derives every quantity from `sample`, leaving out the parameters in `bad`.
    pub fn derive(sample: &Sample, bad: ChannelSet) -> Self {
        let get = |parameter: Parameter| sample.values.get(parameter).filter(|_| !bad.contains(parameter));
        let phases = triple(get(Parameter::CurrentA), get(Parameter::CurrentB), get(Parameter::CurrentC));
        let lines = triple(get(Parameter::VoltageAb), get(Parameter::VoltageBc), get(Parameter::VoltageCa));
        let intake_pressure = get(Parameter::IntakePressure);
        let casing_pressure = get(Parameter::CasingPressure);
        let motor_temperature = get(Parameter::MotorTemperature);
        let intake_temperature = get(Parameter::IntakeTemperature);
        let vibration = match (get(Parameter::VibrationX), get(Parameter::VibrationY)) {
            (Some(x), Some(y)) => Some(x.abs().max(y.abs())),
            (one, other) => one.or(other).map(f64::abs),
        };
        Self {
            at: Some(sample.at),
            run_state: sample.run_state,
            trip_code: sample.trip_code,
            current: phases.map(mean),
            current_unbalance_pct: phases.and_then(unbalance_pct),
            voltage: lines.map(mean),
            voltage_unbalance_pct: lines.and_then(unbalance_pct),
            frequency: get(Parameter::Frequency),
            power: get(Parameter::Power),
            intake_pressure,
            casing_pressure,
            submergence: intake_pressure.zip(casing_pressure).map(|(pip, casing)| pip - casing),
            delta_p: get(Parameter::DischargePressure).zip(intake_pressure).map(|(out, pip)| out - pip),
            tubing_pressure: get(Parameter::TubingPressure),
            flow_rate: get(Parameter::FlowRate),
            motor_temperature,
            intake_temperature,
            motor_rise: motor_temperature.zip(intake_temperature).map(|(tm, ti)| tm - ti),
            vibration,
            leakage_current: get(Parameter::LeakageCurrent),
        }
    }

    pub fn is_running(&self) -> bool {
        self.run_state == Some(RunState::Running)
    }
}

fn triple(a: Option<f64>, b: Option<f64>, c: Option<f64>) -> Option<[f64; 3]> {
    Some([a?, b?, c?])
}

fn mean(values: [f64; 3]) -> f64 {
    values.iter().sum::<f64>() / 3.0
}

/// NEMA unbalance: 100 × the largest deviation from the average over the average; none when the
/// average is too small to mean anything (a stopped motor).
pub fn unbalance_pct(values: [f64; 3]) -> Option<f64> {
    let average = mean(values);
    if average <= 1e-6 {
        return None;
    }
    let deviation = values.iter().map(|v| (v - average).abs()).fold(0.0, f64::max);
    Some(100.0 * deviation / average)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::WellId;

    fn sample(values: &[(Parameter, f64)]) -> Sample {
        let mut sample = Sample::new(WellId::new("W-1").unwrap_or_else(|e| panic!("{e}")), Utc::now());
        for (parameter, value) in values {
            sample.values.set(*parameter, *value);
        }
        sample
    }

    #[test]
    fn nema_unbalance_uses_the_largest_deviation() {
        let pct = unbalance_pct([100.0, 95.0, 105.0]).unwrap_or_default();
        assert!((pct - 5.0).abs() < 1e-9);
        assert_eq!(unbalance_pct([0.0, 0.0, 0.0]), None);
    }

    #[test]
    fn derived_quantities_and_bad_channels() {
        let sample = sample(&[
            (Parameter::CurrentA, 40.0),
            (Parameter::CurrentB, 40.0),
            (Parameter::CurrentC, 40.0),
            (Parameter::IntakePressure, 1200.0),
            (Parameter::CasingPressure, 100.0),
            (Parameter::DischargePressure, 3000.0),
            (Parameter::VibrationX, -0.4),
            (Parameter::VibrationY, 0.3),
        ]);
        let signals = Signals::derive(&sample, ChannelSet::default());
        assert_eq!(signals.current, Some(40.0));
        assert_eq!(signals.submergence, Some(1100.0));
        assert_eq!(signals.delta_p, Some(1800.0));
        assert_eq!(signals.vibration, Some(0.4));
        let mut bad = ChannelSet::default();
        bad.insert(Parameter::IntakePressure);
        let signals = Signals::derive(&sample, bad);
        assert_eq!((signals.intake_pressure, signals.submergence, signals.delta_p), (None, None, None));
        assert_eq!(bad.iter().collect::<Vec<_>>(), vec![Parameter::IntakePressure]);
    }
}
