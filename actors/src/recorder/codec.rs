//! The spool's payload encoding: one [`Sample`] or [`Record`] per frame, versioned by its first
//! byte so a spool written by one release is read (or refused, counted) by the next.
//!
//! Version 1. Samples, the bulk of any spool, are binary: the well id, the timestamp as whole
//! seconds and nanoseconds, a presence bitmap over [`PARAMETERS_V1`] followed by the present
//! values as raw `f64` bits, then the run state and trip code as one byte each. Records are few:
//! a kind byte and the record as JSON through its own serde shape (with `float_roundtrip`, so
//! every number reads back bit-exact); a baseline, which has no serde shape, is binary.

use chrono::{DateTime, TimeZone, Utc};

use crate::domain::{Parameter, RunState, Sample, TripCode, WellId};
use crate::store::{Record, StoredBaseline};

/// The payload version this release writes.
const VERSION: u8 = 1;

/// Version 1's parameter slots. Append only: a slot never changes its parameter.
const PARAMETERS_V1: [Parameter; 23] = [
    Parameter::CurrentA,
    Parameter::CurrentB,
    Parameter::CurrentC,
    Parameter::VoltageAb,
    Parameter::VoltageBc,
    Parameter::VoltageCa,
    Parameter::Frequency,
    Parameter::Power,
    Parameter::PowerFactor,
    Parameter::IntakePressure,
    Parameter::IntakeTemperature,
    Parameter::DischargePressure,
    Parameter::MotorTemperature,
    Parameter::VibrationX,
    Parameter::VibrationY,
    Parameter::LeakageCurrent,
    Parameter::TubingPressure,
    Parameter::CasingPressure,
    Parameter::FlowRate,
    Parameter::DriveTemperature,
    Parameter::StartsCount,
    Parameter::RunState,
    Parameter::TripCode,
];

/// A payload this release cannot read back.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodecError {
    #[error("payload version {0} is not one this release reads")]
    Version(u8),
    #[error("payload ends early")]
    Truncated,
    #[error("payload is malformed: {0}")]
    Malformed(String),
}

/// Something the spool can hold: encoded to, and decoded from, a frame's payload.
pub(crate) trait Spoolable: Sized {
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(payload: &[u8]) -> Result<Self, CodecError>;
}

impl Spoolable for Sample {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(VERSION);
        put_str(out, self.well_id.as_str());
        put_time(out, self.at);
        let present: Vec<(usize, f64)> = PARAMETERS_V1
            .iter()
            .enumerate()
            .filter_map(|(slot, parameter)| self.values.get(*parameter).map(|value| (slot, value)))
            .collect();
        let bitmap = present.iter().fold(0u32, |bits, (slot, _)| bits | 1 << slot);
        out.extend_from_slice(&bitmap.to_le_bytes());
        for (_, value) in present {
            out.extend_from_slice(&value.to_bits().to_le_bytes());
        }
        out.push(self.run_state.map_or(0, run_state_code));
        out.push(self.trip_code.map_or(0, trip_code_code));
    }

    fn decode(payload: &[u8]) -> Result<Self, CodecError> {
        let mut reader = Reader::versioned(payload)?;
        let well_id = WellId::new(&reader.string()?).map_err(|e| CodecError::Malformed(e.to_string()))?;
        let mut sample = Sample::new(well_id, reader.time()?);
        let bitmap = u32::from_le_bytes(reader.array()?);
        if bitmap >> PARAMETERS_V1.len() != 0 {
            return Err(CodecError::Malformed(format!("parameter bitmap {bitmap:#x} names unknown slots")));
        }
        for (slot, parameter) in PARAMETERS_V1.iter().enumerate() {
            if bitmap & (1 << slot) != 0 {
                sample.values.set(*parameter, f64::from_bits(u64::from_le_bytes(reader.array()?)));
            }
        }
        sample.run_state = optional(reader.byte()?, run_state_from)?;
        sample.trip_code = optional(reader.byte()?, trip_code_from)?;
        reader.finish()?;
        Ok(sample)
    }
}

/// Record kinds on the wire.
const DIAGNOSIS: u8 = 1;
const ALARM_STATE: u8 = 2;
const JOURNAL: u8 = 3;
const AUDIT: u8 = 4;
const BASELINE: u8 = 5;

impl Spoolable for Record {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(VERSION);
        // Serialising these plain derived structs to a Vec cannot fail.
        let json = |out: &mut Vec<u8>, kind: u8, result: serde_json::Result<Vec<u8>>| {
            out.push(kind);
            out.extend_from_slice(&result.unwrap_or_default());
        };
        match self {
            Record::Diagnosis(record) => json(out, DIAGNOSIS, serde_json::to_vec(record)),
            Record::AlarmState(record) => json(out, ALARM_STATE, serde_json::to_vec(record)),
            Record::Journal(entry) => json(out, JOURNAL, serde_json::to_vec(entry)),
            Record::Audit(entry) => json(out, AUDIT, serde_json::to_vec(entry)),
            Record::Baseline(baseline) => {
                out.push(BASELINE);
                put_str(out, baseline.well_id.as_str());
                put_time(out, baseline.at);
                out.extend_from_slice(baseline.state.as_bytes());
            }
        }
    }

    fn decode(payload: &[u8]) -> Result<Self, CodecError> {
        let mut reader = Reader::versioned(payload)?;
        let kind = reader.byte()?;
        let body = reader.rest();
        let malformed = |e: serde_json::Error| CodecError::Malformed(e.to_string());
        match kind {
            DIAGNOSIS => serde_json::from_slice(body).map(Record::Diagnosis).map_err(malformed),
            ALARM_STATE => serde_json::from_slice(body).map(Record::AlarmState).map_err(malformed),
            JOURNAL => serde_json::from_slice(body).map(Record::Journal).map_err(malformed),
            AUDIT => serde_json::from_slice(body).map(Record::Audit).map_err(malformed),
            BASELINE => decode_baseline(body),
            other => Err(CodecError::Malformed(format!("unknown record kind {other}"))),
        }
    }
}

fn decode_baseline(body: &[u8]) -> Result<Record, CodecError> {
    let mut reader = Reader { bytes: body };
    let well_id = WellId::new(&reader.string()?).map_err(|e| CodecError::Malformed(e.to_string()))?;
    let at = reader.time()?;
    let state = String::from_utf8(reader.rest().to_vec()).map_err(|e| CodecError::Malformed(e.to_string()))?;
    Ok(Record::Baseline(StoredBaseline { well_id, at, state }))
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    // Well ids are at most 64 bytes; longer text is never written through here.
    let len = u16::try_from(text.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&text.as_bytes()[..usize::from(len)]);
}

fn put_time(out: &mut Vec<u8>, at: DateTime<Utc>) {
    out.extend_from_slice(&at.timestamp().to_le_bytes());
    out.extend_from_slice(&at.timestamp_subsec_nanos().to_le_bytes());
}

/// Reads a payload front to back; every read checks the length left.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Starts after the version byte, refusing a version this release does not read.
    fn versioned(payload: &'a [u8]) -> Result<Self, CodecError> {
        let mut reader = Reader { bytes: payload };
        match reader.byte()? {
            VERSION => Ok(reader),
            other => Err(CodecError::Version(other)),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if self.bytes.len() < n {
            return Err(CodecError::Truncated);
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn byte(&mut self) -> Result<u8, CodecError> {
        Ok(self.array::<1>()?[0])
    }

    fn string(&mut self) -> Result<String, CodecError> {
        let len = usize::from(u16::from_le_bytes(self.array()?));
        String::from_utf8(self.take(len)?.to_vec()).map_err(|e| CodecError::Malformed(e.to_string()))
    }

    fn time(&mut self) -> Result<DateTime<Utc>, CodecError> {
        let secs = i64::from_le_bytes(self.array()?);
        let nanos = u32::from_le_bytes(self.array()?);
        Utc.timestamp_opt(secs, nanos)
            .single()
            .ok_or_else(|| CodecError::Malformed(format!("timestamp {secs}.{nanos:09} is out of range")))
    }

    fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.bytes)
    }

    fn finish(&self) -> Result<(), CodecError> {
        match self.bytes.len() {
            0 => Ok(()),
            extra => Err(CodecError::Malformed(format!("{extra} bytes past the end"))),
        }
    }
}

/// Zero is "none"; anything else goes through `from`.
fn optional<T>(code: u8, from: fn(u8) -> Option<T>) -> Result<Option<T>, CodecError> {
    match code {
        0 => Ok(None),
        code => from(code).map(Some).ok_or_else(|| CodecError::Malformed(format!("unknown code {code}"))),
    }
}

fn run_state_code(state: RunState) -> u8 {
    match state {
        RunState::Stopped => 1,
        RunState::Starting => 2,
        RunState::Running => 3,
        RunState::Tripped => 4,
        RunState::LockedOut => 5,
    }
}

fn run_state_from(code: u8) -> Option<RunState> {
    [RunState::Stopped, RunState::Starting, RunState::Running, RunState::Tripped, RunState::LockedOut]
        .into_iter()
        .find(|state| run_state_code(*state) == code)
}

fn trip_code_code(trip: TripCode) -> u8 {
    match trip {
        TripCode::None => 1,
        TripCode::Underload => 2,
        TripCode::Overload => 3,
        TripCode::GroundFault => 4,
        TripCode::PhaseImbalance => 5,
        TripCode::PowerLoss => 6,
        TripCode::MotorOvertemperature => 7,
        TripCode::LowIntakePressure => 8,
        TripCode::HighVibration => 9,
        TripCode::ManualStop => 10,
        TripCode::Other => 11,
    }
}

fn trip_code_from(code: u8) -> Option<TripCode> {
    use TripCode::*;
    [
        None,
        Underload,
        Overload,
        GroundFault,
        PhaseImbalance,
        PowerLoss,
        MotorOvertemperature,
        LowIntakePressure,
        HighVibration,
        ManualStop,
        Other,
    ]
    .into_iter()
    .find(|trip| trip_code_code(*trip) == code)
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
