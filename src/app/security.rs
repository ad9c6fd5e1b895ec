//! Setting up who may use the API at start: the token secret, the directory of users and
//! keys, the first admin, the rate limiter and the hardening settings; and the task that keeps
//! the directory in step with changes made by `wellvisor user` while the service runs.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::http::HeaderValue;
use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::auth::accounts::Accounts;
use crate::auth::bootstrap::{self, FirstAdmin};
use crate::auth::{Auth, Directory, Tokens};
use crate::config::LoadedConfig;
use crate::http::guard::Security;
use crate::http::rate_limit::RateLimiter;

/// Everything the guard needs, with the first admin made if there was none.
pub async fn build(loaded: &LoadedConfig, accounts: Arc<dyn Accounts>) -> anyhow::Result<Arc<Security>> {
    let config = &loaded.config;
    let demo = config.auth.demo;
    let secret = bootstrap::token_secret(loaded.secrets.jwt_secret.clone(), demo)?;
    if loaded.secrets.jwt_secret.is_none() {
        warn!("WELLVISOR_JWT_SECRET is not set: the demo signs tokens with a random secret, valid until it stops");
    }
    let tokens = Tokens::new(&secret, config.auth.token_ttl)?;
    let directory = Directory::load(accounts).await.context("loading users and API keys")?;
    let directory = Arc::new(directory);
    let env_password = loaded.secrets.admin_password.as_deref();
    match bootstrap::ensure_admin(&directory, env_password, demo, Utc::now()).await? {
        FirstAdmin::Present => {}
        FirstAdmin::FromEnvironment => {
            info!(user = bootstrap::FIRST_ADMIN, "first admin created from WELLVISOR_ADMIN_PASSWORD")
        }
        FirstAdmin::Generated(password) => announce_demo_admin(&password),
    }
    let http = &config.http;
    let limiter = RateLimiter::new(http.rate_limit, http.trusted_proxies.clone());
    let cors_origins = http.cors_origins.iter().filter_map(|origin| HeaderValue::from_str(origin).ok()).collect();
    let auth = Auth::new(tokens, directory);
    Ok(Arc::new(Security { auth, limiter, cors_origins, tls: http.tls.is_some() }))
}

/// The demo's admin password, printed once on standard output and never logged.
fn announce_demo_admin(password: &str) {
    println!(
        "\nwellvisor demo: created user `admin` with password {password}\n\
         (shown once; change it with `wellvisor user passwd admin`)\n"
    );
}

/// Re-reads users and keys every `interval` until `stop`, so a user disabled from the command
/// line is refused within one interval. A failed read keeps the copy in memory.
pub fn spawn_refresh(directory: Arc<Directory>, interval: Duration, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let stopping = async move {
            let _ = stop.wait_for(|stop| *stop).await;
        };
        tokio::pin!(stopping);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    if let Err(error) = directory.refresh().await {
                        warn!(%error, "could not re-read users and API keys; keeping the ones in memory");
                    }
                }
                () = &mut stopping => break,
            }
        }
    })
}
