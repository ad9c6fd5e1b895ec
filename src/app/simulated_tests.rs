//! The in-process simulator models the configured wells: each simulated well takes the static
//! data of the configured well that polls it.

use std::collections::BTreeMap;
use std::sync::Arc;

use wellvisor_actors::device::Profile;
use wellvisor_actors::diagnostics::thresholds::ThresholdOverrides;
use wellvisor_actors::domain::WellDataOverrides;
use wellvisor_actors::well::PollSettings;

use super::*;
use crate::config::PollOverrides;

fn factory() -> WellFactory {
    let text = include_str!("../../config/profiles/esp-default.toml");
    let profile = Profile::from_toml("esp-default", text).unwrap();
    WellFactory::new(BTreeMap::from([("esp-default".to_owned(), Arc::new(profile))]), PollSettings::default())
}

fn simulator(wells: usize, gateway: bool) -> SimulatorConfig {
    SimulatorConfig { wells, base_port: 15020, gateway, scenario: None, control_bind: None }
}

/// A well at `host:port` (unit `unit_id`) on feeder `feeder` with a shut-in head of `head`.
fn well(id: &str, host: &str, port: u16, unit_id: Option<u8>, feeder: &str, head: f64) -> WellDefinition {
    WellDefinition {
        id: WellId::new(id).unwrap(),
        name: String::new(),
        profile: "esp-default".into(),
        host: host.into(),
        port,
        unit_id,
        poll: PollOverrides::default(),
        well_data: WellDataOverrides {
            feeder_id: Some(feeder.into()),
            shut_in_head: Some(head),
            ..WellDataOverrides::default()
        },
        thresholds: ThresholdOverrides::default(),
    }
}

fn feeders(data: &[WellData]) -> Vec<Option<&str>> {
    data.iter().map(|d| d.feeder_id.as_deref()).collect()
}

#[test]
fn configured_loopback_wells_give_the_simulated_wells_their_data() {
    let default = WellData { motor_rated_current: 42.0, ..WellData::default() };
    let wells = [
        well("W-002", "127.0.0.1", 15021, None, "F-NORTH", 2600.0),
        well("W-004", "localhost", 15023, None, "F-SOUTH", 2700.0),
        well("REMOTE", "10.0.0.7", 15020, None, "F-FAR", 2800.0),
        well("PAST", "127.0.0.1", 15024, None, "F-PAST", 2900.0),
    ];
    let data = simulated_well_data(&factory(), &wells, &simulator(4, false), &default);
    assert_eq!(feeders(&data), [None, Some("F-NORTH"), None, Some("F-SOUTH")]);
    assert_eq!(data[1].shut_in_head, 2600.0, "resolved over the profile's figures");
    assert_eq!(data[0], default, "an unconfigured simulated well keeps the profile's data");
}

#[test]
fn behind_a_gateway_the_unit_id_picks_the_simulated_well() {
    let wells = [
        well("G-1", "127.0.0.1", 15020, Some(1), "F-1", 2600.0),
        well("G-3", "::1", 15020, Some(3), "F-3", 2600.0),
        well("OTHER-PORT", "127.0.0.1", 15021, Some(2), "F-X", 2600.0),
        well("NO-UNIT-0", "127.0.0.1", 15020, Some(0), "F-0", 2600.0),
    ];
    let data = simulated_well_data(&factory(), &wells, &simulator(3, true), &WellData::default());
    assert_eq!(feeders(&data), [Some("F-1"), None, Some("F-3")]);
}
