//! Configuration loading: the shipped files load, and every kind of mistake is named.

use std::path::Path;

use wellvisor_actors::diagnostics::Thresholds;

use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

/// Writes `text` as a config next to a copy of the shipped profiles.
fn write_config(dir: &Path, text: &str) -> std::path::PathBuf {
    let profiles = dir.join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    let shipped = include_str!("../../config/profiles/esp-default.toml");
    std::fs::write(profiles.join("esp-default.toml"), shipped).unwrap();
    let path = dir.join("wellvisor.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn load_text(text: &str) -> Result<LoadedConfig, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    load(&write_config(dir.path(), text), &no_env)
}

const ONE_WELL: &str = "[[wells]]\nid = \"W-1\"\nprofile = \"esp-default\"\nhost = \"127.0.0.1\"\nport = 1502\n";

#[test]
fn the_shipped_demo_configuration_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let loaded = load(&root.join("config/default.toml"), &no_env).unwrap();
    assert_eq!(loaded.wells.len(), 24);
    assert_eq!(loaded.wells[0].id.as_str(), "W-001");
    assert_eq!(loaded.wells[23].port, 15043);
    assert!(loaded.config.simulator.is_some());
}

#[test]
fn defaults_fill_every_section() {
    let loaded = load_text(ONE_WELL).unwrap();
    assert_eq!(loaded.config.http.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(loaded.config.supervision.max_failures, 5);
    let spec = loaded.factory.build(&loaded.wells[0]).unwrap();
    assert_eq!(spec.endpoint.unit_id, 1, "the profile's unit id");
    assert_eq!(spec.name, "W-1", "the name defaults to the id");
}

#[test]
fn unknown_keys_are_rejected_with_file_and_line() {
    let error = load_text("[http]\nbnd = \"127.0.0.1:1\"\n").unwrap_err();
    assert!(error.file.ends_with("wellvisor.toml"), "{error}");
    assert_eq!(error.key, "line 2");
    assert!(error.problem.contains("unknown field `bnd`"), "{error}");
}

#[test]
fn bad_values_name_the_key() {
    let cases = [
        ("[polling]\nperiod = \"fast\"\n", "line 2", "not a duration"),
        ("[polling]\nperiod = \"5ms\"\n", "polling.period", "10ms minimum"),
        ("[polling]\njitter = \"900ms\"\n", "polling.jitter", "half the period"),
        ("[storage]\nbatch_size = 0\n", "storage.batch_size", "outside"),
        ("[storage]\nurl = \"mysql://x\"\n", "storage.url", "neither"),
        ("[storage]\nurl = \"postgres://u:p@h/db\"\n", "storage.url", "WELLVISOR_DATABASE_URL"),
        ("[supervision]\nmax_failures = 0\n", "supervision.max_failures", "above zero"),
        ("[logging]\nlevel = \"[=\"\n", "logging.level", ""),
        ("[profiles]\ndir = \"nowhere\"\n", "profiles.dir", "cannot read"),
    ];
    for (text, key, problem) in cases {
        let error = load_text(text).unwrap_err();
        assert_eq!(error.key, key, "{text}: {error}");
        assert!(error.problem.contains(problem), "{text}: {error}");
    }
}

#[test]
fn retention_defaults_and_mistakes_are_named() {
    let retention = load_text(ONE_WELL).unwrap().config.retention;
    assert_eq!((retention.raw_days, retention.rollup_1m_days, retention.rollup_1h_days), (30, 400, 0));
    assert_eq!(retention.archive_dir, Path::new("data/archive"));
    let cases = [
        ("[retention]\nraw_days = 0\n", "retention.raw_days", "at least 1"),
        ("[retention]\nraw_days = 40\nrollup_1m_days = 10\n", "retention.rollup_1m_days", "shorter than"),
        ("[retention]\nrollup_1h_days = 7\n", "retention.rollup_1h_days", "0 to keep roll-ups forever"),
        ("[retention]\narchive_dir = \"\"\n", "retention.archive_dir", "must name a directory"),
        ("[retention]\ninterval = \"10s\"\n", "retention.interval", "at least 1m"),
    ];
    for (text, key, problem) in cases {
        let error = load_text(text).unwrap_err();
        assert_eq!(error.key, key, "{text}: {error}");
        assert!(error.problem.contains(problem), "{text}: {error}");
    }
}

#[test]
fn well_mistakes_name_the_well_and_field() {
    let unknown_profile = ONE_WELL.replace("esp-default", "nope");
    let error = load_text(&unknown_profile).unwrap_err();
    assert_eq!(error.key, "wells.W-1.profile");
    assert!(error.problem.contains("loaded profiles: esp-default"), "{error}");

    let twice = format!("{ONE_WELL}{ONE_WELL}");
    assert_eq!(load_text(&twice).unwrap_err().key, "wells.W-1");

    let bad_id = ONE_WELL.replace("W-1", "W 1");
    assert!(load_text(&bad_id).unwrap_err().problem.contains("invalid well id"));

    let bad_poll = format!("{ONE_WELL}poll = {{ timeout = \"0ms\" }}\n");
    assert_eq!(load_text(&bad_poll).unwrap_err().key, "wells.W-1.poll.timeout");
}

#[test]
fn a_broken_profile_names_its_file_and_register() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), ONE_WELL);
    let broken = "addressing = \"modicon\"\n[[register]]\nparameter = \"frequency\"\ntype = \"u16\"\naddress = 12\n";
    std::fs::write(dir.path().join("profiles/broken.toml"), broken).unwrap();
    let error = load(&path, &no_env).unwrap_err();
    assert!(error.file.ends_with("broken.toml"), "{error}");
    assert_eq!(error.key, "register[0] (frequency).address");
    assert!(error.problem.contains("modicon"), "{error}");
}

#[test]
fn groups_expand_to_ports_or_gateway_unit_ids() {
    let text = "[[well_group]]\nprefix = \"P\"\ncount = 3\ndigits = 2\nprofile = \"esp-default\"\nfirst_port = 100\n\
                [[well_group]]\nprefix = \"G\"\ncount = 2\nprofile = \"esp-default\"\nfirst_port = 200\ngateway = true\nfirst_unit_id = 7\n";
    let loaded = load_text(text).unwrap();
    let wells: Vec<(String, u16, Option<u8>)> =
        loaded.wells.iter().map(|w| (w.id.to_string(), w.port, w.unit_id)).collect();
    assert_eq!(
        wells,
        [
            ("P01".into(), 100, None),
            ("P02".into(), 101, None),
            ("P03".into(), 102, None),
            ("G001".into(), 200, Some(7)),
            ("G002".into(), 200, Some(8)),
        ]
    );
}

#[test]
fn environment_overrides_win_and_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), ONE_WELL);
    let env = |name: &str| match name {
        "WELLVISOR_DATABASE_URL" => Some("sqlite://elsewhere.db".to_owned()),
        "WELLVISOR_HTTP_BIND" => Some("127.0.0.1:9999".to_owned()),
        _ => None,
    };
    let loaded = load(&path, &env).unwrap();
    assert_eq!(loaded.config.storage.url, "sqlite://elsewhere.db");
    assert_eq!(loaded.config.http.bind.port(), 9999);
    let bad = |name: &str| (name == "WELLVISOR_HTTP_BIND").then(|| "nowhere".to_owned());
    assert_eq!(load(&path, &bad).unwrap_err().key, "WELLVISOR_HTTP_BIND");
}

/// A profile of one register whose `[well_data]` and `[thresholds]` set a few defaults.
const SMALL_PROFILE: &str = "addressing = \"zero_based\"\n[well_data]\nshut_in_head = 2000\nmotor_rated_current = 30\n\
                             [thresholds]\ncv_ratio = 3\nunderload_ratio = 0.7\noverload_fast_ratio = 1.3\n\
                             [[register]]\nparameter = \"power\"\ntype = \"u16\"\naddress = 1\n";

fn load_with_small_profile(text: &str) -> Result<LoadedConfig, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), text);
    std::fs::write(dir.path().join("profiles/small.toml"), SMALL_PROFILE).unwrap();
    load(&path, &no_env)
}

fn well_data_of(loaded: &LoadedConfig, index: usize) -> wellvisor_actors::domain::WellData {
    (*loaded.factory.build(&loaded.wells[index]).unwrap().well_data).clone()
}

#[test]
fn the_shipped_demo_sits_on_two_feeders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let loaded = load(&root.join("config/default.toml"), &no_env).unwrap();
    let feeders: Vec<(String, u16, Option<String>)> = [0, 11, 12, 23]
        .into_iter()
        .map(|i| (loaded.wells[i].id.to_string(), loaded.wells[i].port, well_data_of(&loaded, i).feeder_id))
        .collect();
    let north = Some("F-NORTH".to_owned());
    let south = Some("F-SOUTH".to_owned());
    assert_eq!(
        feeders,
        [
            ("W-001".into(), 15020, north.clone()),
            ("W-012".into(), 15031, north),
            ("W-013".into(), 15032, south.clone()),
            ("W-024".into(), 15043, south),
        ]
    );
}

#[test]
fn wells_take_their_profiles_well_data_defaults() {
    let loaded = load_with_small_profile(&ONE_WELL.replace("esp-default", "small")).unwrap();
    let data = well_data_of(&loaded, 0);
    assert_eq!((data.shut_in_head, data.motor_rated_current), (2000.0, 30.0), "the profile's figures");
    assert_eq!(data.design_flow, wellvisor_actors::domain::WellData::default().design_flow, "built-in default");
    assert_eq!(data.feeder_id, None);
}

#[test]
fn a_well_overrides_its_profiles_well_data() {
    let text = ONE_WELL.replace("esp-default", "small") + "well_data = { shut_in_head = 2600, feeder_id = \"F-1\" }\n";
    let loaded = load_with_small_profile(&text).unwrap();
    let data = well_data_of(&loaded, 0);
    assert_eq!((data.shut_in_head, data.motor_rated_current), (2600.0, 30.0));
    assert_eq!(data.feeder_id.as_deref(), Some("F-1"));
}

#[test]
fn a_group_shares_its_well_data_with_every_well() {
    let text = "[[well_group]]\nprefix = \"P\"\ncount = 2\nprofile = \"small\"\nfirst_port = 100\n\
                [well_group.well_data]\nfeeder_id = \"F-EAST\"\ndesign_flow = 1500\n";
    let loaded = load_with_small_profile(text).unwrap();
    for index in 0..2 {
        let data = well_data_of(&loaded, index);
        assert_eq!(data.feeder_id.as_deref(), Some("F-EAST"));
        assert_eq!((data.design_flow, data.shut_in_head), (1500.0, 2000.0), "the group's, then the profile's");
    }
}

#[test]
fn well_data_mistakes_name_the_well_or_group_and_the_field() {
    let negative = format!("{ONE_WELL}well_data = {{ shut_in_head = -1 }}\n");
    let error = load_text(&negative).unwrap_err();
    assert_eq!(
        (error.key.as_str(), error.problem.as_str()),
        ("wells.W-1.well_data.shut_in_head", "must be a positive number, got -1")
    );

    let blank_feeder = format!("{ONE_WELL}well_data = {{ feeder_id = \" \" }}\n");
    assert_eq!(load_text(&blank_feeder).unwrap_err().key, "wells.W-1.well_data.feeder_id");

    let unknown = format!("{ONE_WELL}well_data = {{ shut_in_hed = 3000 }}\n");
    let error = load_text(&unknown).unwrap_err();
    assert!(error.problem.contains("unknown field `shut_in_hed`"), "{error}");

    let group = "[[well_group]]\nprefix = \"P\"\ncount = 2\nprofile = \"esp-default\"\nfirst_port = 100\n\
                 well_data = { design_frequency = 0 }\n";
    let error = load_text(group).unwrap_err();
    assert_eq!(error.key, "well_group[0].well_data.design_frequency", "{error}");
}

#[test]
fn a_profile_naming_a_feeder_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), ONE_WELL);
    let with_feeder = SMALL_PROFILE.replace("[well_data]\n", "[well_data]\nfeeder_id = \"F-1\"\n");
    std::fs::write(dir.path().join("profiles/small.toml"), with_feeder).unwrap();
    let error = load(&path, &no_env).unwrap_err();
    assert!(error.file.ends_with("small.toml"), "{error}");
    assert_eq!(error.key, "well_data.feeder_id");
    assert!(error.problem.contains("per well"), "{error}");
}

fn thresholds_of(loaded: &LoadedConfig, index: usize) -> Thresholds {
    (*loaded.factory.build(&loaded.wells[index]).unwrap().thresholds).clone()
}

/// What `SMALL_PROFILE`'s `[thresholds]` resolves to.
fn small_profile_thresholds() -> Thresholds {
    Thresholds { cv_ratio: 3.0, underload_ratio: 0.7, overload_fast_ratio: 1.3, ..Thresholds::default() }
}

#[test]
fn wells_take_their_profiles_thresholds() {
    let loaded = load_with_small_profile(&ONE_WELL.replace("esp-default", "small")).unwrap();
    assert_eq!(thresholds_of(&loaded, 0), small_profile_thresholds());
    let plain = load_text(ONE_WELL).unwrap();
    assert_eq!(thresholds_of(&plain, 0), Thresholds::default(), "a profile without [thresholds]");
}

#[test]
fn a_well_overrides_its_profiles_thresholds_key_by_key() {
    let text = ONE_WELL.replace("esp-default", "small") + "thresholds = { underload_ratio = 0.6, frozen_secs = 600 }\n";
    let loaded = load_with_small_profile(&text).unwrap();
    let expected = Thresholds { underload_ratio: 0.6, frozen_secs: 600, ..small_profile_thresholds() };
    assert_eq!(thresholds_of(&loaded, 0), expected, "the well's, then the profile's, then the defaults");
}

#[test]
fn a_group_shares_its_thresholds_with_every_well() {
    let text = "[[well_group]]\nprefix = \"P\"\ncount = 2\nprofile = \"small\"\nfirst_port = 100\n\
                [well_group.thresholds]\ncv_ratio = 2.5\ncomms_loss_polls = 5\n";
    let loaded = load_with_small_profile(text).unwrap();
    let expected = Thresholds { cv_ratio: 2.5, comms_loss_polls: 5, ..small_profile_thresholds() };
    for index in 0..2 {
        assert_eq!(thresholds_of(&loaded, index), expected);
    }
}

#[test]
fn threshold_mistakes_name_the_well_or_group_and_the_key() {
    let zero = ONE_WELL.replace("W-1", "W-003") + "thresholds = { cv_ratio = 0 }\n";
    let error = load_text(&zero).unwrap_err();
    assert_eq!(
        format!("{}: {}", error.key, error.problem),
        "wells.W-003.thresholds.cv_ratio: must be a positive number, got 0"
    );

    let unknown = format!("{ONE_WELL}thresholds = {{ cv_rato = 3 }}\n");
    let error = load_text(&unknown).unwrap_err();
    assert_eq!(error.key, "wells.W-1.thresholds.cv_rato", "{error}");
    assert!(error.problem.contains("unknown field `cv_rato`"), "{error}");

    let wrong_type = format!("{ONE_WELL}thresholds = {{ frozen_secs = \"30m\" }}\n");
    assert_eq!(load_text(&wrong_type).unwrap_err().key, "wells.W-1.thresholds.frozen_secs");

    let group = "[[well_group]]\nprefix = \"P\"\ncount = 2\nprofile = \"esp-default\"\nfirst_port = 100\n\
                 thresholds = { overload_fast_ratio = 1.0 }\n";
    let error = load_text(group).unwrap_err();
    assert_eq!(error.key, "well_group[0].thresholds.overload_fast_ratio", "{error}");
    assert!(error.problem.contains("below the lower limit"), "{error}");
}

#[test]
fn a_group_is_checked_against_its_profiles_thresholds() {
    // 1.2 is above the default overload_fast_ratio (1.15) but below the profile's (1.3).
    let text = "[[well_group]]\nprefix = \"P\"\ncount = 1\nprofile = \"small\"\nfirst_port = 100\n\
                thresholds = { overload_ratio = 1.2 }\n";
    let loaded = load_with_small_profile(text).unwrap();
    assert_eq!(thresholds_of(&loaded, 0), Thresholds { overload_ratio: 1.2, ..small_profile_thresholds() });
    let bad = text.replace("1.2", "1.4");
    assert_eq!(load_with_small_profile(&bad).unwrap_err().key, "well_group[0].thresholds.overload_fast_ratio");
}

#[test]
fn a_profile_with_a_bad_threshold_names_its_file_and_key() {
    let cases =
        [("cv_rato = 3", "thresholds.cv_rato", "unknown field"), ("cv_ratio = -1", "thresholds.cv_ratio", "positive")];
    for (line, key, problem) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = write_config(dir.path(), ONE_WELL);
        let profile = SMALL_PROFILE.replace("cv_ratio = 3", line);
        std::fs::write(dir.path().join("profiles/small.toml"), profile).unwrap();
        let error = load(&path, &no_env).unwrap_err();
        assert!(error.file.ends_with("small.toml"), "{error}");
        assert_eq!(error.key, key, "{error}");
        assert!(error.problem.contains(problem), "{error}");
    }
}

#[test]
fn store_and_forward_keys_load_and_their_mistakes_are_named() {
    let text = format!(
        "[storage]\nmemory_buffer = 5000\nspool_dir = \"/var/spool/wv\"\nspool_max_bytes = \"256MiB\"\n{ONE_WELL}"
    );
    let storage = load_text(&text).expect("loads").config.storage;
    let backlog = storage.backlog();
    assert_eq!(backlog.memory_buffer, 5_000);
    let spool = backlog.spool.expect("a spool is configured");
    assert_eq!((spool.dir, spool.max_bytes), (std::path::PathBuf::from("/var/spool/wv"), 256 << 20));
    for (line, key) in [
        ("memory_buffer = 10", "storage.memory_buffer"),
        ("spool_dir = \"\"", "storage.spool_dir"),
        ("spool_max_bytes = \"1KiB\"", "storage.spool_max_bytes"),
    ] {
        let error = load_text(&format!("[storage]\n{line}\n{ONE_WELL}")).expect_err(line);
        assert_eq!(error.key, key, "{line}: {error}");
    }
    let error = load_text(&format!("[storage]\nspool_max_bytes = \"1GB\"\n{ONE_WELL}")).expect_err("unit");
    assert!(error.problem.contains("GiB"), "{error}");
}

#[test]
fn an_unset_spool_dir_sits_beside_the_sqlite_file_or_under_data() {
    let spool_of = |storage: &str| {
        load_text(&format!("[storage]\n{storage}\n{ONE_WELL}")).expect("loads").config.storage.spool_dir()
    };
    assert_eq!(spool_of("url = \"sqlite:///srv/wv/history.db\""), std::path::PathBuf::from("/srv/wv/spool"));
    assert_eq!(spool_of("url = \"sqlite://data/wellvisor.db\""), std::path::PathBuf::from("data/spool"));
    assert_eq!(spool_of("url = \"sqlite::memory:\""), std::path::PathBuf::from("data/spool"));
    assert_eq!(
        spool_of("url = \"sqlite:///x.db\"\nspool_dir = \"/var/spool/wv\""),
        std::path::PathBuf::from("/var/spool/wv")
    );
}
