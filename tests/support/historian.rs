//! Reading back what a PostgreSQL historian holds, for the outage tests: every well's samples
//! in the order they were written (the `seq` column of migration 0001 numbers rows as they are
//! inserted).

#![allow(dead_code)]

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection, Row};

/// A stored sample as far as the checks need it: its time, and a few noisy values that tell
/// two polls apart even when they completed within the same millisecond.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub at: DateTime<Utc>,
    pub fingerprint: [Option<f64>; 4],
}

/// Each well's samples, in write order.
pub async fn written_order(url: &str) -> HashMap<String, Vec<Stored>> {
    let mut connection = PgConnection::connect(url).await.expect("connect to the historian");
    let sql = "SELECT well_id, at, current_a, intake_pressure, motor_temperature, vibration_x \
               FROM telemetry ORDER BY seq";
    let rows = sqlx::query(sql).fetch_all(&mut connection).await.expect("read telemetry in write order");
    let mut wells: HashMap<String, Vec<Stored>> = HashMap::new();
    for row in rows {
        let fingerprint = [row.get(2), row.get(3), row.get(4), row.get(5)];
        wells.entry(row.get("well_id")).or_default().push(Stored { at: row.get("at"), fingerprint });
    }
    wells
}

/// Fails unless every well's samples were written oldest first. Two polls may complete within
/// one millisecond (the time the store keeps), so equal neighbours are allowed; that nothing was
/// written twice is the callers' check, by counts.
pub fn assert_written_in_order(wells: &HashMap<String, Vec<Stored>>) {
    let mut faults = Vec::new();
    for (well, samples) in wells {
        if let Some(i) = samples.windows(2).position(|pair| pair[0].at > pair[1].at) {
            let around: Vec<String> =
                samples[i.saturating_sub(2)..(i + 4).min(samples.len())].iter().map(|s| s.at.to_string()).collect();
            faults.push(format!("{well}: written out of order at write {}: {}", i + 1, around.join(", ")));
        }
    }
    faults.sort();
    assert!(faults.is_empty(), "{} wells went wrong; the first: {:#?}", faults.len(), &faults[..faults.len().min(10)]);
}
