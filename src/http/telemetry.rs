//! `GET /api/v1/wells/{id}/telemetry?from&to&params&limit&resolution`: a well's history from
//! the store, oldest first: raw samples, or 1-minute or 1-hour roll-ups (min, max, avg, last and
//! count per parameter and bucket). The query is read and checked here (400 for what cannot be
//! read, 422 for a value out of range); `resolution` explains how `auto` chooses and how far a
//! roll-up range may reach; the store does the filtering. Only wells in the fleet view are
//! served: a removed well's samples stay in the store but its id answers 404 here.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wellvisor_actors::domain::{Parameter, RunState, Sample, TripCode, Values, WellId};
use wellvisor_actors::store::{Resolution, RollupPoint, RollupQuery, TelemetryQuery};

use super::ask::within;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiQuery, WellIdPath};
use super::openapi::TelemetryAnswer;
use super::range::Range;
use super::resolution::{observed_period, Requested, Served, DEFAULT_RAW_PERIOD};
use super::state::AppState;

/// The query string as sent; every value is checked by [`TelemetryParams::resolve`].
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TelemetryParams {
    /// Start of the range, inclusive, RFC 3339 in any offset; default `to` minus one hour.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// End of the range, exclusive, RFC 3339; default now. Must be after `from`.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// Parameters wanted, comma-separated canonical names; default all.
    #[param(value_type = Option<Vec<Parameter>>, style = Form, explode = false)]
    params: Option<String>,
    /// The most samples or points to return (1 to 10000; default 1000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10000, default = 1000)]
    limit: Option<String>,
    /// `raw` (the default), `1m`, `1h` or `auto`.
    #[param(value_type = Option<String>, pattern = "^(raw|1m|1h|auto)$", default = "raw")]
    resolution: Option<String>,
}

/// The answer at `raw` resolution.
#[derive(Serialize, ToSchema)]
pub struct TelemetryPage {
    pub well_id: WellId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The parameters asked for; empty means all.
    pub params: Vec<Parameter>,
    pub resolution: &'static str,
    pub count: usize,
    /// More samples lie in the range than `limit` allowed: ask again from `next_from`.
    pub truncated: bool,
    /// When truncated, the time of the first sample left out. Asking again from it continues
    /// the range; samples sharing that millisecond with the last one served may come again.
    pub next_from: Option<DateTime<Utc>>,
    pub samples: Vec<TelemetrySample>,
}

/// One sample, without the well id the page already carries.
#[derive(Serialize, ToSchema)]
pub struct TelemetrySample {
    pub at: DateTime<Utc>,
    pub values: Values,
    pub run_state: Option<RunState>,
    pub trip_code: Option<TripCode>,
}

/// The answer at a roll-up resolution: one point per bucket that had values, `at` its start.
#[derive(Serialize, ToSchema)]
pub struct RollupPage {
    pub well_id: WellId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub params: Vec<Parameter>,
    /// `1m` or `1h`.
    pub resolution: &'static str,
    pub count: usize,
    /// More buckets lie in the range than `limit` allowed: ask again from `next_from`.
    pub truncated: bool,
    /// When truncated, the start of the first bucket left out.
    pub next_from: Option<DateTime<Utc>>,
    pub points: Vec<RollupPoint>,
}

/// `GET /api/v1/wells/{id}/telemetry`.
#[utoipa::path(get, path = "/api/v1/wells/{id}/telemetry", tag = "wells",
    params(("id" = WellId, Path, description = "the well"), TelemetryParams),
    responses(
        (status = 200, description = "raw samples (`resolution` is `raw`) or roll-up points (`1m`, `1h`), oldest first", body = TelemetryAnswer),
        (status = 400, description = "a malformed well id (`invalid_well_id`), an unknown query key, a timestamp or limit that cannot be read, an empty range (`bad_request`) or an unknown parameter (`unknown_parameter`)", body = ErrorBody),
        (status = 404, description = "no such well (`unknown_well`)", body = ErrorBody),
        (status = 422, description = "a limit out of range, an unknown resolution, or a roll-up range or parameter that cannot be served (`unprocessable`)", body = ErrorBody),
        (status = 503, description = "the store did not answer in time (`unavailable`)", body = ErrorBody),
    ))]
pub async fn well_telemetry(
    State(state): State<AppState>,
    WellIdPath(id): WellIdPath,
    ApiQuery(params): ApiQuery<TelemetryParams>,
) -> Result<Response, ApiError> {
    let Some(period) = state.fleet.read(&id, |well| observed_period(well.history.iter())) else {
        return Err(ApiError::UnknownWell(id));
    };
    let (query, range, requested) = params.resolve(id, Utc::now())?;
    match requested.choose(&range, &query.params, period.unwrap_or(DEFAULT_RAW_PERIOD))? {
        Served::Raw => raw(&state, query, range).await,
        Served::Rollup(resolution) => rollups(&state, query, range, resolution).await,
    }
}

async fn raw(state: &AppState, query: TelemetryQuery, range: Range) -> Result<Response, ApiError> {
    let probe = TelemetryQuery { limit: range.probe(), ..query.clone() };
    let samples = within(state.call_timeout, "reading telemetry", state.store.read_telemetry(&probe)).await?;
    let (samples, next_from) = range.cut_with_next(samples, |sample| sample.at);
    Ok(Json(TelemetryPage::new(query, samples, next_from)).into_response())
}

async fn rollups(
    state: &AppState,
    query: TelemetryQuery,
    range: Range,
    resolution: Resolution,
) -> Result<Response, ApiError> {
    let TelemetryQuery { well_id, from, to, params, .. } = query;
    let probe = RollupQuery { well_id, from, to, params, resolution, limit: range.probe() };
    let points = within(state.call_timeout, "reading roll-ups", state.store.read_rollups(&probe)).await?;
    let (points, next_from) = range.cut_with_next(points, |point| point.at);
    let RollupQuery { well_id, params, .. } = probe;
    let page = RollupPage {
        well_id,
        from,
        to,
        params,
        resolution: resolution.as_str(),
        count: points.len(),
        truncated: next_from.is_some(),
        next_from,
        points,
    };
    Ok(Json(page).into_response())
}

impl TelemetryParams {
    /// Checks every value and fills in the defaults: the range's (the last hour up to `now`,
    /// a thousand entries), all parameters, raw samples.
    pub fn resolve(self, well_id: WellId, now: DateTime<Utc>) -> Result<(TelemetryQuery, Range, Requested), ApiError> {
        let range = Range::resolve(self.from.as_deref(), self.to.as_deref(), self.limit.as_deref(), now)?;
        let params = Parameter::parse_list(self.params.as_deref().unwrap_or(""))?;
        let requested = Requested::parse(self.resolution.as_deref())?;
        let Range { from, to, limit } = range;
        Ok((TelemetryQuery { well_id, from, to, params, limit }, range, requested))
    }
}

impl TelemetryPage {
    fn new(query: TelemetryQuery, samples: Vec<Sample>, next_from: Option<DateTime<Utc>>) -> Self {
        let samples: Vec<TelemetrySample> = samples.into_iter().map(TelemetrySample::from).collect();
        Self {
            well_id: query.well_id,
            from: query.from,
            to: query.to,
            params: query.params,
            resolution: Served::Raw.as_str(),
            count: samples.len(),
            truncated: next_from.is_some(),
            next_from,
            samples,
        }
    }
}

impl From<Sample> for TelemetrySample {
    fn from(sample: Sample) -> Self {
        Self { at: sample.at, values: sample.values, run_state: sample.run_state, trip_code: sample.trip_code }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};

    use super::*;
    use crate::http::range::DEFAULT_LIMIT;

    fn resolve(params: TelemetryParams) -> Result<TelemetryQuery, ApiError> {
        let id = WellId::new("W-1").map_err(ApiError::from)?;
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().unwrap_or_default();
        params.resolve(id, now).map(|(query, _, _)| query)
    }

    #[test]
    fn defaults_to_the_last_hour_all_parameters_and_a_thousand_samples() {
        let query = resolve(TelemetryParams::default()).map(|q| (q.to - q.from, q.limit, q.params.len()));
        assert_eq!(query.ok(), Some((TimeDelta::hours(1), DEFAULT_LIMIT, 0)));
    }

    #[test]
    fn refuses_unknown_resolutions_and_parameters() {
        let rolled = resolve(TelemetryParams { resolution: Some("5m".into()), ..Default::default() });
        assert_eq!(rolled.err().map(|e| e.code()), Some("unprocessable"));
        let unknown = resolve(TelemetryParams { params: Some("amps".into()), ..Default::default() });
        assert_eq!(unknown.err().map(|e| e.code()), Some("unknown_parameter"));
    }
}
