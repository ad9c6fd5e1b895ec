//! `wellvisor user …` and `wellvisor key …`: the command-line edge of account management, for
//! the first admin of a production install and for recovery when no admin can log in. Each
//! opens the store named by the configuration, as `run` does, and says what it did. Passwords
//! are read without echo from a terminal, or as one line from standard input when piped.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use anyhow::Context as _;
use chrono::Utc;

use super::directory::{Directory, UserChange};
use super::role::Role;
use crate::cli::{KeyCommand, UserCommand};
use crate::config;
use crate::store::open_historian;

/// Runs a `wellvisor user` command.
pub async fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { name, role, config } => {
            let role: Role = role.parse()?;
            let directory = open(&config).await?;
            let password = read_password(&format!("password for {name}: "))?;
            directory.add_user(&name, role, &password, Utc::now()).await?;
            println!("user {name} added with role {role}");
        }
        UserCommand::Passwd { name, config } => {
            let directory = open(&config).await?;
            let password = read_password(&format!("new password for {name}: "))?;
            let change = UserChange { password: Some(password), ..UserChange::default() };
            directory.update_user(&name, change, Utc::now()).await?;
            println!("password of {name} changed");
        }
        UserCommand::Disable { name, config } => set_disabled(&config, &name, true).await?,
        UserCommand::Enable { name, config } => set_disabled(&config, &name, false).await?,
        UserCommand::List { config } => {
            for user in open(&config).await?.users() {
                let state = if user.disabled { "disabled" } else { "enabled" };
                println!("{:<24} {:<9} {state}", user.name, user.role);
            }
        }
    }
    Ok(())
}

/// Runs a `wellvisor key` command.
pub async fn key(command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::Add { name, role, config } => {
            let role: Role = role.parse()?;
            let (made, record) = open(&config).await?.add_key(&name, role, "command line", Utc::now()).await?;
            println!("API key {} ({name}, role {role}); shown once, store it now:\n{}", record.id, made.key);
        }
        KeyCommand::List { config } => {
            for key in open(&config).await?.keys() {
                let revoked = key.revoked_at.map_or_else(|| "active".to_owned(), |at| format!("revoked {at}"));
                println!(
                    "{}  {:<9} {:<32} created {} by {}  {revoked}",
                    key.id, key.role, key.name, key.created_at, key.created_by
                );
            }
        }
        KeyCommand::Revoke { id, config } => {
            open(&config).await?.revoke_key(&id, Utc::now()).await?;
            println!("API key {id} revoked");
        }
    }
    Ok(())
}

async fn set_disabled(config: &Path, name: &str, disabled: bool) -> anyhow::Result<()> {
    let change = UserChange { disabled: Some(disabled), ..UserChange::default() };
    open(config).await?.update_user(name, change, Utc::now()).await?;
    println!("user {name} {}", if disabled { "disabled" } else { "enabled" });
    Ok(())
}

async fn open(path: &Path) -> anyhow::Result<Directory> {
    let loaded = config::load(path, &|name| std::env::var(name).ok())?;
    let url = &loaded.config.storage.url;
    let historian = open_historian(url).await.with_context(|| format!("opening the store {}", redacted(url)))?;
    Ok(Directory::load(historian.accounts).await?)
}

/// A URL without its password, for messages.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…{}", &url[..scheme], &url[at..]),
        _ => url.to_owned(),
    }
}

fn read_password(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).context("reading the password");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
