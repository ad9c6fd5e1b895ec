//! A malformed configuration or profile makes `check-config` and `run` exit non-zero, naming
//! the file, the key and the problem.

mod support;

use std::process::Command;

use support::{Scratch, BIN};

fn run(args: &[&str]) -> (bool, String) {
    let output = Command::new(BIN).args(args).env("WELLVISOR_LOG", "error").output().expect("run wellvisor");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn check_config_accepts_the_shipped_demo() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/config/default.toml");
    let output = Command::new(BIN).args(["check-config", demo]).output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("24 wells"));
}

#[test]
fn a_bad_key_fails_check_config_and_run_naming_file_key_and_problem() {
    let scratch = Scratch::new();
    let path = scratch.config("[polling]\nperiod = \"2s\"\ntimeout = \"0ms\"\n");
    let path = path.to_str().expect("utf-8");
    for args in [vec!["check-config", path], vec!["run", "--config", path]] {
        let (ok, stderr) = run(&args);
        assert!(!ok, "{args:?} must fail");
        assert!(stderr.contains("wellvisor.toml") && stderr.contains("polling.timeout"), "{stderr}");
        assert!(stderr.contains("above zero"), "{stderr}");
    }
}

#[test]
fn a_bad_profile_fails_naming_the_profile_file_and_register() {
    let scratch = Scratch::new();
    std::fs::write(
        scratch.path("profiles/broken.toml"),
        "addressing = \"one_based\"\n[[register]]\nparameter = \"frequency\"\ntype = \"f64\"\naddress = 1\n",
    )
    .expect("write");
    let path = scratch.config("");
    let (ok, stderr) = run(&["check-config", path.to_str().expect("utf-8")]);
    assert!(!ok);
    assert!(stderr.contains("broken.toml") && stderr.contains("f64"), "{stderr}");
}

#[test]
fn a_missing_file_is_named() {
    let (ok, stderr) = run(&["check-config", "/nonexistent/wellvisor.toml"]);
    assert!(!ok);
    assert!(stderr.contains("/nonexistent/wellvisor.toml") && stderr.contains("cannot read"), "{stderr}");
}

#[test]
fn check_config_accepts_every_shipped_example() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let examples = std::fs::read_dir(root.join("examples")).expect("examples").flatten().map(|e| e.path());
    for path in examples.chain([root.join("example.toml")]) {
        let output = Command::new(BIN).arg("check-config").arg(&path).output().expect("run");
        assert!(output.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&output.stderr));
    }
}
