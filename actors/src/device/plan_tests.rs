//! Coalescing and block decoding.

use chrono::{TimeZone, Utc};

use super::*;
use crate::device::codec::encode;
use crate::domain::{RunState, WellId};

fn profile(registers: &str, max: u16) -> Profile {
    let text = format!("addressing = \"zero_based\"\nmax_registers_per_request = {max}\n{registers}");
    Profile::from_toml("plan", &text).unwrap_or_else(|e| panic!("{e}"))
}

fn register(parameter: &str, address: u16, kind: &str, function: u8) -> String {
    format!("[[register]]\nparameter = \"{parameter}\"\naddress = {address}\ntype = \"{kind}\"\nfunction_code = {function}\n")
}

fn spans(plan: &ReadPlan) -> Vec<(u8, u16, u16)> {
    plan.blocks.iter().map(|b| (b.function.code(), b.address, b.count)).collect()
}

#[test]
fn contiguous_registers_of_one_table_share_a_request() {
    let registers = [
        register("current_a", 10, "u16", 4),
        register("power", 11, "f32", 4),
        register("frequency", 13, "u16", 4),
        register("intake_pressure", 10, "u16", 3),
    ]
    .concat();
    assert_eq!(spans(&ReadPlan::new(&profile(&registers, 125))), [(3, 10, 1), (4, 10, 4)]);
}

#[test]
fn gaps_split_requests_and_so_does_the_maximum() {
    let registers = [
        register("current_a", 0, "u16", 3),
        register("current_b", 1, "u16", 3),
        register("current_c", 2, "u16", 3),
        register("frequency", 5, "u16", 3),
    ]
    .concat();
    assert_eq!(spans(&ReadPlan::new(&profile(&registers, 125))), [(3, 0, 3), (3, 5, 1)]);
    assert_eq!(spans(&ReadPlan::new(&profile(&registers, 2))), [(3, 0, 2), (3, 2, 1), (3, 5, 1)]);
}

#[test]
fn a_32_bit_value_is_never_split_across_requests() {
    let registers = [register("current_a", 0, "u16", 3), register("power", 1, "u32", 3)].concat();
    assert_eq!(spans(&ReadPlan::new(&profile(&registers, 2))), [(3, 0, 1), (3, 1, 2)]);
}

#[test]
fn bit_fields_of_one_register_share_it() {
    let registers = "[[register]]\nparameter = \"run_state\"\naddress = 4\ntype = \"bits\"\nbit = 0\nwidth = 4\nmap = { 3 = \"running\" }\n\
                     [[register]]\nparameter = \"starts_count\"\naddress = 4\ntype = \"bits\"\nbit = 8\nwidth = 8\n";
    let plan = ReadPlan::new(&profile(registers, 125));
    assert_eq!(spans(&plan), [(3, 4, 1)]);
    let mut sample =
        Sample::new(WellId::new("W-1").unwrap_or_else(|e| panic!("{e}")), Utc.timestamp_opt(0, 0).unwrap());
    assert_eq!(plan.decode_block(0, &[0x2A03], &mut sample), Ok(()));
    assert_eq!(sample.run_state, Some(RunState::Running));
    assert_eq!(sample.values.get(Parameter::StartsCount), Some(42.0));
}

#[test]
fn the_default_profile_decodes_what_encoding_wrote() {
    let text = include_str!("../../../config/profiles/esp-default.toml");
    let profile = Profile::from_toml("esp-default", text).unwrap_or_else(|e| panic!("{e}"));
    let plan = ReadPlan::new(&profile);
    assert_eq!(spans(&plan), [(3, 0, 11), (4, 0, 15)]);
    let wanted = [
        (Parameter::CurrentA, 41.7),
        (Parameter::Frequency, 58.25),
        (Parameter::Power, 187.5),
        (Parameter::DischargePressure, 3150.5),
        (Parameter::VibrationX, -0.125),
        (Parameter::StartsCount, 70_000.0),
        (Parameter::RunState, 3.0),
        (Parameter::TripCode, 12.0),
    ];
    let mut sample =
        Sample::new(WellId::new("W-1").unwrap_or_else(|e| panic!("{e}")), Utc.timestamp_opt(0, 0).unwrap());
    for (index, block) in plan.blocks.iter().enumerate() {
        let mut words = vec![0u16; usize::from(block.count)];
        for (parameter, value) in wanted {
            let Some(field) = profile.field(parameter).filter(|f| f.function == block.function) else { continue };
            let at = usize::from(field.address - block.address);
            let raw = if parameter.is_code() { value } else { field.unscaled(value) };
            encode(field.kind, field.word_order, field.bits, raw, &mut words[at..]);
        }
        assert_eq!(plan.decode_block(index, &words, &mut sample), Ok(()));
    }
    for (parameter, value) in wanted {
        let decoded = sample.values.get(parameter).unwrap_or(f64::NAN);
        assert!((decoded - value).abs() < 1e-6, "{parameter}: {decoded} != {value}");
    }
    assert_eq!(sample.run_state, Some(RunState::Running));
    assert_eq!(sample.trip_code, Some(crate::domain::TripCode::Other), "unmapped trip codes are `other`");
}

#[test]
fn short_replies_and_non_finite_values_are_decode_errors() {
    let registers = [register("current_a", 0, "u16", 3), register("power", 1, "f32", 3)].concat();
    let plan = ReadPlan::new(&profile(&registers, 125));
    let mut sample =
        Sample::new(WellId::new("W-1").unwrap_or_else(|e| panic!("{e}")), Utc.timestamp_opt(0, 0).unwrap());
    assert_eq!(plan.decode_block(0, &[1, 2], &mut sample), Err(DecodeError::WrongLength { got: 2, want: 3 }));
    let nan = f32::NAN.to_bits();
    let words = [7, (nan >> 16) as u16, nan as u16];
    assert_eq!(plan.decode_block(0, &words, &mut sample), Err(DecodeError::NotFinite { parameter: Parameter::Power }));
    assert_eq!(sample.values.get(Parameter::CurrentA), Some(7.0), "good fields of the block are kept");
}
