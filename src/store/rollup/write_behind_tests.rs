//! The write-behind bookkeeping without a database: when a flush is due, which watermark it may
//! claim with batches in flight, and that held rows count in reads before, during and after a
//! flush, once each.

use std::collections::BTreeMap;
use std::convert::Infallible;

use chrono::{DateTime, TimeDelta};
use wellvisor_actors::domain::{Parameter, WellId};

use super::*;
use crate::store::rollup::Accumulator;

const MINUTE: i64 = 60_000;

fn well(id: &str) -> WellId {
    WellId::new(id).expect("valid id")
}

/// One sample of `well_id` carrying only a frequency, `millis` after the epoch.
fn batch(well_id: &str, millis: i64, value: f64) -> Vec<Sample> {
    let mut sample = Sample::new(well(well_id), DateTime::UNIX_EPOCH + TimeDelta::milliseconds(millis));
    sample.values.set(Parameter::Frequency, value);
    vec![sample]
}

fn query(well_id: &str) -> RollupQuery {
    RollupQuery {
        well_id: well(well_id),
        from: DateTime::UNIX_EPOCH,
        to: DateTime::UNIX_EPOCH + TimeDelta::hours(1),
        params: vec![Parameter::Frequency],
        resolution: Resolution::Minute,
        limit: 100,
    }
}

/// Frequency sums per minute bucket of `well_id`, reading `stored` under what is held.
async fn sums(behind: &WriteBehind, well_id: &str, stored: BTreeMap<i64, Slots>) -> Vec<(i64, f64)> {
    let read = behind.read(&query(well_id), async { Ok::<_, Infallible>(stored) }).await;
    let points = read.unwrap_or_else(|never| match never {});
    let sum = |p: &RollupPoint| p.values[&Parameter::Frequency].avg * p.values[&Parameter::Frequency].count as f64;
    points.iter().map(|p| (p.at.timestamp_millis(), sum(p))).collect()
}

fn write(behind: &WriteBehind, samples: &[Sample], last_seq: i64) -> bool {
    behind.begin_write().committed(samples, last_seq)
}

#[test]
fn a_flush_is_due_at_the_row_cap_or_once_the_oldest_row_is_old_enough() {
    let behind = WriteBehind::new(0);
    behind.set_policy(FlushPolicy { interval: Duration::from_secs(30), row_cap: 4 });
    let start = Instant::now();
    assert!(!behind.due(start + Duration::from_secs(3600)), "nothing held");
    assert!(!write(&behind, &batch("W-1", 0, 1.0), 1), "two rows: a minute and an hour");
    assert!(!behind.due(start + Duration::from_secs(1)));
    assert!(behind.due(Instant::now() + Duration::from_secs(30)), "the oldest row waited the interval");
    assert!(write(&behind, &batch("W-2", 0, 1.0), 2), "four rows reach the cap");
}

#[tokio::test]
async fn a_flush_claims_no_sequence_a_batch_in_flight_may_hold() {
    let behind = WriteBehind::new(10);
    assert!(behind.begin_flush().await.is_none(), "nothing held, nothing to claim");
    write(&behind, &batch("W-1", 0, 1.0), 20);
    let slow = behind.begin_write();
    write(&behind, &batch("W-1", 0, 1.0), 40);
    let flush = behind.begin_flush().await.expect("rows held");
    assert_eq!(flush.watermark, 20, "the slow batch began after sequence 20 was seen");
    flush.commit(async { Ok::<_, Infallible>(()) }).await.unwrap_or_else(|never| match never {});
    slow.committed(&batch("W-1", 0, 1.0), 30);
    let flush = behind.begin_flush().await.expect("rows held");
    assert_eq!(flush.watermark, 40);
    drop(flush);
    assert_eq!(behind.stats(), WriteBehindStats { held_rows: 2, flushes: 1, watermark: 20 }, "rows back");
    behind.begin_write().rolled_back();
    assert_eq!(behind.begin_flush().await.map(|f| f.watermark), Some(40), "a rolled-back batch claims nothing");
}

#[tokio::test]
async fn a_batch_whose_commit_is_unknown_pins_the_watermark() {
    let behind = WriteBehind::new(5);
    behind.begin_write().uncertain();
    write(&behind, &batch("W-1", 0, 1.0), 9);
    let flush = behind.begin_flush().await.expect("rows held");
    assert_eq!(flush.watermark, 5, "the next open recounts everything after 5");
    drop(flush);
    let cancelled = WriteBehind::new(5);
    drop(cancelled.begin_write());
    write(&cancelled, &batch("W-1", 0, 1.0), 9);
    assert_eq!(cancelled.begin_flush().await.map(|f| f.watermark), Some(5), "a write cancelled mid-way too");
}

#[tokio::test]
async fn held_rows_count_once_before_during_and_after_a_flush() {
    let behind = WriteBehind::new(0);
    write(&behind, &batch("W-1", 0, 1.0), 1);
    write(&behind, &batch("W-2", 0, 5.0), 2);
    assert_eq!(sums(&behind, "W-1", BTreeMap::new()).await, vec![(0, 1.0)]);

    let flush = behind.begin_flush().await.expect("rows held");
    write(&behind, &batch("W-1", MINUTE, 2.0), 3);
    assert_eq!(sums(&behind, "W-1", BTreeMap::new()).await, vec![(0, 1.0), (MINUTE, 2.0)], "during the flush");
    let mut stored = BTreeMap::new();
    for row in flush.rows(Resolution::Minute).iter().filter(|r| r.well_id.as_str() == "W-1") {
        stored.insert(row.bucket, row.params);
    }
    flush.commit(async { Ok::<_, Infallible>(()) }).await.unwrap_or_else(|never| match never {});
    assert_eq!(sums(&behind, "W-1", stored).await, vec![(0, 1.0), (MINUTE, 2.0)], "after it");
    assert_eq!(behind.stats().held_rows, 2, "the minute and hour of the batch written during the flush");
}

#[tokio::test]
async fn a_failed_flush_puts_its_rows_back_before_later_ones() {
    let behind = WriteBehind::new(0);
    write(&behind, &batch("W-1", 10, 1.0), 1);
    let flush = behind.begin_flush().await.expect("rows held");
    write(&behind, &batch("W-1", 10, 2.0), 2);
    let failed = flush.commit(async { Err::<(), _>("connection lost") }).await;
    assert_eq!(failed, Err("connection lost"));
    let points = behind.read(&query("W-1"), async { Ok::<_, Infallible>(BTreeMap::new()) }).await;
    let points = points.unwrap_or_else(|never| match never {});
    let frequency = points[0].values[&Parameter::Frequency];
    assert_eq!((frequency.count, frequency.last), (2, 2.0), "of equal times, the later write is last");
    assert_eq!(behind.stats().flushes, 0);
}

#[test]
fn an_empty_accumulator_merges_as_nothing() {
    let mut into = Accumulator::default();
    into.add(3.0, 7);
    let before = into;
    into.merge(&Accumulator::default());
    assert_eq!(into, before);
}
