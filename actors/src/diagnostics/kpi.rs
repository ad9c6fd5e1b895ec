//! Alarm KPIs (esp-domain §3.2): alarm rate, peak, flood, chattering, stale alarms and bad actors,
//! computed from the activations the [`super::AlarmBook`] records. Pure: the book feeds each
//! activation with its time and asks for figures at `now`.
//!
//! Rate, peak and flood count what the operator was shown: annunciated activations and
//! re-annunciations when an overlay lifts. Chattering and bad actors count every activation of the
//! condition, suppressed and shelved ones included, so hiding an alarm cannot hide a bad actor.
//! Activations while out of service are only counted. The history is bounded in time and count;
//! what the count bound pushes out early is reported as `overflowed`.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::AlarmId;

/// The rate window of ISA-18.2 figures: alarms per 10 minutes.
pub const RATE_WINDOW: TimeDelta = TimeDelta::minutes(10);
/// A flood starts when more than this many alarms fall within [`RATE_WINDOW`].
pub const FLOOD_START: u64 = 10;
/// A flood ends when fewer than this many alarms fall within [`RATE_WINDOW`].
pub const FLOOD_END: u64 = 5;
/// An alarm chatters when it activates this many times within [`CHATTER_WINDOW`].
pub const CHATTER_COUNT: u64 = 3;
pub const CHATTER_WINDOW: TimeDelta = TimeDelta::minutes(1);
/// An alarm active continuously for longer than this is stale.
pub const STALE_AFTER: TimeDelta = TimeDelta::hours(24);
/// How many bad actors the KPIs name.
pub const BAD_ACTORS: usize = 10;
/// How many stale alarms the KPIs name (all are counted).
pub const STALE_LISTED: usize = 100;

/// How much activation history the book keeps for its KPIs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KpiSettings {
    /// The period the KPIs cover (default 24 h).
    pub window: Duration,
    /// The most activations kept; beyond it the oldest are dropped and counted (default 100,000).
    pub capacity: usize,
}

impl Default for KpiSettings {
    fn default() -> Self {
        Self { window: Duration::from_secs(24 * 3600), capacity: 100_000 }
    }
}

/// How an activation reached (or did not reach) the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivationKind {
    /// The condition activated and the alarm was annunciated.
    Annunciated,
    /// An overlay lifted and an active condition was shown again.
    Reannunciated,
    /// The condition activated under suppression by design.
    Suppressed,
    /// The condition activated while an operator had shelved the alarm.
    Shelved,
    /// The condition activated while the alarm was out of service.
    OutOfService,
}

impl ActivationKind {
    /// Shown to the operator: counts towards rate, peak and flood.
    fn shown(self) -> bool {
        matches!(self, Self::Annunciated | Self::Reannunciated)
    }

    /// A real activation of the condition that an operator is responsible for: counts towards
    /// chattering and bad actors.
    fn activation(self) -> bool {
        matches!(self, Self::Annunciated | Self::Suppressed | Self::Shelved)
    }
}

/// An alarm that activated at least [`CHATTER_COUNT`] times within [`CHATTER_WINDOW`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatteringAlarm {
    pub id: AlarmId,
    /// The most activations seen within one [`CHATTER_WINDOW`].
    pub max_per_minute: u64,
}

/// An annunciated alarm whose condition has been active for longer than [`STALE_AFTER`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaleAlarm {
    pub id: AlarmId,
    pub active_since: DateTime<Utc>,
}

/// One of the alarms with the most activations over the period.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BadActor {
    pub id: AlarmId,
    /// Activations, annunciated and hidden.
    pub count: u64,
    pub annunciated: u64,
    /// Activations under suppression or a shelf.
    pub hidden: u64,
    /// `count` over all activations of the period, 0–1.
    pub share: f64,
}

/// The alarm-management figures of the fleet (one operator position), over [`KpiSettings::window`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlarmKpis {
    pub at: DateTime<Utc>,
    /// Start of the period covered: `at` minus the window, or when the book started if later.
    pub since: DateTime<Utc>,
    pub annunciated: u64,
    pub reannunciated: u64,
    pub suppressed: u64,
    pub shelved: u64,
    pub out_of_service: u64,
    /// Alarms shown in the last 10 minutes.
    pub last_10_min: u64,
    /// Alarms shown per 10 minutes, averaged over the period, or over one 10 minutes while the
    /// period is shorter: a few alarms just after start-up are not extrapolated to a huge rate.
    pub average_per_10_min: f64,
    /// The most alarms shown within any 10 minutes of the period.
    pub peak_per_10_min: u64,
    pub in_flood: bool,
    /// Share of the period spent in flood, 0–1 (target ≤ 1 %).
    pub flood_share: f64,
    pub chattering: Vec<ChatteringAlarm>,
    pub stale_count: usize,
    /// The longest-standing stale alarms, at most [`STALE_LISTED`].
    pub stale: Vec<StaleAlarm>,
    pub bad_actors: Vec<BadActor>,
    /// Share of all activations due to the bad actors together, 0–1.
    pub bad_actors_share: f64,
    /// Activations dropped before they aged out because the history was full: the figures
    /// undercount when this is not zero.
    pub overflowed: u64,
}

#[derive(Clone, Debug)]
struct Activation {
    at: DateTime<Utc>,
    id: AlarmId,
    kind: ActivationKind,
}

/// The bounded activation history behind the KPIs.
#[derive(Debug)]
pub struct ActivationLog {
    window: TimeDelta,
    capacity: usize,
    started: DateTime<Utc>,
    events: VecDeque<Activation>,
    overflowed: u64,
}

impl ActivationLog {
    /// An empty history; `started` bounds the period of the first day's figures.
    pub fn new(settings: &KpiSettings, started: DateTime<Utc>) -> Self {
        let window = TimeDelta::from_std(settings.window).unwrap_or(TimeDelta::MAX);
        Self { window, capacity: settings.capacity.max(1), started, events: VecDeque::new(), overflowed: 0 }
    }

    pub fn record(&mut self, id: AlarmId, kind: ActivationKind, at: DateTime<Utc>) {
        self.forget_before(at);
        if self.events.len() >= self.capacity {
            self.events.pop_front();
            self.overflowed += 1;
        }
        self.events.push_back(Activation { at, id, kind });
    }

    /// The figures at `now`; `stale` comes from the book, which knows what is active.
    pub fn kpis(&self, now: DateTime<Utc>, mut stale: Vec<StaleAlarm>) -> AlarmKpis {
        let since = self.since(now);
        let period: Vec<&Activation> = self.events.iter().filter(|e| e.at >= since && e.at <= now).collect();
        let count = |kind| period.iter().filter(|e| e.kind == kind).count() as u64;
        let shown = self.shown_times(since - RATE_WINDOW, now);
        let shown_in_period: Vec<DateTime<Utc>> = shown.iter().copied().filter(|at| *at >= since).collect();
        let flood = flood(&shown, since, now);
        let (bad_actors, bad_actors_share) = bad_actors(&period);
        stale.sort_by(|a, b| a.active_since.cmp(&b.active_since).then_with(|| a.id.cmp(&b.id)));
        let stale_count = stale.len();
        stale.truncate(STALE_LISTED);
        AlarmKpis {
            at: now,
            since,
            annunciated: count(ActivationKind::Annunciated),
            reannunciated: count(ActivationKind::Reannunciated),
            suppressed: count(ActivationKind::Suppressed),
            shelved: count(ActivationKind::Shelved),
            out_of_service: count(ActivationKind::OutOfService),
            last_10_min: shown.iter().filter(|at| **at > now - RATE_WINDOW).count() as u64,
            average_per_10_min: per_rate_window(shown_in_period.len(), now - since),
            peak_per_10_min: most_within(&shown_in_period, RATE_WINDOW - TimeDelta::nanoseconds(1)),
            in_flood: flood.in_flood,
            flood_share: share(flood.time_in_flood, now - since),
            chattering: chattering(&period),
            stale_count,
            stale,
            bad_actors,
            bad_actors_share,
            overflowed: self.overflowed,
        }
    }

    fn since(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let window_start = now.checked_sub_signed(self.window).unwrap_or(DateTime::<Utc>::MIN_UTC);
        window_start.max(self.started).min(now)
    }

    /// Drops what no figure at `at` or later can need: older than the window plus a rate window.
    fn forget_before(&mut self, at: DateTime<Utc>) {
        let Some(horizon) = at.checked_sub_signed(self.window).and_then(|t| t.checked_sub_signed(RATE_WINDOW)) else {
            return;
        };
        while self.events.front().is_some_and(|e| e.at < horizon) {
            self.events.pop_front();
        }
    }

    /// Times of the alarms shown within `[from, now]`, sorted.
    fn shown_times(&self, from: DateTime<Utc>, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut times: Vec<DateTime<Utc>> =
            self.events.iter().filter(|e| e.kind.shown() && e.at >= from && e.at <= now).map(|e| e.at).collect();
        times.sort_unstable();
        times
    }
}

struct Flood {
    in_flood: bool,
    time_in_flood: TimeDelta,
}

/// Walks the rolling 10-minute count of alarms shown (an alarm counts from its time until a
/// rate window later) with the flood hysteresis: start above [`FLOOD_START`], end below
/// [`FLOOD_END`]. Only time within `[since, now]` is counted.
fn flood(shown: &[DateTime<Utc>], since: DateTime<Utc>, now: DateTime<Utc>) -> Flood {
    let mut steps: Vec<(DateTime<Utc>, i64)> = Vec::with_capacity(shown.len() * 2);
    for at in shown {
        steps.push((*at, 1));
        let expiry = *at + RATE_WINDOW;
        if expiry <= now {
            steps.push((expiry, -1));
        }
    }
    // An alarm leaving the window at the instant another enters must not count twice.
    steps.sort_unstable();
    let (mut count, mut started, mut time_in_flood) = (0i64, None, TimeDelta::zero());
    for (at, step) in steps {
        count += step;
        match started {
            None if count > FLOOD_START as i64 => started = Some(at),
            Some(start) if count < FLOOD_END as i64 => {
                time_in_flood += overlap(start, at, since, now);
                started = None;
            }
            _ => {}
        }
    }
    if let Some(start) = started {
        time_in_flood += overlap(start, now, since, now);
    }
    Flood { in_flood: started.is_some(), time_in_flood }
}

fn overlap(start: DateTime<Utc>, end: DateTime<Utc>, since: DateTime<Utc>, now: DateTime<Utc>) -> TimeDelta {
    let (start, end) = (start.max(since), end.min(now));
    if end > start {
        end - start
    } else {
        TimeDelta::zero()
    }
}

/// The most of the sorted `times` that fit within `span` of one another.
fn most_within(times: &[DateTime<Utc>], span: TimeDelta) -> u64 {
    let (mut first, mut most) = (0, 0);
    for (last, at) in times.iter().enumerate() {
        while *at - times[first] > span {
            first += 1;
        }
        most = most.max(last - first + 1);
    }
    most as u64
}

fn chattering(period: &[&Activation]) -> Vec<ChatteringAlarm> {
    let mut by_alarm: HashMap<&AlarmId, Vec<DateTime<Utc>>> = HashMap::new();
    for event in period.iter().filter(|e| e.kind.activation()) {
        by_alarm.entry(&event.id).or_default().push(event.at);
    }
    let mut chattering: Vec<ChatteringAlarm> = by_alarm
        .into_iter()
        .filter_map(|(id, mut times)| {
            times.sort_unstable();
            let max_per_minute = most_within(&times, CHATTER_WINDOW);
            (max_per_minute >= CHATTER_COUNT).then(|| ChatteringAlarm { id: id.clone(), max_per_minute })
        })
        .collect();
    chattering.sort_by(|a, b| b.max_per_minute.cmp(&a.max_per_minute).then_with(|| a.id.cmp(&b.id)));
    chattering
}

fn bad_actors(period: &[&Activation]) -> (Vec<BadActor>, f64) {
    let mut by_alarm: HashMap<&AlarmId, (u64, u64)> = HashMap::new();
    for event in period.iter().filter(|e| e.kind.activation()) {
        let counts = by_alarm.entry(&event.id).or_default();
        if event.kind == ActivationKind::Annunciated {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }
    let total: u64 = by_alarm.values().map(|(shown, hidden)| shown + hidden).sum();
    let mut actors: Vec<BadActor> = by_alarm
        .into_iter()
        .map(|(id, (annunciated, hidden))| {
            let count = annunciated + hidden;
            BadActor { id: id.clone(), count, annunciated, hidden, share: count as f64 / total as f64 }
        })
        .collect();
    actors.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
    actors.truncate(BAD_ACTORS);
    let together = actors.iter().map(|actor| actor.share).sum();
    (actors, together)
}

/// `count` per [`RATE_WINDOW`] over `period`, never over less than one rate window.
fn per_rate_window(count: usize, period: TimeDelta) -> f64 {
    let period = period.max(RATE_WINDOW);
    count as f64 / (period.num_milliseconds() as f64 / RATE_WINDOW.num_milliseconds() as f64)
}

fn share(part: TimeDelta, whole: TimeDelta) -> f64 {
    if whole > TimeDelta::zero() {
        part.num_milliseconds() as f64 / whole.num_milliseconds() as f64
    } else {
        0.0
    }
}

#[cfg(test)]
#[path = "kpi_tests.rs"]
mod tests;
