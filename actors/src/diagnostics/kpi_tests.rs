//! Alarm KPIs from a hand-fed activation log: rate and average, peak, flood start and end with
//! hysteresis, chattering, bad actors, hidden activations counted apart, bounded history.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use ActivationKind::*;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

fn id(name: &str) -> AlarmId {
    AlarmId::parse(name)
}

fn log() -> ActivationLog {
    ActivationLog::new(&KpiSettings::default(), t(0))
}

/// `count` annunciated alarms of distinct points, one a second from `from`.
fn burst(log: &mut ActivationLog, prefix: &str, from: i64, count: i64) {
    for n in 0..count {
        log.record(id(&format!("{prefix}-{n}:pump_off")), Annunciated, t(from + n));
    }
}

#[test]
fn ten_alarms_in_ten_minutes_are_not_a_flood_but_eleven_are() {
    let mut log = log();
    burst(&mut log, "W", 0, 10);
    assert!(!log.kpis(t(60), Vec::new()).in_flood);
    log.record(id("W-10:pump_off"), Annunciated, t(70));
    let kpis = log.kpis(t(80), Vec::new());
    assert!(kpis.in_flood);
    assert_eq!(kpis.peak_per_10_min, 11);
}

#[test]
fn a_flood_lasts_until_fewer_than_five_alarms_remain_in_the_window() {
    let mut log = log();
    burst(&mut log, "A", 0, 11);
    burst(&mut log, "B", 300, 6);
    assert!(log.kpis(t(800), Vec::new()).in_flood, "first burst gone, six remain: still a flood");
    assert!(log.kpis(t(900), Vec::new()).in_flood, "five remain: still a flood");
    let kpis = log.kpis(t(1000), Vec::new());
    assert!(!kpis.in_flood, "four remain at t(901): the flood ended");
    // In flood from the 11th alarm (t 10) until t 901.
    assert!((kpis.flood_share - 891.0 / 1000.0).abs() < 1e-9, "{}", kpis.flood_share);
}

#[test]
fn a_count_that_falls_to_five_without_reaching_the_start_level_is_never_a_flood() {
    let mut log = log();
    burst(&mut log, "W", 0, 10);
    burst(&mut log, "V", 100, 10);
    let kpis = log.kpis(t(2000), Vec::new());
    assert_eq!(kpis.peak_per_10_min, 20);
    assert!(kpis.flood_share > 0.0, "twenty within ten minutes is a flood");
    let mut quiet = self::log();
    for n in 0..30 {
        quiet.record(id("W-1:pump_off"), Annunciated, t(n * 61));
    }
    let kpis = quiet.kpis(t(3000), Vec::new());
    assert_eq!(kpis.flood_share, 0.0);
    assert_eq!(kpis.peak_per_10_min, 10);
}

#[test]
fn rate_figures_count_annunciated_and_reannunciated_alarms_only() {
    let mut log = log();
    for n in 0..12 {
        log.record(id(&format!("W-{n}:gas_lock")), Annunciated, t(n * 600));
    }
    log.record(id("W-0:gas_lock"), Reannunciated, t(7100));
    for kind in [Suppressed, Shelved, OutOfService] {
        log.record(id("W-9:pump_off"), kind, t(7150));
    }
    let kpis = log.kpis(t(7200), Vec::new());
    assert_eq!((kpis.annunciated, kpis.reannunciated), (12, 1));
    assert_eq!((kpis.suppressed, kpis.shelved, kpis.out_of_service), (1, 1, 1));
    assert_eq!(kpis.last_10_min, 1, "t(6600) left the window at t(7200); t(7100) remains");
    assert!((kpis.average_per_10_min - 13.0 / 12.0).abs() < 1e-9, "{}", kpis.average_per_10_min);
    assert_eq!(kpis.since, t(0), "the period starts when the book did");
}

#[test]
fn the_average_rate_is_never_extrapolated_from_less_than_ten_minutes() {
    let mut log = ActivationLog::new(&KpiSettings::default(), t(0));
    log.record(id("W-1:pump_off"), Annunciated, t(0));
    let just_started = log.kpis(t(0) + TimeDelta::milliseconds(2), Vec::new());
    assert_eq!(just_started.average_per_10_min, 1.0, "one alarm within the first 10 minutes is one per 10 minutes");
    assert_eq!(log.kpis(t(599), Vec::new()).average_per_10_min, 1.0);
    assert_eq!(log.kpis(t(600), Vec::new()).average_per_10_min, 1.0);
    assert!((log.kpis(t(1200), Vec::new()).average_per_10_min - 0.5).abs() < 1e-9, "past 10 minutes: the real period");
}

#[test]
fn three_activations_of_one_alarm_within_a_minute_chatter() {
    let mut log = log();
    for at in [0, 20, 60] {
        log.record(id("W-1:overload"), Annunciated, t(at));
    }
    for at in [0, 40, 100] {
        log.record(id("W-2:overload"), Annunciated, t(at));
    }
    for (at, kind) in [(0, Annunciated), (10, Shelved), (20, Suppressed)] {
        log.record(id("W-3:overload"), kind, t(at));
    }
    for at in [0, 10, 20] {
        log.record(id("W-4:overload"), Reannunciated, t(at));
    }
    let kpis = log.kpis(t(200), Vec::new());
    let chattering: Vec<(&str, u64)> = kpis.chattering.iter().map(|c| (c.id.as_str(), c.max_per_minute)).collect();
    assert_eq!(chattering, [("W-1:overload", 3), ("W-3:overload", 3)]);
}

#[test]
fn bad_actors_rank_all_activations_and_give_their_share() {
    let mut log = log();
    for n in 0..6 {
        log.record(id("W-1:gas_lock"), if n < 2 { Annunciated } else { Shelved }, t(n));
    }
    for n in 0..3 {
        log.record(id("W-2:pump_off"), Annunciated, t(10 + n));
    }
    log.record(id("W-3:overload"), Suppressed, t(20));
    log.record(id("W-3:overload"), Reannunciated, t(21));
    let kpis = log.kpis(t(100), Vec::new());
    let first = &kpis.bad_actors[0];
    assert_eq!((first.id.as_str(), first.count, first.annunciated, first.hidden), ("W-1:gas_lock", 6, 2, 4));
    assert!((first.share - 0.6).abs() < 1e-9);
    let order: Vec<&str> = kpis.bad_actors.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(order, ["W-1:gas_lock", "W-2:pump_off", "W-3:overload"]);
    assert!((kpis.bad_actors_share - 1.0).abs() < 1e-9);
}

#[test]
fn bad_actors_name_at_most_ten() {
    let mut log = log();
    for n in 0..15 {
        for k in 0..=n {
            log.record(id(&format!("W-{n:02}:pump_off")), Annunciated, t(n * 100 + k));
        }
    }
    let kpis = log.kpis(t(5000), Vec::new());
    assert_eq!(kpis.bad_actors.len(), BAD_ACTORS);
    assert_eq!(kpis.bad_actors[0].id.as_str(), "W-14:pump_off");
    assert!(kpis.bad_actors_share < 1.0);
}

#[test]
fn activations_older_than_the_window_no_longer_count() {
    let mut log = log();
    log.record(id("W-1:pump_off"), Annunciated, t(0));
    log.record(id("W-1:pump_off"), Annunciated, t(25 * 3600));
    let kpis = log.kpis(t(25 * 3600 + 1), Vec::new());
    assert_eq!(kpis.annunciated, 1);
    assert_eq!(kpis.since, t(3600 + 1));
}

#[test]
fn a_full_history_drops_the_oldest_and_counts_them() {
    let mut log = ActivationLog::new(&KpiSettings { capacity: 3, ..KpiSettings::default() }, t(0));
    burst(&mut log, "W", 0, 5);
    let kpis = log.kpis(t(10), Vec::new());
    assert_eq!((kpis.annunciated, kpis.overflowed), (3, 2));
}

#[test]
fn stale_alarms_are_counted_and_the_oldest_listed_first() {
    let stale: Vec<StaleAlarm> =
        (0..150).map(|n| StaleAlarm { id: id(&format!("W-{n:03}:tubing_leak")), active_since: t(1000 - n) }).collect();
    let kpis = log().kpis(t(100_000), stale);
    assert_eq!((kpis.stale_count, kpis.stale.len()), (150, STALE_LISTED));
    assert_eq!(kpis.stale[0].id.as_str(), "W-149:tubing_leak");
}

#[test]
fn an_empty_log_gives_zero_figures() {
    let kpis = log().kpis(t(0), Vec::new());
    assert_eq!((kpis.annunciated, kpis.peak_per_10_min, kpis.last_10_min), (0, 0, 0));
    assert_eq!((kpis.average_per_10_min, kpis.flood_share, kpis.bad_actors_share), (0.0, 0.0, 0.0));
    assert!(kpis.bad_actors.is_empty() && kpis.chattering.is_empty() && !kpis.in_flood);
    assert!(serde_json::to_value(&kpis).is_ok());
}
