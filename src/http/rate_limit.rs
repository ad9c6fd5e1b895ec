//! Per-client rate limits: a token bucket per client address and kind of request (login,
//! change, read), refilled continuously at the configured rate per minute and holding at most
//! a minute's worth. A request over the limit is a 429 with `Retry-After`; probes and metrics
//! are never limited. Failed logins have a bucket of their own, stricter, so guessing passwords
//! stops long before the login limit would.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dashmap::DashMap;

use super::error::ApiError;
use super::state::AppState;
use crate::auth::AuthCounters;
use crate::config::RateLimitConfig;

/// The kinds of request counted apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    Login,
    /// Failed logins only: 10 per 15 minutes per client.
    LoginFailure,
    Write,
    Read,
}

/// Buckets kept before idle ones are forgotten.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The limiter every request passes.
#[derive(Debug)]
pub struct RateLimiter {
    config: RateLimitConfig,
    /// Proxies whose `X-Forwarded-For` is believed.
    trusted_proxies: Vec<IpAddr>,
    buckets: DashMap<(IpAddr, Class), Bucket>,
}

impl RateLimiter {
    pub fn new(config: RateLimitConfig, trusted_proxies: Vec<IpAddr>) -> Self {
        Self { config, trusted_proxies, buckets: DashMap::new() }
    }

    /// (capacity, tokens per second) of a class.
    fn shape(&self, class: Class) -> (f64, f64) {
        let per_minute = match class {
            Class::Login => self.config.login_per_minute,
            Class::Write => self.config.write_per_minute,
            Class::Read => self.config.read_per_minute,
            Class::LoginFailure => return (10.0, 10.0 / 900.0),
        };
        (f64::from(per_minute), f64::from(per_minute) / 60.0)
    }

    /// Takes one token for `client` at `now`; when none is left, how long until one is.
    pub fn take(&self, client: IpAddr, class: Class, now: Instant) -> Result<(), Duration> {
        self.prune(now);
        let (capacity, rate) = self.shape(class);
        let mut bucket = self.buckets.entry((client, class)).or_insert(Bucket { tokens: capacity, at: now });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
    }

    /// Whether `client` has a token of `class` left, without taking it.
    pub fn check(&self, client: IpAddr, class: Class, now: Instant) -> Result<(), Duration> {
        let (capacity, rate) = self.shape(class);
        let Some(bucket) = self.buckets.get(&(client, class)).map(|b| *b) else { return Ok(()) };
        let tokens = (bucket.tokens + now.saturating_duration_since(bucket.at).as_secs_f64() * rate).min(capacity);
        if tokens >= 1.0 {
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - tokens) / rate))
        }
    }

    /// Forgets buckets idle for 15 minutes (every bucket is full again by then) once there are
    /// many, so a scan from many addresses cannot grow memory without bound.
    fn prune(&self, now: Instant) {
        if self.buckets.len() > PRUNE_ABOVE {
            let idle = Duration::from_secs(15 * 60);
            self.buckets.retain(|_, bucket| now.saturating_duration_since(bucket.at) < idle);
        }
    }

    /// The address a request is counted against: its peer, or, when the peer is a trusted
    /// proxy, the address that proxy says it forwarded for.
    pub fn client_of(&self, request: &Request) -> Option<IpAddr> {
        let peer =
            request.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|ConnectInfo(peer)| peer.ip())?;
        let forwarded: Vec<&str> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|list| list.split(','))
            .collect();
        Some(client_behind(peer, &forwarded, &self.trusted_proxies))
    }
}

/// Walks the chain from the peer back towards the client, past every trusted proxy: the first
/// address no trusted proxy vouches for is the client. Entries left of it are the client's own
/// word (it may write any `X-Forwarded-For` it likes) and are never believed; an entry that is
/// not an address stops the walk at the proxy that passed it on.
fn client_behind(peer: IpAddr, forwarded: &[&str], trusted: &[IpAddr]) -> IpAddr {
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        if !trusted.contains(&client) {
            break;
        }
        match entry.trim().parse() {
            Ok(address) => client = address,
            Err(_) => break,
        }
    }
    client
}

/// The class of a request; `None` for the routes never limited.
pub fn class_of(method: &Method, path: &str) -> Option<Class> {
    if path.starts_with("/health/") || path == "/metrics" {
        return None;
    }
    if path == "/api/v1/auth/login" && method == Method::POST {
        return Some(Class::Login);
    }
    Some(if super::access::is_mutating(method) { Class::Write } else { Class::Read })
}

/// A retry delay as `Retry-After` says it: whole seconds, at least one.
pub fn retry_after_secs(delay: Duration) -> u64 {
    delay.as_secs() + u64::from(delay.subsec_nanos() > 0)
}

/// The middleware: 429 with `Retry-After` once a client's bucket is empty.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limiter = &state.security.limiter;
    let class = class_of(request.method(), request.uri().path());
    if let (Some(class), Some(client)) = (class, limiter.client_of(&request)) {
        if let Err(delay) = limiter.take(client, class, Instant::now()) {
            AuthCounters::count(&state.security.auth.counters.rate_limited);
            tracing::warn!(%client, ?class, "rate limit reached");
            return ApiError::RateLimited { retry_after: retry_after_secs(delay) }.into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_minute: u32) -> RateLimiter {
        let config = RateLimitConfig { login_per_minute: per_minute, write_per_minute: 2, read_per_minute: 600 };
        RateLimiter::new(config, Vec::new())
    }

    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn a_minute_of_requests_then_one_per_refill() {
        let limiter = limiter(60);
        let start = Instant::now();
        for _ in 0..60 {
            assert!(limiter.take(CLIENT, Class::Login, start).is_ok());
        }
        let refused = limiter.take(CLIENT, Class::Login, start).unwrap_err();
        assert_eq!(retry_after_secs(refused), 1);
        assert!(limiter.take(CLIENT, Class::Login, start + Duration::from_millis(1000)).is_ok());
        assert!(limiter.take(CLIENT, Class::Login, start + Duration::from_millis(1000)).is_err());
    }

    #[test]
    fn clients_and_classes_are_counted_apart() {
        let limiter = limiter(1);
        let now = Instant::now();
        assert!(limiter.take(CLIENT, Class::Login, now).is_ok());
        assert!(limiter.take(CLIENT, Class::Login, now).is_err());
        assert!(limiter.take(CLIENT, Class::Read, now).is_ok());
        let other: IpAddr = "10.0.0.9".parse().unwrap();
        assert!(limiter.take(other, Class::Login, now).is_ok());
    }

    #[test]
    fn failed_logins_allow_ten_per_quarter_hour() {
        let limiter = limiter(60);
        let now = Instant::now();
        for _ in 0..10 {
            assert!(limiter.check(CLIENT, Class::LoginFailure, now).is_ok());
            assert!(limiter.take(CLIENT, Class::LoginFailure, now).is_ok());
        }
        let wait = limiter.check(CLIENT, Class::LoginFailure, now).unwrap_err();
        assert_eq!(retry_after_secs(wait), 90);
    }

    #[test]
    fn forwarded_addresses_are_believed_from_trusted_proxies_only() {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // Not from a proxy: the peer, whatever the header claims.
        assert_eq!(client_behind(ip("203.0.113.9"), &["1.2.3.4"], &proxies), ip("203.0.113.9"));
        // Through one proxy: the address it forwarded for.
        assert_eq!(client_behind(ip("10.0.0.1"), &["198.51.100.7"], &proxies), ip("198.51.100.7"));
        // Through two; a spoofed entry the client wrote itself, left of it, is not believed.
        let chain = ["6.6.6.6", "198.51.100.7", "10.0.0.2"];
        assert_eq!(client_behind(ip("10.0.0.1"), &chain, &proxies), ip("198.51.100.7"));
        // A proxy that sent no header, or garbage: the proxy itself.
        assert_eq!(client_behind(ip("10.0.0.1"), &[], &proxies), ip("10.0.0.1"));
        assert_eq!(client_behind(ip("10.0.0.1"), &["not an address"], &proxies), ip("10.0.0.1"));
    }

    #[test]
    fn probes_are_never_limited_and_login_is_its_own_class() {
        assert_eq!(class_of(&Method::GET, "/health/ready"), None);
        assert_eq!(class_of(&Method::GET, "/metrics"), None);
        assert_eq!(class_of(&Method::POST, "/api/v1/auth/login"), Some(Class::Login));
        assert_eq!(class_of(&Method::POST, "/api/v1/wells"), Some(Class::Write));
        assert_eq!(class_of(&Method::GET, "/api/v1/wells"), Some(Class::Read));
    }
}
