//! Writing a telemetry batch at most once (migration 0005): the batch's fingerprint goes into
//! `ingested_batches` in the batch's own transaction, so a retry of a batch whose commit did
//! happen, though its answer was lost, is recognised and not stored twice.

use std::hash::{DefaultHasher, Hash, Hasher};

use sqlx::PgConnection;
use wellvisor_actors::domain::Sample;

/// Fingerprints older than this are forgotten: longer than any retry waits, spool replay after
/// a long outage included (the spool replays within the outage's own length of the restart).
const KEPT_FOR: &str = "1 day";
/// One batch in this many (by fingerprint) also forgets the old fingerprints.
const PRUNE_ONE_IN: u64 = 512;

/// A batch's identity: its samples, in order, every field. Two different batches share one only
/// by a 64-bit hash collision (about 1 in 10^10 for a day of batches at one a second).
pub(super) fn fingerprint(samples: &[Sample]) -> i64 {
    let mut hasher = DefaultHasher::new();
    for sample in samples {
        sample.well_id.as_str().hash(&mut hasher);
        (sample.at.timestamp(), sample.at.timestamp_subsec_nanos()).hash(&mut hasher);
        for (parameter, value) in sample.values.iter() {
            (parameter as usize, value.to_bits()).hash(&mut hasher);
        }
        sample.run_state.map(|state| state.as_str()).hash(&mut hasher);
        sample.trip_code.map(|code| code.as_str()).hash(&mut hasher);
    }
    hasher.finish() as i64
}

/// Claims `fingerprint` for the batch just inserted on `tx` (highest `seq` `last_seq`).
/// Answers `None` when the claim is new, or the first write's `last_seq` when the batch is
/// already stored: the caller then rolls its copy back.
pub(super) async fn claim(tx: &mut PgConnection, fingerprint: i64, last_seq: i64) -> sqlx::Result<Option<i64>> {
    if fingerprint.unsigned_abs() % PRUNE_ONE_IN == 0 {
        let prune = format!("DELETE FROM ingested_batches WHERE written_at < now() - interval '{KEPT_FOR}'");
        sqlx::query(&prune).execute(&mut *tx).await?;
    }
    let claimed = sqlx::query(
        "INSERT INTO ingested_batches (fingerprint, last_seq) VALUES ($1, $2) ON CONFLICT (fingerprint) DO NOTHING",
    )
    .bind(fingerprint)
    .bind(last_seq)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() == 1 {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT last_seq FROM ingested_batches WHERE fingerprint = $1")
        .bind(fingerprint)
        .fetch_one(&mut *tx)
        .await
        .map(Some)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use wellvisor_actors::domain::{Parameter, WellId};

    use super::*;

    fn sample(well: &str, second: i64, current: f64) -> Sample {
        let at = Utc.timestamp_opt(1_800_000_000 + second, 0).single().expect("valid time");
        let mut sample = Sample::new(WellId::new(well).expect("valid id"), at);
        sample.values.set(Parameter::CurrentA, current);
        sample
    }

    #[test]
    fn a_batch_keeps_its_fingerprint_and_any_change_moves_it() {
        let batch = vec![sample("W-1", 0, 40.0), sample("W-2", 0, 41.0)];
        assert_eq!(fingerprint(&batch), fingerprint(&batch.clone()));
        let changes = [
            vec![sample("W-1", 0, 40.0), sample("W-2", 0, 41.5)],
            vec![sample("W-1", 0, 40.0), sample("W-3", 0, 41.0)],
            vec![sample("W-1", 0, 40.0), sample("W-2", 1, 41.0)],
            vec![sample("W-2", 0, 41.0), sample("W-1", 0, 40.0)],
            vec![sample("W-1", 0, 40.0)],
        ];
        for changed in changes {
            assert_ne!(fingerprint(&batch), fingerprint(&changed), "{changed:?}");
        }
        // Times past what nanoseconds since 1970 can count still tell batches apart.
        let far = |hour: u32| {
            let at = Utc.with_ymd_and_hms(2400, 1, 1, hour, 0, 0).single().expect("valid time");
            vec![Sample::new(WellId::new("W-1").expect("valid id"), at)]
        };
        assert_ne!(fingerprint(&far(13)), fingerprint(&far(14)));
    }
}
