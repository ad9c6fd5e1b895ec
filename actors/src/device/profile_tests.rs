//! Profile parsing and validation: every capability, and errors that name the key.

use super::*;

fn profile(text: &str) -> Result<Profile, ProfileError> {
    Profile::from_toml("test", text)
}

fn single(addressing: &str, register: &str) -> Result<Profile, ProfileError> {
    profile(&format!("addressing = \"{addressing}\"\n[[register]]\n{register}"))
}

#[test]
fn the_shipped_default_profile_is_valid() {
    let text = include_str!("../../../config/profiles/esp-default.toml");
    let parsed = profile(text);
    assert!(parsed.is_ok(), "{parsed:?}");
    let parsed = parsed.unwrap_or_else(|_| unreachable!());
    assert_eq!(parsed.fields.len(), 23);
    let starts = parsed.field(Parameter::StartsCount).map(|f| (f.function, f.address, f.word_order));
    assert_eq!(starts, Some((FunctionCode::Input, 13, WordOrder::Cdab)));
}

#[test]
fn addressing_modes_resolve_to_protocol_addresses() {
    let cases = [
        ("zero_based", "address = 0", FunctionCode::Holding, 0),
        ("zero_based", "address = 7\nfunction_code = 4", FunctionCode::Input, 7),
        ("one_based", "address = 1", FunctionCode::Holding, 0),
        ("one_based", "address = 65536", FunctionCode::Holding, 65_535),
        ("modicon", "address = 40001", FunctionCode::Holding, 0),
        ("modicon", "address = 30258", FunctionCode::Input, 257),
        ("modicon", "address = 465536", FunctionCode::Holding, 65_535),
        ("modicon", "address = 300010\nfunction_code = 4", FunctionCode::Input, 9),
    ];
    for (mode, address, function, pdu) in cases {
        let register = format!("parameter = \"frequency\"\ntype = \"u16\"\n{address}");
        let field = single(mode, &register).map(|p| (p.fields[0].function, p.fields[0].address));
        assert_eq!(field, Ok((function, pdu)), "{mode} {address}");
    }
}

#[test]
fn out_of_range_addresses_name_the_register_and_the_range() {
    let cases = [
        ("zero_based", "address = 65536"),
        ("one_based", "address = 0"),
        ("modicon", "address = 10001"),
        ("modicon", "address = 50000"),
    ];
    for (mode, address) in cases {
        let register = format!("parameter = \"frequency\"\ntype = \"u16\"\n{address}");
        let error = single(mode, &register).err().map(|e| (e.location, e.problem));
        let (location, problem) = error.unwrap_or_default();
        assert_eq!(location, "register[0] (frequency).address", "{mode} {address}");
        assert!(problem.contains(&format!("for {mode} addressing")), "{problem}");
    }
}

#[test]
fn a_32_bit_value_may_not_run_past_the_last_address() {
    let error = single("zero_based", "parameter = \"power\"\ntype = \"f32\"\naddress = 65535");
    assert!(error.is_err_and(|e| e.problem.contains("past address 65535")));
}

#[test]
fn modicon_numbers_fix_the_function_code() {
    let error = single("modicon", "parameter = \"power\"\ntype = \"u16\"\naddress = 40001\nfunction_code = 4");
    let error = error.err().map(|e| (e.location, e.problem));
    assert_eq!(
        error,
        Some(("register[0] (power).function_code".into(), "function code 4 contradicts modicon address 40001".into()))
    );
}

#[test]
fn function_codes_other_than_3_and_4_are_rejected() {
    let header = profile("addressing = \"zero_based\"\nfunction_code = 6\n[[register]]\nparameter = \"power\"\ntype = \"u16\"\naddress = 1");
    assert!(header.is_err_and(|e| e.location == "function_code"));
    let register = single("zero_based", "parameter = \"power\"\ntype = \"u16\"\naddress = 1\nfunction_code = 1");
    assert!(register.is_err_and(|e| e.location == "register[0] (power).function_code"));
}

#[test]
fn bit_fields_need_a_start_and_must_fit() {
    let missing =
        single("zero_based", "parameter = \"run_state\"\ntype = \"bits\"\naddress = 1\nmap = { 0 = \"stopped\" }");
    assert!(missing.is_err_and(|e| e.location.ends_with(".bit")));
    let too_wide =
        single("zero_based", "parameter = \"starts_count\"\ntype = \"bits\"\nbit = 12\nwidth = 5\naddress = 1");
    assert!(too_wide.is_err_and(|e| e.problem.contains("do not fit")));
    let stray = single("zero_based", "parameter = \"frequency\"\ntype = \"u16\"\nbit = 2\naddress = 1");
    assert!(stray.is_err_and(|e| e.problem.contains("only to type = \"bits\"")));
}

#[test]
fn code_tables_map_device_codes_and_are_required_for_codes() {
    let ok = single(
        "zero_based",
        "parameter = \"run_state\"\ntype = \"u16\"\naddress = 1\nmap = { 3 = \"running\", 5 = \"tripped\" }",
    );
    let table = ok.map(|p| p.fields[0].codes.clone());
    let expected = CodeTable::RunState(HashMap::from([(3, RunState::Running), (5, RunState::Tripped)]));
    assert_eq!(table, Ok(Some(expected)));

    let missing = single("zero_based", "parameter = \"trip_code\"\ntype = \"u16\"\naddress = 1");
    assert!(missing.is_err_and(|e| e.location.ends_with(".map")));
    let unknown =
        single("zero_based", "parameter = \"trip_code\"\ntype = \"u16\"\naddress = 1\nmap = { 1 = \"meltdown\" }");
    assert!(unknown.is_err_and(|e| e.problem.contains("\"meltdown\" is not a canonical trip_code code")));
    let bad_key =
        single("zero_based", "parameter = \"trip_code\"\ntype = \"u16\"\naddress = 1\nmap = { x = \"none\" }");
    assert!(bad_key.is_err_and(|e| e.problem.contains("not a device code number")));
    let on_value =
        single("zero_based", "parameter = \"frequency\"\ntype = \"u16\"\naddress = 1\nmap = { 1 = \"none\" }");
    assert!(on_value.is_err_and(|e| e.problem.contains("only run_state and trip_code")));
    let scaled = single(
        "zero_based",
        "parameter = \"run_state\"\ntype = \"u16\"\nscale = 0.1\naddress = 1\nmap = { 1 = \"running\" }",
    );
    assert!(scaled.is_err_and(|e| e.problem.contains("unscaled integer")));
}

#[test]
fn unknown_parameters_keys_and_duplicates_are_named() {
    let unknown = single("zero_based", "parameter = \"amps\"\ntype = \"u16\"\naddress = 1");
    assert!(unknown.is_err_and(|e| e.location == "register[0] (amps)" && e.problem.contains("canonical")));

    let typo = single("zero_based", "parameter = \"power\"\ntype = \"u16\"\nadress = 1");
    let message = typo.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.starts_with("profile test: line "), "{message}");
    assert!(message.contains("adress"), "{message}");

    let twice = profile("addressing = \"zero_based\"\n[[register]]\nparameter = \"power\"\ntype = \"u16\"\naddress = 1\n[[register]]\nparameter = \"power\"\ntype = \"u16\"\naddress = 2");
    assert!(twice.is_err_and(|e| e.location == "register[1] (power)" && e.problem == "parameter is mapped twice"));
}

#[test]
fn scale_must_be_usable_and_requests_bounded() {
    let zero = single("zero_based", "parameter = \"power\"\ntype = \"u16\"\naddress = 1\nscale = 0.0");
    assert!(zero.is_err_and(|e| e.location.ends_with(".scale")));
    let huge = profile("addressing = \"zero_based\"\nmax_registers_per_request = 126\n[[register]]\nparameter = \"power\"\ntype = \"u16\"\naddress = 1");
    assert!(huge.is_err_and(|e| e.location == "max_registers_per_request"));
    let empty = profile("addressing = \"zero_based\"");
    assert!(empty.is_err_and(|e| e.problem.contains("maps no registers")));
}

#[test]
fn decimal_scaling_leaves_no_binary_noise() {
    let profile = single("zero_based", "parameter = \"current_a\"\ntype = \"u16\"\naddress = 1\nscale = 0.1").unwrap();
    let field = &profile.fields[0];
    assert_eq!(field.scaled(613.0).to_string(), "61.3");
    assert_eq!(field.scaled(3.0).to_string(), "0.3");
    let offset = single(
        "zero_based",
        "parameter = \"intake_temperature\"\ntype = \"i16\"\naddress = 1\nscale = 0.01\noffset = -40.0",
    )
    .unwrap();
    assert_eq!(offset.fields[0].scaled(6_543.0).to_string(), "25.43");
}

const ONE_REGISTER: &str = "[[register]]\nparameter = \"power\"\ntype = \"u16\"\naddress = 1\n";

fn with_well_data(table: &str) -> Result<Profile, ProfileError> {
    profile(&format!("addressing = \"zero_based\"\n[well_data]\n{table}\n{ONE_REGISTER}"))
}

#[test]
fn well_data_defaults_fill_what_the_profile_leaves_unset() {
    let silent = profile(&format!("addressing = \"zero_based\"\n{ONE_REGISTER}")).map(|p| p.well_data);
    assert_eq!(silent, Ok(WellData::default()));
    let partial = with_well_data("shut_in_head = 2500\ndesign_flow = 1800.5").map(|p| p.well_data);
    let expected = WellData { shut_in_head: 2500.0, design_flow: 1800.5, ..WellData::default() };
    assert_eq!(partial, Ok(expected));
}

#[test]
fn bad_well_data_in_a_profile_names_the_field() {
    let negative = with_well_data("shut_in_head = -1");
    let message = negative.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(message, "profile test: well_data.shut_in_head: must be a positive number, got -1");
    let typo = with_well_data("shut_in_hed = 3000");
    assert!(typo.is_err_and(|e| e.problem.contains("shut_in_hed")));
}

#[test]
fn a_profile_may_not_name_a_feeder() {
    let feeder = with_well_data("feeder_id = \"F-1\"");
    assert!(feeder.is_err_and(|e| e.location == "well_data.feeder_id" && e.problem.contains("per well")));
}

fn with_thresholds(table: &str) -> Result<Profile, ProfileError> {
    profile(&format!("addressing = \"zero_based\"\n[thresholds]\n{table}\n{ONE_REGISTER}"))
}

#[test]
fn a_profiles_thresholds_are_kept_as_partial_defaults() {
    use crate::diagnostics::Thresholds;
    let silent = profile(&format!("addressing = \"zero_based\"\n{ONE_REGISTER}")).map(|p| p.thresholds.is_empty());
    assert_eq!(silent, Ok(true));
    let partial = with_thresholds("cv_ratio = 3\nfrozen_secs = 900").map(|p| p.thresholds.resolve());
    let expected = Thresholds { cv_ratio: 3.0, frozen_secs: 900, ..Thresholds::default() };
    assert_eq!(partial, Ok(Ok(expected)));
}

#[test]
fn bad_thresholds_in_a_profile_name_the_key() {
    let zero = with_thresholds("cv_ratio = 0");
    let message = zero.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(message, "profile test: thresholds.cv_ratio: must be a positive number, got 0");
    let typo = with_thresholds("cv_rato = 3");
    assert!(typo.is_err_and(|e| e.location == "thresholds.cv_rato" && e.problem.contains("unknown field")));
}
