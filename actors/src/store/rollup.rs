//! Roll-ups: a well's telemetry summarised over fixed buckets of time (1 minute, 1 hour), so a
//! long range reads as a few points instead of every poll. The store keeps them as samples
//! arrive; the API reads them through [`super::Store::read_rollups`].

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::domain::{Parameter, WellId};

/// The length of a roll-up bucket. Buckets are aligned to the Unix epoch in UTC: a minute bucket
/// starts on a whole minute, an hour bucket on a whole hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resolution {
    Minute,
    Hour,
}

impl Resolution {
    /// Every resolution, finest first.
    pub const ALL: [Resolution; 2] = [Resolution::Minute, Resolution::Hour];

    /// The span of one bucket.
    pub fn bucket(self) -> TimeDelta {
        TimeDelta::milliseconds(self.bucket_millis())
    }

    /// The span of one bucket in milliseconds, the stores' time resolution.
    pub fn bucket_millis(self) -> i64 {
        match self {
            Resolution::Minute => 60_000,
            Resolution::Hour => 3_600_000,
        }
    }

    /// The name the API and the storage tables use: `1m`, `1h`.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Minute => "1m",
            Resolution::Hour => "1h",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Resolution::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The start, in epoch milliseconds, of the bucket holding the instant `millis`.
    pub fn bucket_of(self, millis: i64) -> i64 {
        millis - millis.rem_euclid(self.bucket_millis())
    }

    /// How many buckets start in `[from, to)`: the most points a roll-up read of that range
    /// can return.
    pub fn buckets_in(self, from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
        let size = self.bucket_millis();
        let first = self.bucket_of(from.timestamp_millis().saturating_add(size - 1));
        let end = self.bucket_of(to.timestamp_millis().saturating_add(size - 1));
        u64::try_from((end - first) / size).unwrap_or(0)
    }
}

impl std::fmt::Display for Resolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parameters roll-ups summarise: every numeric one. Device codes (`run_state`,
/// `trip_code`) have no meaningful minimum or average and are not rolled up.
pub fn rolled_up() -> impl Iterator<Item = Parameter> {
    Parameter::ALL.iter().copied().filter(|p| !p.is_code())
}

/// A roll-up range query.
#[derive(Clone, Debug, PartialEq)]
pub struct RollupQuery {
    pub well_id: WellId,
    /// Inclusive start: buckets that start at or after it.
    pub from: DateTime<Utc>,
    /// Exclusive end: buckets that start before it.
    pub to: DateTime<Utc>,
    /// The parameters wanted; empty means every rolled-up one. Codes are ignored (none is rolled up).
    pub params: Vec<Parameter>,
    pub resolution: Resolution,
    /// The most points to return, oldest first.
    pub limit: usize,
}

impl RollupQuery {
    /// The rolled-up parameters the query wants, each once, in slot order.
    pub fn wanted(&self) -> Vec<Parameter> {
        rolled_up().filter(|p| self.params.is_empty() || self.params.contains(p)).collect()
    }
}

/// One parameter summarised over one bucket. Only values the polls produced count: a poll that
/// lacked the parameter is not a zero.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Aggregate {
    pub min: f64,
    pub max: f64,
    pub avg: f64,
    /// The value of the latest sample in the bucket that carried the parameter; of samples with
    /// the same time, the one written last.
    pub last: f64,
    /// How many samples carried the parameter.
    pub count: u64,
}

/// One bucket of one well.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RollupPoint {
    /// The bucket's start.
    pub at: DateTime<Utc>,
    /// The wanted parameters that had at least one value in the bucket.
    pub values: BTreeMap<Parameter, Aggregate>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, h, m, s).single().expect("valid time")
    }

    #[test]
    fn buckets_start_on_whole_minutes_and_hours_before_the_epoch_too() {
        let millis = at(10, 17, 42).timestamp_millis() + 589;
        assert_eq!(Resolution::Minute.bucket_of(millis), at(10, 17, 0).timestamp_millis());
        assert_eq!(Resolution::Hour.bucket_of(millis), at(10, 0, 0).timestamp_millis());
        assert_eq!(Resolution::Minute.bucket_of(-1), -60_000);
        assert_eq!(Resolution::Minute.bucket(), TimeDelta::minutes(1));
    }

    #[test]
    fn counts_the_buckets_that_start_in_a_range() {
        assert_eq!(Resolution::Minute.buckets_in(at(10, 0, 0), at(11, 0, 0)), 60);
        assert_eq!(Resolution::Minute.buckets_in(at(10, 0, 1), at(10, 2, 0)), 1);
        assert_eq!(Resolution::Minute.buckets_in(at(10, 0, 1), at(10, 2, 1)), 2);
        assert_eq!(Resolution::Hour.buckets_in(at(10, 30, 0), at(10, 59, 0)), 0);
        assert_eq!(Resolution::Hour.buckets_in(at(10, 0, 0), at(10, 0, 0)), 0);
    }

    #[test]
    fn names_parse_back() {
        for resolution in Resolution::ALL {
            assert_eq!(Resolution::from_name(resolution.as_str()), Some(resolution));
        }
        assert_eq!(Resolution::from_name("5m"), None);
    }

    #[test]
    fn a_query_wants_numeric_parameters_only_each_once() {
        let query = |params| RollupQuery {
            well_id: WellId::new("W-1").expect("id"),
            from: at(0, 0, 0),
            to: at(1, 0, 0),
            params,
            resolution: Resolution::Minute,
            limit: 10,
        };
        let wanted = query(vec![Parameter::Frequency, Parameter::RunState, Parameter::CurrentA, Parameter::Frequency]);
        assert_eq!(wanted.wanted(), vec![Parameter::CurrentA, Parameter::Frequency]);
        assert_eq!(query(Vec::new()).wanted().len(), Parameter::COUNT - 2);
    }
}
