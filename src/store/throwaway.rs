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

/// The environment variable naming the bin dir that holds `initdb` and `postgres`.
pub const BIN_DIR_ENV: &str = "WELLVISOR_PG_BIN";
/// Where Debian's `postgresql-<version>` packages put their server binaries.
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";
/// The programs a bin dir must hold to be used.
const PROGRAMS: [&str; 2] = ["initdb", "postgres"];
/// The superuser `initdb` creates, and the OS user the server runs as under root.
const SUPERUSER: &str = "postgres";
/// How long the server may take to accept connections after it is launched.
const START_DEADLINE: Duration = Duration::from_secs(30);
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

static SERVER: OnceCell<Result<Server, ThrowawayError>> = OnceCell::const_new();
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
/// The first call in a process starts the server (about a second); each call after that costs
/// one `CREATE DATABASE`. Databases are never dropped: they go with the server.
pub async fn database() -> Result<String, ThrowawayError> {
    let server = match SERVER.get_or_init(start).await {
        Ok(server) => server,
        Err(error) => return Err(error.clone()),
    };
    let name = format!("wv_{}", NEXT_DATABASE.fetch_add(1, Ordering::Relaxed));
    server.create_database(&name).await?;
    Ok(server.url(&name))
}

/// The running server. Holding it keeps the watchdog's pipe open.
struct Server {
    port: u16,
    _watchdog: Watchdog,
}

impl Server {
    fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    async fn create_database(&self, name: &str) -> Result<(), ThrowawayError> {
        let failed =
            |error: sqlx::Error| ThrowawayError::CreateDatabase { name: name.to_owned(), reason: error.to_string() };
        let mut admin = PgConnection::connect(&self.url("postgres")).await.map_err(failed)?;
        // Simple protocol: CREATE DATABASE may not run inside a transaction block.
        sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.map_err(failed)?;
        admin.close().await.map_err(failed)
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

/// Finds the binaries, runs `initdb`, launches the server and waits until it takes connections.
async fn start() -> Result<Server, ThrowawayError> {
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
    let dir = dir.keep();
    wait_until_accepting(&dir, port).await?;
    Ok(Server { port, _watchdog: watchdog })
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
        let failure = if dir.join("server.exited").exists() {
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

/// How to run the server programs: from which bin dir, and as which user.
struct Programs {
    bin: PathBuf,
    /// The `postgres` user, when this process is root; `None` runs the programs as ourselves.
    user: Option<ServerUser>,
}

#[derive(Clone, Copy)]
struct ServerUser {
    uid: u32,
    gid: u32,
}

impl Programs {
    async fn find() -> Result<Programs, ThrowawayError> {
        let bin = find_bin_dir(std::env::var_os(BIN_DIR_ENV).map(PathBuf::from), Path::new(DEBIAN_ROOT))?;
        if id(&["-u"]).await != Some(0) {
            return Ok(Programs { bin, user: None });
        }
        match (id(&["-u", SUPERUSER]).await, id(&["-g", SUPERUSER]).await) {
            (Some(uid), Some(gid)) => Ok(Programs { bin, user: Some(ServerUser { uid, gid }) }),
            _ => Err(ThrowawayError::NoServerUser),
        }
    }

    /// The argv that runs `program` from the bin dir, as the server user when there is one.
    fn argv(&self, program: &str) -> Vec<OsString> {
        let mut argv: Vec<OsString> = Vec::new();
        if let Some(user) = self.user {
            argv.push("setpriv".into());
            argv.push(format!("--reuid={}", user.uid).into());
            argv.push(format!("--regid={}", user.gid).into());
            argv.extend(["--clear-groups".into(), "--".into()]);
        }
        argv.push(self.bin.join(program).into());
        argv
    }

    /// Creates the cluster in `dir/data`, fast and unsafe: trust auth, no fsync.
    async fn initdb(&self, dir: &Path) -> Result<(), ThrowawayError> {
        let argv = self.argv("initdb");
        let output = tokio::process::Command::new(&argv[0])
            .args(&argv[1..])
            .arg("-D")
            .arg(dir.join("data"))
            .args(["--auth=trust", "--no-sync", "-U", SUPERUSER, "-E", "UTF8", "--locale=C"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(setup_failed(&format!("run {}", self.bin.join("initdb").display())))?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        Err(ThrowawayError::Initdb { status: output.status.to_string(), stderr })
    }

    /// The server on 127.0.0.1:`port` with its socket in `dir`, durability off.
    fn server_argv(&self, dir: &Path, port: u16) -> Vec<OsString> {
        let mut argv = self.argv("postgres");
        argv.extend(["-D".into(), dir.join("data").into(), "-k".into(), dir.into()]);
        argv.extend(["-p".into(), port.to_string().into()]);
        for setting in [
            "listen_addresses=127.0.0.1",
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            // Parallel tests each hold a pool; the default 100 runs out.
            "max_connections=300",
        ] {
            argv.extend(["-c".into(), setting.into()]);
        }
        argv
    }
}

/// `id ARGS` as a number, or `None` when it fails (an unknown user).
async fn id(args: &[&str]) -> Option<u32> {
    let output = tokio::process::Command::new("id").args(args).stderr(Stdio::null()).output().await.ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

/// The bin dir to use: `overridden` when given (no fallback, so a typo is not hidden), else the
/// newest version under `debian_root` that has the server programs.
fn find_bin_dir(overridden: Option<PathBuf>, debian_root: &Path) -> Result<PathBuf, ThrowawayError> {
    if let Some(bin) = overridden {
        if has_programs(&bin) {
            return Ok(bin);
        }
        return Err(ThrowawayError::BinariesMissing {
            looked_in: format!("{}, named by {BIN_DIR_ENV}", bin.display()),
        });
    }
    let versions = std::fs::read_dir(debian_root).into_iter().flatten().flatten();
    let usable = versions
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|version| has_programs(&debian_root.join(version).join("bin")));
    match newest(usable) {
        Some(version) => Ok(debian_root.join(version).join("bin")),
        None => Err(ThrowawayError::BinariesMissing { looked_in: format!("{}/*/bin", debian_root.display()) }),
    }
}

fn has_programs(bin: &Path) -> bool {
    PROGRAMS.iter().all(|program| bin.join(program).is_file())
}

/// The highest of Debian's version directory names ("9.6" < "15" < "17"); others are skipped.
fn newest(versions: impl Iterator<Item = String>) -> Option<String> {
    let numeric = |version: &String| version.split('.').map(str::parse::<u32>).collect::<Result<Vec<_>, _>>().ok();
    versions.filter_map(|version| Some((numeric(&version)?, version))).max().map(|(_, version)| version)
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

    #[test]
    fn the_newest_numeric_version_wins() {
        let versions = ["9.6", "15", "13", "notes", "10.1"].map(String::from);
        assert_eq!(newest(versions.into_iter()), Some("15".to_owned()));
        assert_eq!(newest(std::iter::empty()), None);
    }

    #[test]
    fn the_newest_version_with_the_server_programs_is_chosen() {
        let root = tempfile::tempdir().expect("tempdir");
        for (version, programs) in [("13", &PROGRAMS[..]), ("15", &PROGRAMS[..]), ("16", &["initdb"][..])] {
            let bin = root.path().join(version).join("bin");
            std::fs::create_dir_all(&bin).expect("bin dir");
            for program in programs {
                std::fs::write(bin.join(program), "").expect("program");
            }
        }
        assert_eq!(find_bin_dir(None, root.path()).expect("found"), root.path().join("15/bin"));
        let overridden = root.path().join("13/bin");
        assert_eq!(find_bin_dir(Some(overridden.clone()), root.path()).expect("found"), overridden);
    }

    #[test]
    fn missing_binaries_fail_loudly_with_the_fix() {
        let empty = tempfile::tempdir().expect("tempdir");
        for overridden in [None, Some(empty.path().join("bin"))] {
            let message = find_bin_dir(overridden, empty.path()).expect_err("nothing to find").to_string();
            assert!(
                message.starts_with("PostgreSQL server binaries not found: install the postgresql package"),
                "{message}"
            );
            assert!(message.contains("WELLVISOR_PG_BIN"), "{message}");
        }
    }

    #[test]
    fn the_log_tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
