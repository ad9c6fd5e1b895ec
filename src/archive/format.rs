//! The line format of an archive file: one JSON object per raw [`Sample`], one line each,
//! the whole gzip-compressed.
//!
//! `{"well":"W-001","at":1741944413589,"values":{"current_a":41.2,...},"run_state":"running","trip_code":"other"}`
//!
//! - `at`: epoch milliseconds UTC, the resolution the store keeps.
//! - `values`: every parameter with a value, by canonical name; the `run_state` and
//!   `trip_code` entries are the device's raw codes. Numbers are written in their shortest
//!   round-trip form and parsed exactly, so every value reads back bit for bit.
//! - `run_state`, `trip_code`: the canonical codes, when the sample has them.
//!
//! Decoding is strict: an unknown key, parameter or code name is an error, never skipped, so a
//! file that verifies restores exactly what was archived.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wellvisor_actors::domain::{Parameter, RunState, Sample, TripCode, WellId};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    well: WellId,
    at: i64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    values: BTreeMap<String, f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    run_state: Option<RunState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    trip_code: Option<TripCode>,
}

/// Appends `sample` as one line, newline included.
pub(crate) fn encode(sample: &Sample, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    let line = Line {
        well: sample.well_id.clone(),
        at: sample.at.timestamp_millis(),
        values: sample.values.iter().map(|(parameter, value)| (parameter.as_str().to_owned(), value)).collect(),
        run_state: sample.run_state,
        trip_code: sample.trip_code,
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.push(b'\n');
    Ok(())
}

/// Rebuilds the sample of one line (without its newline).
pub(crate) fn decode(line: &[u8]) -> Result<Sample, String> {
    let line: Line = serde_json::from_slice(line).map_err(|error| error.to_string())?;
    let at =
        DateTime::<Utc>::from_timestamp_millis(line.at).ok_or_else(|| format!("time {} is out of range", line.at))?;
    let mut sample = Sample::new(line.well, at);
    for (name, value) in line.values {
        let parameter = Parameter::from_name(&name).ok_or_else(|| format!("unknown parameter {name:?}"))?;
        sample.values.set(parameter, value);
    }
    sample.run_state = line.run_state;
    sample.trip_code = line.trip_code;
    Ok(sample)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn round_trip(sample: &Sample) -> Sample {
        let mut out = Vec::new();
        encode(sample, &mut out).expect("encode");
        assert_eq!(out.last(), Some(&b'\n'));
        assert_eq!(out.iter().filter(|b| **b == b'\n').count(), 1, "one line per sample");
        decode(&out[..out.len() - 1]).expect("decode")
    }

    #[test]
    fn an_empty_sample_round_trips() {
        let sample = Sample::new(WellId::new("W-001").expect("id"), DateTime::from_timestamp_millis(-1).expect("time"));
        assert_eq!(round_trip(&sample), sample);
    }

    #[test]
    fn unknown_names_and_keys_are_errors() {
        let bad = [
            r#"{"well":"W-1","at":0,"values":{"speed":1.0}}"#,
            r#"{"well":"W-1","at":0,"run_state":"flying"}"#,
            r#"{"well":"W-1","at":0,"extra":1}"#,
            r#"{"well":"W 1","at":0}"#,
            r#"{"well":"W-1","at":0"#,
        ];
        for line in bad {
            assert!(decode(line.as_bytes()).is_err(), "{line}");
        }
    }

    proptest! {
        #[test]
        fn every_value_reads_back_bit_for_bit(
            bits in proptest::collection::vec(any::<u64>(), Parameter::COUNT),
            millis in -62_000_000_000_000i64..250_000_000_000_000,
            run_state in proptest::option::of(proptest::sample::select(RunState::ALL)),
            trip_code in proptest::option::of(proptest::sample::select(TripCode::ALL)),
        ) {
            let at = DateTime::from_timestamp_millis(millis).expect("in range");
            let mut sample = Sample::new(WellId::new("pad7.well_3").expect("id"), at);
            for (parameter, bits) in Parameter::ALL.iter().zip(&bits) {
                sample.values.set(*parameter, f64::from_bits(*bits));
            }
            sample.run_state = run_state;
            sample.trip_code = trip_code;
            let back = round_trip(&sample);
            for parameter in Parameter::ALL {
                let (written, read) = (sample.values.get(*parameter), back.values.get(*parameter));
                prop_assert_eq!(written.map(f64::to_bits), read.map(f64::to_bits), "{}", parameter.as_str());
            }
            prop_assert_eq!(back, sample);
        }
    }
}
