//! `wellvisor archive list|verify|restore` against a SQLite store whose old days a retention
//! pass archived: what each prints, and that every problem exits non-zero naming the file or
//! day and the problem.

mod support;

use std::path::PathBuf;
use std::process::Command;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use support::{Scratch, BIN};
use wellvisor::archive::{file_name, run_pass};
use wellvisor::config::RetentionConfig;
use wellvisor::store::open_historian;
use wellvisor_actors::domain::{Parameter, Sample, WellId};

struct Output {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn wellvisor(args: &[&str]) -> Output {
    let output = Command::new(BIN).args(args).env_remove("WELLVISOR_DATABASE_URL").output().expect("run wellvisor");
    Output {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 14).expect("date")
}

/// A scratch configuration and store, with `day()` (12 samples) archived and deleted.
async fn archived() -> (Scratch, PathBuf, PathBuf) {
    let scratch = Scratch::new();
    let archive_dir = scratch.path("archive");
    let text =
        format!("[storage]\nurl = \"sqlite://{{db}}\"\n[retention]\narchive_dir = \"{}\"\n", archive_dir.display());
    let config = scratch.config(&text);
    let historian = open_historian(&scratch.db_url()).await.expect("open store");
    let start = day().and_hms_opt(6, 0, 0).expect("time").and_utc();
    let samples: Vec<Sample> = (0..12)
        .map(|n| {
            let mut sample = Sample::new(WellId::new("W-001").expect("id"), start + chrono::Duration::minutes(n));
            sample.values.set(Parameter::Frequency, 50.0 + n as f64 / 3.0);
            sample
        })
        .collect();
    historian.store.write_samples(&samples).await.expect("write");
    let retention = RetentionConfig { archive_dir: archive_dir.clone(), ..RetentionConfig::default() };
    let now: DateTime<Utc> = Utc.with_ymd_and_hms(2025, 5, 1, 0, 0, 0).single().expect("time");
    let report = run_pass(historian.retention.as_ref(), &retention, now).await.expect("pass");
    assert_eq!(report.archived.len(), 1, "{report:?}");
    (scratch, config, archive_dir)
}

#[tokio::test]
async fn list_verify_and_restore_succeed_on_a_sound_archive() {
    let (scratch, config, archive_dir) = archived().await;
    let config = config.to_str().expect("utf-8");

    let list = wellvisor(&["archive", "list", "--config", config]);
    assert!(list.ok, "{}", list.stderr);
    let row = list.stdout.lines().find(|line| line.starts_with("2025-03-14")).unwrap_or_default();
    assert!(row.contains(" 12 ") && row.contains(&file_name(day())), "{}", list.stdout);

    let verify = wellvisor(&["archive", "verify", "--config", config]);
    assert!(verify.ok, "{}", verify.stderr);
    assert!(verify.stdout.contains("ok 2025-03-14") && verify.stdout.contains("(12 samples)"), "{}", verify.stdout);

    let restore = wellvisor(&["archive", "restore", "--day", "2025-03-14", "--config", config]);
    assert!(restore.ok, "{}", restore.stderr);
    assert!(restore.stdout.contains("restored 12 samples of 2025-03-14"), "{}", restore.stdout);
    let historian = open_historian(&scratch.db_url()).await.expect("open store");
    assert_eq!(historian.store.count_samples(None).await.expect("count"), 12);

    let again = wellvisor(&["archive", "restore", "--day", "2025-03-14", "--config", config]);
    assert!(!again.ok);
    assert!(again.stderr.contains("already has 12 raw samples"), "{}", again.stderr);
    assert!(archive_dir.join("manifest.json").is_file());
}

#[tokio::test]
async fn verify_fails_naming_the_file_and_the_problem() {
    let (_scratch, config, archive_dir) = archived().await;
    let config = config.to_str().expect("utf-8");
    let file = archive_dir.join(file_name(day()));
    let mut bytes = std::fs::read(&file).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&file, &bytes).expect("write");

    let verify = wellvisor(&["archive", "verify", "--config", config, "--day", "2025-03-14"]);
    assert!(!verify.ok);
    assert!(verify.stderr.contains(&file.display().to_string()), "{}", verify.stderr);
    assert!(verify.stderr.contains("does not match the manifest"), "{}", verify.stderr);
    let restore = wellvisor(&["archive", "restore", "--day", "2025-03-14", "--config", config]);
    assert!(!restore.ok && restore.stderr.contains("does not match the manifest"), "{}", restore.stderr);

    std::fs::remove_file(&file).expect("remove");
    let verify = wellvisor(&["archive", "verify", "--config", config]);
    assert!(!verify.ok);
    assert!(
        verify.stderr.contains(&file.display().to_string()) && verify.stderr.contains("missing"),
        "{}",
        verify.stderr
    );
}

#[tokio::test]
async fn days_not_in_the_archive_are_named() {
    let (_scratch, config, archive_dir) = archived().await;
    let config = config.to_str().expect("utf-8");
    for command in ["verify", "restore"] {
        let output = wellvisor(&["archive", command, "--day", "2024-01-02", "--config", config]);
        assert!(!output.ok, "{command}");
        let expected = format!("day 2024-01-02 is not in the archive at {}", archive_dir.display());
        assert!(output.stderr.contains(&expected), "{command}: {}", output.stderr);
    }
    let bad_day = wellvisor(&["archive", "restore", "--day", "14/03/2025", "--config", config]);
    assert!(!bad_day.ok && bad_day.stderr.contains("--day"), "{}", bad_day.stderr);
}
