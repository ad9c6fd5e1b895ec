//! The configuration file's sections. Every field is documented here and in
//! `config/example.toml`; unknown keys are rejected.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use wellvisor_actors::diagnostics::thresholds::ThresholdOverrides;
use wellvisor_actors::domain::WellDataOverrides;
use wellvisor_actors::recorder::{BacklogSettings, SpoolSettings, DEFAULT_MEMORY_BUFFER};
use wellvisor_actors::supervisor::RestartPolicy;
use wellvisor_actors::well::PollSettings;

use super::security::{AuthConfig, RateLimitConfig, TlsConfig};
use super::well::WellDefinition;
use super::{bytesize, duration};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub http: HttpConfig,
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub retention: RetentionConfig,
    #[serde(default)]
    pub polling: PollingConfig,
    #[serde(default)]
    pub supervision: SupervisionConfig,
    #[serde(default)]
    pub modbus: ModbusConfig,
    #[serde(default)]
    pub profiles: ProfilesConfig,
    #[serde(default)]
    pub logging: LoggingConfig,
    /// Simulated wells started in-process (the embedded demo).
    pub simulator: Option<SimulatorConfig>,
    /// Many similar wells at once.
    #[serde(default, rename = "well_group")]
    pub well_groups: Vec<WellGroup>,
    /// Wells one by one.
    #[serde(default)]
    pub wells: Vec<WellDefinition>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Address the API listens on. Env: `WELLVISOR_HTTP_BIND`.
    #[serde(default = "default_bind")]
    pub bind: SocketAddr,
    /// Requests taking longer are answered 503.
    #[serde(default = "default_request_timeout", with = "duration")]
    pub request_timeout: Duration,
    /// Largest request body accepted, in bytes.
    #[serde(default = "default_body_limit")]
    pub body_limit: usize,
    /// Clients that may follow `GET /api/v1/events` at once; one more is answered 503 with
    /// `Retry-After`. Each costs a task and a queue of up to 4096 shared events. 0 turns the
    /// stream off.
    #[serde(default = "default_event_subscribers")]
    pub event_subscribers: usize,
    /// Serve `/health/*` and `/metrics` here instead of on `bind`, e.g. `0.0.0.0:9090` for a
    /// port only the cluster reaches. Env: `WELLVISOR_HTTP_OPS_BIND`.
    #[serde(default)]
    pub ops_bind: Option<SocketAddr>,
    /// Origins allowed to call the API from a browser (`https://scada.example.com`). Empty:
    /// no cross-origin access.
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// Addresses of the proxies in front of the service (a load balancer, an ingress). From
    /// them, and only them, `X-Forwarded-For` is believed when the rate limits tell clients
    /// apart; every other client's header is its own word. (The audit records the header beside
    /// the peer address either way.)
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    #[serde(default)]
    pub rate_limit: RateLimitConfig,
    #[serde(default)]
    pub tls: Option<TlsConfig>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            bind: default_bind(),
            request_timeout: default_request_timeout(),
            body_limit: default_body_limit(),
            event_subscribers: default_event_subscribers(),
            ops_bind: None,
            cors_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            rate_limit: RateLimitConfig::default(),
            tls: None,
        }
    }
}

fn default_bind() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_request_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_body_limit() -> usize {
    64 * 1024
}
fn default_event_subscribers() -> usize {
    wellvisor_actors::fleet::DEFAULT_SUBSCRIBER_LIMIT
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// `sqlite://PATH` (relative paths are relative to the working directory). A `postgres://`
    /// URL carries a password, so it is taken from `WELLVISOR_DATABASE_URL` only.
    #[serde(default = "default_url")]
    pub url: String,
    /// Samples per write.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// A batch is written when its oldest sample is this old, full or not.
    #[serde(default = "default_batch_max_age", with = "duration")]
    pub batch_max_age: Duration,
    /// Samples the recorder's queue holds before wells wait and then count drops.
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
    /// Wait before retrying a failed write.
    #[serde(default = "default_retry_delay", with = "duration")]
    pub retry_delay: Duration,
    /// Samples (and, apart, records) held in memory while the store is unavailable, before
    /// the recorder spills to the disk spool.
    #[serde(default = "default_memory_buffer")]
    pub memory_buffer: usize,
    /// The disk spool's directory (relative paths are relative to the working directory);
    /// what it holds after a crash or a stop with the store down replays at the next start.
    /// Unset: `spool/` beside a SQLite database file, else `data/spool`.
    #[serde(default)]
    pub spool_dir: Option<PathBuf>,
    /// The most the spool may hold on disk (`"1GiB"`, `"512MiB"`); past it new data is
    /// refused, counted and alarmed (`@system:spool_full`).
    #[serde(default = "default_spool_max_bytes", with = "bytesize")]
    pub spool_max_bytes: u64,
}

impl StorageConfig {
    /// The spool directory in force: the configured one, or `spool/` beside a SQLite database
    /// file (so two services on two databases never share a spool), or `data/spool`.
    pub fn spool_dir(&self) -> PathBuf {
        if let Some(dir) = &self.spool_dir {
            return dir.clone();
        }
        let sqlite_file = self.url.strip_prefix("sqlite://").or_else(|| self.url.strip_prefix("sqlite:"));
        match sqlite_file.filter(|path| !path.starts_with(':')).map(Path::new).and_then(Path::parent) {
            Some(parent) => parent.join("spool"),
            None => PathBuf::from("data/spool"),
        }
    }

    /// The recorder's store-and-forward settings.
    pub fn backlog(&self) -> BacklogSettings {
        let spool =
            SpoolSettings { dir: self.spool_dir(), max_bytes: self.spool_max_bytes, segment_bytes: SEGMENT_BYTES };
        BacklogSettings { memory_buffer: self.memory_buffer, spool: Some(spool) }
    }

    /// The store-and-forward keys: a memory buffer of at least a batch, a named spool
    /// directory, and a spool with room for a few segments' worth of frames.
    pub(super) fn check_backlog(&self) -> Result<(), (&'static str, String)> {
        if self.memory_buffer < self.batch_size {
            return Err(("storage.memory_buffer", format!("{} is below storage.batch_size", self.memory_buffer)));
        }
        if self.spool_dir.as_ref().is_some_and(|dir| dir.as_os_str().is_empty()) {
            return Err(("storage.spool_dir", "must name a directory".into()));
        }
        if self.spool_max_bytes < MIN_SPOOL_BYTES {
            let bytes = self.spool_max_bytes;
            return Err(("storage.spool_max_bytes", format!("{bytes} bytes is below the minimum of 1MiB")));
        }
        Ok(())
    }
}

/// Spool segment files roll over past this size; replayed ones are deleted whole.
const SEGMENT_BYTES: u64 = 64 << 20;
/// The smallest spool worth having.
const MIN_SPOOL_BYTES: u64 = 1 << 20;

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            url: default_url(),
            batch_size: default_batch_size(),
            batch_max_age: default_batch_max_age(),
            queue_capacity: default_queue_capacity(),
            retry_delay: default_retry_delay(),
            memory_buffer: default_memory_buffer(),
            spool_dir: None,
            spool_max_bytes: default_spool_max_bytes(),
        }
    }
}

fn default_url() -> String {
    "sqlite://data/wellvisor.db".into()
}
fn default_batch_size() -> usize {
    2_000
}
fn default_batch_max_age() -> Duration {
    Duration::from_secs(1)
}
fn default_queue_capacity() -> usize {
    200_000
}
fn default_retry_delay() -> Duration {
    Duration::from_secs(1)
}
fn default_memory_buffer() -> usize {
    DEFAULT_MEMORY_BUFFER
}
fn default_spool_max_bytes() -> u64 {
    1 << 30
}

/// How long telemetry is kept, and where raw days go before they are deleted (architecture §6).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Whole UTC days of raw telemetry kept in the store; older days are archived, verified,
    /// then deleted.
    #[serde(default = "default_raw_days")]
    pub raw_days: u32,
    /// Days of 1-minute roll-ups kept; 0 keeps them forever.
    #[serde(default = "default_rollup_1m_days")]
    pub rollup_1m_days: u32,
    /// Days of 1-hour roll-ups kept; 0 (the default) keeps them forever.
    #[serde(default)]
    pub rollup_1h_days: u32,
    /// Where archived raw days go (relative paths are relative to the working directory).
    #[serde(default = "default_archive_dir")]
    pub archive_dir: PathBuf,
    /// How often the running service archives and prunes (also once at start).
    #[serde(default = "default_retention_interval", with = "duration")]
    pub interval: Duration,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            raw_days: default_raw_days(),
            rollup_1m_days: default_rollup_1m_days(),
            rollup_1h_days: 0,
            archive_dir: default_archive_dir(),
            interval: default_retention_interval(),
        }
    }
}

fn default_raw_days() -> u32 {
    30
}
fn default_rollup_1m_days() -> u32 {
    400
}
fn default_archive_dir() -> PathBuf {
    PathBuf::from("data/archive")
}
fn default_retention_interval() -> Duration {
    Duration::from_secs(3_600)
}

/// Poll defaults for every well; a well's `poll` table overrides any of them.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollingConfig {
    #[serde(default = "PollingConfig::period", with = "duration")]
    pub period: Duration,
    /// Deadline for each connect and each read.
    #[serde(default = "PollingConfig::timeout", with = "duration")]
    pub timeout: Duration,
    /// Random delay added to each poll slot, at most half the period.
    #[serde(default = "PollingConfig::jitter", with = "duration")]
    pub jitter: Duration,
    /// First reconnect delay ceiling; doubles per failure, with full jitter.
    #[serde(default = "PollingConfig::backoff_initial", with = "duration")]
    pub backoff_initial: Duration,
    /// Reconnect delay ceiling.
    #[serde(default = "PollingConfig::backoff_cap", with = "duration")]
    pub backoff_cap: Duration,
    /// Samples kept in memory per well.
    #[serde(default = "PollingConfig::history")]
    pub history: usize,
}

impl PollingConfig {
    fn period() -> Duration {
        PollSettings::default().period
    }
    fn timeout() -> Duration {
        PollSettings::default().timeout
    }
    fn jitter() -> Duration {
        PollSettings::default().jitter
    }
    fn backoff_initial() -> Duration {
        PollSettings::default().backoff_initial
    }
    fn backoff_cap() -> Duration {
        PollSettings::default().backoff_cap
    }
    fn history() -> usize {
        PollSettings::default().history
    }

    pub fn settings(&self) -> PollSettings {
        PollSettings {
            period: self.period,
            timeout: self.timeout,
            jitter: self.jitter,
            backoff_initial: self.backoff_initial,
            backoff_cap: self.backoff_cap,
            history: self.history,
        }
    }
}

impl Default for PollingConfig {
    fn default() -> Self {
        let d = PollSettings::default();
        Self {
            period: d.period,
            timeout: d.timeout,
            jitter: d.jitter,
            backoff_initial: d.backoff_initial,
            backoff_cap: d.backoff_cap,
            history: d.history,
        }
    }
}

/// Restart policy for well actors (architecture §1).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionConfig {
    /// The failure that makes this many within `window` leaves the well `failed`.
    #[serde(default = "SupervisionConfig::max_failures")]
    pub max_failures: u32,
    #[serde(default = "SupervisionConfig::window", with = "duration")]
    pub window: Duration,
    #[serde(default = "SupervisionConfig::backoff_initial", with = "duration")]
    pub backoff_initial: Duration,
    #[serde(default = "SupervisionConfig::backoff_cap", with = "duration")]
    pub backoff_cap: Duration,
    /// How long a graceful stop waits for a well to finish its poll.
    #[serde(default = "SupervisionConfig::stop_timeout", with = "duration")]
    pub stop_timeout: Duration,
}

impl SupervisionConfig {
    fn max_failures() -> u32 {
        RestartPolicy::default().max_failures
    }
    fn window() -> Duration {
        RestartPolicy::default().window
    }
    fn backoff_initial() -> Duration {
        RestartPolicy::default().backoff_initial
    }
    fn backoff_cap() -> Duration {
        RestartPolicy::default().backoff_cap
    }
    fn stop_timeout() -> Duration {
        RestartPolicy::default().stop_timeout
    }

    pub fn policy(&self) -> RestartPolicy {
        RestartPolicy {
            max_failures: self.max_failures,
            window: self.window,
            backoff_initial: self.backoff_initial,
            backoff_cap: self.backoff_cap,
            stop_timeout: self.stop_timeout,
        }
    }
}

impl Default for SupervisionConfig {
    fn default() -> Self {
        let d = RestartPolicy::default();
        Self {
            max_failures: d.max_failures,
            window: d.window,
            backoff_initial: d.backoff_initial,
            backoff_cap: d.backoff_cap,
            stop_timeout: d.stop_timeout,
        }
    }
}

/// How device connections are shared.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModbusConfig {
    /// Connections to one host:port, shared by every unit id behind it (a serial gateway
    /// often accepts a single client).
    #[serde(default = "one")]
    pub connections_per_gateway: usize,
}

impl Default for ModbusConfig {
    fn default() -> Self {
        Self { connections_per_gateway: 1 }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilesConfig {
    /// Directory of `*.toml` device profiles, relative to the configuration file.
    #[serde(default = "default_profiles_dir")]
    pub dir: PathBuf,
}

impl Default for ProfilesConfig {
    fn default() -> Self {
        Self { dir: default_profiles_dir() }
    }
}

fn default_profiles_dir() -> PathBuf {
    PathBuf::from("profiles")
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON when standard output is not a terminal, pretty when it is.
    #[default]
    Auto,
    Json,
    Pretty,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggingConfig {
    /// Env: `WELLVISOR_LOG_FORMAT`.
    #[serde(default)]
    pub format: LogFormat,
    /// A tracing filter such as `info` or `wellvisor=debug,info`. Env: `WELLVISOR_LOG`.
    #[serde(default = "default_level")]
    pub level: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self { format: LogFormat::Auto, level: default_level() }
    }
}

fn default_level() -> String {
    "info".into()
}

/// Simulated wells served in-process on loopback, for the demo.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatorConfig {
    pub wells: usize,
    /// Well `i` (from 0) listens on `base_port + i`; in gateway mode all share `base_port`.
    pub base_port: u16,
    #[serde(default)]
    pub gateway: bool,
    /// Scenario file of faults, relative to the configuration file.
    pub scenario: Option<PathBuf>,
    /// Where the simulator's control interface listens, if anywhere.
    pub control_bind: Option<SocketAddr>,
}

/// A run of similar wells: ids `prefix` + zero-padded numbers, consecutive ports (or one
/// gateway port with consecutive unit ids).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WellGroup {
    pub prefix: String,
    pub count: usize,
    /// Number of the first well.
    #[serde(default = "one")]
    pub first: usize,
    /// Digits the number is padded to.
    #[serde(default = "three")]
    pub digits: usize,
    pub profile: String,
    #[serde(default = "localhost")]
    pub host: String,
    pub first_port: u16,
    /// Behind one gateway: every well on `first_port`, unit ids from `first_unit_id`.
    #[serde(default)]
    pub gateway: bool,
    #[serde(default = "one_u8")]
    pub first_unit_id: u8,
    /// Static data shared by every well of the group, over the profile's `[well_data]`
    /// defaults: typically the `feeder_id` the group's drives hang on.
    #[serde(default)]
    pub well_data: WellDataOverrides,
    /// Limits of the diagnostic rules shared by every well of the group, over the profile's
    /// `[thresholds]`: any subset of the keys of a well's `thresholds` table.
    #[serde(default)]
    pub thresholds: ThresholdOverrides,
}

fn one() -> usize {
    1
}
fn one_u8() -> u8 {
    1
}
fn three() -> usize {
    3
}
fn localhost() -> String {
    "127.0.0.1".into()
}
