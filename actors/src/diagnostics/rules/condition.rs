//! Wear and condition diagnoses judged against the well's own baseline: solids, vibration,
//! insulation.

use chrono::TimeDelta;

use super::{ev, holds_if, minutes, Ctx, Verdict};
use crate::diagnostics::{DiagnosisKind, Priority};
use crate::domain::TripCode;

pub fn solids(ctx: &Ctx) -> Verdict {
    if !ctx.settled() {
        return ctx.unsettled();
    }
    let (Some(base_current), Some(base_cv), Some(base_vibration)) =
        (ctx.base(ctx.baseline.current), ctx.base(ctx.baseline.cv_current), ctx.base(ctx.baseline.vibration))
    else {
        return Verdict::Inhibited;
    };
    let window = minutes(10);
    let (Some(current), Some(vibration)) =
        (ctx.history.current.stats(ctx.now, window), ctx.history.vibration.mean(ctx.now, window))
    else {
        return Verdict::Inhibited;
    };
    let limits = ctx.limits;
    let cv_limit = (limits.cv_ratio * base_cv).max(limits.cv_floor);
    let evidence = vec![
        ev("cv_current", current.cv(), Some(cv_limit), Some(base_cv), 600),
        ev("current_max", current.max, Some(1.1 * base_current), Some(base_current), 600),
        ev("vibration", vibration, Some(limits.vibration_ratio * base_vibration), Some(base_vibration), 600),
    ];
    let priority = if ctx.held(DiagnosisKind::Overload) { Priority::High } else { Priority::Medium };
    if ctx.held(DiagnosisKind::Solids) {
        let calm = current.cv() < 0.75 * cv_limit && vibration < 1.5 * base_vibration;
        return holds_if(!calm, priority, &[], evidence);
    }
    let condition = current.cv() > cv_limit
        && current.max > 1.1 * base_current
        && vibration >= limits.vibration_ratio * base_vibration;
    holds_if(condition, priority, &[], evidence)
}

pub fn high_vibration(ctx: &Ctx) -> Verdict {
    if !ctx.settled() {
        return ctx.unsettled();
    }
    let Some(vibration) = ctx.history.vibration.mean(ctx.now, minutes(10)) else { return Verdict::Inhibited };
    let base = ctx.base(ctx.baseline.vibration);
    let limits = ctx.limits;
    let evidence = vec![ev("vibration", vibration, base.map(|b| limits.vibration_ratio * b), base, 600)];
    let held_for = |since: Option<chrono::DateTime<chrono::Utc>>| since.map_or(TimeDelta::zero(), |at| ctx.now - at);
    let high = held_for(ctx.memory.vibration_high_since) >= TimeDelta::minutes(10);
    let priority = if high { Priority::High } else { Priority::Medium };
    if ctx.held(DiagnosisKind::HighVibration) {
        let quiet = vibration < limits.vibration_cap_g && base.is_none_or(|b| vibration < 1.8 * b);
        return holds_if(!quiet, priority, &[base], evidence);
    }
    let medium = held_for(ctx.memory.vibration_since) >= TimeDelta::hours(1);
    holds_if(high || medium, priority, &[base], evidence)
}

pub fn insulation_degradation(ctx: &Ctx) -> Verdict {
    if !ctx.settled() {
        return ctx.unsettled();
    }
    let Some(base) = ctx.base(ctx.baseline.leakage_current) else { return Verdict::Inhibited };
    let Some(leakage) = ctx.history.leakage_current.mean(ctx.now, minutes(5)) else { return Verdict::Inhibited };
    let limits = ctx.limits;
    let hour_low = ctx.history.leakage_current.mean_range(ctx.now, minutes(60)).map(|(lo, _)| lo);
    let stepped = hour_low.is_some_and(|lo| lo > 0.0 && leakage >= limits.leakage_step_ratio * lo);
    let mut evidence = vec![ev("leakage_current", leakage, Some(limits.leakage_ratio * base), Some(base), 300)];
    if let Some(lo) = hour_low {
        evidence.push(ev("leakage_current_hour_low", lo, Some(limits.leakage_step_ratio * lo), None, 3600));
    }
    let ground_fault = ctx.status.trips.back().is_some_and(|(_, code)| *code == Some(TripCode::GroundFault));
    let priority = if ground_fault { Priority::High } else { Priority::Medium };
    let condition = if ctx.held(DiagnosisKind::InsulationDegradation) {
        leakage >= limits.leakage_step_ratio * base
    } else {
        leakage >= limits.leakage_ratio * base || stepped
    };
    holds_if(condition, priority, &[hour_low], evidence)
}
