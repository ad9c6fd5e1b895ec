//! Serving the routers: the API on `http.bind`, the probes and metrics on `http.ops_bind` when
//! it is set, plain or over TLS (rustls) when `http.tls` names a certificate and key. Every
//! listener stops gracefully on the same signal: in-flight requests finish, new ones are not
//! taken.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::error;

use crate::config::TlsConfig;

/// How long TLS connections get to finish at a graceful stop.
const TLS_DRAIN: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `stop` turns true.
pub async fn spawn(
    listener: TcpListener,
    router: Router,
    tls: Option<&TlsConfig>,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<JoinHandle<()>> {
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let Some(tls) = tls else {
        let shutdown = stopped(stop);
        return Ok(tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, service).with_graceful_shutdown(shutdown).await {
                error!(%error, "HTTP server failed");
            }
        }));
    };
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
        .await
        .with_context(|| format!("reading the TLS certificate {} and key {}", tls.cert.display(), tls.key.display()))?;
    let server = axum_server::from_tcp_rustls(listener.into_std()?, config)?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        stopped(stop).await;
        stopper.graceful_shutdown(Some(TLS_DRAIN));
    });
    Ok(tokio::spawn(async move {
        if let Err(error) = server.handle(handle).serve(service).await {
            error!(%error, "HTTPS server failed");
        }
    }))
}

async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

#[cfg(test)]
#[path = "serve_tests.rs"]
mod tests;
