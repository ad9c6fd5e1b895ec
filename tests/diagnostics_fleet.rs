//! The fleet's alarm load: a hundred healthy wells raise nothing in a day of noise, start-ups
//! and planned stops, and a feeder's power dip is one alarm, not twenty. Simulated time.

#[path = "support/diagnosis_rig.rs"]
mod rig;

use std::time::Duration;

use rig::{at, minutes, run_fleet, Rig};
use wellvisor::sim::ProcessEvent;
use wellvisor_actors::diagnostics::book::{AlarmBook, AlarmFilter};
use wellvisor_actors::diagnostics::{AlarmId, AlarmState, DiagnosisKind, Source};
use wellvisor_actors::domain::WellData;
use wellvisor_actors::fleet::Correlator;

fn fleet(wells: usize, feeder_of: impl Fn(usize) -> String, book: &AlarmBook) -> Vec<Rig> {
    (0..wells)
        .map(|index| {
            let data = WellData { feeder_id: Some(feeder_of(index)), ..WellData::default() };
            Rig::new(23, index, &data, book)
        })
        .collect()
}

#[test]
fn a_hundred_normal_wells_raise_no_alarm_in_a_day() {
    let book = AlarmBook::new(at(Duration::ZERO));
    let mut correlator = Correlator::new(book.clone(), None);
    let mut rigs = fleet(100, |index| format!("F-{}", index / 20), &book);
    // Every tenth well is stopped by an operator for an hour at some point of the day and
    // started again: a planned stop and a start-up with its inrush.
    let mut plan: Vec<(Duration, usize, ProcessEvent)> = Vec::new();
    for index in (0..100).step_by(10) {
        let stop = minutes(180 + 97 * index as u64 / 10);
        plan.push((stop, index, ProcessEvent::Stop));
        plan.push((stop + minutes(60), index, ProcessEvent::Start));
    }
    plan.sort_by_key(|(t, index, _)| (*t, *index));
    let period = Duration::from_secs(30);
    for (t, index, event) in plan {
        run_fleet(&mut rigs, t, period, &book, &mut correlator);
        rigs[index].apply(event, t);
    }
    run_fleet(&mut rigs, minutes(24 * 60), period, &book, &mut correlator);
    let shown = book.list(&AlarmFilter::default());
    let ids: Vec<String> = shown.iter().map(|a| format!("{} {}", a.id, a.state)).collect();
    let evidence: Vec<String> =
        rigs.iter().flat_map(|r| &r.history).map(|r| format!("{} {} {:?}", r.alarm_id, r.at, r.evidence)).collect();
    assert!(shown.is_empty(), "alarms raised by healthy wells: {ids:?} {evidence:?}");
    let diagnosed: Vec<String> =
        rigs.iter().flat_map(|r| &r.history).map(|r| format!("{} {}", r.alarm_id, r.at)).collect();
    assert!(diagnosed.is_empty(), "diagnoses of healthy wells: {diagnosed:?}");
    assert_eq!(book.kpis(at(minutes(24 * 60))).annunciated, 0);
    assert!(rigs.iter().all(|r| r.diagnostics.engine().baseline().is_valid()), "every well learned its baseline");
}

#[test]
fn a_power_dip_on_a_feeder_of_twenty_wells_is_one_alarm() {
    let book = AlarmBook::new(at(Duration::ZERO));
    let mut correlator = Correlator::new(book.clone(), None);
    // Twenty wells on F-1, five on F-2 that see nothing.
    let mut rigs = fleet(25, |index| if index < 20 { "F-1".into() } else { "F-2".into() }, &book);
    let onset = minutes(150);
    let period = Duration::from_secs(5);
    run_fleet(&mut rigs, onset, period, &book, &mut correlator);
    for (index, rig) in rigs.iter_mut().take(20).enumerate() {
        // The drives restart by themselves, staggered 30 s apart to limit the inrush sag.
        let restart_after = Some(Duration::from_secs(120 + 30 * index as u64));
        rig.apply(ProcessEvent::PowerDip { ride_through: Duration::from_secs(2), restart_after }, onset);
    }
    run_fleet(&mut rigs, onset + minutes(60), period, &book, &mut correlator);

    let feeder = AlarmId::new(&Source::Feeder("F-1".into()), DiagnosisKind::PowerEvent.as_str());
    let power_event = book.get(&feeder).unwrap_or_else(|| panic!("no power event alarm"));
    assert_eq!(power_event.memory.activations, 1, "one power event: {power_event:?}");
    assert!(matches!(power_event.state, AlarmState::RtnUnacknowledged | AlarmState::Unacknowledged));
    let other_feeder = AlarmId::new(&Source::Feeder("F-2".into()), DiagnosisKind::PowerEvent.as_str());
    assert!(book.get(&other_feeder).is_none_or(|a| a.memory.activations == 0));

    for rig in rigs.iter().take(20) {
        let trips: Vec<_> = rig.history.iter().filter(|r| r.kind == DiagnosisKind::UnplannedTrip).collect();
        assert!(!trips.is_empty(), "{}: its trip was not diagnosed", rig.well_id);
        assert!(
            trips.iter().all(|r| r.parent.as_ref() == Some(&feeder)),
            "{}: trip not linked: {trips:?}",
            rig.well_id
        );
        let alarm = AlarmId::new(&rig.source(), DiagnosisKind::UnplannedTrip.as_str());
        let record = book.get(&alarm).unwrap_or_else(|| panic!("no trip alarm for {}", rig.well_id));
        assert_eq!(record.memory.activations, 0, "{}: its trip was annunciated: {record:?}", rig.well_id);
    }
    let kpis = book.kpis(at(onset + minutes(60)));
    assert_eq!(kpis.annunciated, 1, "only the power event reached the operator: {kpis:?}");
    assert!(kpis.suppressed >= 20, "every well's trip was counted as suppressed: {kpis:?}");
}
