//! PostgreSQL's binary `COPY` format, written by hand for the few types the telemetry row
//! holds: `text`, `timestamptz` and `float8`. Used by `telemetry.rs` to build the stream of a
//! batch; pure, no IO.
//!
//! The format (PostgreSQL manual, "COPY", "Binary Format"): an 11-byte signature, a 32-bit flags
//! word and a 32-bit header-extension length; then per row a 16-bit field count and per field a
//! 32-bit byte length (-1 for NULL) followed by the value in the type's binary send form; then a
//! 16-bit -1 as trailer. Every integer is big-endian (network order).
//!
//! Hidden contract: the caller writes exactly as many fields per row as the `COPY` statement
//! names columns, in the same order, each in the column's type. The server checks the field
//! count and the length of fixed-size values, not which type a field was meant to be.

use chrono::{DateTime, Utc};

/// The signature, then no flags (no OIDs) and an empty header extension.
const HEADER: &[u8; 19] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The field count that ends the stream.
const TRAILER: i16 = -1;
/// The length that stands for NULL.
const NULL: i32 = -1;
/// 2000-01-01 00:00:00 UTC in Unix microseconds: PostgreSQL's timestamp epoch.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A field that does not fit the format: longer than a 32-bit length can say.
#[derive(Debug, thiserror::Error)]
#[error("a copy field of {bytes} bytes is longer than postgres allows")]
pub(super) struct FieldTooLong {
    pub(super) bytes: usize,
}

/// A binary `COPY` stream being built, row by row, in memory.
pub(super) struct BinaryCopy {
    buf: Vec<u8>,
}

impl BinaryCopy {
    /// A stream holding just the header, with room for `capacity` bytes before it grows.
    pub(super) fn with_capacity(capacity: usize) -> BinaryCopy {
        let mut buf = Vec::with_capacity(capacity.max(HEADER.len()));
        buf.extend_from_slice(HEADER);
        BinaryCopy { buf }
    }

    /// Starts a row of `fields` fields; exactly that many field calls must follow.
    pub(super) fn row(&mut self, fields: i16) {
        self.buf.extend_from_slice(&fields.to_be_bytes());
    }

    /// A NULL field, of any type.
    pub(super) fn null(&mut self) {
        self.buf.extend_from_slice(&NULL.to_be_bytes());
    }

    /// A `text` field: its UTF-8 bytes (the session's client encoding is UTF-8), or NULL.
    pub(super) fn text(&mut self, value: Option<&str>) -> Result<(), FieldTooLong> {
        let Some(value) = value else {
            self.null();
            return Ok(());
        };
        let len = i32::try_from(value.len()).map_err(|_| FieldTooLong { bytes: value.len() })?;
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(value.as_bytes());
        Ok(())
    }

    /// A `float8` field: the IEEE 754 bits, or NULL.
    pub(super) fn float8(&mut self, value: Option<f64>) {
        match value {
            Some(value) => {
                self.buf.extend_from_slice(&8i32.to_be_bytes());
                self.buf.extend_from_slice(&value.to_bits().to_be_bytes());
            }
            None => self.null(),
        }
    }

    /// A `timestamptz` field: microseconds since 2000-01-01 UTC. Never overflows: chrono's
    /// whole range fits; an instant beyond PostgreSQL's own range is refused by the server.
    pub(super) fn timestamptz(&mut self, at: DateTime<Utc>) {
        let micros = at.timestamp_micros() - POSTGRES_EPOCH_MICROS;
        self.buf.extend_from_slice(&8i32.to_be_bytes());
        self.buf.extend_from_slice(&micros.to_be_bytes());
    }

    /// The whole stream, trailer included, ready to send.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&TRAILER.to_be_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes `write` adds after the header, trailer included.
    fn body(write: impl FnOnce(&mut BinaryCopy)) -> Vec<u8> {
        let mut copy = BinaryCopy::with_capacity(0);
        write(&mut copy);
        let stream = copy.finish();
        assert_eq!(&stream[..HEADER.len()], HEADER);
        stream[HEADER.len()..].to_vec()
    }

    #[test]
    fn an_empty_stream_is_the_signature_flags_extension_and_trailer() {
        let stream = BinaryCopy::with_capacity(0).finish();
        let mut expected = b"PGCOPY\n\xff\r\n\0".to_vec();
        expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
        assert_eq!(stream, expected);
    }

    #[test]
    fn a_timestamptz_is_microseconds_since_2000() {
        let at = DateTime::from_timestamp_millis(946_684_800_001).expect("2000-01-01 00:00:00.001");
        assert_eq!(body(|c| c.timestamptz(at)), [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0xff, 0xff]);
        let before = DateTime::from_timestamp(946_684_799, 0).expect("1999-12-31 23:59:59");
        let minus_one_second = (-1_000_000i64).to_be_bytes();
        assert_eq!(body(|c| c.timestamptz(before))[4..12], minus_one_second);
    }

    #[test]
    fn a_float8_is_its_big_endian_bits() {
        // 55.5 = 0x404BC00000000000; -0.25 = 0xBFD0000000000000.
        let bytes = body(|c| {
            c.float8(Some(55.5));
            c.float8(Some(-0.25));
        });
        let expected = [0, 0, 0, 8, 0x40, 0x4b, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0xbf, 0xd0, 0, 0, 0, 0, 0, 0];
        assert_eq!(bytes[..24], expected);
    }

    #[test]
    fn null_is_length_minus_one_with_no_value() {
        let bytes = body(|c| {
            c.float8(None);
            c.text(None).expect("null text");
            c.null();
        });
        assert_eq!(bytes, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    }

    #[test]
    fn text_is_its_utf8_bytes_after_their_count() {
        let bytes = body(|c| c.text(Some("W-1 °C")).expect("text"));
        assert_eq!(bytes, [0, 0, 0, 7, b'W', b'-', b'1', b' ', 0xc2, 0xb0, b'C', 0xff, 0xff]);
    }

    #[test]
    fn a_row_starts_with_its_field_count() {
        let bytes = body(|c| {
            c.row(2);
            c.text(Some("")).expect("empty text");
            c.float8(None);
        });
        assert_eq!(bytes, [0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    }
}
