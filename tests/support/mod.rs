//! Shared harness for end-to-end tests: free loopback ports, scratch configurations, the
//! `wellvisor` binary as a child process, and a tiny HTTP/1.1 client.

#![allow(dead_code)]

pub mod auth;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const BIN: &str = env!("CARGO_BIN_EXE_wellvisor");

/// The first port of the kernel's ephemeral range (Linux's default): outgoing connections take
/// their local ports from here up, so a listener that must come back on the same port (a
/// simulator restarted mid-test) is only safe below it.
const EPHEMERAL_START: u16 = 32_768;

/// Finds `count` consecutive free loopback ports below the ephemeral range. Another process
/// could take one before the test binds it; the range is drawn at random to make that unlikely.
pub fn free_ports(count: u16) -> u16 {
    static CALLS: AtomicU32 = AtomicU32::new(0);
    let span = u32::from(EPHEMERAL_START - 20_000 - count);
    for _ in 0..200 {
        let attempt = CALLS.fetch_add(1, Ordering::Relaxed);
        let spread = std::process::id().wrapping_mul(7_919).wrapping_add(attempt.wrapping_mul(104_729));
        let base = 20_000 + (spread % span) as u16;
        let held: Vec<TcpListener> =
            (0..count).map_while(|i| TcpListener::bind(("127.0.0.1", base + i)).ok()).collect();
        if held.len() == usize::from(count) {
            return base;
        }
    }
    panic!("no {count} consecutive free ports on loopback");
}

/// A scratch directory with the shipped profiles and scenarios and a configuration file.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        let dir = tempfile::tempdir().expect("scratch dir");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        for sub in ["profiles", "scenarios"] {
            copy_tree(&root.join(sub), &dir.path().join(sub));
        }
        Scratch { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `wellvisor.toml`, with `{db}` replaced by a database path in the scratch dir.
    pub fn config(&self, text: &str) -> PathBuf {
        let db = self.path("data/wellvisor.db");
        let path = self.path("wellvisor.toml");
        std::fs::write(&path, text.replace("{db}", &db.display().to_string())).expect("write config");
        path
    }

    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self.path("data/wellvisor.db").display())
    }
}

/// Copies the directory `from` into `to`, subdirectories included (scenarios nest, e.g.
/// `scenarios/faults/`).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&source, &target);
        } else {
            std::fs::copy(&source, &target).unwrap_or_else(|e| panic!("copy {}: {e}", source.display()));
        }
    }
}

#[test]
fn scratch_copies_nested_config_directories() {
    let scratch = Scratch::new();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/scenarios/faults");
    for entry in std::fs::read_dir(&shipped).expect("shipped faults").flatten() {
        let copy = scratch.path("scenarios/faults").join(entry.file_name());
        assert!(copy.is_file(), "{} was not copied", copy.display());
    }
    assert!(scratch.path("scenarios/demo.toml").is_file());
    assert!(scratch.path("profiles/esp-default.toml").is_file());
}

/// A child process that is killed when dropped.
pub struct ChildProcess(pub Child);

impl ChildProcess {
    pub fn spawn(args: &[&str]) -> ChildProcess {
        ChildProcess::spawn_with_env(args, &[])
    }

    /// As [`ChildProcess::spawn`], with extra environment variables. The test token secret
    /// and admin password are always set, so [`http`] is admitted as `admin`.
    pub fn spawn_with_env(args: &[&str], env: &[(&str, &str)]) -> ChildProcess {
        let child = Command::new(BIN)
            .args(args)
            .env("WELLVISOR_JWT_SECRET", auth::TEST_SECRET)
            .env("WELLVISOR_ADMIN_PASSWORD", auth::TEST_ADMIN_PASSWORD)
            .envs(env.iter().copied())
            .env("WELLVISOR_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn wellvisor");
        ChildProcess(child)
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = self.0.wait().expect("wait");
        std::mem::forget(self);
        status
    }

    pub fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        std::mem::forget(self);
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `port` on loopback accepts connections.
pub async fn wait_for_port(port: u16, within: Duration) {
    let deadline = Instant::now() + within;
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "port {port} did not open within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls `check` until it returns `Some`, failing after `within`.
pub async fn eventually<T>(within: Duration, what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One HTTP/1.1 request with `Connection: close`, as `admin`; returns the status and the JSON body
/// (`Value::Null` when the body is empty or not JSON).
pub async fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(addr).await?;
    let body = body.unwrap_or("");
    let token = auth::token_for(wellvisor::auth::Role::Admin);
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response);
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let payload = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let json = serde_json::from_str(&decode_chunked(payload)).unwrap_or(Value::Null);
    Ok((status, json))
}

/// Undoes chunked transfer encoding when present.
fn decode_chunked(body: &str) -> String {
    if serde_json::from_str::<Value>(body).is_ok() {
        return body.to_owned();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out
}

pub async fn get(addr: SocketAddr, path: &str) -> (u16, Value) {
    http(addr, "GET", path, None).await.unwrap_or((0, Value::Null))
}
