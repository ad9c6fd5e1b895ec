//! The wide `telemetry` row of migration 0001: which column holds which part of a [`Sample`],
//! and the SQL that writes a chunk of samples and reads a query's columns back.
//!
//! Column names come only from the fixed [`Parameter`] enum, never from request text, so the
//! SQL built here cannot be steered by a caller.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use wellvisor_actors::domain::{Parameter, RunState, Sample, TripCode, WellId};

/// The numeric parameters: one nullable REAL column each, named by `Parameter::as_str`.
fn numeric() -> impl Iterator<Item = Parameter> {
    Parameter::ALL.iter().copied().filter(|p| !p.is_code())
}

/// Values bound per row: well id, timestamp, the numeric columns, two (canonical, raw) pairs.
const BINDS_PER_ROW: usize = 2 + (Parameter::COUNT - 2) + 4;

/// SQLite's bound-parameter limit (`SQLITE_MAX_VARIABLE_NUMBER`, 32766 since 3.32).
const MAX_BINDS: usize = 32_766;

/// Rows per multi-row `INSERT`: as many as the parameter limit allows, so a batch costs few
/// statements, and a full chunk's SQL text is always the same one cached prepared statement.
pub(super) const ROWS_PER_INSERT: usize = MAX_BINDS / BINDS_PER_ROW;
const _: () = assert!(ROWS_PER_INSERT * BINDS_PER_ROW <= MAX_BINDS && ROWS_PER_INSERT >= 1000);

/// `INSERT INTO telemetry (...) VALUES (...), (...)` for up to [`ROWS_PER_INSERT`] samples.
///
/// The raw `run_state`/`trip_code` device codes are bound as REAL: the INTEGER column's
/// affinity stores whole numbers as integers, and would keep a fractional code as it came
/// rather than truncate it.
pub(super) fn insert(chunk: &[Sample]) -> QueryBuilder<'_, Sqlite> {
    debug_assert!(chunk.len() <= ROWS_PER_INSERT);
    let mut columns = vec!["well_id", "ts"];
    columns.extend(numeric().map(Parameter::as_str));
    columns.extend(["run_state", "run_state_raw", "trip_code", "trip_code_raw"]);
    let mut builder = QueryBuilder::new(format!("INSERT INTO telemetry ({}) ", columns.join(", ")));
    builder.push_values(chunk, |mut row, sample| {
        row.push_bind(sample.well_id.as_str()).push_bind(to_millis(sample.at));
        for parameter in numeric() {
            row.push_bind(sample.values.get(parameter));
        }
        row.push_bind(sample.run_state.map(RunState::as_str));
        row.push_bind(sample.values.get(Parameter::RunState));
        row.push_bind(sample.trip_code.map(TripCode::as_str));
        row.push_bind(sample.values.get(Parameter::TripCode));
    });
    builder
}

/// The range query for `wanted`, binding well id, from, to (epoch ms) and limit in that order.
///
/// Ties on `ts` come back in insertion order; the `(well_id, ts)` index also carries the rowid,
/// so the ordering needs no sort step.
pub(super) fn select(wanted: &[Parameter]) -> String {
    let mut sql = String::from("SELECT ts");
    for parameter in wanted {
        match parameter {
            Parameter::RunState => sql.push_str(", run_state, run_state_raw"),
            Parameter::TripCode => sql.push_str(", trip_code, trip_code_raw"),
            numeric => {
                sql.push_str(", ");
                sql.push_str(numeric.as_str());
            }
        }
    }
    sql.push_str(" FROM telemetry WHERE well_id = ? AND ts >= ? AND ts < ? ORDER BY ts, rowid LIMIT ?");
    sql
}

/// Rebuilds a sample from a row of [`select`]`(wanted)`.
pub(super) fn decode(row: &SqliteRow, well_id: &WellId, wanted: &[Parameter]) -> sqlx::Result<Sample> {
    let mut sample = Sample::new(well_id.clone(), from_millis(row.try_get(0)?)?);
    let mut column = 1;
    for &parameter in wanted {
        if parameter.is_code() {
            let canonical: Option<String> = row.try_get(column)?;
            // Unchecked: a whole code is stored as INTEGER, a fractional one as REAL.
            let raw: Option<f64> = row.try_get_unchecked(column + 1)?;
            set_code(&mut sample, parameter, canonical.as_deref());
            if let Some(raw) = raw {
                sample.values.set(parameter, raw);
            }
            column += 2;
        } else {
            if let Some(value) = row.try_get::<Option<f64>, _>(column)? {
                sample.values.set(parameter, value);
            }
            column += 1;
        }
    }
    Ok(sample)
}

/// Sets the canonical code from its stored name. A name this build does not know (written by
/// a newer one) reads as no run state, and as `other` for a trip, as an unmapped code would.
fn set_code(sample: &mut Sample, parameter: Parameter, name: Option<&str>) {
    let Some(name) = name else { return };
    match parameter {
        Parameter::RunState => sample.run_state = RunState::from_name(name),
        _ => sample.trip_code = Some(TripCode::from_name(name).unwrap_or(TripCode::Other)),
    }
}

/// Unix epoch milliseconds, the stored time resolution.
pub(super) fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(super) fn from_millis(millis: i64) -> sqlx::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(millis)
        .ok_or_else(|| sqlx::Error::Decode(format!("timestamp {millis} ms is out of range").into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_binds_one_value_per_column() {
        let samples = vec![Sample::new(WellId::new("W-001").expect("id"), Utc::now()); 2];
        let builder = insert(&samples);
        let sql = builder.sql();
        let columns = sql.split(" VALUES ").next().unwrap_or_default().matches(',').count() + 1;
        assert_eq!(columns, BINDS_PER_ROW, "{sql}");
        assert_eq!(sql.matches('?').count(), 2 * BINDS_PER_ROW, "{sql}");
    }

    #[test]
    fn selects_only_the_wanted_columns() {
        let sql = select(&crate::store::wanted(&[Parameter::Frequency, Parameter::TripCode, Parameter::Frequency]));
        assert!(sql.starts_with("SELECT ts, frequency, trip_code, trip_code_raw FROM telemetry"), "{sql}");
    }

    #[test]
    fn no_named_parameters_means_every_column() {
        let sql = select(&crate::store::wanted(&[]));
        let columns = sql.split(" FROM ").next().unwrap_or_default().matches(", ").count();
        assert_eq!(columns + 1, BINDS_PER_ROW - 1, "{sql}");
    }
}
