//! The alarm points of one source (a well, a feeder, a gateway), kept together behind one shard
//! lock of the book: a well evaluates all its points, and relinks their suppression, under it.
//!
//! Linking rule, per point: a parent in the point's family that holds (active, or cleared within
//! its grace) suppresses the point if the point's condition is measured or active, and keeps
//! suppressing it, once linked, until the grace ends. Parents take precedence in the order feeder
//! `power_event`, gateway `comms_loss`, the well's own `comms_loss`; then a specific alarm that
//! explains the point, while that alarm's condition is active.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::point::{Effects, Point};
use super::shared::{ParentStatus, Shared};
use super::{BookChanges, Evaluation, ParentKind};
use crate::diagnostics::{AlarmId, DiagnosisKind, Source, Transition};

/// A well's external parents, by alarm id, as registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Membership {
    power: Option<AlarmId>,
    gateway: Option<AlarmId>,
}

impl Membership {
    pub(super) fn new(feeder: Option<String>, gateway: Option<String>) -> Self {
        let power_event = DiagnosisKind::PowerEvent.as_str();
        let comms_loss = DiagnosisKind::CommsLoss.as_str();
        Self {
            power: feeder.map(|feeder| AlarmId::new(&Source::Feeder(feeder), power_event)),
            gateway: gateway.map(|gateway| AlarmId::new(&Source::Gateway(gateway), comms_loss)),
        }
    }

    pub(super) fn parents(&self) -> impl Iterator<Item = &AlarmId> {
        self.power.iter().chain(self.gateway.iter())
    }
}

/// A well's external parents as they stand at the start of a call.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ParentView<'a> {
    power: Option<(&'a AlarmId, ParentStatus)>,
    gateway: Option<(&'a AlarmId, ParentStatus)>,
}

impl<'a> ParentView<'a> {
    fn read(membership: Option<&'a Membership>, shared: &Shared) -> Self {
        let Some(membership) = membership else { return Self::default() };
        let read = |id: &'a AlarmId| (id, shared.status(id));
        Self { power: membership.power.as_ref().map(read), gateway: membership.gateway.as_ref().map(read) }
    }
}

#[derive(Debug, Default)]
pub(super) struct SourceAlarms {
    pub(super) membership: Option<Membership>,
    pub(super) points: Points,
}

impl SourceAlarms {
    /// Evaluates `inputs` in an order that lets causes act first: parents, then points explained
    /// by nothing, then explained points. Returns the external parents whose hold changed.
    pub(super) fn evaluate_all(
        &mut self,
        source: &Source,
        inputs: &[Evaluation<'_>],
        shared: &Shared,
        now: DateTime<Utc>,
        out: &mut BookChanges,
    ) -> Vec<AlarmId> {
        let view = ParentView::read(self.membership.as_ref(), shared);
        let (mut sweeps, mut relink) = (Vec::new(), false);
        for rank in 0..3 {
            for input in inputs.iter().filter(|input| rank_of(source, input) == rank) {
                let effects = self.points.evaluate(source, input, &view, shared, now, out);
                relink |= effects.activity_changed || effects.parent_changed;
                sweeps.extend(effects.sweep);
            }
        }
        if relink {
            sweeps.extend(self.points.relink_all(&view, shared, now, out));
        }
        sweeps
    }

    /// Runs the timers of point `i`.
    pub(super) fn tick(
        &mut self,
        i: usize,
        shared: &Shared,
        now: DateTime<Utc>,
        out: &mut BookChanges,
    ) -> Vec<AlarmId> {
        let view = ParentView::read(self.membership.as_ref(), shared);
        let effects = self.points.tick(i, shared, now, out);
        let mut sweeps: Vec<AlarmId> = effects.sweep.into_iter().collect();
        if effects.activity_changed || effects.parent_changed {
            sweeps.extend(self.points.relink_all(&view, shared, now, out));
        }
        sweeps
    }

    /// Brings every point's link in line with its parents and explainers now.
    pub(super) fn relink_all(&mut self, shared: &Shared, now: DateTime<Utc>, out: &mut BookChanges) -> Vec<AlarmId> {
        let view = ParentView::read(self.membership.as_ref(), shared);
        self.points.relink_all(&view, shared, now, out)
    }
}

/// Points by name, in creation order.
#[derive(Debug, Default)]
pub(super) struct Points {
    list: Vec<Point>,
    index: HashMap<String, usize>,
    /// The well's own `comms_loss`, parent of its value-based points.
    comms: Option<usize>,
}

impl Points {
    pub(super) fn find(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The point at `i`, an index from [`Points::find`].
    pub(super) fn get(&self, i: usize) -> &Point {
        &self.list[i]
    }

    pub(super) fn get_mut(&mut self, i: usize) -> &mut Point {
        &mut self.list[i]
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Point> {
        self.list.iter()
    }

    pub(super) fn insert(&mut self, point: Point) -> usize {
        let i = self.list.len();
        if point.role == Some(ParentKind::WellCommsLoss) {
            self.comms = Some(i);
        }
        self.index.insert(point.name.clone(), i);
        self.list.push(point);
        i
    }

    fn evaluate(
        &mut self,
        source: &Source,
        input: &Evaluation<'_>,
        view: &ParentView<'_>,
        shared: &Shared,
        now: DateTime<Utc>,
        out: &mut BookChanges,
    ) -> Effects {
        let i = match self.find(input.name) {
            Some(i) => i,
            None => self.insert(Point::new(source, input.name, input.config.clone(), now)),
        };
        let before = self.list[i].fingerprint();
        self.list[i].take_design(input);
        let desired = self.desired_link(i, view, now);
        let relink = self.list[i].needs_relink(desired).then(|| desired.cloned());
        let point = &mut self.list[i];
        let mut transitions: Vec<Transition> = relink.and_then(|link| point.relink(link, now)).into_iter().collect();
        transitions.extend(point.alarm.evaluate(input.measured, now));
        point.settle(before, &transitions, shared, now, out)
    }

    fn tick(&mut self, i: usize, shared: &Shared, now: DateTime<Utc>, out: &mut BookChanges) -> Effects {
        let point = &mut self.list[i];
        if point.scheduled.is_some_and(|at| at <= now) {
            // Taken off the queue by the caller.
            point.scheduled = None;
        }
        let before = point.fingerprint();
        let transitions = point.alarm.tick(now);
        point.settle(before, &transitions, shared, now, out)
    }

    /// One pass suffices: relinking changes no condition, and links depend only on conditions and
    /// parent holds.
    fn relink_all(
        &mut self,
        view: &ParentView<'_>,
        shared: &Shared,
        now: DateTime<Utc>,
        out: &mut BookChanges,
    ) -> Vec<AlarmId> {
        let mut sweeps = Vec::new();
        for i in 0..self.list.len() {
            let desired = self.desired_link(i, view, now);
            if !self.list[i].needs_relink(desired) {
                continue;
            }
            let desired = desired.cloned();
            let point = &mut self.list[i];
            let before = point.fingerprint();
            let transitions: Vec<Transition> = point.relink(desired, now).into_iter().collect();
            sweeps.extend(point.settle(before, &transitions, shared, now, out).sweep);
        }
        sweeps
    }

    /// The alarm that should suppress point `i` now, by the rule in the module doc.
    fn desired_link<'a>(&'a self, i: usize, view: &ParentView<'a>, now: DateTime<Utc>) -> Option<&'a AlarmId> {
        let point = &self.list[i];
        let candidate = point.measured || point.alarm.condition_active();
        let own = self.comms.filter(|&c| c != i).map(|c| (&self.list[c].id, self.list[c].parent_status(now)));
        let parents = [
            (ParentKind::PowerEvent, view.power),
            (ParentKind::GatewayCommsLoss, view.gateway),
            (ParentKind::WellCommsLoss, own),
        ];
        for (kind, parent) in parents {
            let Some((id, status)) = parent else { continue };
            let linked = point.link.as_ref() == Some(id);
            if point.family.suppressed_by(kind) && status.holds(now) && (candidate || linked) {
                return Some(id);
            }
        }
        let explainer = point.explained_by.as_ref()?;
        let linked = point.link.as_ref() == Some(explainer);
        (self.is_active(explainer) && (candidate || linked)).then_some(explainer)
    }

    /// Whether the point `id` of this source has its condition active.
    fn is_active(&self, id: &AlarmId) -> bool {
        let Some((_, name)) = id.as_str().rsplit_once(':') else { return false };
        self.find(name).is_some_and(|j| self.list[j].id == *id && self.list[j].alarm.condition_active())
    }
}

fn rank_of(source: &Source, input: &Evaluation<'_>) -> u8 {
    if ParentKind::of(source, input.name).is_some() {
        0
    } else if input.explained_by.is_none() {
        1
    } else {
        2
    }
}
