//! `POST /api/v1/wells/{id}/telemetry`: samples pushed by a device that cannot be polled (a
//! gateway forwarding a remote well's readings), for service accounts only. The samples go to
//! the historian through the recorder's bounded queue like polled ones; the live picture stays
//! the polled well's. A full queue stops the batch: the answer says how many were queued, so
//! the device resends the rest, and the recorder counts the refusal.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wellvisor_actors::domain::{Parameter, Sample, UnknownParameter, Values, WellId};
use wellvisor_actors::recorder::Submitted;

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, WellIdPath};
use super::operator::Operator;
use super::state::AppState;

/// Samples per request, at most.
pub const MAX_SAMPLES: usize = 1_000;
/// How far ahead of the server's clock a sample may be stamped.
const FUTURE_SLACK: TimeDelta = TimeDelta::minutes(5);
/// How long one sample may wait for room in the recorder's queue.
const PATIENCE: Duration = Duration::from_millis(200);

/// A batch of samples pushed by a device.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushedTelemetry {
    pub samples: Vec<PushedSample>,
}

/// One pushed sample.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushedSample {
    pub at: DateTime<Utc>,
    /// Canonical parameter names (esp-domain §1) to values in canonical units.
    #[schema(value_type = Values)]
    pub values: BTreeMap<String, f64>,
}

/// How many samples of the batch were queued for the historian.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IngestAnswer {
    pub well_id: WellId,
    pub queued: usize,
}

/// The handler: 202 with the count queued.
#[utoipa::path(post, path = "/api/v1/wells/{id}/telemetry", tag = "wells",
    params(("id" = WellId, Path, description = "the well")),
    request_body(content = PushedTelemetry, description = "1 to 1000 samples, each at most 5 minutes ahead of the server's clock"),
    responses(
        (status = 202, description = "every sample queued for the historian", body = IngestAnswer),
        (status = 400, description = "a malformed well id (`invalid_well_id`), a body that is not JSON (`malformed_json`) or an unknown parameter (`unknown_parameter`)", body = ErrorBody),
        (status = 404, description = "no such well (`unknown_well`)", body = ErrorBody),
        (status = 422, description = "no or too many samples, a sample from the future, a value that is not finite, or a field that does not fit (`unprocessable`)", body = ErrorBody),
        (status = 503, description = "the historian's queue is full: the message says how many were queued; resend the rest (`unavailable`)", body = ErrorBody),
    ))]
pub async fn ingest_telemetry(
    State(state): State<AppState>,
    operator: Operator,
    WellIdPath(id): WellIdPath,
    ApiJson(body): ApiJson<PushedTelemetry>,
) -> Result<(StatusCode, Json<IngestAnswer>), ApiError> {
    if !state.fleet.contains(&id) {
        return Err(ApiError::UnknownWell(id));
    }
    let samples = to_samples(&id, body, Utc::now())?;
    let total = samples.len();
    let mut queued = 0;
    for sample in samples {
        if state.records.submit(sample, PATIENCE).await == Submitted::Dropped {
            break;
        }
        queued += 1;
    }
    let params = serde_json::json!({ "samples": total, "queued": queued });
    let result = if queued == total { "ok".to_owned() } else { "503 queue full".to_owned() };
    let entry = operator.entry("ingest_telemetry", id.as_str(), Some(params));
    operator.record(&state.records, wellvisor_actors::diagnostics::AuditEntry { result: Some(result), ..entry });
    if queued < total {
        return Err(ApiError::Unavailable(format!(
            "the historian's queue is full: {queued} of {total} samples queued; resend from sample {queued}"
        )));
    }
    Ok((StatusCode::ACCEPTED, Json(IngestAnswer { well_id: id, queued })))
}

/// Checks a pushed batch and turns it into samples, naming the first problem.
fn to_samples(id: &WellId, body: PushedTelemetry, now: DateTime<Utc>) -> Result<Vec<Sample>, ApiError> {
    if body.samples.is_empty() || body.samples.len() > MAX_SAMPLES {
        return Err(ApiError::Unprocessable(format!("samples: send 1 to {MAX_SAMPLES} samples")));
    }
    body.samples
        .into_iter()
        .enumerate()
        .map(|(index, pushed)| {
            if pushed.at > now + FUTURE_SLACK {
                return Err(ApiError::Unprocessable(format!("samples[{index}].at: more than 5 minutes in the future")));
            }
            let mut sample = Sample::new(id.clone(), pushed.at);
            for (name, value) in pushed.values {
                let parameter = Parameter::from_name(&name).ok_or_else(|| UnknownParameter(name.clone()))?;
                if !value.is_finite() {
                    return Err(ApiError::Unprocessable(format!(
                        "samples[{index}].values.{name}: not a finite number"
                    )));
                }
                sample.values.set(parameter, value);
            }
            Ok(sample)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pushed(at: DateTime<Utc>, values: &[(&str, f64)]) -> PushedSample {
        PushedSample { at, values: values.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect() }
    }

    #[test]
    fn a_batch_becomes_samples_or_names_its_first_problem() {
        let id = WellId::new("W-001").unwrap();
        let now = Utc::now();
        let body = PushedTelemetry { samples: vec![pushed(now, &[("intake_pressure", 1200.0)])] };
        let samples = to_samples(&id, body, now).unwrap();
        assert_eq!(samples[0].values.get(Parameter::from_name("intake_pressure").unwrap()), Some(1200.0));
        let future = PushedTelemetry { samples: vec![pushed(now + TimeDelta::minutes(6), &[])] };
        assert!(to_samples(&id, future, now).unwrap_err().to_string().starts_with("samples[0].at"));
        let unknown = PushedTelemetry { samples: vec![pushed(now, &[("pressure", 1.0)])] };
        assert_eq!(to_samples(&id, unknown, now).unwrap_err().code(), "unknown_parameter");
        let empty = PushedTelemetry { samples: vec![] };
        assert_eq!(to_samples(&id, empty, now).unwrap_err().code(), "unprocessable");
    }
}
