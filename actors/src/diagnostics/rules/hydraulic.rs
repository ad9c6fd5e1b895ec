//! Underload-type and flow-path diagnoses (esp-domain §2.2): pump-off, gas interference, gas
//! lock, broken shaft, tubing leak, closed valve. Intake pressure splits the look-alikes.

use chrono::TimeDelta;

use super::{ev, holds, holds_if, minutes, Ctx, Verdict, MINUTE};
use crate::diagnostics::{DiagnosisKind, Priority};
use crate::domain::TripCode;

/// Current fell gradually: no drop of more than 20 % between 10-s means within the last minute.
fn no_recent_step(ctx: &Ctx) -> bool {
    let window = std::time::Duration::from_secs(70);
    ctx.history.current_fine.mean_range(ctx.now, window).is_none_or(|(lo, hi)| hi <= 0.0 || lo / hi >= 0.8)
        && ctx.memory.step_down_at.is_none()
}

pub fn pump_off(ctx: &Ctx) -> Verdict {
    if !ctx.settled() {
        return ctx.unsettled();
    }
    let Some((load, limit, load_evidence)) = ctx.load() else { return Verdict::Inhibited };
    let Some(pip) = ctx.history.intake_pressure.mean(ctx.now, MINUTE) else { return Verdict::Inhibited };
    let submergence = ctx.history.submergence.mean(ctx.now, MINUTE);
    let base_pip = ctx.base(ctx.baseline.intake_pressure);
    if ctx.held(DiagnosisKind::PumpOff) {
        let recovered = match base_pip {
            Some(base) => pip >= 0.9 * base && load >= 0.9,
            None => load >= limit + 0.1 && submergence.is_some_and(|s| s >= 2.0 * ctx.limits.pump_off_submergence_psi),
        };
        return holds_if(!recovered, Priority::Low, &[submergence, base_pip], vec![load_evidence]);
    }
    let low_column = match (submergence, base_pip) {
        (Some(s), _) => s < ctx.limits.pump_off_submergence_psi,
        (None, Some(base)) => pip < 0.5 * base,
        (None, None) => return Verdict::Inhibited,
    };
    let falling = ctx.history.current.slope(ctx.now, minutes(15)).is_some_and(|slope| slope < 0.0);
    let mut evidence = vec![load_evidence, ev("intake_pressure", pip, None, base_pip, 60)];
    if let Some(s) = submergence {
        evidence.push(ev("submergence", s, Some(ctx.limits.pump_off_submergence_psi), None, 60));
    }
    let condition = load < limit && low_column && falling && no_recent_step(ctx);
    holds_if(condition, Priority::Low, &[submergence, ctx.signals.flow_rate, ctx.signals.tubing_pressure], evidence)
}

/// The erratic-current limit: a multiple of the baseline's variability, never below the floor.
fn cv_limit(ctx: &Ctx, ratio: f64) -> Option<f64> {
    let base = ctx.base(ctx.baseline.cv_current)?;
    Some((ratio * base).max(ratio / ctx.limits.cv_ratio * ctx.limits.cv_floor))
}

pub fn gas_interference(ctx: &Ctx) -> Verdict {
    if !ctx.settled() {
        return ctx.unsettled();
    }
    let (Some(base_current), Some(limit)) = (ctx.base(ctx.baseline.current), cv_limit(ctx, ctx.limits.cv_ratio)) else {
        return Verdict::Inhibited;
    };
    let Some(pip) = ctx.history.intake_pressure.mean(ctx.now, MINUTE) else { return Verdict::Inhibited };
    let Some(current) = ctx.history.current.stats(ctx.now, minutes(10)) else { return Verdict::Inhibited };
    let pb = ctx.data.bubble_point_pressure;
    let cv = current.cv();
    let evidence = vec![
        ev("intake_pressure", pip, Some(ctx.limits.gas_interference_pb_ratio * pb), None, 60),
        ev("cv_current", cv, Some(limit), ctx.baseline.cv_current, 600),
    ];
    if ctx.held(DiagnosisKind::GasInterference) {
        let settled_down = cv < cv_limit(ctx, 1.5).unwrap_or(limit) || pip > 1.15 * pb;
        return holds_if(!settled_down, Priority::Low, &[], evidence);
    }
    let voltage_cv = ctx.history.voltage.stats(ctx.now, minutes(10)).map(|v| v.cv());
    let voltage_steady = voltage_cv.is_none_or(|cv| cv < 0.01);
    let vibration_quiet = match (ctx.history.vibration.mean(ctx.now, minutes(10)), ctx.base(ctx.baseline.vibration)) {
        (Some(v), Some(base)) => v < ctx.limits.vibration_ratio * base,
        _ => true,
    };
    let dips_not_spikes = current.max < 1.1 * base_current;
    let loaded = current.mean / base_current >= ctx.limits.underload_ratio;
    let condition = pip < ctx.limits.gas_interference_pb_ratio * pb
        && cv > limit
        && voltage_steady
        && vibration_quiet
        && dips_not_spikes
        && loaded;
    holds_if(condition, Priority::Low, &[voltage_cv, ctx.signals.vibration], evidence)
}

pub fn gas_lock(ctx: &Ctx) -> Verdict {
    let pb = ctx.data.bubble_point_pressure;
    let pip = ctx.history.intake_pressure.mean(ctx.now, MINUTE);
    if !ctx.settled() {
        let underload_trips = ctx.status.trips_within(ctx.now, TimeDelta::hours(4), Some(TripCode::Underload));
        if underload_trips >= 2 && pip.is_some_and(|p| p < pb) && !ctx.status.stopped_on_purpose() {
            let evidence = vec![ev("underload_trips", underload_trips as f64, Some(2.0), None, 4 * 3600)];
            return holds(Priority::High, &[pip], evidence);
        }
        return ctx.unsettled();
    }
    let (Some(pip), Some(base_dp), Some((load, limit, load_evidence))) =
        (pip, ctx.base(ctx.baseline.delta_p), ctx.load())
    else {
        return Verdict::Inhibited;
    };
    let flow = ctx.history.flow_rate.mean(ctx.now, MINUTE);
    let delta_p = ctx.history.delta_p.mean(ctx.now, MINUTE);
    let mut evidence = vec![load_evidence, ev("intake_pressure", pip, Some(pb), None, 60)];
    if let Some(dp) = delta_p {
        evidence.push(ev("delta_p", dp, Some(0.3 * base_dp), Some(base_dp), 60));
    }
    if ctx.held(DiagnosisKind::GasLock) {
        let base_flow = ctx.base(ctx.baseline.flow_rate);
        let flow_back = match (flow, base_flow) {
            (Some(f), Some(base)) => f >= 0.7 * base,
            _ => true,
        };
        let head_back = delta_p.is_none_or(|dp| dp >= 0.7 * base_dp);
        return holds_if(!(flow_back && head_back), Priority::High, &[flow, delta_p], evidence);
    }
    let submergence = ctx.history.submergence.mean(ctx.now, MINUTE);
    let column_remains = submergence.is_none_or(|s| s >= ctx.limits.gas_lock_submergence_psi);
    let no_flow = flow.is_some_and(|f| f < 0.1 * ctx.data.design_flow) || delta_p.is_some_and(|dp| dp < 0.3 * base_dp);
    let erratic = match (ctx.history.current.stats(ctx.now, minutes(30)), cv_limit(ctx, ctx.limits.cv_ratio)) {
        (Some(stats), Some(limit)) => stats.cv() > limit,
        _ => false,
    };
    let condition = pip < pb && column_remains && load < limit && no_flow && erratic;
    holds_if(condition, Priority::High, &[submergence, flow, delta_p], evidence)
}

pub fn broken_shaft(ctx: &Ctx) -> Verdict {
    if !ctx.settled() {
        return ctx.unsettled();
    }
    let (Some(base_current), Some(base_pip)) = (ctx.base(ctx.baseline.current), ctx.base(ctx.baseline.intake_pressure))
    else {
        return Verdict::Inhibited;
    };
    let Some(step_at) = ctx.memory.step_down_at else { return Verdict::Clear };
    let (Some(current), Some(pip)) =
        (ctx.history.current_fine.mean(ctx.now, MINUTE), ctx.history.intake_pressure.mean(ctx.now, MINUTE))
    else {
        return Verdict::Inhibited;
    };
    let pip_rising = ctx.memory.pip_at_step.is_none_or(|before| pip > before);
    let delta_p = ctx.history.delta_p.mean(ctx.now, MINUTE);
    let flow = ctx.history.flow_rate.mean(ctx.now, MINUTE);
    let tubing_falling = ctx.history.tubing_pressure.slope(ctx.now, minutes(5)).is_some_and(|s| s < 0.0);
    let no_lift = delta_p.zip(ctx.base(ctx.baseline.delta_p)).is_some_and(|(dp, base)| dp < 0.2 * base)
        || flow.is_some_and(|f| f < 0.1 * ctx.data.design_flow)
        || tubing_falling;
    let shaft_limit = ctx.limits.broken_shaft_current_ratio * base_current;
    let evidence = vec![
        ev("current", current, Some(shaft_limit), Some(base_current), 60),
        ev("intake_pressure", pip, Some(1.05 * base_pip), Some(base_pip), 60),
        ev("seconds_since_step", (ctx.now - step_at).num_seconds() as f64, None, None, 0),
    ];
    let condition = current < shaft_limit
        && pip >= 1.05 * base_pip
        && pip_rising
        && no_lift
        && pip > ctx.data.bubble_point_pressure;
    holds_if(condition, Priority::High, &[delta_p, flow, ctx.signals.tubing_pressure], evidence)
}

pub fn tubing_leak(ctx: &Ctx) -> Verdict {
    if !ctx.settled() {
        return ctx.unsettled();
    }
    let window = minutes(10);
    let flow = ctx.history.flow_rate.mean(ctx.now, window);
    let tubing = ctx.history.tubing_pressure.mean(ctx.now, window);
    let (rate, base_rate, signal) = match (flow, ctx.base(ctx.baseline.flow_rate)) {
        (Some(f), Some(base)) => (f, base, "flow_rate"),
        _ => match (tubing, ctx.base(ctx.baseline.tubing_pressure)) {
            (Some(t), Some(base)) => (t, base, "tubing_pressure"),
            _ => return Verdict::Inhibited,
        },
    };
    let ratio = ctx.limits.tubing_leak_flow_ratio;
    let evidence = vec![ev(signal, rate, Some(ratio * base_rate), Some(base_rate), 600)];
    if ctx.held(DiagnosisKind::TubingLeak) {
        return holds_if(rate < 0.9 * base_rate, Priority::Medium, &[flow, tubing], evidence);
    }
    let (Some(delta_p), Some(base_dp), Some(pip), Some(base_pip)) = (
        ctx.history.delta_p.mean(ctx.now, window),
        ctx.base(ctx.baseline.delta_p),
        ctx.history.intake_pressure.mean(ctx.now, window),
        ctx.base(ctx.baseline.intake_pressure),
    ) else {
        return Verdict::Inhibited;
    };
    let tubing_low = tubing.is_none_or(|t| t < ctx.limits.closed_valve_head_ratio * ctx.data.shut_in_head);
    let condition = rate <= ratio * base_rate
        && delta_p <= 0.85 * base_dp
        && pip >= 0.98 * base_pip
        && tubing_low
        && no_recent_step(ctx);
    holds_if(condition, Priority::Medium, &[flow, tubing], evidence)
}

pub fn closed_valve(ctx: &Ctx) -> Verdict {
    if !ctx.settled() {
        return ctx.unsettled();
    }
    let (Some(tubing), Some(frequency)) = (ctx.history.tubing_pressure.mean(ctx.now, MINUTE), ctx.signals.frequency)
    else {
        return Verdict::Inhibited;
    };
    let speed = frequency / ctx.data.design_frequency;
    let head_at_speed = ctx.data.shut_in_head * speed * speed;
    let flow = ctx.history.flow_rate.mean(ctx.now, MINUTE);
    let limit = ctx.limits.closed_valve_head_ratio * head_at_speed;
    let evidence = vec![ev("tubing_pressure", tubing, Some(limit), None, 60)];
    if ctx.held(DiagnosisKind::ClosedValve) {
        let cleared = tubing < 0.8 * head_at_speed && flow.is_none_or(|f| f >= 0.1 * ctx.data.design_flow);
        return holds_if(!cleared, Priority::High, &[flow], evidence);
    }
    let no_flow = flow.is_none_or(|f| f < 0.1 * ctx.data.design_flow);
    let light = ctx.load().is_none_or(|(load, _, _)| load < 0.9);
    holds_if(tubing >= limit && no_flow && light, Priority::High, &[flow], evidence)
}
