//! Loading and validating a configuration file and the profiles it points to.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wellvisor_actors::device::Profile;
use wellvisor_actors::domain::{WellData, WellId};

use super::sections::{Config, LogFormat, RetentionConfig, WellGroup};
use super::security::TlsConfig;
use super::well::{check_poll, resolve_thresholds, PollOverrides, WellDefinition, WellFactory};

/// A configuration that cannot be used: the file, the key and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {key}: {problem}")]
pub struct ConfigError {
    pub file: String,
    pub key: String,
    pub problem: String,
}

/// A validated configuration, with its profiles loaded and every well defined.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    pub config: Config,
    /// The file it came from.
    pub path: PathBuf,
    /// Directory relative paths in the file are resolved against.
    pub base_dir: PathBuf,
    pub factory: WellFactory,
    /// Every configured well, groups expanded, in file order.
    pub wells: Vec<WellDefinition>,
    /// What only the environment may say.
    pub secrets: Secrets,
}

/// Secrets read from the environment, never from the file.
#[derive(Clone, Default)]
pub struct Secrets {
    /// `WELLVISOR_JWT_SECRET`: signs tokens (HS256).
    pub jwt_secret: Option<String>,
    /// `WELLVISOR_ADMIN_PASSWORD`: creates `admin` when the store has no enabled admin.
    pub admin_password: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |secret: &Option<String>| if secret.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("Secrets")
            .field("jwt_secret", &shown(&self.jwt_secret))
            .field("admin_password", &shown(&self.admin_password))
            .finish()
    }
}

impl LoadedConfig {
    /// Resolves a path from the file against its directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        self.base_dir.join(path)
    }
}

/// Loads `path`, applies `WELLVISOR_*` overrides from `env`, and validates everything.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<LoadedConfig, ConfigError> {
    let file = path.display().to_string();
    let fail = |key: &str, problem: String| ConfigError { file: file.clone(), key: key.to_owned(), problem };
    let text = std::fs::read_to_string(path).map_err(|e| fail("file", format!("cannot read: {e}")))?;
    let mut config: Config = toml::from_str(&text).map_err(|error| {
        let key = error.span().map_or("file".to_owned(), |span| {
            format!("line {}", text[..span.start.min(text.len())].matches('\n').count() + 1)
        });
        fail(&key, error.message().to_owned())
    })?;
    if config.storage.url.starts_with("postgres") {
        return Err(fail(
            "storage.url",
            "a PostgreSQL URL carries a password: set WELLVISOR_DATABASE_URL instead".into(),
        ));
    }
    apply_env(&mut config, env).map_err(|(key, problem)| fail(&key, problem))?;
    validate(&config).map_err(|(key, problem)| fail(key, problem))?;
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let profiles = load_profiles(&base_dir.join(&config.profiles.dir))?;
    let factory = WellFactory::new(profiles, config.polling.settings());
    let wells = expand_wells(&config, &factory).map_err(|(key, problem)| fail(&key, problem))?;
    for well in &wells {
        factory.build(well).map_err(|e| fail(&format!("wells.{}.{}", e.well, e.field), e.problem))?;
    }
    if let Some(simulator) = &config.simulator {
        if let Some(scenario) = &simulator.scenario {
            let scenario = base_dir.join(scenario);
            if !scenario.is_file() {
                return Err(fail("simulator.scenario", format!("{} is not a file", scenario.display())));
            }
        }
    }
    let secrets = Secrets { jwt_secret: env("WELLVISOR_JWT_SECRET"), admin_password: env("WELLVISOR_ADMIN_PASSWORD") };
    if let Some(secret) = &secrets.jwt_secret {
        if secret.len() < crate::auth::token::MIN_SECRET_BYTES {
            return Err(fail("WELLVISOR_JWT_SECRET", crate::auth::token::WeakSecret(secret.len()).to_string()));
        }
    }
    if let Some(password) = &secrets.admin_password {
        crate::auth::password::check_policy(password).map_err(|e| fail("WELLVISOR_ADMIN_PASSWORD", e.to_string()))?;
    }
    Ok(LoadedConfig { config, path: path.to_path_buf(), base_dir, factory, wells, secrets })
}

fn apply_env(config: &mut Config, env: &dyn Fn(&str) -> Option<String>) -> Result<(), (String, String)> {
    if let Some(url) = env("WELLVISOR_DATABASE_URL") {
        config.storage.url = url;
    }
    if let Some(bind) = env("WELLVISOR_HTTP_BIND") {
        config.http.bind = bind.parse().map_err(|e| ("WELLVISOR_HTTP_BIND".to_owned(), format!("{bind:?}: {e}")))?;
    }
    if let Some(bind) = env("WELLVISOR_HTTP_OPS_BIND") {
        let parsed = bind.parse().map_err(|e| ("WELLVISOR_HTTP_OPS_BIND".to_owned(), format!("{bind:?}: {e}")))?;
        config.http.ops_bind = Some(parsed);
    }
    match (env("WELLVISOR_HTTP_TLS_CERT"), env("WELLVISOR_HTTP_TLS_KEY")) {
        (Some(cert), Some(key)) => config.http.tls = Some(TlsConfig { cert: cert.into(), key: key.into() }),
        (None, None) => {}
        _ => return Err(("WELLVISOR_HTTP_TLS_CERT".into(), "set both TLS_CERT and TLS_KEY, or neither".into())),
    }
    if let Some(level) = env("WELLVISOR_LOG") {
        config.logging.level = level;
    }
    if let Some(format) = env("WELLVISOR_LOG_FORMAT") {
        config.logging.format = match format.as_str() {
            "auto" => LogFormat::Auto,
            "json" => LogFormat::Json,
            "pretty" => LogFormat::Pretty,
            other => return Err(("WELLVISOR_LOG_FORMAT".into(), format!("{other:?} is not auto, json or pretty"))),
        };
    }
    Ok(())
}

type Problem = (&'static str, String);

fn validate(config: &Config) -> Result<(), Problem> {
    let storage = &config.storage;
    if !storage.url.starts_with("sqlite:") && !storage.url.starts_with("postgres") {
        return Err(("storage.url", format!("{:?} is neither sqlite://PATH nor postgres://...", storage.url)));
    }
    if !(1..=100_000).contains(&storage.batch_size) {
        return Err(("storage.batch_size", format!("{} is outside 1-100000", storage.batch_size)));
    }
    if storage.queue_capacity < storage.batch_size {
        return Err(("storage.queue_capacity", "must be at least storage.batch_size".into()));
    }
    if storage.batch_max_age.is_zero() || storage.retry_delay.is_zero() {
        return Err(("storage.batch_max_age", "batch_max_age and retry_delay must be above zero".into()));
    }
    storage.check_backlog()?;
    check_retention(&config.retention)?;
    super::security::check(&config.auth, &config.http)?;
    check_poll(&config.polling.settings()).map_err(|(key, problem)| (polling_key(key), problem))?;
    let supervision = &config.supervision;
    if supervision.max_failures == 0 || supervision.window.is_zero() {
        return Err(("supervision.max_failures", "max_failures and window must be above zero".into()));
    }
    if supervision.backoff_initial.is_zero() || supervision.backoff_cap < supervision.backoff_initial {
        return Err((
            "supervision.backoff_cap",
            "backoff_initial must be above zero and backoff_cap at least as long".into(),
        ));
    }
    if !(1..=64).contains(&config.modbus.connections_per_gateway) {
        return Err(("modbus.connections_per_gateway", "must be 1-64".into()));
    }
    if config.http.body_limit < 1024 {
        return Err(("http.body_limit", "must be at least 1024 bytes".into()));
    }
    if let Some(simulator) = &config.simulator {
        let last =
            usize::from(simulator.base_port) + if simulator.gateway { 0 } else { simulator.wells.saturating_sub(1) };
        if simulator.wells == 0 || simulator.base_port == 0 || last > usize::from(u16::MAX) {
            return Err(("simulator.wells", "needs 1 or more wells whose ports fit in 1-65535".into()));
        }
        if simulator.gateway && simulator.wells > 247 {
            return Err(("simulator.wells", "a gateway addresses at most 247 unit ids".into()));
        }
    }
    tracing_subscriber::EnvFilter::try_new(&config.logging.level)
        .map_err(|e| ("logging.level", format!("{:?}: {e}", config.logging.level)))?;
    Ok(())
}

/// Roll-ups summarise raw days, so each is kept (0: forever) at least as long as they are.
fn check_retention(retention: &RetentionConfig) -> Result<(), Problem> {
    if retention.raw_days == 0 {
        return Err(("retention.raw_days", "must be at least 1: today's telemetry is never archived".into()));
    }
    for (key, days) in
        [("retention.rollup_1m_days", retention.rollup_1m_days), ("retention.rollup_1h_days", retention.rollup_1h_days)]
    {
        if days != 0 && days < retention.raw_days {
            let raw = retention.raw_days;
            return Err((
                key,
                format!("{days} is shorter than retention.raw_days ({raw}); use 0 to keep roll-ups forever"),
            ));
        }
    }
    if retention.archive_dir.as_os_str().is_empty() {
        return Err(("retention.archive_dir", "must name a directory".into()));
    }
    if retention.interval < std::time::Duration::from_secs(60) {
        return Err(("retention.interval", "must be at least 1m".into()));
    }
    Ok(())
}

fn polling_key(key: &str) -> &'static str {
    match key {
        "poll.period" => "polling.period",
        "poll.timeout" => "polling.timeout",
        "poll.jitter" => "polling.jitter",
        "poll.history" => "polling.history",
        _ => "polling.backoff_cap",
    }
}

/// Loads every `*.toml` in `dir` as a profile named after its file.
pub fn load_profiles(dir: &Path) -> Result<BTreeMap<String, Arc<Profile>>, ConfigError> {
    let fail = |file: String, key: &str, problem: String| ConfigError { file, key: key.to_owned(), problem };
    let entries = std::fs::read_dir(dir).map_err(|e| {
        fail(dir.display().to_string(), "profiles.dir", format!("cannot read the profile directory: {e}"))
    })?;
    let mut profiles = BTreeMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let file = path.display().to_string();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        let text =
            std::fs::read_to_string(&path).map_err(|e| fail(file.clone(), "file", format!("cannot read: {e}")))?;
        let profile = Profile::from_toml(&name, &text).map_err(|e| fail(file.clone(), &e.location, e.problem))?;
        profiles.insert(name, Arc::new(profile));
    }
    if profiles.is_empty() {
        return Err(fail(dir.display().to_string(), "profiles.dir", "holds no *.toml profiles".into()));
    }
    Ok(profiles)
}

fn expand_wells(config: &Config, factory: &WellFactory) -> Result<Vec<WellDefinition>, (String, String)> {
    let mut wells = Vec::new();
    for (index, group) in config.well_groups.iter().enumerate() {
        check_group(group, factory).map_err(|(field, problem)| (format!("well_group[{index}].{field}"), problem))?;
        expand_group(group, &mut wells).map_err(|problem| (format!("well_group[{index}]"), problem))?;
    }
    wells.extend(config.wells.iter().cloned());
    let mut seen = HashSet::new();
    for well in &wells {
        if !seen.insert(well.id.clone()) {
            return Err((format!("wells.{}", well.id), "the id is defined twice".into()));
        }
    }
    Ok(wells)
}

/// Checks the figures and limits a group sets, so a bad one names the group rather than its
/// first well. Limits are checked over the group's profile; an unknown profile is left for the
/// first well to name.
fn check_group(group: &WellGroup, factory: &WellFactory) -> Result<(), (String, String)> {
    let data = group.well_data.apply(&WellData::default());
    data.validate().map_err(|error| (format!("well_data.{}", error.field), error.problem))?;
    if let Some(profile) = factory.profile(&group.profile) {
        resolve_thresholds(&group.thresholds, profile)
            .map_err(|error| (format!("thresholds.{}", error.key), error.problem))?;
    }
    Ok(())
}

fn expand_group(group: &WellGroup, wells: &mut Vec<WellDefinition>) -> Result<(), String> {
    if group.count == 0 {
        return Err("count must be at least 1".into());
    }
    for n in 0..group.count {
        let id = format!("{}{:0width$}", group.prefix, group.first + n, width = group.digits);
        let id = WellId::new(&id).map_err(|e| e.to_string())?;
        let (port, unit_id) = if group.gateway {
            let unit = usize::from(group.first_unit_id) + n;
            (
                usize::from(group.first_port),
                Some(u8::try_from(unit).map_err(|_| format!("unit id {unit} is above 255"))?),
            )
        } else {
            (usize::from(group.first_port) + n, None)
        };
        let port = u16::try_from(port).map_err(|_| format!("port {port} is above 65535"))?;
        let definition = WellDefinition {
            id,
            name: String::new(),
            profile: group.profile.clone(),
            host: group.host.clone(),
            port,
            unit_id,
            poll: PollOverrides::default(),
            well_data: group.well_data.clone(),
            thresholds: group.thresholds.clone(),
        };
        wells.push(definition);
    }
    Ok(())
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
