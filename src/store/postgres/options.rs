//! [`PostgresOptions`]: the pool size and statement timeout of the PostgreSQL backend, and
//! [`redact`], which makes a URL safe to log.
//!
//! A PostgreSQL URL reaches the service only through `WELLVISOR_DATABASE_URL` (it carries a
//! password), so its options travel in the URL's query, beside the driver's own keys:
//! `postgres://wellvisor:PW@db/wellvisor?sslmode=require&max_connections=16&statement_timeout=10s`.
//! [`PostgresOptions::from_url`] takes out the keys it knows and leaves the rest to sqlx.

use std::time::Duration;

use crate::config::duration;

/// How the PostgreSQL backend uses the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The most connections the pool opens: the recorder's writes plus concurrent API reads.
    /// URL key `max_connections`, 1-1000; default 8.
    pub max_connections: u32,
    /// A statement running longer is cancelled by the server, and the write or read fails as
    /// unavailable (retried by the recorder). URL key `statement_timeout` (`500ms`, `30s`,
    /// `2m`; `0s` turns it off); default 30 s.
    pub statement_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions { max_connections: 8, statement_timeout: Duration::from_secs(30) }
    }
}

const MAX_CONNECTIONS: &str = "max_connections";
const STATEMENT_TIMEOUT: &str = "statement_timeout";

impl PostgresOptions {
    /// Reads the options from `url`'s query (defaults for keys not given) and returns them
    /// with the URL the driver should see: the same, without those keys. The error names the
    /// key and value at fault; it never echoes the rest of the URL.
    pub fn from_url(url: &str) -> Result<(PostgresOptions, String), String> {
        let mut options = PostgresOptions::default();
        let Some((base, query)) = url.split_once('?') else {
            return Ok((options, url.to_owned()));
        };
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            match pair.split_once('=') {
                Some((MAX_CONNECTIONS, value)) => options.max_connections = parse_connections(value)?,
                Some((STATEMENT_TIMEOUT, value)) => {
                    options.statement_timeout =
                        duration::parse(value).map_err(|problem| format!("{STATEMENT_TIMEOUT}: {problem}"))?;
                }
                _ => kept.push(pair),
            }
        }
        let driver_url = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
        Ok((options, driver_url))
    }
}

fn parse_connections(value: &str) -> Result<u32, String> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=1000).contains(n))
        .ok_or_else(|| format!("{MAX_CONNECTIONS} {value:?} is not a whole number from 1 to 1000"))
}

/// `url` without its password and query (a `password=` key may sit there):
/// `postgres://wellvisor:***@db:5432/wellvisor`. For errors and logs.
pub(crate) fn redact(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    let Some((scheme, rest)) = url.split_once("://") else {
        return "a postgres url without //".to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_the_url_has_no_query() {
        let (options, url) = PostgresOptions::from_url("postgres://u:p@db/w").expect("parse");
        assert_eq!(options, PostgresOptions { max_connections: 8, statement_timeout: Duration::from_secs(30) });
        assert_eq!(url, "postgres://u:p@db/w");
    }

    #[test]
    fn our_keys_are_taken_out_and_the_driver_keeps_its_own() {
        let url = "postgres://u:p@db/w?sslmode=disable&max_connections=16&statement_timeout=500ms&application_name=x";
        let (options, url) = PostgresOptions::from_url(url).expect("parse");
        assert_eq!(options, PostgresOptions { max_connections: 16, statement_timeout: Duration::from_millis(500) });
        assert_eq!(url, "postgres://u:p@db/w?sslmode=disable&application_name=x");
        let (_, url) = PostgresOptions::from_url("postgres://db/w?statement_timeout=0s").expect("parse");
        assert_eq!(url, "postgres://db/w");
    }

    #[test]
    fn bad_values_are_named_without_the_rest_of_the_url() {
        for (url, expected) in [
            ("postgres://u:secret@db/w?max_connections=0", "max_connections \"0\" is not a whole number"),
            ("postgres://u:secret@db/w?max_connections=many", "max_connections \"many\""),
            ("postgres://u:secret@db/w?statement_timeout=30", "statement_timeout: \"30\" needs a unit"),
        ] {
            let error = PostgresOptions::from_url(url).expect_err("must fail");
            assert!(error.starts_with(expected) && !error.contains("secret"), "{error}");
        }
    }

    #[test]
    fn redaction_hides_the_password_and_the_query() {
        assert_eq!(redact("postgres://wv:secret@db:5432/w?password=x"), "postgres://wv:***@db:5432/w");
        assert_eq!(redact("postgresql://wv@db/w"), "postgresql://wv@db/w");
        assert_eq!(redact("postgres://db"), "postgres://db");
        assert_eq!(redact("postgres://a:b:c@db/w"), "postgres://a:***@db/w");
        assert_eq!(redact("postgres:db"), "a postgres url without //");
    }
}
