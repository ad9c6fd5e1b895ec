//! Scenario parsing, validation and the per-well timeline.

use wellvisor_actors::domain::TripCode;

use super::*;

fn parse(text: &str) -> Result<Scenario, SimError> {
    Scenario::parse("test.toml", text)
}

fn problem(text: &str) -> String {
    match parse(text) {
        Ok(scenario) => panic!("expected an error, parsed {scenario:?}"),
        Err(error) => error.to_string(),
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn parses_faults_and_process_events_with_defaults() {
    let scenario = parse(
        r#"
        restart_delay = "90s"
        [[fault]]
        well = "W-005"
        kind = "silent"
        [[fault]]
        well = 11
        kind = "exception"
        code = 6
        at = "30s"
        until = "5m"
        [[process]]
        well = "W-008"
        event = "trip"
        code = "power_loss"
        at = "2m"
        "#,
    )
    .expect("valid scenario");
    assert_eq!(scenario.restart_delay, secs(90));
    assert_eq!(
        scenario.faults[0],
        FaultEntry { well: WellRef::Id("W-005".into()), fault: CommsFault::Silent, at: secs(0), until: None }
    );
    assert_eq!(scenario.faults[1].fault, CommsFault::Exception { code: 6 });
    assert_eq!(scenario.faults[1].until, Some(secs(300)));
    let trip = ProcessEvent::Trip { code: TripCode::PowerLoss, restart_after: None };
    let expected =
        ProcessEntry { wells: Wells::One(WellRef::Id("W-008".into())), event: trip, at: secs(120), until: None };
    assert_eq!(scenario.process[0], expected);
}

#[test]
fn an_empty_file_is_an_empty_scenario() {
    let scenario = parse("").expect("empty is valid");
    assert!(scenario.faults.is_empty() && scenario.process.is_empty());
    assert_eq!(scenario.restart_delay, DEFAULT_RESTART_DELAY);
}

#[test]
fn errors_name_the_file_the_entry_and_the_problem() {
    let text = "[[fault]]\nwell = 1\nkind = \"silent\"\n[[fault]]\nwell = 2\nkind = \"silent\"\ndelay = \"3s\"\n";
    assert_eq!(problem(text), "test.toml: fault[1] (well 2): delay applies only to kind \"slow\"");
    let text = "[[fault]]\nwell = 1\nkind = \"sleepy\"\n";
    let message = problem(text);
    assert!(message.starts_with("test.toml: line 3 (fault[0]): unknown variant `sleepy`"), "{message}");
    let text = "[[process]]\nwell = 1\nevent = \"trip\"\nat = \"1m\"\n";
    assert!(problem(text).contains("process[0] (well 1): a trip needs a code"));
}

#[test]
fn rejects_bad_values_with_a_reason() {
    let cases = [
        ("[[fault]]\nwell = 1\nkind = \"drop\"\nfrobnicate = true\n", "unknown field `frobnicate`"),
        ("speed = 3\n", "unknown field `speed`"),
        ("[[fault]]\nwell = 0\nkind = \"drop\"\n", "numbered from 1"),
        ("[[fault]]\nwell = \"pump-7\"\nkind = \"drop\"\n", "not a well id"),
        (
            "[[fault]]\nwell = 1\nkind = \"drop\"\nat = \"5m\"\nuntil = \"1m\"\n",
            "until (60s) must come after at (300s)",
        ),
        ("[[fault]]\nwell = 1\nkind = \"drop\"\nat = \"soon\"\n", "not a duration"),
        ("[[process]]\nwell = 1\nevent = \"stop\"\ncode = \"overload\"\n", "code applies only to event \"trip\""),
        ("[[process]]\nwell = 1\nevent = \"trip\"\ncode = \"meltdown\"\n", "unknown variant `meltdown`"),
        ("[[process]]\nwell = 1\nevent = \"trip\"\ncode = \"none\"\n", "not one"),
    ];
    for (text, want) in cases {
        let message = problem(text);
        assert!(message.contains(want), "{text:?} gave {message:?}, wanted {want:?}");
    }
}

#[test]
fn the_timeline_orders_each_wells_actions_and_checks_the_wells_exist() {
    let scenario = parse(
        "[[fault]]\nwell = 2\nkind = \"drop\"\nat = \"1m\"\nuntil = \"2m\"\n\
         [[process]]\nwell = \"W-002\"\nevent = \"stop\"\nat = \"30s\"\n",
    )
    .expect("valid");
    let timeline = scenario.timeline(3, &[]).expect("wells exist");
    assert!(timeline[0].is_empty() && timeline[2].is_empty());
    let times: Vec<u64> = timeline[1].iter().map(|a| a.at.as_secs()).collect();
    assert_eq!(times, [30, 60, 120]);
    assert_eq!(timeline[1][2].action, Action::ClearFault { entry: 0 });
    let error = scenario.timeline(1, &[]).expect_err("well 2 is not in a fleet of 1").to_string();
    assert_eq!(error, "test.toml: fault[0]: well 2 does not exist: the simulator runs 1 wells");
}

#[test]
fn the_demo_scenario_is_valid_for_the_demo_fleet() {
    let text = include_str!("../../config/scenarios/demo.toml");
    let scenario = Scenario::parse("demo.toml", text).expect("the demo scenario parses");
    scenario.timeline(24, &[]).expect("the demo scenario fits 24 wells");
    let faulty: Vec<Option<usize>> = scenario.faults.iter().map(|f| f.well.resolve(24)).collect();
    for well in [4, 10, 16, 22] {
        assert!(faulty.contains(&Some(well)), "W-{:03} has a fault in the demo", well + 1);
    }
}
