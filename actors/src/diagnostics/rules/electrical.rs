//! Motor and supply diagnoses judged against the nameplate: overload, current and voltage
//! unbalance, motor overheating.

use chrono::TimeDelta;

use super::{ev, holds_if, minutes, secs, Ctx, Verdict, MINUTE};
use crate::diagnostics::{DiagnosisKind, Priority};

pub fn overload(ctx: &Ctx) -> Verdict {
    if !ctx.settled() {
        return ctx.unsettled();
    }
    let Some(current) = ctx.current_mean(MINUTE) else { return Verdict::Inhibited };
    let rated = ctx.data.motor_rated_current;
    let load_pct = 100.0 * current / rated;
    let limits = ctx.limits;
    let evidence = vec![ev("load_np_pct", load_pct, Some(100.0 * limits.overload_ratio), None, 60)];
    let voltage = [ctx.signals.voltage];
    if ctx.held(DiagnosisKind::Overload) {
        return holds_if(current >= rated, Priority::High, &voltage, evidence);
    }
    let held_for = |since: Option<chrono::DateTime<chrono::Utc>>| since.map_or(TimeDelta::zero(), |at| ctx.now - at);
    let sustained = held_for(ctx.memory.overload_since) >= TimeDelta::minutes(5);
    let sharp = held_for(ctx.memory.overload_fast_since) >= TimeDelta::minutes(1);
    holds_if(sustained || sharp, Priority::High, &voltage, evidence)
}

pub fn current_imbalance(ctx: &Ctx) -> Verdict {
    unbalance(ctx, DiagnosisKind::CurrentImbalance)
}

pub fn voltage_imbalance(ctx: &Ctx) -> Verdict {
    unbalance(ctx, DiagnosisKind::VoltageImbalance)
}

/// NEMA unbalance of the phase currents or line voltages over the last minute.
fn unbalance(ctx: &Ctx, kind: DiagnosisKind) -> Verdict {
    if !ctx.settled() {
        return ctx.unsettled();
    }
    let limits = ctx.limits;
    let (series, signal, limit, upper, clear) = if kind == DiagnosisKind::CurrentImbalance {
        let l = limits.current_unbalance_pct;
        (&ctx.history.current_unbalance, "current_unbalance_pct", l, limits.current_unbalance_high_pct, 0.8 * l)
    } else {
        let l = limits.voltage_unbalance_pct;
        (&ctx.history.voltage_unbalance, "voltage_unbalance_pct", l, limits.voltage_unbalance_medium_pct, 0.75 * l)
    };
    let Some(pct) = series.mean(ctx.now, MINUTE) else { return Verdict::Inhibited };
    if kind == DiagnosisKind::CurrentImbalance && supply_driven(ctx, pct) {
        // A motor answers a voltage unbalance with several times as much current unbalance.
        return Verdict::Clear;
    }
    let priority = match (kind, pct > upper) {
        (DiagnosisKind::CurrentImbalance, true) => Priority::High,
        (DiagnosisKind::CurrentImbalance, false) | (_, true) => Priority::Medium,
        _ => Priority::Low,
    };
    let evidence = vec![ev(signal, pct, Some(limit), None, 60)];
    let threshold = if ctx.held(kind) { clear } else { limit };
    holds_if(pct > threshold, priority, &[], evidence)
}

/// Whether the current unbalance is the motor's answer to the supply's: at most ten times the
/// voltage unbalance (esp-domain §2.1).
fn supply_driven(ctx: &Ctx, current_pct: f64) -> bool {
    ctx.history.voltage_unbalance.mean(ctx.now, MINUTE).is_some_and(|voltage| current_pct <= 10.0 * voltage)
}

pub fn motor_overheat(ctx: &Ctx) -> Verdict {
    let just_stopped = !ctx.status.is_turning()
        && !ctx.status.stopped_on_purpose()
        && ctx.status.stopped_at.is_some_and(|at| ctx.now - at <= TimeDelta::minutes(30));
    if !ctx.settled() && !just_stopped {
        return ctx.unsettled();
    }
    let Some(temperature) = ctx.history.motor_temperature.mean(ctx.now, MINUTE) else { return Verdict::Inhibited };
    let limit = ctx.data.motor_rated_temperature - ctx.limits.motor_temperature_margin_c;
    let mut evidence = vec![ev("motor_temperature", temperature, Some(limit), None, 60)];
    let hot = if ctx.held(DiagnosisKind::MotorOverheat) { temperature > limit - 3.0 } else { temperature >= limit };
    if hot {
        return holds_if(true, Priority::High, &[ctx.signals.intake_temperature], evidence);
    }
    let trend = heating_trend(ctx);
    let rise = ctx.history.motor_rise.mean(ctx.now, minutes(10));
    let base_rise = ctx.base(ctx.baseline.motor_rise);
    let rise_high = rise.zip(base_rise).is_some_and(|(rise, base)| rise > base + 10.0);
    if let Some(per_10_min) = trend {
        evidence.push(ev(
            "motor_temperature_rise_per_10min",
            per_10_min,
            Some(ctx.limits.motor_temperature_trend_c),
            None,
            1200,
        ));
    }
    if let (Some(rise), Some(base)) = (rise, base_rise) {
        evidence.push(ev("motor_rise", rise, Some(base + 10.0), Some(base), 600));
    }
    let trending = trend.is_some_and(|t| t > ctx.limits.motor_temperature_trend_c);
    holds_if(trending || rise_high, Priority::Medium, &[rise, base_rise], evidence)
}

/// The motor's heating rate over 20 min, °C per 10 min, only at steady frequency and load after
/// an hour of running, when a start's warm-up is over.
fn heating_trend(ctx: &Ctx) -> Option<f64> {
    let running = ctx.status.running_for(ctx.now)?;
    let steady_since = ctx.status.frequency_steady_since?;
    if running < TimeDelta::hours(1) || ctx.now - steady_since < secs(1200) {
        return None;
    }
    let load = ctx.history.current.stats(ctx.now, minutes(20))?;
    if load.cv() > 0.05 {
        return None;
    }
    ctx.history.motor_temperature.slope(ctx.now, minutes(20)).map(|per_second| per_second * 600.0)
}
