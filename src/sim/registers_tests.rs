//! Rendering through the default profile, checked by the pollers' own decoder.

use std::time::Duration;

use chrono::Utc;
use proptest::prelude::*;
use wellvisor_actors::device::ReadPlan;
use wellvisor_actors::domain::{Parameter, Sample, WellData, WellId};

use super::*;
use crate::sim::design::DesignPoint;
use crate::sim::physics::{ProcessEvent, WellModel, DEFAULT_RESTART_DELAY};

fn default_profile() -> Profile {
    let text = include_str!("../../config/profiles/esp-default.toml");
    Profile::from_toml("esp-default", text).expect("the default profile is valid")
}

fn reading_at(seconds: u64) -> Reading {
    let mut model = WellModel::new(DesignPoint::draw(3, 0, &WellData::default()), 99, DEFAULT_RESTART_DELAY);
    model.observe(Duration::from_secs(seconds))
}

/// Reads every block of the profile's read plan and decodes it, as a poller would.
fn poll(profile: &Profile, map: &RegisterMap, reading: &Reading) -> Sample {
    let plan = ReadPlan::new(profile);
    let mut sample = Sample::new(WellId::new("W-001").expect("valid id"), Utc::now());
    for (index, block) in plan.blocks.iter().enumerate() {
        let mut words = vec![0u16; usize::from(block.count)];
        map.read(block.function, block.address, reading, &mut words).expect("planned reads are in range");
        plan.decode_block(index, &words, &mut sample).expect("rendered words decode");
    }
    sample
}

#[test]
fn every_parameter_decodes_back_within_its_resolution() {
    let profile = default_profile();
    let map = RegisterMap::new(&profile);
    let reading = reading_at(30);
    let sample = poll(&profile, &map, &reading);
    for field in profile.fields.iter().filter(|f| !f.parameter.is_code()) {
        let want = reading.values.get(field.parameter).expect("the model fills every parameter");
        let got = sample.values.get(field.parameter).expect("the poll decodes every field");
        let resolution = field.scale.abs() / 2.0 + want.abs() * 1e-6;
        assert!((got - want).abs() <= resolution, "{}: rendered {want}, decoded {got}", field.parameter);
    }
    assert_eq!(sample.run_state, Some(RunState::Running));
    assert_eq!(sample.trip_code, Some(TripCode::None));
}

#[test]
fn codes_are_the_smallest_device_code_for_each_state() {
    let profile = default_profile();
    let map = RegisterMap::new(&profile);
    let mut model = WellModel::new(DesignPoint::draw(3, 0, &WellData::default()), 99, DEFAULT_RESTART_DELAY);
    let restart_after = Some(Duration::from_secs(10));
    model.apply(ProcessEvent::Trip { code: TripCode::GroundFault, restart_after }, Duration::from_secs(1));
    let tripped = model.observe(Duration::from_secs(2));
    let starting = model.observe(Duration::from_secs(12));
    let status_word = |reading: &Reading| {
        let mut words = [0u16; 2];
        map.read(FunctionCode::Input, 11, reading, &mut words).expect("in range");
        words
    };
    assert_eq!(status_word(&tripped), [5, 3], "tripped is device code 5, ground_fault 3");
    assert_eq!(status_word(&starting), [1, 3], "starting is device code 1; the trip code stays");
    let sample = poll(&profile, &map, &starting);
    assert_eq!(sample.values.get(Parameter::StartsCount), starting.values.get(Parameter::StartsCount));
}

#[test]
fn reads_outside_a_table_span_are_illegal() {
    let map = RegisterMap::new(&default_profile());
    let reading = reading_at(0);
    let mut words = [0u16; 16];
    assert_eq!(map.read(FunctionCode::Input, 0, &reading, &mut words[..15]), Ok(()));
    assert_eq!(map.read(FunctionCode::Input, 0, &reading, &mut words), Err(IllegalAddress));
    assert_eq!(map.read(FunctionCode::Holding, 10, &reading, &mut words[..1]), Ok(()));
    assert_eq!(map.read(FunctionCode::Holding, 11, &reading, &mut words[..1]), Err(IllegalAddress));
    assert_eq!(map.read(FunctionCode::Holding, 65_535, &reading, &mut words[..1]), Err(IllegalAddress));
}

proptest! {
    #[test]
    fn any_sub_range_reads_the_same_words_as_the_whole_table(first in 0u16..15, len in 1u16..=15, t in 0u64..10_000) {
        let map = RegisterMap::new(&default_profile());
        let reading = reading_at(t);
        let mut whole = [0u16; 15];
        map.read(FunctionCode::Input, 0, &reading, &mut whole).expect("whole table");
        let len = len.min(15 - first);
        let mut part = vec![0u16; usize::from(len)];
        map.read(FunctionCode::Input, first, &reading, &mut part).expect("in range");
        prop_assert_eq!(&part[..], &whole[usize::from(first)..usize::from(first + len)]);
    }
}
