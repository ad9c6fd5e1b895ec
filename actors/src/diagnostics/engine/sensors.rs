//! Sensor plausibility (esp-domain §2.4 `sensor_fault`): values outside their plausible bounds,
//! physics cross-checks, and gauge channels frozen bit-identical while the pump runs. The bad
//! channels it finds are kept out of every other rule.

use chrono::{DateTime, TimeDelta, Utc};

use super::super::rules::ev;
use super::super::signals::ChannelSet;
use super::super::Evidence;
use crate::domain::{Parameter, RunState, Sample, WellData};

/// Gauge channels that carry noise in steady running, so a bit-identical value means frozen.
const GAUGE_CHANNELS: [Parameter; 6] = [
    Parameter::IntakePressure,
    Parameter::IntakeTemperature,
    Parameter::DischargePressure,
    Parameter::MotorTemperature,
    Parameter::VibrationX,
    Parameter::VibrationY,
];

/// The last value of a gauge channel and since when it has not moved.
#[derive(Clone, Copy, Debug, Default)]
struct Frozen {
    bits: u64,
    since: Option<DateTime<Utc>>,
}

/// What the sensor checks remember between samples.
#[derive(Clone, Debug, Default)]
pub struct SensorWatch {
    frozen: [Frozen; GAUGE_CHANNELS.len()],
}

/// The channels judged bad now, with the evidence.
#[derive(Clone, Debug, Default)]
pub struct SensorFindings {
    pub bad: ChannelSet,
    pub evidence: Vec<Evidence>,
}

impl SensorFindings {
    fn flag(&mut self, parameter: Parameter, value: f64, limit: Option<f64>) {
        if !self.bad.contains(parameter) {
            self.bad.insert(parameter);
            self.evidence.push(ev(parameter.as_str(), value, limit, None, 0));
        }
    }
}

impl SensorWatch {
    pub fn check(&mut self, sample: &Sample, data: &WellData, frozen_after: TimeDelta) -> SensorFindings {
        let mut findings = SensorFindings::default();
        check_bounds(sample, data, &mut findings);
        check_physics(sample, data, &mut findings);
        self.check_frozen(sample, frozen_after, &mut findings);
        findings
    }

    fn check_frozen(&mut self, sample: &Sample, frozen_after: TimeDelta, findings: &mut SensorFindings) {
        let running = sample.run_state == Some(RunState::Running);
        for (slot, parameter) in GAUGE_CHANNELS.iter().enumerate() {
            let tracker = &mut self.frozen[slot];
            let Some(value) = sample.values.get(*parameter).filter(|_| running) else {
                *tracker = Frozen::default();
                continue;
            };
            if tracker.since.is_none() || tracker.bits != value.to_bits() {
                *tracker = Frozen { bits: value.to_bits(), since: Some(sample.at) };
            } else if tracker.since.is_some_and(|since| sample.at - since >= frozen_after) {
                findings.flag(*parameter, value, None);
            }
        }
    }
}

/// Values outside what the instrument can physically report (esp-domain §1 "Plausible").
fn check_bounds(sample: &Sample, data: &WellData, findings: &mut SensorFindings) {
    use Parameter as P;
    let rated = data.motor_rated_current;
    let head = 1.2 * data.shut_in_head;
    // A start's inrush may pass twice the nameplate for a few seconds; judge current only running.
    let running = sample.run_state == Some(RunState::Running);
    for (parameter, value) in sample.values.iter() {
        let (low, high) = match parameter {
            P::CurrentA | P::CurrentB | P::CurrentC if running => (0.0, 2.0 * rated),
            P::CurrentA | P::CurrentB | P::CurrentC => (0.0, f64::INFINITY),
            P::Frequency => (0.0, 120.0),
            P::PowerFactor => (0.0, 1.0),
            P::IntakePressure | P::DischargePressure => (0.0, 10_000.0),
            P::IntakeTemperature | P::MotorTemperature => {
                (-10.0, if parameter == P::MotorTemperature { 250.0 } else { 200.0 })
            }
            P::VibrationX | P::VibrationY => (-32.0, 32.0),
            P::LeakageCurrent => (0.0, 1000.0),
            P::TubingPressure | P::CasingPressure => (0.0, head),
            P::FlowRate => (0.0, 3.0 * data.design_flow),
            P::DriveTemperature => (-40.0, 120.0),
            _ => continue,
        };
        if value < low || value > high {
            findings.flag(parameter, value, Some(if value < low { low } else { high }));
        }
    }
}

/// Cross-checks between channels that physics ties together.
fn check_physics(sample: &Sample, data: &WellData, findings: &mut SensorFindings) {
    use Parameter as P;
    let get = |p: Parameter| sample.values.get(p);
    if let (Some(discharge), Some(intake), Some(frequency)) =
        (get(P::DischargePressure), get(P::IntakePressure), get(P::Frequency))
    {
        if frequency > 30.0 && discharge < intake {
            findings.flag(P::DischargePressure, discharge, Some(intake));
        }
    }
    if let (Some(motor), Some(intake)) = (get(P::MotorTemperature), get(P::IntakeTemperature)) {
        if motor < intake - 5.0 {
            findings.flag(P::MotorTemperature, motor, Some(intake - 5.0));
        }
    }
    if sample.run_state == Some(RunState::Stopped) {
        for phase in [P::CurrentA, P::CurrentB, P::CurrentC] {
            if let Some(current) = get(phase).filter(|c| *c > 0.1 * data.motor_rated_current) {
                findings.flag(phase, current, Some(0.1 * data.motor_rated_current));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::WellId;
    use chrono::TimeZone;

    fn sample(secs: i64, values: &[(Parameter, f64)]) -> Sample {
        let at = Utc.timestamp_opt(1_700_000_000 + secs, 0).single().unwrap_or_default();
        let mut sample = Sample::new(WellId::new("W-1").unwrap_or_else(|e| panic!("{e}")), at);
        sample.run_state = Some(RunState::Running);
        for (parameter, value) in values {
            sample.values.set(*parameter, *value);
        }
        sample
    }

    #[test]
    fn out_of_bounds_and_cross_checks_name_the_channel() {
        let mut watch = SensorWatch::default();
        let data = WellData::default();
        let bad = sample(
            0,
            &[(Parameter::PowerFactor, 1.4), (Parameter::MotorTemperature, 60.0), (Parameter::IntakeTemperature, 80.0)],
        );
        let findings = watch.check(&bad, &data, TimeDelta::minutes(30));
        assert!(findings.bad.contains(Parameter::PowerFactor));
        assert!(findings.bad.contains(Parameter::MotorTemperature));
        assert!(!findings.bad.contains(Parameter::IntakeTemperature));
    }

    #[test]
    fn a_gauge_frozen_while_running_is_flagged_after_the_hold() {
        let mut watch = SensorWatch::default();
        let data = WellData::default();
        let frozen = TimeDelta::minutes(30);
        for minute in 0..30 {
            let findings = watch.check(&sample(minute * 60, &[(Parameter::IntakePressure, 1234.5)]), &data, frozen);
            assert!(findings.bad.is_empty(), "flagged after {minute} min");
        }
        let findings = watch.check(&sample(30 * 60, &[(Parameter::IntakePressure, 1234.5)]), &data, frozen);
        assert!(findings.bad.contains(Parameter::IntakePressure));
        let moving = watch.check(&sample(31 * 60, &[(Parameter::IntakePressure, 1234.6)]), &data, frozen);
        assert!(moving.bad.is_empty());
    }
}
