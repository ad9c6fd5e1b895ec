//! The `wellvisor` binary: parses the command line and hands over to the library.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use wellvisor::cli::{init_logging, raise_open_file_limit, BenchCommand, Cli, Command, DEFAULT_CONFIG};
use wellvisor::config::{self, LoggingConfig};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run { config: DEFAULT_CONFIG.into() });
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Run { config } => run(&config).await,
        Command::CheckConfig { file } => check_config(&file),
        Command::Simulate(args) => {
            init_logging(&LoggingConfig::default());
            raise_open_file_limit(2 * args.wells as u64 + 1_024);
            let text = std::fs::read_to_string(&args.profile)
                .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", args.profile.display()))?;
            let name = args.profile.file_stem().and_then(|s| s.to_str()).unwrap_or("profile");
            let profile = wellvisor_actors::device::Profile::from_toml(name, &text)
                .map_err(|e| anyhow::anyhow!("{}: {}: {}", args.profile.display(), e.location, e.problem))?;
            wellvisor::sim::run_cli(
                args.wells,
                args.base_port,
                args.gateway,
                args.scenario,
                args.control,
                profile.into(),
            )
            .await
        }
        Command::User { user } => wellvisor::auth::commands::user(user).await,
        Command::Key { key } => wellvisor::auth::commands::key(key).await,
        Command::Archive { archive } => wellvisor::archive::commands::run(archive).await,
        Command::Bench { bench: BenchCommand::Diagnostics(args) } => wellvisor::bench::diagnostics(&args),
        Command::Bench { bench: BenchCommand::Store(args) } => {
            init_logging(&LoggingConfig { level: "warn".into(), ..LoggingConfig::default() });
            wellvisor::bench::store(&args).await
        }
        Command::Bench { bench: BenchCommand::Query(args) } => {
            init_logging(&LoggingConfig { level: "warn".into(), ..LoggingConfig::default() });
            wellvisor::bench::query(&args).await
        }
        Command::Bench { bench: BenchCommand::Fleet(args) } => {
            init_logging(&LoggingConfig { level: "warn".into(), ..LoggingConfig::default() });
            wellvisor::bench::fleet(&args).await
        }
    }
}

async fn run(path: &Path) -> anyhow::Result<()> {
    let loaded = config::load(path, &|name| std::env::var(name).ok())?;
    init_logging(&loaded.config.logging);
    raise_open_file_limit(2 * loaded.wells.len() as u64 + 1_024);
    wellvisor::app::run(&loaded).await
}

fn check_config(path: &Path) -> anyhow::Result<()> {
    let loaded = config::load(path, &|name| std::env::var(name).ok())?;
    println!(
        "{}: ok ({} wells, {} profiles)",
        path.display(),
        loaded.wells.len(),
        loaded.factory.profile_names().count()
    );
    Ok(())
}
