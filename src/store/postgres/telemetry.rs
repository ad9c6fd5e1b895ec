//! The wide `telemetry` row of migration 0001: which column holds which part of a [`Sample`],
//! the one statement that writes a whole batch, and the range query.
//!
//! A batch is written column-wise: one array per column, bound as 27 parameters, and spread back
//! into rows by `UNNEST` on the server. One statement and one round trip per batch, however many
//! samples it holds, and the statement text never changes, so it is prepared once per connection.
//!
//! Column names come only from the fixed [`Parameter`] enum, never from request text, so the SQL
//! built here cannot be steered by a caller.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{Postgres, Row};
use wellvisor_actors::domain::{Parameter, RunState, Sample, TripCode, WellId};

/// Rows per statement. The recorder's batches (`storage.batch_size`, at most 100,000) always fit
/// in one; a larger caller's batch is split, still in one transaction.
pub(super) const ROWS_PER_STATEMENT: usize = 100_000;

/// The numeric parameters: one nullable `double precision` column each, named by
/// `Parameter::as_str`.
fn numeric() -> impl Iterator<Item = Parameter> {
    Parameter::ALL.iter().copied().filter(|p| !p.is_code())
}

/// `INSERT INTO telemetry (...) SELECT ... FROM UNNEST($1::text[], ...) WITH ORDINALITY ...`.
///
/// `ORDER BY n` makes the rows take their `seq` in the order of the batch, so samples with equal
/// times read back in the order they were written.
static INSERT: LazyLock<String> = LazyLock::new(|| {
    let mut columns = vec![("well_id", "text"), ("at", "timestamptz")];
    columns.extend(numeric().map(|p| (p.as_str(), "float8")));
    columns.extend([("run_state", "text"), ("run_state_raw", "float8")]);
    columns.extend([("trip_code", "text"), ("trip_code_raw", "float8")]);
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let arrays: Vec<String> = columns.iter().enumerate().map(|(i, (_, ty))| format!("${}::{ty}[]", i + 1)).collect();
    format!(
        "INSERT INTO telemetry ({names}) SELECT {names} FROM UNNEST({arrays}) WITH ORDINALITY AS u({names}, n) ORDER BY n",
        names = names.join(", "),
        arrays = arrays.join(", "),
    )
});

/// The statement writing `chunk`, at most [`ROWS_PER_STATEMENT`] samples, with its arrays bound.
///
/// Times are kept to the millisecond, as the `Store` contract says. The raw `run_state` and
/// `trip_code` device codes are kept as they came, beside their canonical names.
pub(super) fn insert(chunk: &[Sample]) -> Query<'_, Postgres, PgArguments> {
    debug_assert!(chunk.len() <= ROWS_PER_STATEMENT);
    let mut query = sqlx::query(INSERT.as_str())
        .bind(chunk.iter().map(|s| s.well_id.as_str()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|s| to_millis(s.at)).collect::<Vec<_>>());
    for parameter in numeric() {
        query = query.bind(values(chunk, parameter));
    }
    query
        .bind(chunk.iter().map(|s| s.run_state.map(RunState::as_str)).collect::<Vec<_>>())
        .bind(values(chunk, Parameter::RunState))
        .bind(chunk.iter().map(|s| s.trip_code.map(TripCode::as_str)).collect::<Vec<_>>())
        .bind(values(chunk, Parameter::TripCode))
}

/// One parameter's column of a chunk: its value in each sample, or NULL.
fn values(chunk: &[Sample], parameter: Parameter) -> Vec<Option<f64>> {
    chunk.iter().map(|sample| sample.values.get(parameter)).collect()
}

/// The range query for `wanted`, binding well id, from, to and limit as `$1`-`$4`.
///
/// The `(well_id, at, seq)` index serves it in order, in each partition the range touches; the
/// planner skips the other partitions.
pub(super) fn select(wanted: &[Parameter]) -> String {
    let mut sql = String::from("SELECT at");
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
    sql.push_str(" FROM telemetry WHERE well_id = $1 AND at >= $2 AND at < $3 ORDER BY at, seq LIMIT $4");
    sql
}

/// Rebuilds a sample from a row of [`select`]`(wanted)`.
pub(super) fn decode(row: &PgRow, well_id: &WellId, wanted: &[Parameter]) -> sqlx::Result<Sample> {
    let mut sample = Sample::new(well_id.clone(), row.try_get(0)?);
    let mut column = 1;
    for &parameter in wanted {
        if parameter.is_code() {
            let canonical: Option<String> = row.try_get(column)?;
            set_code(&mut sample, parameter, canonical.as_deref());
            if let Some(raw) = row.try_get::<Option<f64>, _>(column + 1)? {
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

/// `at` truncated to the millisecond, the stored time resolution (as SQLite's epoch
/// milliseconds), so both backends read back the same instants.
pub(super) fn to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

/// A limit as PostgreSQL binds it; "more than i64::MAX" means no limit.
pub(super) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_one_array_and_the_batch_keeps_its_order() {
        let sql = INSERT.as_str();
        let columns = sql.split(") SELECT ").next().unwrap_or_default().matches(',').count() + 1;
        assert_eq!(columns, 2 + (Parameter::COUNT - 2) + 4, "{sql}");
        assert!(sql.contains(&format!("${columns}::float8[])")), "{sql}");
        assert!(!sql.contains(&format!("${}", columns + 1)), "{sql}");
        assert!(sql.ends_with("ORDER BY n"), "{sql}");
    }

    #[test]
    fn selects_only_the_wanted_columns() {
        let sql = select(&crate::store::wanted(&[Parameter::Frequency, Parameter::TripCode, Parameter::Frequency]));
        assert!(sql.starts_with("SELECT at, frequency, trip_code, trip_code_raw FROM telemetry"), "{sql}");
    }

    #[test]
    fn times_are_kept_to_the_millisecond() {
        let at = DateTime::from_timestamp(1_741_944_413, 589_999_999).expect("time");
        assert_eq!(to_millis(at).timestamp_subsec_nanos(), 589_000_000);
    }
}
