//! The `from`, `to` and `limit` of every history endpoint (telemetry, diagnostics, audit), read
//! the same way everywhere: RFC 3339 timestamps in any offset, served in UTC; by default the
//! last hour up to now and at most [`DEFAULT_LIMIT`] entries, oldest first. What cannot be read
//! is a 400 naming the parameter; a limit out of range is a 422.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;

/// Entries returned when the query names no limit.
pub const DEFAULT_LIMIT: usize = 1_000;
/// The most entries one request may ask for.
pub const MAX_LIMIT: usize = 10_000;
/// The window served when the query names no `from`.
pub const DEFAULT_WINDOW: TimeDelta = TimeDelta::hours(1);

/// The query string of a history endpoint that takes nothing else (diagnostics, audit).
/// Unknown keys are refused, so a typo is never silently ignored.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// Start of the range, inclusive, RFC 3339 in any offset; default `to` minus one hour.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// End of the range, exclusive, RFC 3339; default now. Must be after `from`.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// The most entries to return (1 to 10000; default 1000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10000, default = 1000)]
    limit: Option<String>,
}

impl RangeParams {
    pub fn resolve(&self, now: DateTime<Utc>) -> Result<Range, ApiError> {
        Range::resolve(self.from.as_deref(), self.to.as_deref(), self.limit.as_deref(), now)
    }
}

/// What a history endpoint assumes for what its query leaves out, and the most entries it
/// serves in one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeDefaults {
    /// How far `from` lies before `to` when the query names no `from`.
    pub window: TimeDelta,
    /// Entries returned when the query names no limit.
    pub limit: usize,
    /// The most entries one request may ask for.
    pub max_limit: usize,
}

/// The defaults of every history endpoint that names none of its own.
pub const HISTORY_DEFAULTS: RangeDefaults =
    RangeDefaults { window: DEFAULT_WINDOW, limit: DEFAULT_LIMIT, max_limit: MAX_LIMIT };

/// A checked range: `[from, to)`, at most `limit` entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub limit: usize,
}

impl Range {
    /// Checks every value and fills in the defaults: the last hour up to `now`, [`DEFAULT_LIMIT`].
    pub fn resolve(
        from: Option<&str>,
        to: Option<&str>,
        limit: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        Self::resolve_with(from, to, limit, now, HISTORY_DEFAULTS)
    }

    /// As [`Range::resolve`], with an endpoint's own defaults: the `window` up to `now`, its
    /// `limit`, and at most its `max_limit`.
    pub fn resolve_with(
        from: Option<&str>,
        to: Option<&str>,
        limit: Option<&str>,
        now: DateTime<Utc>,
        defaults: RangeDefaults,
    ) -> Result<Self, ApiError> {
        let to = to.map(|raw| parse_timestamp("to", raw)).transpose()?.unwrap_or(now);
        let from = match from {
            Some(raw) => parse_timestamp("from", raw)?,
            None => to.checked_sub_signed(defaults.window).unwrap_or(DateTime::<Utc>::MIN_UTC),
        };
        if from >= to {
            return Err(ApiError::BadRequest(format!("from ({from}) must be before to ({to})")));
        }
        Ok(Self { from, to, limit: parse_limit_up_to(limit, defaults.limit, defaults.max_limit)? })
    }

    /// How many entries to read: one more than the limit tells whether the range holds more.
    pub fn probe(&self) -> usize {
        self.limit + 1
    }

    /// Cuts entries read with [`Range::probe`] to the limit; `true` when some were cut.
    pub fn cut<T>(&self, mut entries: Vec<T>) -> (Vec<T>, bool) {
        let truncated = entries.len() > self.limit;
        entries.truncate(self.limit);
        (entries, truncated)
    }

    /// Cuts entries read with [`Range::probe`] to the limit; when some were cut, the time of
    /// the first one left out (by `at`), from which a client asks for the rest.
    pub fn cut_with_next<T>(
        &self,
        entries: Vec<T>,
        at: impl Fn(&T) -> DateTime<Utc>,
    ) -> (Vec<T>, Option<DateTime<Utc>>) {
        let next = entries.get(self.limit).map(at);
        (self.cut(entries).0, next)
    }
}

/// An RFC 3339 timestamp in any offset, returned in UTC. A `+` offset that arrived unencoded
/// (and so reads as a space) is taken as the `+` it was meant to be.
fn parse_timestamp(key: &str, raw: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(raw)
        .or_else(
            |error| if raw.contains(' ') { DateTime::parse_from_rfc3339(&raw.replace(' ', "+")) } else { Err(error) },
        )
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| {
            ApiError::BadRequest(format!(
                "{key}: {raw:?} is not an RFC 3339 timestamp ({error}); write e.g. 2026-01-01T00:00:00Z"
            ))
        })
}

/// A `limit` of 1 to `max`, `default` when absent: what cannot be read is a 400, a number out
/// of range a 422, as every history endpoint answers them.
pub fn parse_limit_up_to(raw: Option<&str>, default: usize, max: usize) -> Result<usize, ApiError> {
    let Some(raw) = raw else { return Ok(default) };
    let limit: u64 = raw.parse().map_err(|_| ApiError::BadRequest(format!("limit: {raw:?} is not a whole number")))?;
    match usize::try_from(limit) {
        Ok(limit) if (1..=max).contains(&limit) => Ok(limit),
        _ => Err(ApiError::Unprocessable(format!("limit: {limit} is out of range; use 1 to {max}"))),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn defaults_to_the_last_hour_and_a_thousand_entries() {
        let range = Range::resolve(None, None, None, noon()).map(|r| (r.to - r.from, r.to, r.limit));
        assert_eq!(range.ok(), Some((DEFAULT_WINDOW, noon(), DEFAULT_LIMIT)));
    }

    #[test]
    fn an_endpoint_may_name_its_own_window_and_limits() {
        let day = RangeDefaults { window: TimeDelta::days(1), limit: 100, max_limit: 1_000 };
        let range = Range::resolve_with(None, None, None, noon(), day).map(|r| (r.to - r.from, r.to, r.limit));
        assert_eq!(range.ok(), Some((TimeDelta::days(1), noon(), 100)));
        let over = Range::resolve_with(None, None, Some("1001"), noon(), day);
        assert_eq!(over.err().map(|e| e.code()), Some("unprocessable"));
    }

    #[test]
    fn reads_offsets_and_an_unencoded_plus() {
        let range = Range::resolve(Some("2026-01-01T13:00:00 02:00"), None, None, noon());
        assert_eq!(range.map(|r| r.from.to_rfc3339()).ok(), Some("2026-01-01T11:00:00+00:00".to_owned()));
    }

    #[test]
    fn refuses_empty_ranges_and_limits_out_of_range() {
        let empty = Range::resolve(Some("2026-01-01T12:00:00Z"), None, None, noon());
        assert_eq!(empty.err().map(|e| e.code()), Some("bad_request"));
        for (limit, code) in [("0", "unprocessable"), ("10001", "unprocessable"), ("-1", "bad_request")] {
            let result = Range::resolve(None, None, Some(limit), noon());
            assert_eq!(result.err().map(|e| e.code()), Some(code), "limit {limit}");
        }
    }

    #[test]
    fn a_probe_one_past_the_limit_says_whether_the_range_held_more() {
        let range = Range { from: noon(), to: noon(), limit: 2 };
        assert_eq!(range.cut(vec![1, 2, 3]), (vec![1, 2], true));
        assert_eq!(range.cut(vec![1, 2]), (vec![1, 2], false));
        let at = |minute: &u32| noon() + TimeDelta::minutes(i64::from(*minute));
        assert_eq!(range.cut_with_next(vec![1, 2, 3], at), (vec![1, 2], Some(at(&3))));
        assert_eq!(range.cut_with_next(vec![1, 2], at), (vec![1, 2], None));
    }
}
