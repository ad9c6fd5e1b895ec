//! The query's filters and refusals, and the wire form of each event, without a socket.

use axum::body::to_bytes;
use chrono::{TimeZone, Utc};
use serde_json::Value;
use wellvisor_actors::fleet::{FleetEvent, RestartCause, RestartEvent, StatusEvent, WellSnapshot};

use super::*;

fn id(raw: &str) -> WellId {
    WellId::new(raw).unwrap_or_else(|e| panic!("{e}"))
}

fn fleet_of(ids: &[&str]) -> FleetView {
    let fleet = FleetView::new(16);
    for raw in ids {
        fleet.insert(WellSnapshot::new(id(raw), (*raw).into(), "esp-default".into(), "127.0.0.1:502".into(), 4));
    }
    fleet
}

fn query(well: Option<&str>, kind: Option<&str>) -> EventQuery {
    EventQuery { well: well.map(str::to_owned), kind: kind.map(str::to_owned) }
}

/// The status, `Retry-After` and JSON error of a refusal.
async fn answer(refusal: Refusal) -> (u16, Option<String>, Value) {
    let response = refusal.into_response();
    let status = response.status().as_u16();
    let retry = response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = to_bytes(response.into_body(), 1 << 16).await.unwrap_or_else(|e| panic!("{e}"));
    (status, retry, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn refused(fleet: &FleetView, well: Option<&str>, kind: Option<&str>) -> (u16, String, String) {
    let refusal = query(well, kind).resolve(fleet).err().unwrap_or_else(|| panic!("{well:?} {kind:?} was taken"));
    let (status, _, body) = answer(refusal).await;
    let text = |key: &str| body["error"][key].as_str().unwrap_or_default().to_owned();
    (status, text("code"), text("message"))
}

#[test]
fn wells_and_kinds_are_read_from_comma_separated_lists() {
    let fleet = fleet_of(&["W-001", "W-002", "W-003"]);
    let filter =
        query(Some("W-001, W-003,W-001"), Some("alarm,restart")).resolve(&fleet).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(filter.wells, Some([id("W-001"), id("W-003")].into_iter().collect()));
    assert_eq!(filter.kinds, Some([EventKind::Alarm, EventKind::Restart].into_iter().collect()));
    let everything = query(None, None).resolve(&fleet).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(everything, EventFilter::everything());
}

#[tokio::test]
async fn malformed_unknown_and_over_the_limit_each_get_their_answer() {
    let fleet = fleet_of(&["W-001"]);
    let (status, code, message) = refused(&fleet, Some("W-001,W-998,W-999,W-998"), None).await;
    assert_eq!((status, code.as_str(), message.as_str()), (404, "unknown_well", "unknown wells W-998, W-999"));
    let (status, code, message) = refused(&fleet, Some("W-999"), Some("status")).await;
    assert_eq!((status, code.as_str(), message.as_str()), (404, "unknown_well", "unknown well W-999"));
    for malformed in ["", "W 1", "W-001,,W-002", "W-001;W-002"] {
        let (status, code, message) = refused(&fleet, Some(malformed), None).await;
        assert_eq!((status, code.as_str()), (400, "bad_request"), "{malformed:?}: {message}");
        assert!(message.starts_with("well: "), "{message}");
    }
    let (status, code, message) = refused(&fleet, None, Some("status,sleepy")).await;
    assert_eq!((status, code.as_str()), (422, "unprocessable"));
    assert!(message.contains("\"sleepy\""), "{message}");
    let (status, code, _) = refused(&fleet, None, Some("status,")).await;
    assert_eq!((status, code.as_str()), (400, "bad_request"));

    let (status, retry, body) = answer(Refusal::Full(SubscribersFull { limit: 2 })).await;
    assert_eq!((status, retry.as_deref()), (503, Some("5")));
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("2 event subscribers")), "{body}");
}

#[tokio::test]
async fn each_event_names_its_kind_and_sequence_and_carries_json() {
    let at = Utc.timestamp_opt(1_700_000_000, 0).single().unwrap_or_default();
    let status = StatusEvent {
        well_id: id("W-001"),
        at,
        kind: "connection",
        from: Some("online".into()),
        to: Some("offline".into()),
        detail: Some("timed out".into()),
    };
    let restart = RestartEvent { well_id: id("W-002"), at, cause: RestartCause::Operator, reason: None };
    let events = vec![
        Ok::<_, Infallible>(sse_event(&SequencedEvent { seq: 7, event: Arc::new(FleetEvent::Status(status)) })),
        Ok(sse_event(&SequencedEvent { seq: 9, event: Arc::new(FleetEvent::Restart(restart)) })),
        Ok(dropped_event(DropReason::QueueFull { capacity: 256 })),
    ];
    let body = Sse::new(stream::iter(events)).into_response().into_body();
    let text = String::from_utf8(to_bytes(body, 1 << 16).await.unwrap_or_else(|e| panic!("{e}")).to_vec())
        .unwrap_or_else(|e| panic!("{e}"));
    let blocks: Vec<&str> = text.split("\n\n").filter(|block| !block.is_empty()).collect();
    assert_eq!(blocks.len(), 3, "{text}");
    assert!(blocks[0].starts_with("event: status\nid: 7\ndata: {"), "{text}");
    let data = |block: &str| -> Value {
        let line = block.lines().find_map(|line| line.strip_prefix("data: ")).unwrap_or_default();
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
    };
    let status = data(blocks[0]);
    assert_eq!(
        (&status["well_id"], &status["kind"], &status["to"]),
        (&"W-001".into(), &"connection".into(), &"offline".into())
    );
    assert!(blocks[1].starts_with("event: restart\nid: 9\n"), "{text}");
    assert_eq!(
        data(blocks[1]),
        serde_json::json!({ "well_id": "W-002", "at": "2023-11-14T22:13:20Z", "cause": "operator" })
    );
    assert!(blocks[2].starts_with("event: dropped\nretry: 5000\n"), "{text}");
    assert_eq!(data(blocks[2])["reason"], "queue_full");
}
