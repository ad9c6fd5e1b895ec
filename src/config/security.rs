//! The configuration of who may use the API and how hard it is held: `[auth]` (token lifetime,
//! the demo's first admin) and the parts of `[http]` that harden it (rate limits, CORS, TLS,
//! a separate address for probes and metrics). Secrets are never here: the token secret and
//! the first admin's password come from the environment only.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::duration;

/// `[auth]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// How long a login token is valid; a client logs in again after it.
    #[serde(default = "default_token_ttl", with = "duration")]
    pub token_ttl: Duration,
    /// The embedded demo: with no users and no `WELLVISOR_ADMIN_PASSWORD`, create `admin` with a
    /// random password printed once, and sign tokens with a random secret when
    /// `WELLVISOR_JWT_SECRET` is unset. Off, the service refuses to start without both.
    #[serde(default)]
    pub demo: bool,
    /// How often users and API keys are re-read from the store, so changes made with
    /// `wellvisor user` while the service runs take effect.
    #[serde(default = "default_refresh", with = "duration")]
    pub refresh_interval: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self { token_ttl: default_token_ttl(), demo: false, refresh_interval: default_refresh() }
    }
}

fn default_token_ttl() -> Duration {
    Duration::from_secs(30 * 60)
}
fn default_refresh() -> Duration {
    Duration::from_secs(10)
}

/// `[http.rate_limit]`: requests per minute per client, by kind. A client is its address
/// (or, behind one of `http.trusted_proxies`, the address that proxy forwarded for).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// `POST /api/v1/auth/login`: the brake on password guessing.
    #[serde(default = "default_login")]
    pub login_per_minute: u32,
    /// Every other request that changes something.
    #[serde(default = "default_write")]
    pub write_per_minute: u32,
    /// Reads: generous, a control-room screen polls.
    #[serde(default = "default_read")]
    pub read_per_minute: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self { login_per_minute: default_login(), write_per_minute: default_write(), read_per_minute: default_read() }
    }
}

fn default_login() -> u32 {
    60
}
fn default_write() -> u32 {
    300
}
fn default_read() -> u32 {
    6000
}

/// `[http.tls]`: serve HTTPS directly, for deployments without a proxy in front.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain. Env: `WELLVISOR_HTTP_TLS_CERT`.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1). Env: `WELLVISOR_HTTP_TLS_KEY`.
    pub key: PathBuf,
}

/// Checks `[auth]` and the hardening keys of `[http]`, naming the key at fault.
pub(super) fn check(auth: &AuthConfig, http: &super::HttpConfig) -> Result<(), (&'static str, String)> {
    let minute = Duration::from_secs(60);
    if auth.token_ttl < minute || auth.token_ttl > Duration::from_secs(24 * 3600) {
        return Err(("auth.token_ttl", "must be between 1m and 24h".into()));
    }
    if auth.refresh_interval.is_zero() {
        return Err(("auth.refresh_interval", "must be above zero".into()));
    }
    let limits = &http.rate_limit;
    if limits.login_per_minute == 0 || limits.write_per_minute == 0 || limits.read_per_minute == 0 {
        return Err(("http.rate_limit", "every limit must be at least 1 request per minute".into()));
    }
    if let Some(origin) = http.cors_origins.iter().find(|origin| !is_origin(origin)) {
        return Err(("http.cors_origins", format!("{origin:?} is not an origin like https://host[:port]")));
    }
    if let Some(tls) = &http.tls {
        for (key, path) in [("http.tls.cert", &tls.cert), ("http.tls.key", &tls.key)] {
            if !path.is_file() {
                return Err((key, format!("{} is not a readable file", path.display())));
            }
        }
    }
    if http.ops_bind == Some(http.bind) {
        return Err(("http.ops_bind", "must differ from http.bind".into()));
    }
    Ok(())
}

/// `scheme://host[:port]` with nothing after: what a browser sends as `Origin`.
fn is_origin(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else { return false };
    let host_ok = !rest.is_empty() && !rest.contains(['/', '?', '#', ' ', '*']);
    matches!(scheme, "http" | "https") && host_ok && text.parse::<axum::http::HeaderValue>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for good in ["https://scada.example.com", "http://127.0.0.1:8080"] {
            assert!(is_origin(good), "{good}");
        }
        for bad in ["scada.example.com", "https://", "https://x/path", "*", "ftp://x", "https://x y"] {
            assert!(!is_origin(bad), "{bad}");
        }
    }
}
