//! The first start and the account commands, through the real binary: a production config
//! refuses to start without an admin and a token secret and says how to make them; the demo
//! makes its admin with a random password printed once, which then logs in; `wellvisor user`
//! and `wellvisor key` manage accounts in the store the service reads.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::{eventually, free_ports, Scratch, BIN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn config(scratch: &Scratch, http_port: u16, demo: bool) -> std::path::PathBuf {
    scratch.config(&format!(
        "[http]\nbind = \"127.0.0.1:{http_port}\"\n[auth]\ndemo = {demo}\n[storage]\nurl = \"sqlite://{{db}}\"\n\
         [logging]\nlevel = \"warn\"\n"
    ))
}

/// The binary with a clean environment: no test secrets.
fn wellvisor(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args).env_remove("WELLVISOR_JWT_SECRET").env_remove("WELLVISOR_ADMIN_PASSWORD");
    command.env("WELLVISOR_LOG", "warn");
    command
}

/// Runs a command with `input` on standard input; its status and standard output.
fn run(args: &[&str], input: &str) -> (bool, String, String) {
    let mut child =
        wellvisor(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    (output.status.success(), text(output.stdout), text(output.stderr))
}

async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = bearer.map(|token| format!("Authorization: Bearer {token}\r\n")).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(format!("{head}{body}").as_bytes()).await.expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let json = answer.split_once("\r\n\r\n").and_then(|(_, b)| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
    (status, json)
}

async fn login(addr: std::net::SocketAddr, user: &str, password: &str) -> (u16, Value) {
    let body = serde_json::json!({ "username": user, "password": password }).to_string();
    request(addr, "POST", "/api/v1/auth/login", None, &body).await
}

#[test]
fn a_production_start_without_admin_or_secret_is_refused_with_how_to_fix_it() {
    let scratch = Scratch::new();
    let path = config(&scratch, free_ports(1), false);
    let path = path.to_str().unwrap();
    let (ok, _, stderr) = run(&["run", "--config", path], "");
    assert!(!ok);
    assert!(stderr.contains("WELLVISOR_JWT_SECRET"), "{stderr}");
    let mut with_secret = wellvisor(&["run", "--config", path]);
    with_secret.env("WELLVISOR_JWT_SECRET", support::auth::TEST_SECRET).stderr(Stdio::piped());
    let output = with_secret.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("no admin user exists") && stderr.contains("WELLVISOR_ADMIN_PASSWORD"), "{stderr}");
    assert!(stderr.contains("wellvisor user add admin"), "{stderr}");
    let mut weak = wellvisor(&["run", "--config", path]);
    weak.env("WELLVISOR_JWT_SECRET", "short").stderr(Stdio::piped());
    let stderr = String::from_utf8_lossy(&weak.output().unwrap().stderr).into_owned();
    assert!(stderr.contains("WELLVISOR_JWT_SECRET") && stderr.contains("at least 32 bytes"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_prints_a_random_admin_password_once_and_it_logs_in() {
    let scratch = Scratch::new();
    let port = free_ports(1);
    let path = config(&scratch, port, true);
    let mut child = wellvisor(&["run", "--config", path.to_str().unwrap()]).stdout(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let password = tokio::task::spawn_blocking(move || {
        let lines = BufReader::new(stdout).lines().map_while(Result::ok);
        lines.into_iter().find_map(|line| line.split("with password ").nth(1).map(str::to_owned))
    });
    let password =
        tokio::time::timeout(Duration::from_secs(60), password).await.unwrap().unwrap().expect("a password line");
    let addr = ([127, 0, 0, 1], port).into();
    support::wait_for_port(port, Duration::from_secs(30)).await;
    let (status, _) = request(addr, "GET", "/api/v1/fleet", None, "").await;
    assert_eq!(status, 401, "the demo's API is not open either");
    let (status, answer) = login(addr, "admin", &password).await;
    assert_eq!(status, 200, "{answer}");
    let token = answer["token"].as_str().unwrap().to_owned();
    let (status, _) = request(addr, "GET", "/api/v1/fleet", Some(&token), "").await;
    assert_eq!(status, 200);
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    assert!(child.wait().unwrap().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_and_key_commands_manage_the_accounts_the_service_reads() {
    let scratch = Scratch::new();
    let port = free_ports(1);
    let path = config(&scratch, port, false);
    let path = path.to_str().unwrap();
    let (ok, out, err) = run(&["user", "add", "nina", "--role", "operator", "--config", path], "night shift secret\n");
    assert!(ok, "{out}{err}");
    let (ok, _, err) = run(&["user", "add", "root", "--role", "root", "--config", path], "whatever it is\n");
    assert!(!ok && err.contains("unknown role \"root\""), "{err}");
    let (ok, _, err) = run(&["user", "add", "short", "--role", "viewer", "--config", path], "tiny\n");
    assert!(!ok && err.contains("at least 12 characters"), "{err}");
    assert!(run(&["user", "add", "boss", "--role", "admin", "--config", path], "the boss's password\n").0);
    let (_, listed, _) = run(&["user", "list", "--config", path], "");
    assert!(listed.contains("nina") && listed.contains("operator") && listed.contains("boss"), "{listed}");
    let (ok, made, _) = run(&["key", "add", "gateway-7 push", "--config", path], "");
    assert!(ok, "{made}");
    let key = made.lines().last().unwrap().trim().to_owned();
    assert!(key.starts_with("wvk_"), "{made}");

    let mut service = wellvisor(&["run", "--config", path]);
    service.env("WELLVISOR_JWT_SECRET", support::auth::TEST_SECRET).stdout(Stdio::null());
    let child = support::ChildProcess(service.spawn().unwrap());
    support::wait_for_port(port, Duration::from_secs(30)).await;
    let addr = ([127, 0, 0, 1], port).into();
    let (status, answer) = login(addr, "nina", "night shift secret").await;
    assert_eq!(status, 200, "{answer}");
    let (status, _) = request(addr, "GET", "/api/v1/wells", Some(&key), "").await;
    assert_eq!(status, 200, "the key made on the command line works");

    let (ok, _, err) = run(&["user", "disable", "nina", "--config", path], "");
    assert!(ok, "{err}");
    let key_id = key.split('_').nth(1).unwrap().to_owned();
    assert!(run(&["key", "revoke", &key_id, "--config", path], "").0);
    eventually(Duration::from_secs(30), "the running service sees the disable and the revoke", async || {
        let (login_status, _) = login(addr, "nina", "night shift secret").await;
        let (key_status, _) = request(addr, "GET", "/api/v1/wells", Some(&key), "").await;
        (login_status == 401 && key_status == 401).then_some(())
    })
    .await;
    assert!(child.terminate().success());
}
