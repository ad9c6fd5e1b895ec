//! The scenario file: timed communication faults and process events for a simulated fleet.
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
//! event = "trip"            # trip | stop | start
//! code = "power_loss"       # trip only: a canonical trip code
//! at = "2m"
//! restart_after = "90s"     # trip only (default restart_delay)
//! ```
//!
//! Parsing checks everything that does not depend on the fleet; [`Scenario::timeline`] then
//! checks the wells exist. Errors name the file, the entry (`fault[2]`) and the problem.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use wellvisor_actors::domain::TripCode;

use super::fault::{CommsFault, FaultKind, FaultSpec};
use super::physics::{ProcessEvent, DEFAULT_RESTART_DELAY};
use super::well_ref::WellRef;
use super::SimError;
use crate::config::duration;

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

/// A process event on one well at `at`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessEntry {
    pub well: WellRef,
    pub event: ProcessEvent,
    pub at: Duration,
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

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ProcessKind {
    Trip,
    Stop,
    Start,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProcessFile {
    well: WellRef,
    event: ProcessKind,
    code: Option<TripCode>,
    #[serde(default, with = "duration::option")]
    at: Option<Duration>,
    #[serde(default, with = "duration::option")]
    restart_after: Option<Duration>,
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
        let mut faults = Vec::with_capacity(file.fault.len());
        for (index, entry) in file.fault.iter().enumerate() {
            faults.push(fault_entry(entry).map_err(|p| fail(format!("fault[{index}] (well {})", entry.well), p))?);
        }
        let mut process = Vec::with_capacity(file.process.len());
        for (index, entry) in file.process.iter().enumerate() {
            process.push(process_entry(entry).map_err(|p| fail(format!("process[{index}] (well {})", entry.well), p))?);
        }
        let restart_delay = file.restart_delay.unwrap_or(DEFAULT_RESTART_DELAY);
        Ok(Scenario { source: source.to_owned(), restart_delay, faults, process })
    }

    /// Every well's actions in time order (file order among equal times), checking that each
    /// named well is one of `wells`.
    pub(crate) fn timeline(&self, wells: usize) -> Result<Vec<Vec<TimedAction>>, SimError> {
        let mut timeline: Vec<Vec<TimedAction>> = vec![Vec::new(); wells];
        let resolve = |well: &WellRef, entry: String| {
            let problem = || format!("well {well} does not exist: the simulator runs {wells} wells");
            well.resolve(wells).ok_or_else(|| scenario_error(&self.source, &entry, problem()))
        };
        for (entry, fault) in self.faults.iter().enumerate() {
            let index = resolve(&fault.well, format!("fault[{entry}]"))?;
            let set = Action::SetFault { fault: fault.fault, entry };
            timeline[index].push(TimedAction { at: fault.at, action: set });
            if let Some(until) = fault.until {
                timeline[index].push(TimedAction { at: until, action: Action::ClearFault { entry } });
            }
        }
        for (entry, process) in self.process.iter().enumerate() {
            let index = resolve(&process.well, format!("process[{entry}]"))?;
            timeline[index].push(TimedAction { at: process.at, action: Action::Process(process.event) });
        }
        for actions in &mut timeline {
            actions.sort_by_key(|action| action.at);
        }
        Ok(timeline)
    }
}

fn fault_entry(entry: &FaultFile) -> Result<FaultEntry, String> {
    let fault = FaultSpec { kind: entry.kind, delay: entry.delay, code: entry.code }.to_fault()?;
    let at = entry.at.unwrap_or_default();
    if let Some(until) = entry.until {
        if until <= at {
            return Err(format!("until ({}) must come after at ({})", duration::format(until), duration::format(at)));
        }
    }
    Ok(FaultEntry { well: entry.well.clone(), fault, at, until: entry.until })
}

fn process_entry(entry: &ProcessFile) -> Result<ProcessEntry, String> {
    let event = match entry.event {
        ProcessKind::Trip => {
            let code = entry.code.ok_or("a trip needs a code, e.g. code = \"power_loss\"")?;
            if code == TripCode::None {
                return Err("a trip needs a reason: code \"none\" is not one".into());
            }
            ProcessEvent::Trip { code, restart_after: entry.restart_after }
        }
        ProcessKind::Stop | ProcessKind::Start if entry.code.is_some() || entry.restart_after.is_some() => {
            return Err("code and restart_after apply only to event \"trip\"".into());
        }
        ProcessKind::Stop => ProcessEvent::Stop,
        ProcessKind::Start => ProcessEvent::Start,
    };
    Ok(ProcessEntry { well: entry.well.clone(), event, at: entry.at.unwrap_or_default() })
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
