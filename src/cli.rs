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
