//! The `[[process]]` entries of a scenario file as written, and their validation into
//! [`ProcessEntry`]: which keys each `event` takes, and what each means.

use std::fmt::Write;
use std::time::Duration;

use serde::Deserialize;
use wellvisor_actors::domain::TripCode;

use super::condition::ProcessCondition;
use super::physics::{ProcessEvent, POWER_DIP_RIDE_THROUGH};
use super::scenario::{check_until, ProcessEntry, Wells};
use super::well_ref::WellRef;
use crate::config::duration;

/// The `event` of a `[[process]]` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum ProcessKind {
    Trip,
    Stop,
    Start,
    Condition,
    PowerDip,
}

impl ProcessKind {
    fn name(self) -> &'static str {
        match self {
            ProcessKind::Trip => "trip",
            ProcessKind::Stop => "stop",
            ProcessKind::Start => "start",
            ProcessKind::Condition => "condition",
            ProcessKind::PowerDip => "power_dip",
        }
    }
}

/// A `[[process]]` entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProcessFile {
    well: Option<WellRef>,
    wells: Option<Vec<WellRef>>,
    feeder: Option<String>,
    event: ProcessKind,
    code: Option<TripCode>,
    condition: Option<ProcessCondition>,
    #[serde(default, with = "duration::option")]
    at: Option<Duration>,
    #[serde(default, with = "duration::option")]
    until: Option<Duration>,
    #[serde(default, with = "duration::option")]
    restart_after: Option<Duration>,
}

impl ProcessFile {
    /// ` (well 3)`, ` (feeder "F-1")`, ` (wells 1, "W-002")`: which wells, for error messages.
    pub(super) fn label(&self) -> String {
        if let Some(well) = &self.well {
            return format!(" (well {well})");
        }
        if let Some(feeder) = &self.feeder {
            return format!(" (feeder {feeder:?})");
        }
        let Some(wells) = self.wells.as_ref().filter(|wells| !wells.is_empty()) else { return String::new() };
        let mut label = String::from(" (wells ");
        for (index, well) in wells.iter().enumerate() {
            let separator = if index == 0 { "" } else { ", " };
            let _ = write!(label, "{separator}{well}");
        }
        label + ")"
    }

    /// Every optional key given, with the events that take it.
    fn keys(&self) -> [(&'static str, bool, &'static [ProcessKind]); 7] {
        use ProcessKind::{Condition, PowerDip, Start, Stop, Trip};
        [
            ("well", self.well.is_some(), &[Trip, Stop, Start, Condition]),
            ("wells", self.wells.is_some(), &[PowerDip]),
            ("feeder", self.feeder.is_some(), &[PowerDip]),
            ("code", self.code.is_some(), &[Trip]),
            ("condition", self.condition.is_some(), &[Condition]),
            ("until", self.until.is_some(), &[Condition]),
            ("restart_after", self.restart_after.is_some(), &[Trip, PowerDip]),
        ]
    }
}

/// Validates one `[[process]]` entry; `restart_delay` is the scenario's, a power dip's default.
pub(super) fn process_entry(entry: &ProcessFile, restart_delay: Duration) -> Result<ProcessEntry, String> {
    for (key, given, events) in entry.keys() {
        if given && !events.contains(&entry.event) {
            return Err(format!("{key} applies only to event {}", names(events)));
        }
    }
    let at = entry.at.unwrap_or_default();
    let event = match entry.event {
        ProcessKind::Trip => {
            let code = entry.code.ok_or("a trip needs a code, e.g. code = \"power_loss\"")?;
            if code == TripCode::None {
                return Err("a trip needs a reason: code \"none\" is not one".into());
            }
            ProcessEvent::Trip { code, restart_after: entry.restart_after }
        }
        ProcessKind::Stop => ProcessEvent::Stop,
        ProcessKind::Start => ProcessEvent::Start,
        ProcessKind::Condition => {
            let condition =
                entry.condition.ok_or("a condition event needs a condition, e.g. condition = \"gas_lock\"")?;
            check_until(at, entry.until)?;
            ProcessEvent::Condition(condition)
        }
        ProcessKind::PowerDip => {
            let restart_after = Some(entry.restart_after.unwrap_or(restart_delay));
            ProcessEvent::PowerDip { ride_through: POWER_DIP_RIDE_THROUGH, restart_after }
        }
    };
    Ok(ProcessEntry { wells: wells(entry)?, event, at, until: entry.until })
}

/// The wells an entry names: `well` for one, `wells` or `feeder` (exactly one) for a power dip.
fn wells(entry: &ProcessFile) -> Result<Wells, String> {
    if entry.event != ProcessKind::PowerDip {
        let well = entry.well.clone();
        let example = format!("a {} event needs a well, e.g. well = \"W-003\"", entry.event.name());
        return well.map(Wells::One).ok_or(example);
    }
    match (&entry.wells, &entry.feeder) {
        (Some(_), Some(_)) => Err("a power dip names wells or a feeder, not both".into()),
        (None, None) => Err("a power dip needs wells = [\"W-001\", ...] or feeder = \"...\"".into()),
        (Some(wells), None) if wells.is_empty() => Err("wells must name at least one well".into()),
        (Some(wells), None) => Ok(Wells::Listed(wells.clone())),
        (None, Some(feeder)) if feeder.trim().is_empty() => Err("feeder must not be blank".into()),
        (None, Some(feeder)) => Ok(Wells::Feeder(feeder.clone())),
    }
}

/// `"trip"`, `"trip" or "power_dip"`, `"trip", "stop" or "start"`.
fn names(events: &[ProcessKind]) -> String {
    let quoted: Vec<String> = events.iter().map(|event| format!("{:?}", event.name())).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
#[path = "scenario_process_tests.rs"]
mod tests;
