//! A poll's outcome, judged: which connection state it shows and what it adds to the counters.

use std::time::Duration;

use crate::device::{DecodeError, DeviceError};
use crate::domain::ConnectionState;
use crate::fleet::DeviceCounters;

/// What happened during one poll.
#[derive(Debug, Default)]
pub struct PollOutcome {
    pub blocks: usize,
    pub blocks_ok: usize,
    /// Some read got no valid reply (timeout, transport, framing, gateway exception).
    pub no_reply: bool,
    /// The link must be dropped and re-established.
    pub link_broken: bool,
    pub timeouts: u64,
    pub exceptions: u64,
    pub transport_errors: u64,
    pub decode_errors: u64,
    pub first_error: Option<String>,
    /// How long reading the blocks took, from the first request to the last reply or timeout.
    pub took: Duration,
}

impl PollOutcome {
    pub fn new(blocks: usize) -> Self {
        Self { blocks, ..Self::default() }
    }

    pub fn read_failed(&mut self, error: &DeviceError) {
        match error {
            DeviceError::Timeout => self.timeouts += 1,
            DeviceError::Exception(_) => self.exceptions += 1,
            DeviceError::Connect(_) | DeviceError::Transport(_) | DeviceError::Protocol(_) => {
                self.transport_errors += 1
            }
        }
        self.no_reply |= error.is_no_reply();
        self.link_broken |= error.breaks_link();
        self.first_error.get_or_insert_with(|| error.to_string());
    }

    pub fn decode_failed(&mut self, error: &DecodeError) {
        self.decode_errors += 1;
        self.first_error.get_or_insert_with(|| format!("decode error: {error}"));
    }

    pub fn block_ok(&mut self) {
        self.blocks_ok += 1;
    }

    pub fn is_complete(&self) -> bool {
        self.blocks_ok == self.blocks && self.decode_errors == 0
    }

    /// Online when every block read and decoded; offline when nothing came back because the
    /// device never answered; degraded for everything in between.
    pub fn connection(&self) -> ConnectionState {
        if self.is_complete() {
            ConnectionState::Online
        } else if self.blocks_ok == 0 && self.no_reply {
            ConnectionState::Offline
        } else {
            ConnectionState::Degraded
        }
    }

    /// Adds this poll to a well's cumulative counters.
    pub fn count_into(&self, counters: &mut DeviceCounters) {
        if self.is_complete() {
            counters.polls_ok += 1;
        } else {
            counters.polls_failed += 1;
        }
        counters.timeouts += self.timeouts;
        counters.exceptions += self.exceptions;
        counters.transport_errors += self.transport_errors;
        counters.decode_errors += self.decode_errors;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Parameter;

    fn outcome(blocks: usize, ok: usize, errors: &[DeviceError]) -> PollOutcome {
        let mut outcome = PollOutcome::new(blocks);
        (0..ok).for_each(|_| outcome.block_ok());
        errors.iter().for_each(|e| outcome.read_failed(e));
        outcome
    }

    #[test]
    fn connection_state_follows_what_the_device_answered() {
        let refused = || DeviceError::Transport(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        let cases = [
            (outcome(2, 2, &[]), ConnectionState::Online),
            (outcome(2, 0, &[DeviceError::Timeout]), ConnectionState::Offline),
            (outcome(2, 0, &[refused()]), ConnectionState::Offline),
            (outcome(2, 0, &[DeviceError::Exception(0x0B)]), ConnectionState::Offline),
            (outcome(2, 0, &[DeviceError::Exception(0x02), DeviceError::Exception(0x02)]), ConnectionState::Degraded),
            (outcome(2, 1, &[DeviceError::Timeout]), ConnectionState::Degraded),
        ];
        for (outcome, expected) in cases {
            assert_eq!(outcome.connection(), expected, "{outcome:?}");
        }
    }

    #[test]
    fn only_exceptions_keep_the_link() {
        assert!(!outcome(1, 0, &[DeviceError::Exception(0x04)]).link_broken);
        assert!(!outcome(1, 0, &[DeviceError::Exception(0x0A)]).link_broken);
        assert!(outcome(1, 0, &[DeviceError::Timeout]).link_broken);
        assert!(outcome(1, 0, &[DeviceError::Protocol("garbage".into())]).link_broken);
    }

    #[test]
    fn a_decode_error_degrades_and_counts() {
        let mut poll = outcome(1, 1, &[]);
        poll.decode_failed(&DecodeError::NotFinite { parameter: Parameter::Power });
        assert_eq!(poll.connection(), ConnectionState::Degraded);
        let mut counters = DeviceCounters::default();
        poll.count_into(&mut counters);
        assert_eq!((counters.polls_ok, counters.polls_failed, counters.decode_errors), (0, 1, 1));
    }
}
