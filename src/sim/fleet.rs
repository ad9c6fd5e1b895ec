//! Every simulated well's shared state (model, current fault, pending scenario actions), caught
//! up lazily with the clock whenever a request, the control interface or the handle looks.
//!
//! Nothing runs per well between reads: an idle well is a few hundred bytes behind a mutex.
//! Locks are held for microseconds and never across an `.await`.

use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;
use wellvisor_actors::device::FunctionCode;
use wellvisor_actors::domain::{RunState, TripCode, WellData};

use super::condition::ProcessCondition;
use super::fault::CommsFault;
use super::physics::{ProcessEvent, WellModel};
use super::registers::{IllegalAddress, RegisterMap};
use super::scenario::{Action, TimedAction};
use super::well_ref::{well_id, well_index};
use super::SimError;

/// What one well is doing, as the control interface and [`super::SimHandle`] report it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WellStatus {
    /// 0-based: well `index` listens on `base_port + index` (or is unit `index + 1`).
    pub index: usize,
    pub id: String,
    pub address: SocketAddr,
    pub port: u16,
    pub unit_id: u8,
    pub fault: CommsFault,
    pub run_state: RunState,
    pub trip_code: TripCode,
    pub starts_count: u32,
    /// The process condition the well is in (`normal` when healthy).
    pub condition: ProcessCondition,
}

/// One simulated well: where it answers and its mutable state.
pub(crate) struct SimWell {
    pub address: SocketAddr,
    pub unit_id: u8,
    state: Mutex<WellState>,
}

struct WellState {
    model: WellModel,
    fault: CommsFault,
    /// The scenario fault entry that set `fault`, so its `until` clears only its own fault.
    fault_entry: Option<usize>,
    /// The scenario process entry that set the model's condition, so its `until` clears only
    /// its own condition.
    condition_entry: Option<usize>,
    /// Scenario actions in time order; those before `next` have been applied.
    pending: Vec<TimedAction>,
    next: usize,
}

/// All wells of one simulator, the register map they share, and the simulation clock.
pub(crate) struct Fleet {
    wells: Vec<SimWell>,
    map: RegisterMap,
    epoch: Instant,
    seed: u64,
}

/// Where each well answers: its socket address and unit id.
pub(crate) type Placement = (SocketAddr, u8);

impl Fleet {
    /// Builds the fleet; `placements` and `timeline` have one entry per well, `well_data` one
    /// per well or fewer (the rest use `WellData::default()`).
    pub fn new(
        map: RegisterMap,
        seed: u64,
        restart_delay: Duration,
        well_data: &[WellData],
        placements: Vec<Placement>,
        timeline: Vec<Vec<TimedAction>>,
    ) -> Fleet {
        let default_data = WellData::default();
        let wells = placements
            .into_iter()
            .zip(timeline)
            .enumerate()
            .map(|(index, ((address, unit_id), pending))| {
                let data = well_data.get(index).unwrap_or(&default_data);
                let model = WellModel::for_well(seed, index, data, restart_delay);
                SimWell { address, unit_id, state: Mutex::new(WellState::new(model, pending)) }
            })
            .collect();
        Fleet { wells, map, epoch: Instant::now(), seed }
    }

    pub fn len(&self) -> usize {
        self.wells.len()
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn well(&self, index: usize) -> Option<&SimWell> {
        self.wells.get(index)
    }

    /// Simulation time: how long since the fleet started.
    pub fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// The index of a well named by id or number.
    pub fn find(&self, name: &str) -> Result<usize, SimError> {
        well_index(name, self.wells.len()).ok_or_else(|| SimError::UnknownWell(name.to_owned()))
    }

    /// The well's fault now.
    pub fn fault(&self, index: usize) -> CommsFault {
        self.with_state(index, |state, _| state.fault).unwrap_or_default()
    }

    /// Renders registers of well `index` as they read now.
    pub fn render(
        &self,
        index: usize,
        function: FunctionCode,
        address: u16,
        out: &mut [u16],
    ) -> Result<(), IllegalAddress> {
        let reading = self.with_state(index, |state, now| state.model.observe(now)).ok_or(IllegalAddress)?;
        self.map.read(function, address, &reading, out)
    }

    /// Sets a well's fault from now on (until a later scenario entry changes it).
    pub fn set_fault(&self, index: usize, fault: CommsFault) -> Result<(), SimError> {
        self.with_state(index, |state, _| {
            state.fault = fault;
            state.fault_entry = None;
        })
        .ok_or_else(|| SimError::UnknownWell(well_id(index)))
    }

    /// Applies a process event to a well now; a condition set this way stays until something
    /// later changes it.
    pub fn apply(&self, index: usize, event: ProcessEvent) -> Result<(), SimError> {
        self.with_state(index, |state, now| {
            if matches!(event, ProcessEvent::Condition(_)) {
                state.condition_entry = None;
            }
            state.model.apply(event, now);
        })
        .ok_or_else(|| SimError::UnknownWell(well_id(index)))
    }

    /// The well's status now.
    pub fn status(&self, index: usize) -> Option<WellStatus> {
        let well = self.wells.get(index)?;
        let (fault, run_state, trip_code, starts_count, condition) = self.with_state(index, |state, now| {
            let run_state = state.model.run_state(now);
            (state.fault, run_state, state.model.last_trip(), state.model.starts(), state.model.condition())
        })?;
        Some(WellStatus {
            index,
            id: well_id(index),
            address: well.address,
            port: well.address.port(),
            unit_id: well.unit_id,
            fault,
            run_state,
            trip_code,
            starts_count,
            condition,
        })
    }

    /// Runs `f` on a well's state after catching it up with the scenario up to now.
    fn with_state<R>(&self, index: usize, f: impl FnOnce(&mut WellState, Duration) -> R) -> Option<R> {
        let well = self.wells.get(index)?;
        let now = self.now();
        let mut state = lock(&well.state);
        state.catch_up(now);
        Some(f(&mut state, now))
    }
}

impl WellState {
    /// A healthy well with its scenario actions still to come.
    fn new(model: WellModel, pending: Vec<TimedAction>) -> WellState {
        WellState { model, fault: CommsFault::None, fault_entry: None, condition_entry: None, pending, next: 0 }
    }

    /// Applies every scenario action due by `now`, each at its own scheduled time.
    fn catch_up(&mut self, now: Duration) {
        while let Some(timed) = self.pending.get(self.next).filter(|timed| timed.at <= now).copied() {
            self.next += 1;
            match timed.action {
                Action::SetFault { fault, entry } => {
                    self.fault = fault;
                    self.fault_entry = Some(entry);
                }
                Action::ClearFault { entry } if self.fault_entry == Some(entry) => {
                    self.fault = CommsFault::None;
                    self.fault_entry = None;
                }
                Action::ClearFault { .. } => {}
                Action::SetCondition { condition, entry } => {
                    self.model.apply(ProcessEvent::Condition(condition), timed.at);
                    self.condition_entry = Some(entry);
                }
                Action::ClearCondition { entry } if self.condition_entry == Some(entry) => {
                    self.model.apply(ProcessEvent::Condition(ProcessCondition::Normal), timed.at);
                    self.condition_entry = None;
                }
                Action::ClearCondition { .. } => {}
                Action::Process(event) => self.model.apply(event, timed.at),
            }
        }
        if self.next > 0 && self.next == self.pending.len() {
            self.pending = Vec::new();
            self.next = 0;
        }
    }
}

/// A poisoned lock only means another thread panicked mid-update; the state is still usable.
fn lock(mutex: &Mutex<WellState>) -> MutexGuard<'_, WellState> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
#[path = "fleet_tests.rs"]
mod tests;
