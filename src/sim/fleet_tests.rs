//! Scenario replay on wells, with injected time: conditions that end, feeder power dips and
//! trip cycling, as the fleet applies them.

use std::time::Duration;

use wellvisor_actors::domain::{Parameter, RunState, TripCode, WellData};

use super::*;
use crate::sim::physics::Reading;
use crate::sim::scenario::Scenario;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The wells of a fleet of `count` running `text`, before anything has happened.
fn replay(text: &str, count: usize, data: &[WellData]) -> Vec<WellState> {
    let scenario = Scenario::parse("test.toml", text).unwrap_or_else(|error| panic!("{error}"));
    let timeline = scenario.timeline(count, data).unwrap_or_else(|error| panic!("{error}"));
    let default = WellData::default();
    timeline
        .into_iter()
        .enumerate()
        .map(|(index, pending)| {
            let data = data.get(index).unwrap_or(&default);
            WellState::new(WellModel::for_well(7, index, data, scenario.restart_delay), pending)
        })
        .collect()
}

fn observe(well: &mut WellState, t: Duration) -> Reading {
    well.catch_up(t);
    well.model.observe(t)
}

#[test]
fn a_conditions_until_ends_only_the_condition_it_set() {
    let text = "[[process]]\nwell = 1\nevent = \"condition\"\ncondition = \"gas_lock\"\nat = \"10m\"\nuntil = \"1h\"\n\
                [[process]]\nwell = 1\nevent = \"condition\"\ncondition = \"solids\"\nat = \"30m\"\n\
                [[process]]\nwell = 2\nevent = \"condition\"\ncondition = \"sensor_fault\"\nat = \"10m\"\nuntil = \"20m\"\n";
    let mut wells = replay(text, 2, &[]);
    observe(&mut wells[0], secs(15 * 60));
    assert_eq!(wells[0].model.condition(), ProcessCondition::GasLock);
    observe(&mut wells[0], secs(2 * 3600));
    assert_eq!(wells[0].model.condition(), ProcessCondition::Solids, "gas_lock's until leaves solids alone");
    observe(&mut wells[1], secs(15 * 60));
    assert_eq!(wells[1].model.condition(), ProcessCondition::SensorFault);
    observe(&mut wells[1], secs(21 * 60));
    assert_eq!(wells[1].model.condition(), ProcessCondition::Normal);
}

#[test]
fn the_power_dip_example_trips_every_named_well_and_restarts_them_30_s_apart() {
    let mut wells = replay(include_str!("../../config/scenarios/faults/power_dip.toml"), 24, &[]);
    let dip = 150 * 60;
    let named = [17, 18, 19, 20, 21, 23];
    for (order, &index) in named.iter().enumerate() {
        let well = &mut wells[index];
        let voltage = well.model.design().voltage;
        let sagging = observe(well, secs(dip + 1));
        assert!(sagging.values.get(Parameter::VoltageAb).unwrap_or(f64::NAN) < 0.7 * voltage, "voltage sags");
        let tripped = observe(well, secs(dip + 2));
        assert_eq!((tripped.run_state, tripped.trip_code), (RunState::Tripped, TripCode::PowerLoss));
        let restart = dip + 2 + 120 + 30 * order as u64;
        assert_eq!(observe(well, secs(restart - 1)).run_state, RunState::Tripped, "well {index}");
        assert_eq!(observe(well, secs(restart)).run_state, RunState::Starting, "well {index}");
    }
    let bystander = observe(&mut wells[22], secs(dip + 5));
    assert_eq!((bystander.run_state, bystander.trip_code), (RunState::Running, TripCode::None));
}

#[test]
fn a_feeder_dip_trips_the_running_wells_of_that_feeder_only() {
    let on = |feeder: &str| WellData { feeder_id: Some(feeder.into()), ..WellData::default() };
    let data = [on("F-1"), on("F-2"), on("F-1"), on("F-1")];
    let text = "[[process]]\nwell = 4\nevent = \"stop\"\nat = \"1m\"\n\
                [[process]]\nevent = \"power_dip\"\nfeeder = \"F-1\"\nat = \"1h\"\n";
    let mut wells = replay(text, 4, &data);
    let after = secs(3600 + 3);
    let states: Vec<(RunState, TripCode)> = wells
        .iter_mut()
        .map(|well| {
            let reading = observe(well, after);
            (reading.run_state, reading.trip_code)
        })
        .collect();
    let tripped = (RunState::Tripped, TripCode::PowerLoss);
    let stopped = (RunState::Stopped, TripCode::ManualStop);
    assert_eq!(states, [tripped, (RunState::Running, TripCode::None), tripped, stopped]);
}

#[test]
fn the_excessive_cycling_example_trips_and_restarts_a_well_three_times_within_6_hours() {
    let mut wells = replay(include_str!("../../config/scenarios/faults/excessive_cycling.toml"), 24, &[]);
    let well = &mut wells[16];
    let start = 150 * 60;
    let before = well.model.design().initial_starts;
    let mut restarts = 0;
    let mut last = RunState::Running;
    for t in (start..start + 6 * 3600).step_by(5) {
        let reading = observe(well, secs(t));
        if last == RunState::Tripped && reading.run_state == RunState::Starting {
            assert_eq!(reading.trip_code, TripCode::Other);
            restarts += 1;
        }
        last = reading.run_state;
    }
    assert!(restarts >= 3, "{restarts} restarts after trips");
    assert_eq!(well.model.starts(), before + restarts);
}
