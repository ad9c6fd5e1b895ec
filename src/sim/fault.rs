//! Communication faults a simulated well can show, and the `{"kind": ...}` form the scenario
//! file and the control interface write them in.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::frame::exception;

/// How long a `slow` well waits before answering, unless told: longer than a poller's timeout.
pub const DEFAULT_SLOW_DELAY: Duration = Duration::from_secs(2);
/// The longest `slow` delay accepted.
pub const MAX_SLOW_DELAY: Duration = Duration::from_secs(3600);

/// How a well's link misbehaves. Checked on every request, so a change takes effect at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(into = "FaultSpec")]
pub enum CommsFault {
    /// Answers correctly.
    #[default]
    None,
    /// Accepts connections and reads requests but never answers. Behind a gateway, the gateway
    /// answers exception 0x0B after a short delay instead, as a real one does.
    Silent,
    /// Answers correctly, after `delay`.
    Slow { delay: Duration },
    /// Answers every request with this exception code.
    Exception { code: u8 },
    /// Closes the connection when a request arrives, and right after accepting a new one.
    Drop,
    /// Answers with random bytes that are not a Modbus frame.
    Garbage,
}

/// The kinds of [`CommsFault`], by their names in files and JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    None,
    Silent,
    Slow,
    Exception,
    Drop,
    Garbage,
}

/// A fault as written: `{"kind":"slow","delay":"3s"}`, `{"kind":"exception","code":4}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    pub kind: FaultKind,
    /// `slow` only: how long to wait before answering (default 2s).
    #[serde(default, with = "crate::config::duration::option", skip_serializing_if = "Option::is_none")]
    pub delay: Option<Duration>,
    /// `exception` only: the exception code to answer (default 4, server device failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u8>,
}

impl FaultSpec {
    /// The fault this describes, or what is wrong with it.
    pub fn to_fault(&self) -> Result<CommsFault, String> {
        if self.delay.is_some() && self.kind != FaultKind::Slow {
            return Err("delay applies only to kind \"slow\"".into());
        }
        if self.code.is_some() && self.kind != FaultKind::Exception {
            return Err("code applies only to kind \"exception\"".into());
        }
        Ok(match self.kind {
            FaultKind::None => CommsFault::None,
            FaultKind::Silent => CommsFault::Silent,
            FaultKind::Drop => CommsFault::Drop,
            FaultKind::Garbage => CommsFault::Garbage,
            FaultKind::Slow => CommsFault::Slow { delay: slow_delay(self.delay)? },
            FaultKind::Exception => CommsFault::Exception { code: exception_code(self.code)? },
        })
    }
}

fn slow_delay(delay: Option<Duration>) -> Result<Duration, String> {
    let delay = delay.unwrap_or(DEFAULT_SLOW_DELAY);
    if delay.is_zero() || delay > MAX_SLOW_DELAY {
        return Err(format!("delay {} is outside 1ms-1h", crate::config::duration::format(delay)));
    }
    Ok(delay)
}

fn exception_code(code: Option<u8>) -> Result<u8, String> {
    match code.unwrap_or(exception::SERVER_DEVICE_FAILURE) {
        0 => Err("exception code 0 is not an exception (use 1-255)".into()),
        code => Ok(code),
    }
}

impl From<CommsFault> for FaultSpec {
    fn from(fault: CommsFault) -> FaultSpec {
        let (kind, delay, code) = match fault {
            CommsFault::None => (FaultKind::None, None, None),
            CommsFault::Silent => (FaultKind::Silent, None, None),
            CommsFault::Slow { delay } => (FaultKind::Slow, Some(delay), None),
            CommsFault::Exception { code } => (FaultKind::Exception, None, Some(code)),
            CommsFault::Drop => (FaultKind::Drop, None, None),
            CommsFault::Garbage => (FaultKind::Garbage, None, None),
        };
        FaultSpec { kind, delay, code }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<CommsFault, String> {
        let spec: FaultSpec = serde_json::from_str(json).map_err(|e| e.to_string())?;
        spec.to_fault()
    }

    #[test]
    fn parses_every_kind_with_defaults() {
        assert_eq!(parse(r#"{"kind":"none"}"#), Ok(CommsFault::None));
        assert_eq!(parse(r#"{"kind":"silent"}"#), Ok(CommsFault::Silent));
        assert_eq!(parse(r#"{"kind":"slow"}"#), Ok(CommsFault::Slow { delay: DEFAULT_SLOW_DELAY }));
        assert_eq!(parse(r#"{"kind":"slow","delay":"3s"}"#), Ok(CommsFault::Slow { delay: Duration::from_secs(3) }));
        assert_eq!(parse(r#"{"kind":"exception"}"#), Ok(CommsFault::Exception { code: 4 }));
        assert_eq!(parse(r#"{"kind":"exception","code":6}"#), Ok(CommsFault::Exception { code: 6 }));
        assert_eq!(parse(r#"{"kind":"drop"}"#), Ok(CommsFault::Drop));
        assert_eq!(parse(r#"{"kind":"garbage"}"#), Ok(CommsFault::Garbage));
    }

    #[test]
    fn rejects_misplaced_and_bad_parameters() {
        assert!(parse(r#"{"kind":"silent","delay":"3s"}"#).is_err_and(|e| e.contains("delay applies only")));
        assert!(parse(r#"{"kind":"slow","code":4}"#).is_err_and(|e| e.contains("code applies only")));
        assert!(parse(r#"{"kind":"exception","code":0}"#).is_err_and(|e| e.contains("code 0")));
        assert!(parse(r#"{"kind":"exception","code":300}"#).is_err());
        assert!(parse(r#"{"kind":"slow","delay":"0s"}"#).is_err_and(|e| e.contains("outside")));
        assert!(parse(r#"{"kind":"sleepy"}"#).is_err_and(|e| e.contains("unknown variant")));
        assert!(parse(r#"{"kind":"none","extra":1}"#).is_err_and(|e| e.contains("unknown field")));
    }

    #[test]
    fn serialises_back_to_its_written_form() {
        let slow = CommsFault::Slow { delay: Duration::from_millis(2500) };
        assert_eq!(serde_json::to_value(slow).ok(), Some(serde_json::json!({"kind":"slow","delay":"2500ms"})));
        let none = serde_json::to_value(CommsFault::None).ok();
        assert_eq!(none, Some(serde_json::json!({"kind":"none"})));
    }
}
