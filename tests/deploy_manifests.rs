//! The deployment files under `deploy/` stand in for a Docker and Kubernetes run, which cannot
//! happen here: every YAML file parses; the compose stack and the Kubernetes workload wire
//! their parts together; every command line the image, compose, Kubernetes and systemd run
//! parses with the real CLI; every configuration they mount loads with the real loader, laid out
//! as the image lays it out; the probes ask routes the router serves; the Grafana dashboard asks
//! only for metrics `/metrics` exposes; `.env.example` lists exactly the variables the code reads.

#[path = "support/deploy.rs"]
mod deploy;
#[path = "support/http_harness.rs"]
mod harness;
#[path = "deploy_manifests/kubernetes.rs"]
mod kubernetes;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::http::{Method, StatusCode};
use clap::Parser;
use deploy::{read, repo, strings, text, Dockerfile};
use harness::TestApp;
use serde_yaml::Value;
use tower::ServiceExt;
use wellvisor::cli::{Cli, Command};
use wellvisor::config::LoadedConfig;

/// The metric families the dashboard is built over (issue 5, observability). ractor does not
/// expose mailbox depths; each actor's reply time to the scrape stands in for them.
const DASHBOARD_FAMILIES: &[&str] = &[
    "wellvisor_polls_total",
    "wellvisor_poll_errors_total",
    "wellvisor_poll_duration_seconds",
    "wellvisor_reconnects_total",
    "wellvisor_well_restarts_total",
    "wellvisor_wells",
    "wellvisor_wells_by_connection",
    "wellvisor_samples_reported_total",
    "wellvisor_samples_dropped_total",
    "wellvisor_queue_depth",
    "wellvisor_queue_capacity",
    "wellvisor_actor_reply_seconds",
    "wellvisor_actor_up",
    "wellvisor_store_available",
    "wellvisor_store_lag_seconds",
    "wellvisor_spool_bytes",
    "wellvisor_spooled_samples",
    "wellvisor_active_alarms",
    "wellvisor_http_requests_total",
    "wellvisor_http_request_duration_seconds",
];

/// The configuration every deployment mounts, as the image's `CMD` names it.
const IMAGE_CONFIG: &str = "/etc/wellvisor/wellvisor.toml";

fn dockerfile() -> Dockerfile {
    Dockerfile::parse(&read("deploy/Dockerfile"))
}

/// Parses a command line with the real CLI; returns the configuration a `run` names.
fn run_config_of(argv: &[String]) -> Option<PathBuf> {
    let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{argv:?} does not parse with the CLI: {e}"));
    match cli.command {
        Some(Command::Run { config }) => Some(config),
        _ => None,
    }
}

/// Loads `config_text` as the image would: the file at `image_path`, its profiles directory
/// filled from wherever the Dockerfile copies it from, a PostgreSQL URL in the environment.
fn load_as_in_image(config_text: &str, image_path: &str) -> LoadedConfig {
    let table: toml::Table = toml::from_str(config_text).unwrap_or_else(|e| panic!("{image_path}: {e}"));
    let profiles = table.get("profiles").and_then(|p| p.get("dir")).and_then(|d| d.as_str()).unwrap_or("profiles");
    assert!(Path::new(profiles).is_relative(), "profiles.dir {profiles:?} must be relative to the config file");
    let image_dir = Path::new(image_path).parent().expect("a directory").join(profiles);
    let image_dir = image_dir.to_str().expect("utf-8");
    let from = dockerfile().repo_path_of(image_dir).unwrap_or_else(|| panic!("the image has no {image_dir}"));
    let scratch = tempfile::tempdir().expect("scratch dir");
    std::fs::create_dir_all(scratch.path().join(profiles)).expect("profiles dir");
    for profile in deploy::files_under(&from, &["toml"]) {
        let name = profile.file_name().expect("file name");
        std::fs::copy(&profile, scratch.path().join(profiles).join(name)).expect("copy profile");
    }
    let file = scratch.path().join("wellvisor.toml");
    std::fs::write(&file, config_text).expect("write config");
    let deployed_env = |name: &str| {
        (name == "WELLVISOR_DATABASE_URL").then(|| "postgres://wellvisor:secret@postgres:5432/wellvisor".to_owned())
    };
    wellvisor::config::load(&file, &deployed_env).unwrap_or_else(|e| panic!("{image_path}: {e}"))
}

/// The API port and the ops port (`http.bind`, `http.ops_bind`) of a configuration's text.
fn config_ports(config_text: &str) -> (u16, u16) {
    let table: toml::Table = toml::from_str(config_text).expect("toml");
    let port = |key: &str| {
        let address = table["http"].get(key).and_then(|v| v.as_str()).unwrap_or_else(|| panic!("no http.{key}"));
        address.parse::<SocketAddr>().unwrap_or_else(|e| panic!("http.{key}: {e}")).port()
    };
    (port("bind"), port("ops_bind"))
}

#[test]
fn every_yaml_file_under_deploy_parses() {
    let files = deploy::files_under(&repo("deploy"), &["yaml", "yml"]);
    assert!(files.len() >= 5, "deploy/ holds the compose file and the Kubernetes manifests: {files:?}");
    for file in files {
        let documents: Vec<Value> = deploy::yaml_documents(&file).into_iter().filter(|d| !d.is_null()).collect();
        assert!(!documents.is_empty(), "{} holds no document", file.display());
        assert!(documents.iter().all(Value::is_mapping), "{}: every document is a mapping", file.display());
    }
    for (file, manifest) in deploy::kubernetes_objects() {
        assert!(!text(&manifest["apiVersion"]).is_empty() && !text(&manifest["kind"]).is_empty(), "{file:?}");
    }
}

#[test]
fn compose_starts_wellvisor_after_a_healthy_postgres_beside_the_simulator() {
    let compose = &deploy::yaml_documents(&repo("deploy/compose.yaml"))[0];
    let services = &compose["services"];
    for name in ["wellvisor", "postgres", "simulator"] {
        assert!(services[name].is_mapping(), "compose lacks the {name} service");
    }
    assert_eq!(text(&services["wellvisor"]["depends_on"]["postgres"]["condition"]), "service_healthy");
    let postgres = &services["postgres"];
    assert!(text(&postgres["image"]).starts_with("postgres:15"), "PostgreSQL 15");
    assert!(strings(&postgres["healthcheck"]["test"]).iter().any(|t| t.contains("pg_isready")));
    let volume = strings(&postgres["volumes"]).into_iter().next().expect("a data volume");
    let named = volume.split(':').next().expect("source");
    assert!(compose["volumes"].get(named).is_some(), "{named} is a named volume");
    let env_file = &services["wellvisor"]["env_file"][0]["path"];
    assert_eq!(repo("deploy").join(text(env_file)), repo("deploy/../.env"), "secrets come from the repo's .env");
    assert!(repo(".env.example").is_file(), ".env.example is what .env is copied from");
}

#[test]
fn compose_commands_parse_and_name_files_the_image_holds() {
    let compose = &deploy::yaml_documents(&repo("deploy/compose.yaml"))[0];
    let image = dockerfile();
    let services = compose["services"].as_mapping().expect("services");
    for (name, service) in services.iter().filter(|(_, s)| s.get("build").is_some()) {
        let build = &service["build"];
        let dockerfile = repo("deploy").join(text(&build["context"])).join(text(&build["dockerfile"]));
        assert_eq!(dockerfile, repo("deploy/../deploy/Dockerfile"), "{name:?} builds deploy/Dockerfile");
        let command = match service.get("command") {
            Some(command) => strings(command),
            None => image.cmd.clone(),
        };
        let argv: Vec<String> = image.entrypoint.iter().cloned().chain(command.iter().cloned()).collect();
        if let Some(config) = run_config_of(&argv) {
            assert_eq!(config, Path::new(IMAGE_CONFIG), "{name:?}");
        }
        for flag in ["--profile", "--scenario"] {
            if let Some(at) = command.iter().position(|a| a == flag) {
                let path = &command[at + 1];
                let from = image.repo_path_of(path).unwrap_or_else(|| panic!("{name:?}: the image has no {path}"));
                assert!(from.is_file(), "{name:?}: {path} comes from {}, which is missing", from.display());
            }
        }
    }
    let wellvisor = &compose["services"]["wellvisor"];
    let mounts = strings(&wellvisor["volumes"]);
    let config_mount = mounts.iter().find(|m| m.split(':').nth(1) == Some(IMAGE_CONFIG)).expect("a mounted config");
    let source = read(&format!("deploy/{}", config_mount.split(':').next().expect("source")));
    let loaded = load_as_in_image(&source, IMAGE_CONFIG);
    assert!(!loaded.wells.is_empty(), "the compose stack polls the simulator's wells");
    let published = strings(&compose["services"]["simulator"]["ports"]);
    let (api, ops) = config_ports(&source);
    for port in [api, ops] {
        assert!(published.iter().any(|p| p.ends_with(&format!(":{port}"))), "port {port} is published");
    }
}

#[test]
fn the_image_runs_the_production_config_as_a_non_root_user() {
    let image = dockerfile();
    let argv: Vec<String> = image.entrypoint.iter().chain(&image.cmd).cloned().collect();
    let config = run_config_of(&argv).expect("the image's default command is `run`");
    let config = config.to_str().expect("utf-8");
    assert_eq!(config, IMAGE_CONFIG);
    assert_eq!(image.repo_path_of(config), Some(repo("deploy/config/production.toml")));
    let production = read("deploy/config/production.toml");
    load_as_in_image(&production, config);
    let uid = image.user.split(':').next().expect("uid");
    assert!(!image.user.is_empty() && uid != "0" && uid != "root", "USER {:?} must not be root", image.user);
    let (api, ops) = config_ports(&production);
    assert!(image.exposed.contains(&api) && image.exposed.contains(&ops), "EXPOSE {:?}", image.exposed);
}

#[test]
fn the_shipped_deployment_configs_pass_check_config() {
    for file in ["deploy/config/production.toml", "deploy/config/compose.toml"] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_wellvisor"))
            .args(["check-config", repo(file).to_str().expect("utf-8")])
            .env("WELLVISOR_DATABASE_URL", "postgres://wellvisor:secret@postgres:5432/wellvisor")
            .output()
            .expect("run wellvisor");
        assert!(output.status.success(), "{file}: {}", String::from_utf8_lossy(&output.stderr));
    }
}

#[test]
fn the_systemd_unit_runs_a_cli_command_in_a_sandbox() {
    let entries = deploy::unit_entries(&read("deploy/systemd/wellvisor.service"));
    let value = |key: &str| entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let exec: Vec<String> = value("ExecStart").expect("ExecStart").split_whitespace().map(str::to_owned).collect();
    assert_eq!(run_config_of(&exec).as_deref(), Some(Path::new(IMAGE_CONFIG)), "ExecStart runs the service");
    let expected = [
        ("Type", "simple"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectKernelModules", "yes"),
        ("ProtectKernelLogs", "yes"),
        ("ProtectControlGroups", "yes"),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("RestrictNamespaces", "yes"),
        ("LockPersonality", "yes"),
        ("MemoryDenyWriteExecute", "yes"),
        ("SystemCallFilter", "@system-service"),
        ("CapabilityBoundingSet", ""),
        ("LimitNOFILE", "65536"),
        ("Restart", "on-failure"),
        ("StateDirectory", "wellvisor"),
        ("EnvironmentFile", "/etc/wellvisor/wellvisor.env"),
    ];
    for (key, wanted) in expected {
        assert_eq!(value(key), Some(wanted), "{key}");
    }
    assert!(value("User").is_some_and(|user| !user.is_empty() && user != "root"), "a dedicated user");
    let stop = value("TimeoutStopSec").expect("TimeoutStopSec").trim_end_matches('s');
    assert!(stop.parse::<u64>().expect("seconds") >= 65, "time for the 5 s well stop and the 60 s flush");
}

#[tokio::test]
async fn the_grafana_dashboard_asks_only_for_metrics_the_service_exposes() {
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("deploy/grafana/wellvisor-dashboard.json")).expect("the dashboard is JSON");
    assert!(dashboard["schemaVersion"].as_u64().is_some_and(|v| v >= 36), "a current schema");
    let inputs = dashboard["__inputs"].as_array().expect("__inputs");
    assert!(inputs.iter().any(|i| i["name"] == "DS_PROMETHEUS"), "a DS_PROMETHEUS datasource input");
    let asked = deploy::metric_names(&dashboard.to_string());
    for family in DASHBOARD_FAMILIES {
        let shown = asked.contains(*family) || asked.contains(&format!("{family}_bucket"));
        assert!(shown, "the dashboard does not show {family}");
    }
    let app = TestApp::start().await.with_wells(&["W-001", "W-002"]).await;
    // A labelled series can appear only after the wells' first polls; wait for it, bounded.
    let deadline = Instant::now() + Duration::from_secs(15);
    let missing = loop {
        let exposed = deploy::exposed_metric_names(&scrape(&app).await);
        let missing: BTreeSet<&String> = asked.iter().filter(|name| !exposed.contains(*name)).collect();
        if missing.is_empty() || Instant::now() > deadline {
            break missing.into_iter().cloned().collect::<Vec<_>>();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(missing.is_empty(), "the dashboard asks for metrics /metrics does not expose: {missing:?}");
}

/// `GET /metrics`, as text.
async fn scrape(app: &TestApp) -> String {
    let request = harness::request(Method::GET, "/metrics", Body::empty());
    let response = app.router.clone().oneshot(request).await.unwrap_or_else(|never| match never {});
    assert_eq!(response.status(), StatusCode::OK, "GET /metrics");
    let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024).await.expect("body");
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

#[test]
fn env_example_lists_exactly_the_variables_the_code_reads() {
    let example = read(".env.example");
    let listed: BTreeSet<String> = example
        .lines()
        .map(|line| line.trim_start_matches('#').trim())
        .filter_map(|line| line.split_once('=').map(|(name, _)| name.to_owned()))
        .filter(|name| name.starts_with("WELLVISOR_"))
        .collect();
    let read_by_code = deploy::env_names_in_code();
    let unlisted: Vec<_> = read_by_code.difference(&listed).collect();
    assert!(unlisted.is_empty(), ".env.example does not list {unlisted:?}");
    let unknown: Vec<_> = listed.difference(&read_by_code).collect();
    assert!(unknown.is_empty(), ".env.example lists {unknown:?}, which no code reads");
}
