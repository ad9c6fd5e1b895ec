//! Timing what the control room and Prometheus ask of a running fleet: a scrape of `/metrics`
//! and the list of every well, each asked several times over loopback, one at a time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::Utc;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::app::RunningApp;
use crate::auth::bootstrap::FIRST_ADMIN;
use crate::auth::Role;

/// Times each request is asked; the median is reported.
const ASKS: usize = 11;

/// Median answer times and sizes.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ReadFigures {
    pub metrics_scrape_ms: f64,
    pub metrics_bytes: usize,
    pub wells_list_ms: f64,
    pub wells_list_bytes: usize,
}

/// Asks `/metrics` and `GET /api/v1/wells` (as the bench's admin) [`ASKS`] times each.
pub async fn measure(app: &RunningApp) -> anyhow::Result<ReadFigures> {
    let (token, _) = app.security.auth.tokens.issue(FIRST_ADMIN, Role::Admin, Utc::now());
    let (metrics_scrape_ms, metrics_bytes) = median_of(app.http_addr, "/metrics", None).await?;
    let (wells_list_ms, wells_list_bytes) = median_of(app.http_addr, "/api/v1/wells", Some(&token)).await?;
    Ok(ReadFigures { metrics_scrape_ms, metrics_bytes, wells_list_ms, wells_list_bytes })
}

async fn median_of(addr: SocketAddr, path: &str, token: Option<&str>) -> anyhow::Result<(f64, usize)> {
    let mut times = Vec::with_capacity(ASKS);
    let mut bytes = 0;
    for _ in 0..ASKS {
        let started = Instant::now();
        bytes = get(addr, path, token).await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok((times[ASKS / 2].as_secs_f64() * 1e3, bytes))
}

/// One GET with `Connection: close`; the size of the whole answer.
async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> anyhow::Result<usize> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.context("connecting to the API")?;
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n{auth}\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer))
        .await
        .context("answer timed out")??;
    anyhow::ensure!(answer.starts_with(b"HTTP/1.1 200"), "GET {path} did not answer 200");
    Ok(answer.len())
}
