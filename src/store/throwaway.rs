//! A throwaway PostgreSQL server for tests and benchmarks: [`database`] hands each caller the URL
//! of a fresh, empty database, so tests stay isolated and can run in parallel.
//!
//! Called by the store tests, the integration tests in `tests/` and the benchmarks. Nothing to
//! configure and nothing to start beforehand: the first call in a process runs `initdb` into a
//! temporary directory with the machine's PostgreSQL server binaries (the newest under Debian's
//! `/usr/lib/postgresql/<version>/bin`, or the directory named by `WELLVISOR_PG_BIN`) and starts
//! a server with durability off on a free loopback port; later calls reuse that server.
//!
//! Hidden contracts:
//! - The server dies with the test process, however that ends (panic, abort, `SIGKILL`): statics
//!   are never dropped, so a watchdog shell holds the read end of a pipe whose only write end is
//!   this process's. End of file there means the process has ended; the watchdog then stops the
//!   server and removes the directory.
//! - `initdb` and `postgres` refuse to run as root. As root (CI) they run as the `postgres` user
//!   that Debian's package creates, through `setpriv`, which execs (unlike `runuser`) so the
//!   watchdog signals the server itself.
//! - A failed start is remembered: every later call in the process gets the same error at once.

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;

use programs::Programs;

mod programs;

/// The environment variable naming the bin dir that holds `initdb` and `postgres`.
pub const BIN_DIR_ENV: &str = "WELLVISOR_PG_BIN";
/// The superuser `initdb` creates, and the OS user the server runs as under root.
const SUPERUSER: &str = "postgres";
/// How long the server may take to accept connections after it is launched.
const START_DEADLINE: Duration = Duration::from_secs(30);
/// The file the watchdog creates in the directory when the server has exited.
const EXITED_MARKER: &str = "server.exited";
/// Log lines quoted when the server does not start.
const LOG_TAIL_LINES: usize = 20;

/// Stops the server when this process ends. `$1` is the directory; the rest runs the server.
/// The reader waits for end of file on fd 3 (the pipe: an asynchronous list's stdin would be
/// /dev/null), then asks for an immediate shutdown, and kills the server if it has not gone
/// within 5 s (a `SIGQUIT` that lands before the server sets its handlers is ignored).
const WATCHDOG: &str = r#"trap '' INT HUP
dir=$1
shift
"$@" </dev/null >"$dir/server.log" 2>&1 &
server=$!
exec 3<&0
{
    while read -r _ <&3; do :; done
    kill -QUIT "$server" 2>/dev/null
    tries=0
    while kill -0 "$server" 2>/dev/null && [ "$tries" -lt 50 ]; do sleep 0.1; tries=$((tries + 1)); done
    kill -KILL "$server" 2>/dev/null
} &
wait "$server"
: >"$dir/server.exited"
wait
rm -rf "$dir""#;

static SERVER: OnceCell<Result<Cluster, ThrowawayError>> = OnceCell::const_new();
static NEXT_DATABASE: AtomicU32 = AtomicU32::new(1);

/// Why no throwaway database could be had. Every message names what failed and, where the
/// machine is at fault, how to fix it. `Debug` prints the message too, so a test's
/// `.expect(..)` shows the fix rather than a struct.
#[derive(Clone, thiserror::Error)]
pub enum ThrowawayError {
    /// Neither `WELLVISOR_PG_BIN` nor `/usr/lib/postgresql/*/bin` holds the server programs.
    #[error(
        "PostgreSQL server binaries not found: install the postgresql package (apt-get install postgresql) \
         or set WELLVISOR_PG_BIN (looked for initdb and postgres in {looked_in})"
    )]
    BinariesMissing { looked_in: String },
    /// Running as root, where the server must run as the `postgres` user, which is missing.
    #[error(
        "running as root, but there is no postgres user to run the PostgreSQL server as (initdb and \
         postgres refuse root): install the postgresql package, which creates it"
    )]
    NoServerUser,
    /// Setting up around the server failed: a temporary directory, a port, a process.
    #[error("cannot {action}: {reason}")]
    Setup { action: String, reason: String },
    /// `initdb` ran and failed.
    #[error("initdb failed ({status}): {stderr}")]
    Initdb { status: String, stderr: String },
    /// The server exited during start-up, or did not accept connections within the deadline.
    #[error("PostgreSQL server {failure}; the end of its log:\n{log_tail}")]
    Start { failure: String, log_tail: String },
    /// The server is up but refused `CREATE DATABASE`.
    #[error("cannot create database {name}: {reason}")]
    CreateDatabase { name: String, reason: String },
}

impl fmt::Debug for ThrowawayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Returns `postgres://postgres@127.0.0.1:<port>/wv_<n>`: a new, empty database, no password.
///
/// The first call in a process starts the shared server (about a second); each call after that
/// costs one `CREATE DATABASE`. Databases are never dropped: they go with the server.
pub async fn database() -> Result<String, ThrowawayError> {
    match SERVER.get_or_init(Cluster::start).await {
        Ok(server) => server.new_database().await,
        Err(error) => Err(error.clone()),
    }
}

/// A throwaway server of one's own, for a test that stops and restarts it (a database outage).
/// It keeps its data and port across [`Cluster::stop`] and [`Cluster::restart`], and dies with
/// the process like the shared one.
pub struct Cluster {
    port: u16,
    dir: PathBuf,
    programs: Programs,
    /// One per launch of the server; each holds its pipe open until the process ends.
    watchdogs: Vec<Watchdog>,
}

impl Cluster {
    /// Finds the binaries, runs `initdb`, launches the server and waits until it takes
    /// connections.
    pub async fn start() -> Result<Cluster, ThrowawayError> {
        let programs = Programs::find().await?;
        let dir = tempfile::Builder::new()
            .prefix("wellvisor-pg-")
            .tempdir()
            .map_err(setup_failed("create a temporary directory"))?;
        if let Some(user) = programs.user {
            std::os::unix::fs::chown(dir.path(), Some(user.uid), Some(user.gid))
                .map_err(setup_failed("hand the temporary directory to the postgres user"))?;
        }
        programs.initdb(dir.path()).await?;
        let port = free_port()?;
        let watchdog = Watchdog::spawn(dir.path(), programs.server_argv(dir.path(), port))?;
        // The watchdog removes the directory when the process ends.
        let dir = dir.keep();
        wait_until_accepting(&dir, port).await?;
        Ok(Cluster { port, dir, programs, watchdogs: vec![watchdog] })
    }

    /// The URL of `database` on this server, as the superuser, no password.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a new, empty database and returns its URL.
    pub async fn new_database(&self) -> Result<String, ThrowawayError> {
        let name = format!("wv_{}", NEXT_DATABASE.fetch_add(1, Ordering::Relaxed));
        let failed =
            |error: sqlx::Error| ThrowawayError::CreateDatabase { name: name.clone(), reason: error.to_string() };
        let mut admin = PgConnection::connect(&self.url("postgres")).await.map_err(failed)?;
        // Simple protocol: CREATE DATABASE may not run inside a transaction block.
        sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.map_err(failed)?;
        admin.close().await.map_err(failed)?;
        Ok(self.url(&name))
    }

    /// Stops the server (a fast shutdown: sessions are cut, as in an outage) and waits until it
    /// has exited. Its data stays for [`Cluster::restart`].
    pub async fn stop(&self) -> Result<(), ThrowawayError> {
        let pid_file = self.dir.join("data").join("postmaster.pid");
        let pid = std::fs::read_to_string(&pid_file).map_err(setup_failed("read the server's pid file"))?;
        let pid = pid.lines().next().unwrap_or_default().trim().to_owned();
        let status = Command::new("kill").args(["-INT", &pid]).status().map_err(setup_failed("signal the server"))?;
        if !status.success() {
            return Err(ThrowawayError::Setup { action: format!("stop server {pid}"), reason: status.to_string() });
        }
        let deadline = Instant::now() + START_DEADLINE;
        while !self.dir.join(EXITED_MARKER).exists() {
            if Instant::now() >= deadline {
                let reason = format!("still running after {} s", START_DEADLINE.as_secs());
                return Err(ThrowawayError::Setup { action: format!("stop server {pid}"), reason });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// Starts the stopped server again on the same port with the same data.
    pub async fn restart(&mut self) -> Result<(), ThrowawayError> {
        std::fs::remove_file(self.dir.join(EXITED_MARKER)).map_err(setup_failed("clear the exit marker"))?;
        let watchdog = Watchdog::spawn(&self.dir, self.programs.server_argv(&self.dir, self.port))?;
        self.watchdogs.push(watchdog);
        wait_until_accepting(&self.dir, self.port).await
    }
}

/// The watchdog shell; its stdin is the pipe whose write end this process never closes.
struct Watchdog {
    _stdin: ChildStdin,
    _process: Child,
}

impl Watchdog {
    /// Starts the watchdog, which starts the server from `server_argv` with `dir` as its
    /// working directory, and owns `dir` from then on.
    fn spawn(dir: &Path, server_argv: Vec<OsString>) -> Result<Watchdog, ThrowawayError> {
        let mut process = Command::new("sh")
            .args(["-c", WATCHDOG, "wellvisor-pg-watchdog"])
            .arg(dir)
            .args(server_argv)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Out of the terminal's process group, so a ^C reaches the tests, not the cleanup.
            .process_group(0)
            .spawn()
            .map_err(setup_failed("start the watchdog shell"))?;
        match process.stdin.take() {
            Some(stdin) => Ok(Watchdog { _stdin: stdin, _process: process }),
            None => {
                Err(ThrowawayError::Setup { action: "pipe to the watchdog shell".into(), reason: "no stdin".into() })
            }
        }
    }
}

/// A loopback port nobody listens on right now (the OS picks it).
fn free_port() -> Result<u16, ThrowawayError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(setup_failed("find a free loopback port"))?;
    let address = listener.local_addr().map_err(setup_failed("find a free loopback port"))?;
    Ok(address.port())
}

/// Polls until the server takes a connection, it exits, or [`START_DEADLINE`] passes. The
/// deadline is on the real clock, so a caller's paused tokio clock cannot end it early.
async fn wait_until_accepting(dir: &Path, port: u16) -> Result<(), ThrowawayError> {
    let url = format!("postgres://{SUPERUSER}@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + START_DEADLINE;
    loop {
        if let Ok(connection) = PgConnection::connect(&url).await {
            let _ = connection.close().await;
            return Ok(());
        }
        let failure = if dir.join(EXITED_MARKER).exists() {
            "exited during start-up".to_owned()
        } else if Instant::now() >= deadline {
            format!("did not accept connections within {} s", START_DEADLINE.as_secs())
        } else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        return Err(ThrowawayError::Start { failure, log_tail: tail(&log, LOG_TAIL_LINES) });
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn setup_failed(action: &str) -> impl FnOnce(io::Error) -> ThrowawayError + '_ {
    move |error| ThrowawayError::Setup { action: action.to_owned(), reason: error.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn connect(url: &str) -> PgConnection {
        PgConnection::connect(url).await.unwrap_or_else(|error| panic!("connect to {url}: {error}"))
    }

    async fn public_tables(connection: &mut PgConnection) -> i64 {
        let sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'";
        sqlx::query_scalar(sql).fetch_one(connection).await.expect("count tables")
    }

    #[tokio::test]
    async fn two_calls_give_two_different_empty_databases_on_one_server() {
        let first = database().await.expect("first database");
        let second = database().await.expect("second database");
        assert_ne!(first, second);
        let server = |url: &str| url.rsplit_once('/').map(|(server, _)| server.to_owned());
        assert_eq!(server(&first), server(&second));
        for url in [&first, &second] {
            assert!(url.starts_with("postgres://postgres@127.0.0.1:"), "{url}");
            let mut connection = connect(url).await;
            let name: String =
                sqlx::query_scalar("SELECT current_database()").fetch_one(&mut connection).await.expect("name");
            assert!(url.ends_with(&format!("/{name}")), "{url} is connected to {name}");
            assert_eq!(public_tables(&mut connection).await, 0, "{url} is not empty");
        }
    }

    #[tokio::test]
    async fn a_table_created_in_one_database_is_absent_from_another() {
        let mut one = connect(&database().await.expect("database")).await;
        let mut other = connect(&database().await.expect("database")).await;
        sqlx::raw_sql("CREATE TABLE probe (id integer)").execute(&mut one).await.expect("create table");
        assert_eq!(public_tables(&mut one).await, 1);
        assert_eq!(public_tables(&mut other).await, 0);
    }

    #[tokio::test]
    async fn a_cluster_of_ones_own_stops_and_restarts_with_its_data_and_port() {
        let mut cluster = Cluster::start().await.expect("cluster");
        let url = cluster.new_database().await.expect("database");
        let mut connection = connect(&url).await;
        sqlx::raw_sql("CREATE TABLE kept (id integer); INSERT INTO kept VALUES (7)")
            .execute(&mut connection)
            .await
            .expect("write");
        drop(connection);
        cluster.stop().await.expect("stop");
        assert!(PgConnection::connect(&url).await.is_err(), "a stopped server answered");
        cluster.restart().await.expect("restart");
        let mut connection = connect(&url).await;
        let kept: i32 = sqlx::query_scalar("SELECT id FROM kept").fetch_one(&mut connection).await.expect("read");
        assert_eq!(kept, 7);
    }

    #[test]
    fn the_log_tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
