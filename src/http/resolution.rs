//! The `resolution` of a telemetry read: raw samples, or 1-minute or 1-hour roll-ups, as asked,
//! or chosen by `auto`; and the bound that keeps a roll-up answer within [`MAX_LIMIT`] points.
//!
//! `auto` serves the finest resolution whose points over the range fit the request's limit:
//! raw when the range holds at most `limit` polls (estimated from the spacing of the well's
//! recent samples, or one per second when that is unknown), else the first roll-up with at most
//! `limit` buckets, else hourly. Roll-ups carry no device codes, so a request that names
//! `run_state` or `trip_code` is served raw.

use chrono::TimeDelta;
use wellvisor_actors::domain::{Parameter, Sample};
use wellvisor_actors::store::Resolution;

use super::error::ApiError;
use super::range::{Range, MAX_LIMIT};

/// What `resolution` accepts, as error messages name it.
pub const ALLOWED: &str = "raw, 1m, 1h or auto";

/// The poll spacing assumed for a well whose recent samples say nothing.
pub const DEFAULT_RAW_PERIOD: TimeDelta = TimeDelta::seconds(1);

/// The resolution a request asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requested {
    Raw,
    Rollup(Resolution),
    Auto,
}

/// The resolution a read is served at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    Raw,
    Rollup(Resolution),
}

impl Requested {
    /// Reads the query value; absent means `raw`. Anything else is a 422 naming what is allowed.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        match raw {
            None | Some("raw") => Ok(Requested::Raw),
            Some("auto") => Ok(Requested::Auto),
            Some(name) => Resolution::from_name(name)
                .map(Requested::Rollup)
                .ok_or_else(|| ApiError::Unprocessable(format!("resolution: {name:?} is not one of {ALLOWED}"))),
        }
    }

    /// The resolution to serve `range` of `params` at, for a well polled every `raw_period`.
    /// A roll-up that cannot carry the parameters, or whose buckets in the range outnumber
    /// [`MAX_LIMIT`], is a 422 saying what to ask instead.
    pub fn choose(self, range: &Range, params: &[Parameter], raw_period: TimeDelta) -> Result<Served, ApiError> {
        let served = match self {
            Requested::Raw => Served::Raw,
            Requested::Rollup(resolution) => {
                if let Some(code) = params.iter().find(|p| p.is_code()) {
                    return Err(ApiError::Unprocessable(format!(
                        "params: {code} has no {resolution} roll-up; ask resolution=raw for it"
                    )));
                }
                Served::Rollup(resolution)
            }
            Requested::Auto => auto(range, params, raw_period),
        };
        if let Served::Rollup(resolution) = served {
            bounded(resolution, range)?;
        }
        Ok(served)
    }
}

impl Served {
    pub fn as_str(self) -> &'static str {
        match self {
            Served::Raw => "raw",
            Served::Rollup(resolution) => resolution.as_str(),
        }
    }
}

/// The finest resolution whose points over the range fit the limit; hourly when none does.
fn auto(range: &Range, params: &[Parameter], raw_period: TimeDelta) -> Served {
    let limit = range.limit as u64;
    if params.iter().any(|p| p.is_code()) || raw_points(range, raw_period) <= limit {
        return Served::Raw;
    }
    let fits = Resolution::ALL.into_iter().find(|r| r.buckets_in(range.from, range.to) <= limit);
    Served::Rollup(fits.unwrap_or(Resolution::Hour))
}

/// How many polls `range` holds at one per `period` (at least a millisecond).
fn raw_points(range: &Range, period: TimeDelta) -> u64 {
    let period = period.num_milliseconds().max(1).unsigned_abs();
    let span = (range.to - range.from).num_milliseconds().max(0).unsigned_abs();
    span.div_ceil(period)
}

/// Refuses a roll-up range with more buckets than one answer may hold.
fn bounded(resolution: Resolution, range: &Range) -> Result<(), ApiError> {
    let buckets = resolution.buckets_in(range.from, range.to);
    if buckets <= MAX_LIMIT as u64 {
        return Ok(());
    }
    let coarser = Resolution::ALL.into_iter().find(|r| *r > resolution);
    let instead = match coarser {
        Some(coarser) => format!("ask resolution={coarser} or a shorter range"),
        None => "ask a shorter range".to_owned(),
    };
    Err(ApiError::Unprocessable(format!(
        "range: {} to {} holds {buckets} buckets of {resolution}, more than the {MAX_LIMIT} points one answer may hold; {instead}",
        range.from.to_rfc3339(),
        range.to.to_rfc3339(),
    )))
}

/// The spacing of a well's recent samples (oldest first), when it has at least two that are
/// apart: the best estimate of how many raw samples a range of its history holds.
pub fn observed_period<'a>(
    recent: impl DoubleEndedIterator<Item = &'a Sample> + ExactSizeIterator,
) -> Option<TimeDelta> {
    let gaps = i32::try_from(recent.len().checked_sub(1)?).ok()?;
    let mut recent = recent;
    let (first, last) = (recent.next()?.at, recent.next_back()?.at);
    let period = (last - first) / gaps.max(1);
    (period > TimeDelta::zero()).then_some(period)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use wellvisor_actors::domain::WellId;

    use super::*;

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().expect("valid time")
    }

    fn range(span: TimeDelta, limit: usize) -> Range {
        Range { from: noon() - span, to: noon(), limit }
    }

    fn auto_for(span: TimeDelta, limit: usize, period: TimeDelta) -> Result<Served, ApiError> {
        Requested::Auto.choose(&range(span, limit), &[], period)
    }

    #[test]
    fn auto_picks_the_finest_resolution_that_fits_the_limit() {
        let second = DEFAULT_RAW_PERIOD;
        assert_eq!(auto_for(TimeDelta::minutes(10), 1_000, second).ok(), Some(Served::Raw));
        assert_eq!(auto_for(TimeDelta::hours(1), 1_000, second).ok(), Some(Served::Rollup(Resolution::Minute)));
        assert_eq!(auto_for(TimeDelta::hours(1), 1_000, TimeDelta::seconds(5)).ok(), Some(Served::Raw));
        assert_eq!(auto_for(TimeDelta::days(30), 1_000, second).ok(), Some(Served::Rollup(Resolution::Hour)));
        assert_eq!(auto_for(TimeDelta::days(30), 10, second).ok(), Some(Served::Rollup(Resolution::Hour)));
    }

    #[test]
    fn auto_serves_device_codes_raw() {
        let chosen =
            Requested::Auto.choose(&range(TimeDelta::days(30), 1_000), &[Parameter::RunState], DEFAULT_RAW_PERIOD);
        assert_eq!(chosen.ok(), Some(Served::Raw));
        let explicit = Requested::Rollup(Resolution::Hour).choose(
            &range(TimeDelta::days(1), 10),
            &[Parameter::TripCode],
            DEFAULT_RAW_PERIOD,
        );
        assert!(explicit.err().is_some_and(|e| e.to_string().contains("trip_code")));
    }

    #[test]
    fn roll_up_ranges_beyond_the_maximum_say_what_to_ask_instead() {
        let minutes =
            Requested::Rollup(Resolution::Minute).choose(&range(TimeDelta::days(7), 100), &[], DEFAULT_RAW_PERIOD);
        let message = minutes.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("10080 buckets of 1m") && message.contains("10000") && message.contains("resolution=1h"),
            "{message}"
        );
        let hours = auto_for(TimeDelta::days(500), 1_000, DEFAULT_RAW_PERIOD);
        let message = hours.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("12000 buckets of 1h") && message.contains("shorter range"), "{message}");
        let raw = Requested::Raw.choose(&range(TimeDelta::days(500), 1_000), &[], DEFAULT_RAW_PERIOD);
        assert_eq!(raw.ok(), Some(Served::Raw), "raw is bounded by its limit instead");
    }

    #[test]
    fn parses_the_allowed_names_and_names_them_otherwise() {
        assert_eq!(Requested::parse(None).ok(), Some(Requested::Raw));
        assert_eq!(Requested::parse(Some("1h")).ok(), Some(Requested::Rollup(Resolution::Hour)));
        assert_eq!(Requested::parse(Some("auto")).ok(), Some(Requested::Auto));
        let unknown = Requested::parse(Some("5m")).err().map(|e| (e.code(), e.to_string()));
        assert_eq!(unknown, Some(("unprocessable", format!("resolution: \"5m\" is not one of {ALLOWED}"))));
    }

    #[test]
    fn the_observed_period_is_the_mean_spacing_of_recent_samples() {
        let well = WellId::new("W-1").expect("id");
        let samples: Vec<Sample> =
            [0, 5, 10, 15].iter().map(|s| Sample::new(well.clone(), noon() + TimeDelta::seconds(*s))).collect();
        assert_eq!(observed_period(samples.iter()), Some(TimeDelta::seconds(5)));
        assert_eq!(observed_period(samples[..1].iter()), None);
        assert_eq!(observed_period([samples[0].clone(), samples[0].clone()].iter()), None);
    }
}
