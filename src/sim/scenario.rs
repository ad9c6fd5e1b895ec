//! The scenario file: timed communication faults, process events, process conditions and
//! feeder power dips for a simulated fleet.
//!
//! ```toml
//! restart_delay = "2m"      # auto-restart delay after a trip (default 2m)
//!
//! [[fault]]
//! well = "W-005"            # an id, or the well's number (5)
//! kind = "silent"           # none | silent | slow | exception | drop | garbage
//! at = "0s"                 # offset from simulator start (default 0s)
//! until = "10m"             # optional: back to healthy then
//!
//! [[process]]
//! well = 8
//! event = "trip"            # trip | stop | start | condition | power_dip
//! code = "power_loss"       # trip only: a canonical trip code
//! at = "2m"
//! restart_after = "90s"     # trip and power_dip only (default restart_delay)
//!
//! [[process]]
//! well = 3
//! event = "condition"
//! condition = "gas_lock"    # a diagnosis name (ProcessCondition), or "normal"
//! at = "10m"
//! until = "2h"              # optional: back to normal then
//!
//! [[process]]
//! event = "power_dip"
//! feeder = "F-1"            # or wells = ["W-001", 2, 3]
//! at = "30m"
//! ```
//!
//! Parsing checks everything that does not depend on the fleet; [`Scenario::timeline`] then
//! checks the wells and feeders exist. Errors name the file, the entry (`fault[2]`) and the
//! problem.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use wellvisor_actors::domain::WellData;

use super::condition::ProcessCondition;
use super::fault::{CommsFault, FaultKind, FaultSpec};
use super::physics::{ProcessEvent, DEFAULT_RESTART_DELAY};
use super::scenario_process::{process_entry, ProcessFile};
use super::well_ref::{well_id, WellRef};
use super::SimError;
use crate::config::duration;

/// After a power dip the wells restart this far apart, in the order the entry names them (or
/// well order for a feeder), to limit the inrush sag (esp-domain §5).
pub const POWER_DIP_STAGGER: Duration = Duration::from_secs(30);

/// A validated scenario; [`Scenario::empty`] for none.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// The file it came from, for error messages.
    pub source: String,
    /// How long a tripped well waits before restarting by itself, unless a trip says otherwise.
    pub restart_delay: Duration,
    pub faults: Vec<FaultEntry>,
    pub process: Vec<ProcessEntry>,
}

/// A communication fault on one well from `at` until `until` (or for good).
#[derive(Clone, Debug, PartialEq)]
pub struct FaultEntry {
    pub well: WellRef,
    pub fault: CommsFault,
    pub at: Duration,
    pub until: Option<Duration>,
}

/// A process event on one or more wells at `at`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessEntry {
    pub wells: Wells,
    /// For a power dip, `restart_after` is the first well's; each next well's is
    /// [`POWER_DIP_STAGGER`] later.
    pub event: ProcessEvent,
    pub at: Duration,
    /// A condition only: when the well returns to normal, unless something changed its
    /// condition since.
    pub until: Option<Duration>,
}

/// The wells a process entry acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wells {
    /// `well = ...`: trips, stops, starts and conditions.
    One(WellRef),
    /// `wells = [...]`: power dips, in this order.
    Listed(Vec<WellRef>),
    /// `feeder = "..."`: power dips on every well whose data names this feeder, in well order.
    Feeder(String),
}

/// A change to one well at an offset from simulator start, as the fleet replays it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimedAction {
    pub at: Duration,
    pub action: Action,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Fault entry `entry` begins.
    SetFault {
        fault: CommsFault,
        entry: usize,
    },
    /// Fault entry `entry` ends: the well is healthy again unless something else set its fault
    /// since.
    ClearFault {
        entry: usize,
    },
    /// Process entry `entry` puts the well in a condition.
    SetCondition {
        condition: ProcessCondition,
        entry: usize,
    },
    /// Process entry `entry`'s condition ends: the well is normal again unless something else
    /// set its condition since.
    ClearCondition {
        entry: usize,
    },
    Process(ProcessEvent),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    #[serde(default, with = "duration::option")]
    restart_delay: Option<Duration>,
    #[serde(default)]
    fault: Vec<FaultFile>,
    #[serde(default)]
    process: Vec<ProcessFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultFile {
    well: WellRef,
    kind: FaultKind,
    #[serde(default, with = "duration::option")]
    delay: Option<Duration>,
    code: Option<u8>,
    #[serde(default, with = "duration::option")]
    at: Option<Duration>,
    #[serde(default, with = "duration::option")]
    until: Option<Duration>,
}

impl Scenario {
    /// No faults, no events: every well runs healthy.
    pub fn empty() -> Scenario {
        Scenario {
            source: "(no scenario)".into(),
            restart_delay: DEFAULT_RESTART_DELAY,
            faults: Vec::new(),
            process: Vec::new(),
        }
    }

    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, SimError> {
        let source = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| scenario_error(&source, "file", format!("cannot read: {e}")))?;
        Scenario::parse(&source, &text)
    }

    /// Validates scenario `text`; `source` names it in errors.
    pub fn parse(source: &str, text: &str) -> Result<Scenario, SimError> {
        let file: ScenarioFile = toml::from_str(text).map_err(|error| {
            let entry = error.span().map_or("file".to_owned(), |span| locate(text, span.start));
            scenario_error(source, &entry, error.message().to_owned())
        })?;
        let fail = |entry: String, problem: String| scenario_error(source, &entry, problem);
        let restart_delay = file.restart_delay.unwrap_or(DEFAULT_RESTART_DELAY);
        let mut faults = Vec::with_capacity(file.fault.len());
        for (index, entry) in file.fault.iter().enumerate() {
            faults.push(fault_entry(entry).map_err(|p| fail(format!("fault[{index}] (well {})", entry.well), p))?);
        }
        let mut process = Vec::with_capacity(file.process.len());
        for (index, entry) in file.process.iter().enumerate() {
            let parsed = process_entry(entry, restart_delay);
            process.push(parsed.map_err(|p| fail(format!("process[{index}]{}", entry.label()), p))?);
        }
        Ok(Scenario { source: source.to_owned(), restart_delay, faults, process })
    }

    /// Every well's actions in time order (file order among equal times), checking that each
    /// named well is one of `wells` and each named feeder has wells in `well_data` (well `i`
    /// uses entry `i`; wells past its end have no feeder).
    pub(crate) fn timeline(&self, wells: usize, well_data: &[WellData]) -> Result<Vec<Vec<TimedAction>>, SimError> {
        let mut timeline: Vec<Vec<TimedAction>> = vec![Vec::new(); wells];
        for (entry, fault) in self.faults.iter().enumerate() {
            let index = self.resolve(&fault.well, wells, &format!("fault[{entry}]"))?;
            let set = Action::SetFault { fault: fault.fault, entry };
            timeline[index].push(TimedAction { at: fault.at, action: set });
            if let Some(until) = fault.until {
                timeline[index].push(TimedAction { at: until, action: Action::ClearFault { entry } });
            }
        }
        for (entry, process) in self.process.iter().enumerate() {
            let targets = self.targets(&process.wells, wells, well_data, &format!("process[{entry}]"))?;
            for (order, index) in targets.into_iter().enumerate() {
                timeline[index].extend(process_actions(process, entry, order));
            }
        }
        for actions in &mut timeline {
            actions.sort_by_key(|action| action.at);
        }
        Ok(timeline)
    }

    /// The index of `well` in a fleet of `wells`.
    fn resolve(&self, well: &WellRef, wells: usize, entry: &str) -> Result<usize, SimError> {
        let problem = || format!("well {well} does not exist: the simulator runs {wells} wells");
        well.resolve(wells).ok_or_else(|| scenario_error(&self.source, entry, problem()))
    }

    /// The indexes of the wells an entry acts on, in order, each once.
    fn targets(
        &self,
        target: &Wells,
        wells: usize,
        well_data: &[WellData],
        entry: &str,
    ) -> Result<Vec<usize>, SimError> {
        let indexes = match target {
            Wells::One(well) => vec![self.resolve(well, wells, entry)?],
            Wells::Listed(list) => {
                list.iter().map(|well| self.resolve(well, wells, entry)).collect::<Result<_, _>>()?
            }
            Wells::Feeder(feeder) => {
                let on_feeder = |index: &usize| {
                    well_data.get(*index).and_then(|data| data.feeder_id.as_deref()) == Some(feeder.as_str())
                };
                let indexes: Vec<usize> = (0..wells).filter(on_feeder).collect();
                if indexes.is_empty() {
                    let problem = format!("feeder {feeder:?} has no wells: no simulated well's data names it");
                    return Err(scenario_error(&self.source, entry, problem));
                }
                indexes
            }
        };
        if let Some(twice) = indexes.iter().enumerate().find(|(i, index)| indexes[..*i].contains(index)) {
            let problem = format!("well {} is named twice", well_id(*twice.1));
            return Err(scenario_error(&self.source, entry, problem));
        }
        Ok(indexes)
    }
}

/// What process entry `entry` does to the `order`-th well it names.
fn process_actions(process: &ProcessEntry, entry: usize, order: usize) -> Vec<TimedAction> {
    let at = process.at;
    match process.event {
        ProcessEvent::Condition(condition) => {
            let mut actions = vec![TimedAction { at, action: Action::SetCondition { condition, entry } }];
            if let Some(until) = process.until {
                actions.push(TimedAction { at: until, action: Action::ClearCondition { entry } });
            }
            actions
        }
        ProcessEvent::PowerDip { ride_through, restart_after } => {
            let stagger = POWER_DIP_STAGGER.saturating_mul(u32::try_from(order).unwrap_or(u32::MAX));
            let restart_after = restart_after.map(|first| first.saturating_add(stagger));
            vec![TimedAction { at, action: Action::Process(ProcessEvent::PowerDip { ride_through, restart_after }) }]
        }
        event => vec![TimedAction { at, action: Action::Process(event) }],
    }
}

fn fault_entry(entry: &FaultFile) -> Result<FaultEntry, String> {
    let fault = FaultSpec { kind: entry.kind, delay: entry.delay, code: entry.code }.to_fault()?;
    let at = entry.at.unwrap_or_default();
    check_until(at, entry.until)?;
    Ok(FaultEntry { well: entry.well.clone(), fault, at, until: entry.until })
}

/// An `until` must come after its `at`.
pub(super) fn check_until(at: Duration, until: Option<Duration>) -> Result<(), String> {
    match until {
        Some(until) if until <= at => {
            Err(format!("until ({}) must come after at ({})", duration::format(until), duration::format(at)))
        }
        _ => Ok(()),
    }
}

fn scenario_error(source: &str, entry: &str, problem: String) -> SimError {
    SimError::Scenario { file: source.to_owned(), entry: entry.to_owned(), problem }
}

/// `line N`, plus the array entry the line belongs to (`fault[1]`) when there is one.
fn locate(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let mut entry = None;
    let mut counts = [0usize; 2];
    for header in before.lines().map(str::trim) {
        for (slot, name) in ["fault", "process"].iter().enumerate() {
            if header == format!("[[{name}]]") {
                entry = Some(format!("{name}[{}]", counts[slot]));
                counts[slot] += 1;
            }
        }
    }
    match entry {
        Some(entry) => format!("line {line} ({entry})"),
        None => format!("line {line}"),
    }
}

#[cfg(test)]
#[path = "scenario_tests.rs"]
mod tests;
