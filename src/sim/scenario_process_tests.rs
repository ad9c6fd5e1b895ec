//! The `[[process]]` forms: conditions, power dips, their timeline and their errors; and the
//! example scenario of every diagnosis.

use std::time::Duration;

use wellvisor_actors::domain::WellData;

use crate::sim::condition::ProcessCondition;
use crate::sim::physics::{ProcessEvent, POWER_DIP_RIDE_THROUGH};
use crate::sim::scenario::{Action, ProcessEntry, Scenario, TimedAction, Wells, POWER_DIP_STAGGER};
use crate::sim::well_ref::WellRef;

fn parse(text: &str) -> Scenario {
    Scenario::parse("test.toml", text).unwrap_or_else(|error| panic!("{text:?} is valid: {error}"))
}

fn problem(text: &str) -> String {
    match Scenario::parse("test.toml", text) {
        Ok(scenario) => panic!("expected an error, parsed {scenario:?}"),
        Err(error) => error.to_string(),
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn on_feeder(feeder: &str) -> WellData {
    WellData { feeder_id: Some(feeder.into()), ..WellData::default() }
}

#[test]
fn parses_a_condition_with_an_end() {
    let scenario =
        parse("[[process]]\nwell = 3\nevent = \"condition\"\ncondition = \"gas_lock\"\nat = \"10m\"\nuntil = \"1h\"\n");
    let expected = ProcessEntry {
        wells: Wells::One(WellRef::Number(3)),
        event: ProcessEvent::Condition(ProcessCondition::GasLock),
        at: secs(600),
        until: Some(secs(3600)),
    };
    assert_eq!(scenario.process, [expected]);
    let timeline = scenario.timeline(3, &[]).expect("well 3 exists");
    let set = Action::SetCondition { condition: ProcessCondition::GasLock, entry: 0 };
    assert_eq!(
        timeline[2],
        [
            TimedAction { at: secs(600), action: set },
            TimedAction { at: secs(3600), action: Action::ClearCondition { entry: 0 } }
        ]
    );
}

#[test]
fn parses_power_dips_on_listed_wells_and_on_a_feeder() {
    let scenario = parse(
        "restart_delay = \"3m\"\n\
         [[process]]\nevent = \"power_dip\"\nwells = [\"W-002\", 1]\nat = \"1m\"\n\
         [[process]]\nevent = \"power_dip\"\nfeeder = \"F-1\"\nat = \"2h\"\nrestart_after = \"5m\"\n",
    );
    let dip = |restart: u64| ProcessEvent::PowerDip {
        ride_through: POWER_DIP_RIDE_THROUGH,
        restart_after: Some(secs(restart)),
    };
    let listed = Wells::Listed(vec![WellRef::Id("W-002".into()), WellRef::Number(1)]);
    assert_eq!(scenario.process[0], ProcessEntry { wells: listed, event: dip(180), at: secs(60), until: None });
    assert_eq!(scenario.process[1].wells, Wells::Feeder("F-1".into()));
    assert_eq!(scenario.process[1].event, dip(300));

    let data = [on_feeder("F-1"), on_feeder("F-2"), on_feeder("F-1")];
    let timeline = scenario.timeline(4, &data).expect("wells and feeder exist");
    let actions =
        |well: usize| -> Vec<(u64, Action)> { timeline[well].iter().map(|a| (a.at.as_secs(), a.action)).collect() };
    assert_eq!(actions(1), [(60, Action::Process(dip(180)))], "named first, restarts first");
    let stagger = POWER_DIP_STAGGER.as_secs();
    assert_eq!(actions(0), [(60, Action::Process(dip(180 + stagger))), (7200, Action::Process(dip(300)))]);
    assert_eq!(actions(2), [(7200, Action::Process(dip(300 + stagger)))], "the feeder's second well");
    assert!(timeline[3].is_empty(), "W-004 has no feeder");
}

#[test]
fn process_errors_name_the_entry_and_the_problem() {
    let cases = [
        ("[[process]]\nwell = 1\nevent = \"condition\"\n", "process[0] (well 1): a condition event needs a condition"),
        ("[[process]]\nwell = 1\nevent = \"condition\"\ncondition = \"gas_leak\"\n", "unknown variant `gas_leak`"),
        (
            "[[process]]\nwell = 1\nevent = \"condition\"\ncondition = \"solids\"\nat = \"1h\"\nuntil = \"10m\"\n",
            "until (600s) must come after at (3600s)",
        ),
        (
            "[[process]]\nwell = 1\nevent = \"condition\"\ncondition = \"solids\"\ncode = \"other\"\n",
            "code applies only to event \"trip\"",
        ),
        (
            "[[process]]\nwell = 1\nevent = \"trip\"\ncode = \"other\"\nuntil = \"1m\"\n",
            "until applies only to event \"condition\"",
        ),
        ("[[process]]\nevent = \"stop\"\n", "process[0]: a stop event needs a well"),
        ("[[process]]\nevent = \"power_dip\"\n", "a power dip needs wells"),
        (
            "[[process]]\nwell = 2\nevent = \"power_dip\"\nwells = [1]\n",
            "process[0] (well 2): well applies only to event \"trip\", \"stop\", \"start\" or \"condition\"",
        ),
        (
            "[[process]]\nevent = \"power_dip\"\nwells = [1]\nfeeder = \"F-1\"\n",
            "process[0] (feeder \"F-1\"): a power dip names wells or a feeder, not both",
        ),
        ("[[process]]\nevent = \"power_dip\"\nwells = []\n", "wells must name at least one well"),
        ("[[process]]\nevent = \"power_dip\"\nfeeder = \" \"\n", "feeder must not be blank"),
        ("[[process]]\nwell = 1\nevent = \"start\"\nfeeder = \"F-1\"\n", "feeder applies only to event \"power_dip\""),
    ];
    for (text, want) in cases {
        let message = problem(text);
        assert!(
            message.starts_with("test.toml: ") && message.contains(want),
            "{text:?} gave {message:?}, wanted {want:?}"
        );
    }
}

#[test]
fn timeline_errors_name_missing_feeders_and_repeated_wells() {
    let scenario = parse("[[process]]\nevent = \"power_dip\"\nfeeder = \"F-9\"\n");
    let error = scenario.timeline(2, &[on_feeder("F-1")]).expect_err("no well on F-9").to_string();
    assert_eq!(error, "test.toml: process[0]: feeder \"F-9\" has no wells: no simulated well's data names it");
    let scenario = parse("[[process]]\nevent = \"power_dip\"\nwells = [1, \"W-001\"]\n");
    let error = scenario.timeline(2, &[]).expect_err("named twice").to_string();
    assert_eq!(error, "test.toml: process[0]: well W-001 is named twice");
    let scenario = parse("[[process]]\nevent = \"power_dip\"\nwells = [1, 7]\n");
    let error = scenario.timeline(2, &[]).expect_err("no W-007").to_string();
    assert_eq!(error, "test.toml: process[0]: well 7 does not exist: the simulator runs 2 wells");
}

/// Every example under config/scenarios/faults, by file name.
fn fault_examples() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/config/scenarios/faults");
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("the fault examples exist")
        .map(|entry| entry.expect("readable directory").path())
        .map(|path| {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            (stem, std::fs::read_to_string(&path).expect("readable example"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn there_is_a_valid_example_for_every_condition_and_event() {
    let examples = fault_examples();
    let names: Vec<&str> = examples.iter().map(|(name, _)| name.as_str()).collect();
    for condition in ProcessCondition::ALL.iter().skip(1) {
        let name = serde_json::to_value(condition).expect("named").as_str().unwrap_or_default().to_owned();
        assert!(names.contains(&name.as_str()), "no example for {name}");
    }
    for name in ["unplanned_trip", "excessive_cycling", "power_dip", "comms_loss"] {
        assert!(names.contains(&name), "no example for {name}");
    }
    for (name, text) in examples {
        let scenario = Scenario::parse(&format!("{name}.toml"), &text).unwrap_or_else(|e| panic!("{e}"));
        scenario.timeline(24, &[]).unwrap_or_else(|e| panic!("{name} fits the 24-well demo: {e}"));
        let condition: Result<ProcessCondition, _> = serde_json::from_value(serde_json::Value::String(name.clone()));
        if let Ok(condition) = condition {
            assert_eq!(scenario.process[0].event, ProcessEvent::Condition(condition), "{name}");
        }
    }
}
