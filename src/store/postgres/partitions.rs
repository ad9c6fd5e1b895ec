//! The day partitions of `telemetry` (migration 0001): one per UTC day, named
//! `telemetry_pYYYYMMDD`, created by the store before rows need them.
//!
//! [`Partitions`] remembers which days exist, so a write costs one set lookup per day of its
//! batch, and DDL only on the first write of a new day. At open it creates today's partition and
//! [`AHEAD_DAYS`] more, so the write that crosses midnight finds its partition ready.
//!
//! A day whose partition cannot be created (its rows already sit in `telemetry_default`, or the
//! role lacks the right) is logged once and left to the default partition: the samples are kept,
//! never refused. Only a server that cannot be reached fails the write.
//!
//! Partitions are created outside the write's transaction, each in its own statement: DDL in the
//! transaction would lock `telemetry` against readers until the batch commits. A partition left
//! behind by a batch that then failed is harmless; it is empty until the retry fills it.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use chrono::{Days, NaiveDate};
use sqlx::PgPool;
use tracing::{info, warn};
use wellvisor_actors::domain::Sample;

use crate::store::error::{postgres_is_transient, postgres_reason};

/// Days after today whose partitions exist before any sample needs them.
pub(super) const AHEAD_DAYS: u64 = 7;

/// The most partitions one write creates; the days beyond (a batch spread over years, from a
/// clock gone wrong) go to the default partition, with a warning.
const MAX_NEW_PER_WRITE: usize = 366;

const PREFIX: &str = "telemetry_p";

/// The day partitions known to exist (or known to be served by the default partition).
#[derive(Debug)]
pub(super) struct Partitions {
    known: Mutex<BTreeSet<NaiveDate>>,
}

impl Partitions {
    /// Reads the existing day partitions from the catalogue.
    pub(super) async fn load(pool: &PgPool) -> sqlx::Result<Partitions> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = 'telemetry'::regclass",
        )
        .fetch_all(pool)
        .await?;
        let known = names.iter().filter_map(|name| day_of(name)).collect();
        Ok(Partitions { known: Mutex::new(known) })
    }

    /// Creates the partitions of `days` not known yet. Fails only when the server cannot be
    /// reached (the caller's write would fail the same way); any other refusal is logged, and
    /// that day's rows go to the default partition.
    pub(super) async fn ensure(&self, pool: &PgPool, days: BTreeSet<NaiveDate>) -> sqlx::Result<()> {
        let mut missing: Vec<NaiveDate> = {
            let known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
            days.into_iter().filter(|day| !known.contains(day)).collect()
        };
        if missing.len() > MAX_NEW_PER_WRITE {
            let skipped = missing.len() - MAX_NEW_PER_WRITE;
            warn!(skipped, first_skipped = %missing[MAX_NEW_PER_WRITE], "too many new days in one write; their rows go to telemetry_default");
            missing.truncate(MAX_NEW_PER_WRITE);
        }
        for day in missing {
            match sqlx::query(&create_sql(day)).execute(pool).await {
                Ok(_) => info!(partition = %name(day), "telemetry partition ready"),
                Err(error) if postgres_is_transient(&error) => return Err(error),
                Err(error) => {
                    let error = postgres_reason(&error);
                    warn!(partition = %name(day), %error, "telemetry partition not created; its rows go to telemetry_default");
                }
            }
            self.known.lock().unwrap_or_else(PoisonError::into_inner).insert(day);
        }
        Ok(())
    }

    /// Forgets a day whose partition was dropped, so its next write creates it again.
    pub(super) fn forget(&self, day: NaiveDate) {
        self.known.lock().unwrap_or_else(PoisonError::into_inner).remove(&day);
    }
}

/// The days a write needs: those of its samples, and today with the days ahead.
pub(super) fn needed(samples: &[Sample], today: NaiveDate) -> BTreeSet<NaiveDate> {
    let mut days = ahead(today);
    days.extend(samples.iter().map(|sample| sample.at.date_naive()));
    days
}

/// Today and the [`AHEAD_DAYS`] after it.
pub(super) fn ahead(today: NaiveDate) -> BTreeSet<NaiveDate> {
    (0..=AHEAD_DAYS).filter_map(|n| today.checked_add_days(Days::new(n))).collect()
}

/// The partition table holding `day`.
pub(super) fn name(day: NaiveDate) -> String {
    format!("{PREFIX}{}", day.format("%Y%m%d"))
}

/// The day a partition table holds, from its name; `None` for the default partition and for
/// tables this store did not name.
pub(super) fn day_of(name: &str) -> Option<NaiveDate> {
    let digits = name.strip_prefix(PREFIX)?;
    if digits.len() != 8 {
        return None;
    }
    NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
}

/// `[day 00:00 UTC, next day 00:00 UTC)`. The names and bounds come from a date, never from
/// request text.
fn create_sql(day: NaiveDate) -> String {
    let next = day.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX);
    format!(
        "CREATE TABLE IF NOT EXISTS {} PARTITION OF telemetry \
         FOR VALUES FROM ('{day} 00:00:00+00') TO ('{next} 00:00:00+00')",
        name(day)
    )
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use wellvisor_actors::domain::WellId;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn names_and_bounds_are_one_utc_day() {
        assert_eq!(name(date(2025, 3, 14)), "telemetry_p20250314");
        let sql = create_sql(date(2024, 12, 31));
        assert!(sql.starts_with("CREATE TABLE IF NOT EXISTS telemetry_p20241231 PARTITION OF telemetry"), "{sql}");
        assert!(sql.ends_with("FROM ('2024-12-31 00:00:00+00') TO ('2025-01-01 00:00:00+00')"), "{sql}");
    }

    #[test]
    fn names_parse_back_and_other_tables_are_ignored() {
        assert_eq!(day_of("telemetry_p20250314"), Some(date(2025, 3, 14)));
        for other in ["telemetry_default", "telemetry_p2025031", "telemetry_p20251399", "audit"] {
            assert_eq!(day_of(other), None, "{other}");
        }
    }

    #[test]
    fn a_write_needs_its_sample_days_and_the_days_ahead() {
        let well = WellId::new("W-001").expect("id");
        let at = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().expect("time");
        let samples = [Sample::new(well.clone(), at(2024, 3, 14, 23)), Sample::new(well, at(2025, 3, 15, 0))];
        let days = needed(&samples, date(2025, 3, 15));
        assert_eq!(days.len(), 1 + 1 + AHEAD_DAYS as usize);
        assert!(days.contains(&date(2024, 3, 14)) && days.contains(&date(2025, 3, 22)));
        assert!(!days.contains(&date(2025, 3, 23)));
    }
}
