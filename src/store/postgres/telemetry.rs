//! The wide `telemetry` row of migration 0001: which column holds which part of a [`Sample`],
//! the `COPY` that writes a whole batch, and the range query. The write path calls
//! [`insert`]`(chunk).execute(&mut *tx)` for each chunk of a batch, inside the batch's
//! transaction.
//!
//! # Why binary `COPY`
//!
//! A batch is streamed to the server with `COPY telemetry (...) FROM STDIN (FORMAT binary)` on
//! the transaction's own connection: one round trip per batch, no statement to plan or bind, no
//! parameter limit, and values the server takes as they are (a `float8` is its 8 IEEE bytes, a
//! time its microseconds), so neither side prints or parses numbers. Encoding costs the client
//! about 0.12 µs a sample. Raw ingest of full samples by one writer, 200,000 samples of 10 wells
//! (`wellvisor bench store`, roll-ups left out; a 2 vCPU virtual machine running the server too;
//! medians of three interleaved runs, samples/s):
//!
//! | how a batch is written                         | batch 2,000 | batch 10,000 |
//! |------------------------------------------------|-------------|--------------|
//! | `INSERT ... SELECT FROM UNNEST` of 27 arrays   | 94k         | 98k          |
//! | `INSERT ... VALUES`, 2,427 rows (65,535 binds) | 81k         | 82k          |
//! | `COPY`, text format                            | 69k         | 73k          |
//! | `COPY`, binary format (this)                   | 129k        | 202k         |
//!
//! Text `COPY` is the slowest: the server parses 23 numbers and a time per row from text. The
//! statements pay for binding, planning and their executor on top of the rows. What binary `COPY`
//! leaves is the server's own work per row: without the `(well_id, at, seq)` index the benchmark
//! reaches 221k and 289k, without `seq`'s default 138k and 223k, without either 252k and 434k.
//! Each batch also pays a fixed ~2 ms (round trips and the commit's WAL flush), which larger
//! batches spread thinner.
//!
//! # Order and partitions
//!
//! `COPY` inserts rows in the order of the stream and evaluates `seq`'s default,
//! `nextval('telemetry_seq')`, once per row as it reads it, so rows take their `seq` in batch
//! order and samples with equal times read back in the order they were written; after the last
//! chunk, `currval('telemetry_seq')` on the same connection is the batch's highest `seq`. Rows
//! go through the partitioned parent, which routes each to its day partition (ensured beforehand
//! by `partitions.rs`), or to `telemetry_default`. Statement-level and row-level `INSERT` triggers
//! fire for `COPY` as for an `INSERT`, and an error anywhere in the stream fails the whole `COPY`
//! (the transaction then rolls back the batch).
//!
//! Column names come only from the fixed [`Parameter`] enum, never from request text, so the SQL
//! built here cannot be steered by a caller.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use wellvisor_actors::domain::{Parameter, RunState, Sample, TripCode, WellId};

use self::binary_copy::{BinaryCopy, FieldTooLong};

mod binary_copy;
#[cfg(test)]
mod copy_tests;

/// Rows per `COPY`. The recorder's batches (`storage.batch_size`, at most 100,000) always fit
/// in one; a larger caller's batch is split, still in one transaction. It bounds the memory of
/// one encoded stream (about 330 bytes a row).
pub(super) const ROWS_PER_STATEMENT: usize = 100_000;

/// Bytes of encoded rows per `CopyData` message: the server starts inserting the first rows
/// while later ones are still on their way.
const SEND_BYTES: usize = 256 * 1024;

/// One column of the row, in the order of the `COPY` statement and of each encoded row.
#[derive(Clone, Copy, Debug)]
enum Column {
    WellId,
    At,
    /// A numeric parameter, or the raw device code of `run_state` / `trip_code`.
    Value(Parameter),
    /// The canonical name of the `run_state` / `trip_code` code.
    Canonical(Parameter),
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::WellId => "well_id",
            Column::At => "at",
            Column::Value(Parameter::RunState) => "run_state_raw",
            Column::Value(Parameter::TripCode) => "trip_code_raw",
            Column::Value(numeric) => numeric.as_str(),
            Column::Canonical(code) => code.as_str(),
        }
    }
}

/// Fields per row: well, time, the numeric parameters, and name and raw code of both codes.
const FIELDS: i16 = Parameter::COUNT as i16 + 4;

/// Bytes of one full row with a short well id: the field count, a length word per field, the
/// well id, the time, a `float8` per parameter and two short code names. Sizes the stream's
/// buffer so that it seldom grows.
const ROW_BYTES: usize = 2 + 4 * FIELDS as usize + 16 + 8 + 8 * Parameter::COUNT + 24;

/// Every column the batch writes (all but `seq`, which its default fills).
static COLUMNS: LazyLock<Vec<Column>> = LazyLock::new(|| {
    let mut columns = vec![Column::WellId, Column::At];
    columns.extend(Parameter::ALL.iter().filter(|p| !p.is_code()).map(|&p| Column::Value(p)));
    for code in [Parameter::RunState, Parameter::TripCode] {
        columns.extend([Column::Canonical(code), Column::Value(code)]);
    }
    columns
});

/// `COPY telemetry (...) FROM STDIN (FORMAT binary)`, naming [`COLUMNS`] in order.
static COPY: LazyLock<String> = LazyLock::new(|| {
    let names: Vec<&str> = COLUMNS.iter().map(|column| column.name()).collect();
    format!("COPY telemetry ({}) FROM STDIN (FORMAT binary)", names.join(", "))
});

/// The write of `chunk`, at most [`ROWS_PER_STATEMENT`] samples; it runs on the connection
/// given to [`TelemetryCopy::execute`].
pub(super) fn insert(chunk: &[Sample]) -> TelemetryCopy<'_> {
    debug_assert!(chunk.len() <= ROWS_PER_STATEMENT);
    TelemetryCopy { chunk }
}

/// A chunk of samples waiting to be copied into `telemetry`.
pub(super) struct TelemetryCopy<'a> {
    chunk: &'a [Sample],
}

impl TelemetryCopy<'_> {
    /// Copies the chunk on `conn` (the batch's transaction) and returns the rows written.
    ///
    /// The stream is encoded whole before the `COPY` starts, so an encoding failure never
    /// leaves a half-sent `COPY` on the connection. A failure while sending drops the `COPY`
    /// unfinished, which fails it on the server: the batch's transaction cannot commit.
    pub(super) async fn execute(self, conn: &mut PgConnection) -> sqlx::Result<u64> {
        let stream = encode(self.chunk).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
        let mut copy = conn.copy_in_raw(COPY.as_str()).await?;
        for piece in stream.chunks(SEND_BYTES) {
            copy.send(piece).await?;
        }
        copy.finish().await
    }
}

/// The binary `COPY` stream of `chunk`: one row per sample, [`COLUMNS`] in order.
///
/// Times are kept to the millisecond, as the `Store` contract says. The raw `run_state` and
/// `trip_code` device codes are kept as they came, beside their canonical names.
fn encode(chunk: &[Sample]) -> Result<Vec<u8>, FieldTooLong> {
    let mut copy = BinaryCopy::with_capacity(chunk.len() * ROW_BYTES + 64);
    for sample in chunk {
        copy.row(FIELDS);
        for &column in COLUMNS.iter() {
            match column {
                Column::WellId => copy.text(Some(sample.well_id.as_str()))?,
                Column::At => copy.timestamptz(to_millis(sample.at)),
                Column::Value(parameter) => copy.float8(sample.values.get(parameter)),
                Column::Canonical(Parameter::RunState) => copy.text(sample.run_state.map(RunState::as_str))?,
                Column::Canonical(_) => copy.text(sample.trip_code.map(TripCode::as_str))?,
            }
        }
    }
    Ok(copy.finish())
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
    fn the_copy_names_every_column_but_seq_once_in_row_order() {
        assert_eq!(COLUMNS.len(), FIELDS as usize);
        let names: std::collections::BTreeSet<&str> = COLUMNS.iter().map(|column| column.name()).collect();
        assert_eq!(names.len(), COLUMNS.len(), "{names:?}");
        let sql = COPY.as_str();
        assert!(sql.starts_with("COPY telemetry (well_id, at, current_a, current_b, "), "{sql}");
        let tail = ", starts_count, run_state, run_state_raw, trip_code, trip_code_raw) FROM STDIN (FORMAT binary)";
        assert!(sql.ends_with(tail), "{sql}");
        assert!(!sql.contains("seq"), "{sql}");
    }

    #[test]
    fn an_empty_sample_is_its_well_its_time_and_nulls() {
        let well = WellId::new("W-001").expect("id");
        let at = DateTime::from_timestamp_millis(946_684_800_002).expect("2000-01-01 00:00:00.002");
        let stream = encode(&[Sample::new(well, at)]).expect("encode");
        let mut row = vec![0, 27, 0, 0, 0, 5, b'W', b'-', b'0', b'0', b'1'];
        row.extend_from_slice(&[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x07, 0xd0]);
        row.extend(std::iter::repeat_n(0xff, 4 * 25));
        assert_eq!(stream[19..stream.len() - 2], row);
        assert_eq!(stream.len(), 19 + row.len() + 2, "header, one row, trailer");
    }

    #[test]
    fn a_full_sample_fits_the_row_estimate() {
        let well = WellId::new("BENCH-00001").expect("id");
        let mut sample = Sample::new(well, Utc::now());
        for &parameter in Parameter::ALL {
            sample.values.set(parameter, 1.5);
        }
        sample.run_state = Some(RunState::Running);
        sample.trip_code = Some(TripCode::Underload);
        let stream = encode(&[sample]).expect("encode");
        assert!(stream.len() <= ROW_BYTES + 64, "{} bytes", stream.len());
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
