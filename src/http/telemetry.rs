//! `GET /api/v1/wells/{id}/telemetry?from&to&params&limit`: a well's raw samples from the store,
//! oldest first. The query is read and checked here (400 for what cannot be read, 422 for a
//! limit out of range); the store does the filtering. Only wells in the fleet view are served:
//! a removed well's samples stay in the store but its id answers 404 here.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wellvisor_actors::domain::{Parameter, RunState, Sample, TripCode, Values, WellId};
use wellvisor_actors::store::TelemetryQuery;

use super::ask::within;
use super::error::ApiError;
use super::extract::{ApiQuery, WellIdPath};
use super::range::Range;
use super::state::AppState;

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
    let (query, range) = params.resolve(id, Utc::now())?;
    let probe = TelemetryQuery { limit: range.probe(), ..query.clone() };
    let samples = within(state.call_timeout, "reading telemetry", state.store.read_telemetry(&probe)).await?;
    let (samples, truncated) = range.cut(samples);
    Ok(Json(TelemetryPage::new(query, samples, truncated)))
}

impl TelemetryParams {
    /// Checks every value and fills in the defaults: the range's (the last hour up to `now`,
    /// a thousand samples) and all parameters.
    pub fn resolve(self, well_id: WellId, now: DateTime<Utc>) -> Result<(TelemetryQuery, Range), ApiError> {
        if let Some(resolution) = self.resolution.filter(|r| r != "raw") {
            return Err(ApiError::Unprocessable(format!(
                "resolution: {resolution:?} is not available yet; only \"raw\" is served"
            )));
        }
        let range = Range::resolve(self.from.as_deref(), self.to.as_deref(), self.limit.as_deref(), now)?;
        let params = Parameter::parse_list(self.params.as_deref().unwrap_or(""))?;
        let Range { from, to, limit } = range;
        Ok((TelemetryQuery { well_id, from, to, params, limit }, range))
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

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};

    use super::*;
    use crate::http::range::DEFAULT_LIMIT;

    fn resolve(params: TelemetryParams) -> Result<TelemetryQuery, ApiError> {
        let id = WellId::new("W-1").map_err(ApiError::from)?;
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().unwrap_or_default();
        params.resolve(id, now).map(|(query, _)| query)
    }

    #[test]
    fn defaults_to_the_last_hour_all_parameters_and_a_thousand_samples() {
        let query = resolve(TelemetryParams::default()).map(|q| (q.to - q.from, q.limit, q.params.len()));
        assert_eq!(query.ok(), Some((TimeDelta::hours(1), DEFAULT_LIMIT, 0)));
    }

    #[test]
    fn refuses_roll_ups_and_unknown_parameters() {
        let rolled = resolve(TelemetryParams { resolution: Some("1h".into()), ..Default::default() });
        assert_eq!(rolled.err().map(|e| e.code()), Some("unprocessable"));
        let unknown = resolve(TelemetryParams { params: Some("amps".into()), ..Default::default() });
        assert_eq!(unknown.err().map(|e| e.code()), Some("unknown_parameter"));
    }
}
