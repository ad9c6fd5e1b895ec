//! What the platform team observes of a running service, through the real binary against a
//! simulated well: with `WELLVISOR_LOG_FORMAT=json` every log line is a JSON object, a well's
//! lines carry its `well_id`, a request's lines carry its `request_id` (the client's
//! `x-request-id`); and `/metrics` counts the real polls, each timed once.

#[path = "support/exposition.rs"]
mod exposition;
mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::auth::{TEST_ADMIN_PASSWORD, TEST_SECRET};
use support::{free_ports, ChildProcess, Scratch, BIN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const REQUEST_ID: &str = "observability-check-1";
const WITHIN: Duration = Duration::from_secs(10);

/// The child's standard output, one parsed JSON line at a time.
struct Logs {
    lines: mpsc::Receiver<String>,
}

impl Logs {
    /// Starts reading `stdout` on a thread of its own.
    fn follow(stdout: std::process::ChildStdout) -> Logs {
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Logs { lines }
    }

    /// The first line `wanted` accepts, failing on a line that is not JSON or after `WITHIN`.
    fn find(&self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WITHIN;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|_| panic!("no log line {what} within {WITHIN:?}"));
            let json: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
            if wanted(&json) {
                return json;
            }
        }
    }
}

/// The request id of the span a line was logged in, or of any span around it.
fn request_ids(line: &Value) -> Vec<&str> {
    let spans = line["spans"].as_array().into_iter().flatten().chain([&line["span"]]);
    spans.filter_map(|span| span["request_id"].as_str()).collect()
}

fn config(scratch: &Scratch, base_port: u16) -> std::path::PathBuf {
    scratch.config(&format!(
        "[http]\nbind = \"127.0.0.1:0\"\n[storage]\nurl = \"sqlite://{{db}}\"\n[polling]\nperiod = \"200ms\"\ntimeout = \"150ms\"\n\
         [simulator]\nwells = 1\nbase_port = {base_port}\n\
         [[well_group]]\nprefix = \"W-\"\ncount = 1\nprofile = \"esp-default\"\nfirst_port = {base_port}\n"
    ))
}

fn spawn(config: &std::path::Path) -> (ChildProcess, Logs) {
    let mut child = Command::new(BIN)
        .args(["run", "--config", config.to_str().expect("utf-8 path")])
        .env("WELLVISOR_LOG_FORMAT", "json")
        .env("WELLVISOR_LOG", "info")
        .env("WELLVISOR_JWT_SECRET", TEST_SECRET)
        .env("WELLVISOR_ADMIN_PASSWORD", TEST_ADMIN_PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn wellvisor");
    let logs = Logs::follow(child.stdout.take().expect("piped stdout"));
    (ChildProcess(child), logs)
}

/// One HTTP/1.1 exchange; returns the status and the body (never chunked: axum sends a
/// length for the bodies asked for here).
async fn exchange(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default())
}

/// An operator restart of W-001 under our request id, as the first admin.
async fn restart_with_request_id(addr: SocketAddr) {
    let login = serde_json::json!({"username": "admin", "password": TEST_ADMIN_PASSWORD}).to_string();
    let (status, answer) = exchange(addr, "POST", "/api/v1/auth/login", &[], &login).await;
    let answer: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
    let token = answer["token"].as_str().unwrap_or_else(|| panic!("login answered {status}: {answer}"));
    let bearer = format!("Bearer {token}");
    let headers = [("x-request-id", REQUEST_ID), ("Authorization", bearer.as_str())];
    let (status, _) = exchange(addr, "POST", "/api/v1/wells/W-001/restart", &headers, "").await;
    assert_eq!(status, 202, "restarting W-001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_well_and_request_ids_and_metrics_time_every_real_poll() {
    let scratch = Scratch::new();
    let (child, logs) = spawn(&config(&scratch, free_ports(1)));
    let listening = logs.find("saying where HTTP listens", |line| line["message"] == "HTTP API listening");
    let addr: SocketAddr = listening["http_addr"].as_str().and_then(|a| a.parse().ok()).expect("http_addr field");

    let online = |line: &Value| line["message"] == "connection changed" && line["to"] == "online";
    let online = logs.find("of W-001 going online", online);
    assert_eq!(online["well_id"], "W-001", "{online}");
    assert!(online["level"].is_string() && online["timestamp"].is_string(), "{online}");

    restart_with_request_id(addr).await;
    let ours = |line: &Value| request_ids(line).contains(&REQUEST_ID) && line["well_id"].is_string();
    let restart = logs.find("naming a well under our request id", ours);
    assert_eq!(restart["well_id"], "W-001", "the operator's restart names its well: {restart}");
    assert_eq!(restart["span"]["route"], "/api/v1/wells/{id}/restart", "{restart}");

    let (status, text) = exchange(addr, "GET", "/metrics", &[], "").await;
    assert_eq!(status, 200);
    let metrics = exposition::parse(&text).unwrap_or_else(|why| panic!("{why}\n{text}"));
    let value = |name: &str, labels: &[(&str, &str)]| metrics.value(name, labels).unwrap_or(f64::NAN);
    let polls =
        value("wellvisor_polls_total", &[("result", "ok")]) + value("wellvisor_polls_total", &[("result", "failed")]);
    assert!(polls >= 1.0, "the well went online, so it polled: {polls}");
    assert_eq!(value("wellvisor_poll_duration_seconds_count", &[]), polls, "one timing per poll");
    assert_eq!(value("wellvisor_wells", &[("supervision", "running")]), 1.0);

    assert!(child.terminate().success(), "a clean stop on SIGTERM");
}
