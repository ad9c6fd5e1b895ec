//! `wellvisor archive list|verify|restore`: the command-line edge of the archive. Each loads
//! the configuration as `run` does (so `WELLVISOR_DATABASE_URL` applies), prints what it did
//! on standard output, and fails with an error naming the day or file and the problem.

use std::path::Path;

use anyhow::Context as _;
use chrono::NaiveDate;

use super::{listing, restore_day, verify_archive, Manifest};
use crate::cli::ArchiveCommand;
use crate::config::{self, LoadedConfig};
use crate::store::open_historian;

pub async fn run(command: ArchiveCommand) -> anyhow::Result<()> {
    match command {
        ArchiveCommand::List { config } => list(&load(&config)?),
        ArchiveCommand::Verify { config, day } => verify(&load(&config)?, day).await,
        ArchiveCommand::Restore { config, day } => restore(&load(&config)?, day).await,
    }
}

fn load(path: &Path) -> anyhow::Result<LoadedConfig> {
    Ok(config::load(path, &|name| std::env::var(name).ok())?)
}

fn list(loaded: &LoadedConfig) -> anyhow::Result<()> {
    let dir = &loaded.config.retention.archive_dir;
    let manifest = Manifest::load(dir)?;
    print!("{}", listing::table(dir, &manifest));
    Ok(())
}

async fn verify(loaded: &LoadedConfig, day: Option<NaiveDate>) -> anyhow::Result<()> {
    let dir = &loaded.config.retention.archive_dir;
    let checked = verify_archive(dir, day).await?;
    let mut failures = Vec::new();
    for (entry, verdict) in &checked {
        match verdict {
            Ok(()) => println!("{}", listing::verified(dir, entry)),
            Err(error) => failures.push(error.to_string()),
        }
    }
    if checked.is_empty() {
        println!("no archived days in {}", dir.display());
    }
    if !failures.is_empty() {
        anyhow::bail!(
            "{} of {} archive files failed verification: {}",
            failures.len(),
            checked.len(),
            failures.join("; ")
        );
    }
    Ok(())
}

async fn restore(loaded: &LoadedConfig, day: NaiveDate) -> anyhow::Result<()> {
    let historian = open_historian(&loaded.config.storage.url).await.context("opening the store")?;
    let dir = &loaded.config.retention.archive_dir;
    let restored = restore_day(historian.retention.as_ref(), dir, day).await?;
    println!("restored {restored} samples of {day} from {}", dir.display());
    Ok(())
}
