//! Command-line parsing, logging set-up and the open-file limit: the edge of the program.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::{duration, LogFormat, LoggingConfig};

/// The configuration the demo runs with.
pub const DEFAULT_CONFIG: &str = "config/default.toml";

#[derive(Debug, Parser)]
#[command(name = "wellvisor", version, about = "Supervises a fleet of ESP-lifted oil wells over Modbus TCP")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (the default: the embedded demo fleet).
    Run {
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
    /// Serve simulated ESP wells over Modbus TCP on loopback.
    Simulate(SimulateArgs),
    /// Validate a configuration file and its profiles, then exit.
    CheckConfig { file: PathBuf },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        bench: BenchCommand,
    },
    /// Users of the API: add, change a password, disable, enable, list.
    User {
        #[command(subcommand)]
        user: UserCommand,
    },
    /// API keys for service accounts: add, list, revoke.
    Key {
        #[command(subcommand)]
        key: KeyCommand,
    },
    /// The archive of raw telemetry days deleted by retention.
    Archive {
        #[command(subcommand)]
        archive: ArchiveCommand,
    },
}

/// `wellvisor archive ...`: each reads `retention.archive_dir` (and, to restore, the store)
/// from the configuration, as `run` would.
#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// List the archived days: samples, bytes, when verified, file.
    List {
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
    /// Check every archived file (or one day's) against the manifest: size, SHA-256, and that
    /// every line decodes. Exits non-zero naming each file that fails.
    Verify {
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
        /// Only this day (YYYY-MM-DD).
        #[arg(long)]
        day: Option<chrono::NaiveDate>,
    },
    /// Write an archived day back into the store (storage.url or WELLVISOR_DATABASE_URL).
    /// Refused when the store already holds raw samples of that day.
    Restore {
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
        /// The day to restore (YYYY-MM-DD).
        #[arg(long)]
        day: chrono::NaiveDate,
    },
}

/// `wellvisor user ...`: each opens the store of the configuration (storage.url or
/// WELLVISOR_DATABASE_URL). A running service sees the change within `auth.refresh_interval`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is asked for (or read from standard input when piped).
    Add {
        name: String,
        /// viewer, operator, engineer, admin or service.
        #[arg(long)]
        role: String,
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
    /// Set a user's password; asked for, or read from standard input when piped.
    Passwd {
        name: String,
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
    /// Disable a user: their tokens stop working at once.
    Disable {
        name: String,
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
    /// Enable a disabled user again.
    Enable {
        name: String,
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
    /// List users: name, role, disabled.
    List {
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
}

/// `wellvisor key ...`: API keys, in the store of the configuration.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a key; it is printed once and cannot be shown again.
    Add {
        /// What the key is for, e.g. "gateway-7 push".
        name: String,
        #[arg(long, default_value = "service")]
        role: String,
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
    /// List keys: id, name, role, created, revoked.
    List {
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
    /// Revoke a key by its id for good.
    Revoke {
        id: String,
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Number of wells.
    #[arg(long, default_value_t = 24)]
    pub wells: usize,
    /// Well i listens on base-port + i (in gateway mode, all on base-port).
    #[arg(long, default_value_t = 15020)]
    pub base_port: u16,
    /// Serve every well behind one port, by unit id 1..=N.
    #[arg(long)]
    pub gateway: bool,
    /// Scenario file of faults (see docs/simulator.md).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Address of the control interface.
    #[arg(long)]
    pub control: Option<SocketAddr>,
    /// Device profile the simulated wells follow.
    #[arg(long, default_value = "config/profiles/esp-default.toml")]
    pub profile: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Poll a simulated fleet and print throughput, timeliness, CPU and memory figures.
    Fleet(BenchFleetArgs),
    /// Step simulated wells through the diagnostics in-process and print its CPU per sample.
    Diagnostics(BenchDiagnosticsArgs),
    /// Write generated telemetry into a store and print samples per second.
    Store(BenchStoreArgs),
    /// Load a fleet's month of history into a store, then time trend queries.
    Query(BenchQueryArgs),
}

#[derive(Debug, Args)]
pub struct BenchQueryArgs {
    /// The store: empty (it is loaded first) or loaded by an earlier run of the same shape.
    #[arg(long, env = "WELLVISOR_DATABASE_URL")]
    pub url: String,
    #[arg(long, default_value_t = 100)]
    pub wells: usize,
    /// Days of history, ending at today's midnight (UTC).
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Poll period of the loaded history.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub period: Duration,
    /// Times each query is asked (of different wells).
    #[arg(long, default_value_t = 50)]
    pub repeat: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchStoreArgs {
    /// The store to write into, e.g. sqlite://bench.db or postgres://user@host/db. Use an
    /// empty store: the run checks that it gained exactly the samples it wrote.
    #[arg(long, env = "WELLVISOR_DATABASE_URL")]
    pub url: String,
    /// Samples to write, each a full canonical parameter set.
    #[arg(long, default_value_t = 1_000_000)]
    pub samples: u64,
    /// Wells the samples are spread over.
    #[arg(long, default_value_t = 1_000)]
    pub wells: usize,
    /// Samples per write: the recorder's default batch size.
    #[arg(long, default_value_t = 2_000)]
    pub batch: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchDiagnosticsArgs {
    #[arg(long, default_value_t = 1_000)]
    pub wells: usize,
    /// Simulated poll period, e.g. 1s.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub period: Duration,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchFleetArgs {
    #[arg(long, default_value_t = 1_000)]
    pub wells: usize,
    /// Poll period, e.g. 1s or 500ms.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub period: Duration,
    /// Measurement window, after a warm-up.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub duration: Duration,
    /// First simulator port.
    #[arg(long, default_value_t = 30000)]
    pub base_port: u16,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    duration::parse(text)
}

/// Installs the global subscriber: JSON when standard output is not a terminal.
pub fn init_logging(logging: &LoggingConfig) {
    let filter = EnvFilter::try_new(&logging.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match logging.format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stdout().is_terminal(),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json { builder.json().flatten_event(true).try_init() } else { builder.try_init() };
}

/// Raises the open-file limit toward `wanted` (one descriptor per device connection).
/// Returns the limit in force afterwards.
pub fn raise_open_file_limit(wanted: u64) -> u64 {
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap_or((1024, 1024));
    if soft >= wanted {
        return soft;
    }
    // Root may raise the hard limit too; others stop at it.
    if rlimit::setrlimit(rlimit::Resource::NOFILE, wanted, wanted.max(hard)).is_ok() {
        return wanted;
    }
    let _ = rlimit::setrlimit(rlimit::Resource::NOFILE, hard, hard);
    rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(soft, |(soft, _)| soft)
}
