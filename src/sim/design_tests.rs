//! Design points: nameplate from the well's static data, a healthy operating point from the seed.

use super::*;

fn data() -> WellData {
    WellData {
        motor_rated_current: 45.0,
        motor_rated_temperature: 160.0,
        bubble_point_pressure: 1200.0,
        shut_in_head: 2500.0,
        design_flow: 4000.0,
        design_frequency: 50.0,
        feeder_id: Some("F-1".into()),
    }
}

#[test]
fn same_seed_same_well_gives_the_same_design() {
    let data = WellData::default();
    assert_eq!(DesignPoint::draw(7, 3, &data), DesignPoint::draw(7, 3, &data));
    assert_ne!(DesignPoint::draw(7, 3, &data), DesignPoint::draw(7, 4, &data));
}

#[test]
fn nameplate_and_sizing_figures_come_from_the_well_data() {
    let d = DesignPoint::draw(3, 0, &data());
    assert_eq!(d.rated_current, 45.0);
    assert_eq!(d.rated_temperature, 160.0);
    assert_eq!(d.bubble_point, 1200.0);
    assert_eq!(d.shut_in_head, 2500.0);
    assert_eq!(d.design_flow, 4000.0);
    assert_eq!(d.design_frequency, 50.0);
}

#[test]
fn the_operating_point_is_clearly_healthy_for_any_seed() {
    for (index, data) in (0..500).map(|i| (i, if i % 2 == 0 { data() } else { WellData::default() })) {
        let d = DesignPoint::draw(11, index, &data);
        assert!((0.70..=0.90).contains(&d.load_fraction), "{d:?}");
        assert!(d.frequency < d.design_frequency && d.frequency >= 0.89 * d.design_frequency, "{d:?}");
        assert!(d.intake_pressure >= 1.3 * d.bubble_point, "{d:?}");
        assert!(d.intake_pressure - d.casing_pressure >= 500.0, "{d:?}");
        assert!(d.static_intake_pressure() > d.intake_pressure, "{d:?}");
        let flow_ratio = d.flow_rate / (d.design_flow * d.speed_ratio());
        assert!((0.8..=1.0).contains(&flow_ratio), "{d:?}");
        assert!(d.tubing_pressure <= 0.3 * d.shut_in_head_at_speed() + 1e-9, "{d:?}");
        let motor = d.intake_temperature + d.motor_rise;
        assert!(motor <= d.rated_temperature - 15.0 - 25.0, "{d:?}");
        assert!((20..=60).contains(&d.ramp.as_secs()), "{d:?}");
        assert!(d.current_unbalance.iter().all(|x| x.abs() <= 0.003), "{d:?}");
        assert!(d.voltage_unbalance.iter().all(|x| x.abs() <= 0.0015), "{d:?}");
    }
}
