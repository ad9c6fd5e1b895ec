//! `GET /api/v1/wells/{id}/telemetry?from&to&params&limit`: a well's raw samples from the store,
//! oldest first. The query is read and checked here (400 for what cannot be read, 422 for a
//! limit out of range); the store does the filtering. Only wells in the fleet view are served:
//! a removed well's samples stay in the store but its id answers 404 here.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use wellvisor_actors::domain::{Parameter, RunState, Sample, TripCode, Values, WellId};
use wellvisor_actors::store::TelemetryQuery;

use super::ask::within;
use super::error::ApiError;
use super::extract::{ApiQuery, WellIdPath};
use super::state::AppState;

/// Samples returned when the query names no limit.
pub const DEFAULT_LIMIT: usize = 1_000;
/// The most samples one request may ask for.
pub const MAX_LIMIT: usize = 10_000;
/// The window served when the query names no `from`.
const DEFAULT_WINDOW: TimeDelta = TimeDelta::hours(1);

/// The query string as sent; every value is checked by [`TelemetryParams::resolve`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryParams {
    from: Option<String>,
    to: Option<String>,
    params: Option<String>,
    limit: Option<String>,
    /// Only `raw` for now; roll-ups come with the retention work.
    resolution: Option<String>,
}

/// The answer.
#[derive(Serialize)]
pub struct TelemetryPage {
    pub well_id: WellId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The parameters asked for; empty means all.
    pub params: Vec<Parameter>,
    pub resolution: &'static str,
    pub count: usize,
    /// More samples lie in the range than `limit` allowed: ask again from the last `at`.
    pub truncated: bool,
    pub samples: Vec<TelemetrySample>,
}

/// One sample, without the well id the page already carries.
#[derive(Serialize)]
pub struct TelemetrySample {
    pub at: DateTime<Utc>,
    pub values: Values,
    pub run_state: Option<RunState>,
    pub trip_code: Option<TripCode>,
}

/// `GET /api/v1/wells/{id}/telemetry`.
pub async fn well_telemetry(
    State(state): State<AppState>,
    WellIdPath(id): WellIdPath,
    ApiQuery(params): ApiQuery<TelemetryParams>,
) -> Result<Json<TelemetryPage>, ApiError> {
    if !state.fleet.contains(&id) {
        return Err(ApiError::UnknownWell(id));
    }
    let query = params.resolve(id, Utc::now())?;
    // One more than the limit tells whether the range holds more.
    let probe = TelemetryQuery { limit: query.limit + 1, ..query.clone() };
    let mut samples = within(state.call_timeout, "reading telemetry", state.store.read_telemetry(&probe)).await?;
    let truncated = samples.len() > query.limit;
    samples.truncate(query.limit);
    Ok(Json(TelemetryPage::new(query, samples, truncated)))
}

impl TelemetryParams {
    /// Checks every value and fills in the defaults: the last hour up to `now`, all
    /// parameters, [`DEFAULT_LIMIT`] samples.
    pub fn resolve(self, well_id: WellId, now: DateTime<Utc>) -> Result<TelemetryQuery, ApiError> {
        if let Some(resolution) = self.resolution.filter(|r| r != "raw") {
            return Err(ApiError::Unprocessable(format!(
                "resolution: {resolution:?} is not available yet; only \"raw\" is served"
            )));
        }
        let to = self.to.as_deref().map(|raw| parse_timestamp("to", raw)).transpose()?.unwrap_or(now);
        let from = match self.from.as_deref() {
            Some(raw) => parse_timestamp("from", raw)?,
            None => to.checked_sub_signed(DEFAULT_WINDOW).unwrap_or(DateTime::<Utc>::MIN_UTC),
        };
        if from >= to {
            return Err(ApiError::BadRequest(format!("from ({from}) must be before to ({to})")));
        }
        let params = Parameter::parse_list(self.params.as_deref().unwrap_or(""))?;
        let limit = parse_limit(self.limit.as_deref())?;
        Ok(TelemetryQuery { well_id, from, to, params, limit })
    }
}

impl TelemetryPage {
    fn new(query: TelemetryQuery, samples: Vec<Sample>, truncated: bool) -> Self {
        let samples: Vec<TelemetrySample> = samples.into_iter().map(TelemetrySample::from).collect();
        Self {
            well_id: query.well_id,
            from: query.from,
            to: query.to,
            params: query.params,
            resolution: "raw",
            count: samples.len(),
            truncated,
            samples,
        }
    }
}

impl From<Sample> for TelemetrySample {
    fn from(sample: Sample) -> Self {
        Self { at: sample.at, values: sample.values, run_state: sample.run_state, trip_code: sample.trip_code }
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

fn parse_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    let Some(raw) = raw else { return Ok(DEFAULT_LIMIT) };
    let limit: u64 = raw.parse().map_err(|_| ApiError::BadRequest(format!("limit: {raw:?} is not a whole number")))?;
    match usize::try_from(limit) {
        Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
        _ => Err(ApiError::Unprocessable(format!("limit: {limit} is out of range; use 1 to {MAX_LIMIT}"))),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn resolve(params: TelemetryParams) -> Result<TelemetryQuery, ApiError> {
        let id = WellId::new("W-1").map_err(ApiError::from)?;
        params.resolve(id, Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().unwrap_or_default())
    }

    #[test]
    fn defaults_to_the_last_hour_and_a_thousand_samples() {
        let query = resolve(TelemetryParams::default()).map(|q| (q.to - q.from, q.limit, q.params.len()));
        assert_eq!(query.ok(), Some((TimeDelta::hours(1), DEFAULT_LIMIT, 0)));
    }

    #[test]
    fn reads_offsets_and_an_unencoded_plus() {
        let from = Some("2026-01-01T13:00:00 02:00".to_owned());
        let query = resolve(TelemetryParams { from, ..Default::default() });
        assert_eq!(query.map(|q| q.from.to_rfc3339()).ok(), Some("2026-01-01T11:00:00+00:00".to_owned()));
    }

    #[test]
    fn refuses_empty_ranges_and_limits_out_of_range() {
        let from = Some("2026-01-01T12:00:00Z".to_owned());
        let empty = resolve(TelemetryParams { from, ..Default::default() });
        assert_eq!(empty.err().map(|e| e.code()), Some("bad_request"));
        for (limit, code) in [("0", "unprocessable"), ("10001", "unprocessable"), ("-1", "bad_request")] {
            let result = resolve(TelemetryParams { limit: Some(limit.into()), ..Default::default() });
            assert_eq!(result.err().map(|e| e.code()), Some(code), "limit {limit}");
        }
    }
}
