//! Diagnoses judged from events rather than values: lost comms, unplanned trips, excessive
//! cycling, and which specific diagnosis explains a generic one (esp-domain §2.1).

use chrono::TimeDelta;

use super::super::rules::{ev, secs, VALUE_RULES};
use super::super::{DiagnosisKind, Evidence, Priority};
use super::{Finding, Status};
use crate::domain::{ConnectionState, TripCode};

/// Consecutive poll outcomes, for `comms_loss` with its own hysteresis.
#[derive(Clone, Copy, Debug, Default)]
pub struct CommsWatch {
    offline_polls: u32,
    good_polls: u32,
}

impl CommsWatch {
    /// Counts a poll and answers whether comms are lost, given whether they were.
    pub fn observe(&mut self, connection: ConnectionState, held: bool, lose_after: u32, recover_after: u32) -> bool {
        match connection {
            ConnectionState::Offline => {
                self.offline_polls += 1;
                self.good_polls = 0;
            }
            ConnectionState::Online | ConnectionState::Degraded => {
                self.good_polls += 1;
                self.offline_polls = 0;
            }
            ConnectionState::Connecting => {}
        }
        if held {
            self.good_polls < recover_after
        } else {
            self.offline_polls >= lose_after
        }
    }

    pub fn evidence(&self, limit: u32) -> Vec<Evidence> {
        vec![ev("polls_without_reply", f64::from(self.offline_polls), Some(f64::from(limit)), None, 0)]
    }
}

/// `unplanned_trip`: down by protection, not by an operator, until it has run 10 min again.
pub fn unplanned_trip(
    status: &Status,
    held: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<(Priority, Vec<Evidence>)> {
    if status.stopped_on_purpose() {
        return None;
    }
    let down = status.current_trip().is_some();
    let recovering = held && status.running_for(now).is_none_or(|running| running < TimeDelta::minutes(10));
    if !down && !recovering {
        return None;
    }
    let code = status.trips.back().and_then(|(_, code)| *code);
    // A trip the drive may restart from by itself is less urgent while that restart is pending.
    let restart_eligible =
        matches!(code, Some(TripCode::PowerLoss | TripCode::Underload | TripCode::LowIntakePressure));
    let priority = if restart_eligible && down { Priority::Medium } else { Priority::High };
    let evidence = vec![Evidence {
        signal: format!("trip_code:{}", code.map_or("unknown", TripCode::as_str)).into(),
        value: status.trips_within(now, TimeDelta::hours(24), None) as f64,
        limit: None,
        baseline: None,
        window_secs: Some(24 * 3600),
    }];
    Some((priority, evidence))
}

/// `excessive_cycling`: too many starts after trips within the window.
pub fn excessive_cycling(
    status: &Status,
    held: bool,
    starts: u32,
    window_secs: u64,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Vec<Evidence>> {
    let count = status.restarts_within(now, secs(window_secs));
    let limit = if held { 2 } else { starts as usize };
    (count >= limit).then(|| vec![ev("starts_after_trips", count as f64, Some(f64::from(starts)), None, window_secs)])
}

/// Links each generic diagnosis to the specific one that explains it, and lets the specific one
/// take the higher priority of the two.
pub fn explain(findings: &mut [Finding], current_over_voltage: Option<f64>) {
    use DiagnosisKind as K;
    let holds = |findings: &[Finding], kind: K| findings[kind as usize].measured;
    let mut links: Vec<(K, K)> = Vec::new();
    if holds(findings, K::UnplannedTrip) {
        // Any diagnosis judged from values is specific enough to explain a trip.
        let cause = VALUE_RULES
            .iter()
            .copied()
            .filter(|k| holds(findings, *k))
            .min_by_key(|k| findings[*k as usize].priority.rank());
        if let Some(cause) = cause {
            links.push((K::UnplannedTrip, cause));
        }
    }
    if holds(findings, K::VoltageImbalance) && current_over_voltage.is_some_and(|ratio| ratio <= 10.0) {
        links.push((K::CurrentImbalance, K::VoltageImbalance));
    }
    if holds(findings, K::Solids) {
        links.extend([(K::Overload, K::Solids), (K::HighVibration, K::Solids)]);
    }
    for cause in [K::ClosedValve, K::GasLock, K::PumpOff] {
        if holds(findings, cause) {
            links.push((K::MotorOverheat, cause));
            break;
        }
    }
    if holds(findings, K::PumpOff) {
        links.extend([(K::GasLock, K::PumpOff), (K::GasInterference, K::PumpOff)]);
    } else if holds(findings, K::GasLock) {
        links.push((K::GasInterference, K::GasLock));
    }
    for finding in findings.iter_mut() {
        finding.explained_by = None;
    }
    for (generic, specific) in links {
        findings[generic as usize].explained_by = Some(specific);
        if holds(findings, generic) {
            let absorbed = findings[generic as usize].priority;
            let own = &mut findings[specific as usize].priority;
            if absorbed.rank() < own.rank() {
                *own = absorbed;
            }
        }
    }
}
