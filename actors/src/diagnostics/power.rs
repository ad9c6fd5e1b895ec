//! Fleet-level correlation (esp-domain §2.4 `power_event`, §3.3): many wells of one feeder
//! tripping on power loss or going silent together is one power event, and every unit behind
//! one gateway going silent together is one gateway outage, not a flood of per-well alarms.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::rules::ev;
use super::Evidence;
use crate::domain::WellId;

/// Trips closer together than this belong to one event.
const WINDOW: Duration = Duration::from_secs(60);

/// What a well tells its feeder's watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeederSignal {
    /// The motor is running (it counts towards the feeder's running wells).
    Running,
    /// It stopped turning for a reason that can be the supply: a `power_loss` trip, a stop no
    /// operator commanded, or the drive falling silent.
    Lost,
    /// Stopped for a reason of its own (an operator stop, another trip code).
    Down,
}

#[derive(Clone, Debug, Default)]
struct Feeder {
    running: BTreeSet<WellId>,
    /// Losses in arrival order; each well at most once per window.
    losses: VecDeque<(DateTime<Utc>, WellId)>,
    /// Whether a power event holds, and the wells it took down that are not running again:
    /// the event lasts until the feeder's wells are back.
    event: bool,
    down: BTreeSet<WellId>,
}

/// Judges one power event per feeder.
#[derive(Clone, Debug, Default)]
pub struct FeederWatch {
    feeders: BTreeMap<String, Feeder>,
}

/// A feeder's verdict: whether the power event holds now, with its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct FeederVerdict {
    pub holds: bool,
    pub wells: Vec<WellId>,
    pub evidence: Vec<Evidence>,
}

impl FeederWatch {
    /// Takes in one well's news and answers the feeder's verdict.
    pub fn observe(&mut self, feeder: &str, well: &WellId, signal: FeederSignal, now: DateTime<Utc>) -> FeederVerdict {
        let state = self.feeders.entry(feeder.to_owned()).or_default();
        match signal {
            FeederSignal::Running => {
                state.running.insert(well.clone());
                state.down.remove(well);
            }
            FeederSignal::Lost => {
                if !state.losses.iter().any(|(_, w)| w == well) {
                    state.losses.push_back((now, well.clone()));
                }
                state.running.remove(well);
            }
            FeederSignal::Down => {
                state.running.remove(well);
            }
        }
        self.judge(feeder, now)
    }

    /// The feeder's verdict at `now` (losses older than the window are forgotten).
    pub fn judge(&mut self, feeder: &str, now: DateTime<Utc>) -> FeederVerdict {
        let Some(state) = self.feeders.get_mut(feeder) else {
            return FeederVerdict { holds: false, wells: Vec::new(), evidence: Vec::new() };
        };
        let window = TimeDelta::from_std(WINDOW).unwrap_or(TimeDelta::MAX);
        while state.losses.front().is_some_and(|(at, _)| now - *at > window) {
            state.losses.pop_front();
        }
        let lost = state.losses.len();
        // The wells that were running before the event: still running, or lost in it.
        let population = state.running.len() + lost;
        let share = if population == 0 { 0.0 } else { lost as f64 / population as f64 };
        let fresh = lost >= 2 && share >= 0.3;
        if fresh {
            state.down.extend(state.losses.iter().map(|(_, w)| w.clone()));
        }
        let holds = fresh || (state.event && !state.down.is_empty());
        state.event = holds;
        if !holds {
            state.down.clear();
        }
        let wells = state
            .losses
            .iter()
            .map(|(_, w)| w.clone())
            .chain(state.down.iter().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let evidence = vec![
            ev("wells_lost", lost as f64, Some(2.0), None, WINDOW.as_secs()),
            ev("share_of_running_pct", 100.0 * share, Some(30.0), None, WINDOW.as_secs()),
            ev("wells_still_down", state.down.len() as f64, None, None, 0),
        ];
        FeederVerdict { holds, wells, evidence }
    }

    /// Whether a well counts among its feeder's running wells.
    pub fn is_running(&self, feeder: &str, well: &WellId) -> bool {
        self.feeders.get(feeder).is_some_and(|state| state.running.contains(well))
    }

    /// Feeders with losses still in the window: the ones worth judging again as time passes.
    pub fn pending(&self) -> Vec<String> {
        self.feeders.iter().filter(|(_, f)| !f.losses.is_empty() || f.event).map(|(name, _)| name.clone()).collect()
    }

    /// Forgets a well (removed from the fleet).
    pub fn forget(&mut self, feeder: &str, well: &WellId) {
        if let Some(state) = self.feeders.get_mut(feeder) {
            state.running.remove(well);
            state.down.remove(well);
            state.losses.retain(|(_, w)| w != well);
        }
    }
}

/// Judges one outage per gateway: every unit behind it silent at once.
#[derive(Clone, Debug, Default)]
pub struct GatewayWatch {
    gateways: BTreeMap<String, BTreeMap<WellId, bool>>,
}

impl GatewayWatch {
    /// Records whether a unit behind `gateway` is silent; answers whether the gateway is out,
    /// with the number of its units.
    pub fn observe(&mut self, gateway: &str, well: &WellId, silent: bool) -> (bool, usize) {
        let units = self.gateways.entry(gateway.to_owned()).or_default();
        units.insert(well.clone(), silent);
        let out = units.len() >= 2 && units.values().all(|silent| *silent);
        (out, units.len())
    }

    pub fn forget(&mut self, gateway: &str, well: &WellId) {
        if let Some(units) = self.gateways.get_mut(gateway) {
            units.remove(well);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).single().unwrap_or_default()
    }

    fn well(n: usize) -> WellId {
        WellId::new(&format!("W-{n:03}")).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn two_losses_among_few_running_wells_within_a_minute_are_a_power_event() {
        let mut watch = FeederWatch::default();
        for n in 0..5 {
            watch.observe("F-1", &well(n), FeederSignal::Running, at(0));
        }
        assert!(!watch.observe("F-1", &well(0), FeederSignal::Lost, at(10)).holds);
        let verdict = watch.observe("F-1", &well(1), FeederSignal::Lost, at(20));
        assert!(verdict.holds, "2 of 5 is 40 %");
        assert_eq!(verdict.wells, vec![well(0), well(1)]);
        assert!(watch.judge("F-1", at(90)).holds, "the event lasts while its wells are down");
        watch.observe("F-1", &well(0), FeederSignal::Running, at(100));
        assert!(!watch.observe("F-1", &well(1), FeederSignal::Running, at(130)).holds);
    }

    #[test]
    fn a_lone_loss_or_a_small_share_is_not_a_power_event() {
        let mut watch = FeederWatch::default();
        for n in 0..20 {
            watch.observe("F-1", &well(n), FeederSignal::Running, at(0));
        }
        watch.observe("F-1", &well(0), FeederSignal::Lost, at(1));
        assert!(!watch.observe("F-1", &well(1), FeederSignal::Lost, at(2)).holds, "2 of 20 is 10 %");
        assert!(!watch.observe("F-2", &well(30), FeederSignal::Lost, at(2)).holds);
        watch.observe("F-1", &well(2), FeederSignal::Down, at(3));
        assert_eq!(watch.pending(), vec!["F-1".to_owned(), "F-2".to_owned()]);
    }

    #[test]
    fn a_gateway_is_out_only_when_every_unit_is_silent() {
        let mut watch = GatewayWatch::default();
        assert_eq!(watch.observe("10.0.0.5:502", &well(1), true), (false, 1));
        assert_eq!(watch.observe("10.0.0.5:502", &well(2), false), (false, 2));
        assert_eq!(watch.observe("10.0.0.5:502", &well(2), true), (true, 2));
        watch.forget("10.0.0.5:502", &well(2));
        assert_eq!(watch.observe("10.0.0.5:502", &well(1), true), (false, 1));
    }
}
