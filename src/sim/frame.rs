//! Modbus TCP framing: the MBAP header, request PDUs and reply encoding. Pure functions over
//! byte slices; the server owns the socket and the buffer.
//!
//! An MBAP frame is `transaction (2) | protocol = 0 (2) | length (2) | unit (1) | PDU`, where
//! the length counts the unit id and the PDU, so it is at least 2 and at most 254.

use rand::Rng;
use wellvisor_actors::device::FunctionCode;

/// Bytes before the PDU: transaction, protocol, length and unit id.
pub const HEADER_LEN: usize = 7;
/// The largest frame: the header plus a 253-byte PDU.
pub const MAX_FRAME_LEN: usize = 260;
/// The most registers one read may ask for.
pub const MAX_READ_COUNT: u16 = 125;

/// Exception codes the simulator sends (Modbus application protocol §7).
pub mod exception {
    pub const ILLEGAL_FUNCTION: u8 = 0x01;
    pub const ILLEGAL_DATA_ADDRESS: u8 = 0x02;
    pub const ILLEGAL_DATA_VALUE: u8 = 0x03;
    pub const SERVER_DEVICE_FAILURE: u8 = 0x04;
    /// A gateway's "target device failed to respond".
    pub const GATEWAY_TARGET_FAILED: u8 = 0x0B;
}

/// What a reply must echo: the transaction id and the unit id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub transaction: u16,
    pub unit: u8,
}

/// A request PDU, as far as the simulator understands it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pdu {
    /// Function code 3 or 4 with its address and count (the count is not yet checked).
    Read { function: FunctionCode, address: u16, count: u16 },
    /// Function code 3 or 4 whose body is not exactly address and count.
    BadRead { function: u8 },
    /// Any other function code.
    Unsupported { function: u8 },
}

impl Pdu {
    /// The function code a reply echoes.
    pub fn function(self) -> u8 {
        match self {
            Pdu::Read { function, .. } => function.code(),
            Pdu::BadRead { function } | Pdu::Unsupported { function } => function,
        }
    }
}

/// One complete request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub header: Header,
    pub pdu: Pdu,
}

/// A header no Modbus TCP client sends: the connection cannot be resynchronised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("protocol id {0} is not 0 (Modbus)")]
    Protocol(u16),
    #[error("length {0} is outside 2-254")]
    Length(u16),
}

/// Takes the first complete request off the front of `buf`, returning it and how many bytes it
/// used; `Ok(None)` when more bytes are needed. A bad header is reported as soon as its six
/// bytes are in, without waiting for a body that may never come.
pub fn parse(buf: &[u8]) -> Result<Option<(Request, usize)>, FrameError> {
    if buf.len() < 6 {
        return Ok(None);
    }
    let protocol = u16::from_be_bytes([buf[2], buf[3]]);
    let length = u16::from_be_bytes([buf[4], buf[5]]);
    if protocol != 0 {
        return Err(FrameError::Protocol(protocol));
    }
    if !(2..=254).contains(&length) {
        return Err(FrameError::Length(length));
    }
    let total = 6 + usize::from(length);
    if buf.len() < total {
        return Ok(None);
    }
    let header = Header { transaction: u16::from_be_bytes([buf[0], buf[1]]), unit: buf[6] };
    let pdu = parse_pdu(&buf[HEADER_LEN..total]);
    Ok(Some((Request { header, pdu }, total)))
}

fn parse_pdu(pdu: &[u8]) -> Pdu {
    let function = pdu[0];
    let table = match function {
        3 => FunctionCode::Holding,
        4 => FunctionCode::Input,
        _ => return Pdu::Unsupported { function },
    };
    match pdu {
        [_, a0, a1, c0, c1] => Pdu::Read {
            function: table,
            address: u16::from_be_bytes([*a0, *a1]),
            count: u16::from_be_bytes([*c0, *c1]),
        },
        _ => Pdu::BadRead { function },
    }
}

/// Appends a read reply carrying `words` to `out`.
pub fn write_registers(out: &mut Vec<u8>, header: Header, function: u8, words: &[u16]) {
    let byte_count = words.len() * 2;
    write_header(out, header, 2 + byte_count);
    out.push(function);
    out.push(byte_count as u8);
    for word in words {
        out.extend_from_slice(&word.to_be_bytes());
    }
}

/// Appends an exception reply to `out`.
pub fn write_exception(out: &mut Vec<u8>, header: Header, function: u8, code: u8) {
    write_header(out, header, 2);
    out.push(function | 0x80);
    out.push(code);
}

/// Appends 8–40 random bytes that no client can take for a reply: the protocol id is never 0.
///
/// The length field matches the bytes sent, so a client reads the whole thing and rejects it
/// at once instead of waiting for bytes that never come.
pub fn write_garbage(out: &mut Vec<u8>, rng: &mut impl Rng) {
    let len: usize = rng.random_range(8..=40);
    let start = out.len();
    out.extend((0..len).map(|_| rng.random::<u8>()));
    out[start + 2] |= 0x80;
    out[start + 4..start + 6].copy_from_slice(&((len - 6) as u16).to_be_bytes());
}

/// `pdu_len` counts the function code and what follows it.
fn write_header(out: &mut Vec<u8>, header: Header, pdu_len: usize) {
    out.extend_from_slice(&header.transaction.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(pdu_len as u16 + 1).to_be_bytes());
    out.push(header.unit);
}

#[cfg(test)]
#[path = "frame_tests.rs"]
mod tests;
