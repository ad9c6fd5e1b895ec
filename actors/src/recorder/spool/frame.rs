//! The spool's frame format: a segment file is a magic header, then frames of a little-endian
//! `u32` payload length, a `u32` CRC-32 of the payload, and the payload. A crash mid-append
//! leaves a torn frame at the tail; a bad sector or a stray write leaves a frame whose checksum
//! fails. Either ends what can be trusted of its segment, never what came before it.

use std::io::{self, Read};

/// The first bytes of every segment: names the frame format, version 1.
pub(crate) const MAGIC: &[u8; 8] = b"WVSPOOL1";

/// Bytes before each payload: its length and its checksum.
pub(crate) const FRAME_HEAD: u64 = 8;

/// No payload is this large; a length above it is damage, not data.
const MAX_PAYLOAD: u32 = 16 * 1024 * 1024;

/// Appends one frame holding `payload` to `out`.
pub(crate) fn put(out: &mut Vec<u8>, payload: &[u8]) {
    // Payloads are one sample or record, far below MAX_PAYLOAD.
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// What reading the next frame found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// A whole frame whose checksum holds.
    Frame(Vec<u8>),
    /// The clean end of the segment.
    End,
    /// A frame cut short by the end of the file: a crash mid-append.
    Torn,
    /// A frame whose length is impossible or whose checksum fails.
    Corrupt,
}

/// Reads the frame at the reader's position.
pub(crate) fn next(reader: &mut impl Read) -> io::Result<Next> {
    let mut head = [0u8; FRAME_HEAD as usize];
    match read_full(reader, &mut head)? {
        0 => return Ok(Next::End),
        n if n < head.len() => return Ok(Next::Torn),
        _ => {}
    }
    let [l0, l1, l2, l3, c0, c1, c2, c3] = head;
    let len = u32::from_le_bytes([l0, l1, l2, l3]);
    if len > MAX_PAYLOAD {
        return Ok(Next::Corrupt);
    }
    let mut payload = vec![0u8; len as usize];
    if read_full(reader, &mut payload)? < payload.len() {
        return Ok(Next::Torn);
    }
    if crc32fast::hash(&payload) != u32::from_le_bytes([c0, c1, c2, c3]) {
        return Ok(Next::Corrupt);
    }
    Ok(Next::Frame(payload))
}

/// The bytes a frame of `payload_len` takes on disk.
pub(crate) fn size(payload_len: usize) -> u64 {
    FRAME_HEAD + payload_len as u64
}

/// Fills `buf` as far as the reader goes; answers how much was read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for payload in payloads {
            put(&mut out, payload);
        }
        out
    }

    fn read_all(bytes: &[u8]) -> (Vec<Vec<u8>>, Next) {
        let mut reader = bytes;
        let mut payloads = Vec::new();
        loop {
            match next(&mut reader).expect("reading a slice cannot fail") {
                Next::Frame(payload) => payloads.push(payload),
                other => return (payloads, other),
            }
        }
    }

    #[test]
    fn frames_read_back_in_order_then_end_cleanly() {
        let bytes = frames(&[b"one", b"", b"three"]);
        assert_eq!(bytes.len() as u64, size(3) + size(0) + size(5));
        let (payloads, end) = read_all(&bytes);
        assert_eq!(payloads, vec![b"one".to_vec(), Vec::new(), b"three".to_vec()]);
        assert_eq!(end, Next::End);
    }

    #[test]
    fn a_frame_cut_anywhere_is_torn_and_keeps_the_frames_before_it() {
        let bytes = frames(&[b"kept", b"cut short"]);
        for cut in (size(4) as usize + 1)..bytes.len() {
            let (payloads, end) = read_all(&bytes[..cut]);
            assert_eq!((payloads, end), (vec![b"kept".to_vec()], Next::Torn), "cut at {cut}");
        }
    }

    #[test]
    fn a_flipped_bit_or_an_absurd_length_is_corrupt() {
        let mut bytes = frames(&[b"kept", b"flipped"]);
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        assert_eq!(read_all(&bytes), (vec![b"kept".to_vec()], Next::Corrupt));
        let mut absurd = frames(&[b"kept"]);
        absurd.extend_from_slice(&u32::MAX.to_le_bytes());
        absurd.extend_from_slice(&[0u8; 12]);
        assert_eq!(read_all(&absurd), (vec![b"kept".to_vec()], Next::Corrupt));
    }
}
