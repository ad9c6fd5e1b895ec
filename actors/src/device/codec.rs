//! Register words to numbers and back: every type in every word order (esp-domain §4.2).
//!
//! Pure functions. The well actor decodes with them; the simulator encodes with them, so the
//! two can never disagree about a layout.

use serde::Deserialize;

/// How a value is laid out in one or two 16-bit registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegisterType {
    U16,
    I16,
    U32,
    I32,
    F32,
    /// An unsigned field of `width` bits starting at `bit` (0 = least significant) of one register.
    Bits,
}

impl RegisterType {
    /// How many registers the value spans.
    pub fn width(self) -> u16 {
        match self {
            RegisterType::U32 | RegisterType::I32 | RegisterType::F32 => 2,
            RegisterType::U16 | RegisterType::I16 | RegisterType::Bits => 1,
        }
    }

    /// Whether every value of the type is an integer (code tables need one).
    pub fn is_integer(self) -> bool {
        !matches!(self, RegisterType::F32)
    }
}

/// Byte order of a value on the wire, with `A` its most significant byte.
///
/// For 16-bit types only the byte order within the register matters: `badc` and `dcba` swap it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WordOrder {
    /// Big-endian: high word first, high byte first.
    #[default]
    Abcd,
    /// Word-swapped: low word first.
    Cdab,
    /// Bytes swapped within each word.
    Badc,
    /// Little-endian.
    Dcba,
}

/// The bit field of a [`RegisterType::Bits`] register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitField {
    pub bit: u8,
    pub width: u8,
}

impl BitField {
    fn mask(self) -> u32 {
        (1u32 << self.width) - 1
    }
}

/// Decodes the raw number in `words` (exactly `kind.width()` registers), before scaling.
///
/// Returns `None` for a float that is not finite: a device never means NaN as a reading.
pub fn decode(kind: RegisterType, order: WordOrder, bits: BitField, words: &[u16]) -> Option<f64> {
    match kind {
        RegisterType::U16 => Some(f64::from(word16(order, words[0]))),
        RegisterType::I16 => Some(f64::from(word16(order, words[0]) as i16)),
        RegisterType::Bits => {
            let word = u32::from(word16(order, words[0]));
            Some(f64::from((word >> bits.bit) & bits.mask()))
        }
        RegisterType::U32 => Some(f64::from(word32(order, words[0], words[1]))),
        RegisterType::I32 => Some(f64::from(word32(order, words[0], words[1]) as i32)),
        RegisterType::F32 => {
            let value = f32::from_bits(word32(order, words[0], words[1]));
            value.is_finite().then_some(f64::from(value))
        }
    }
}

/// Encodes `raw` (already unscaled) into registers, the inverse of [`decode`].
///
/// Values outside the type's range saturate. For bit fields, `into` holds the register's other
/// bits, which are kept.
pub fn encode(kind: RegisterType, order: WordOrder, bits: BitField, raw: f64, into: &mut [u16]) {
    match kind {
        RegisterType::U16 => into[0] = word16(order, raw.round().clamp(0.0, 65_535.0) as u16),
        RegisterType::I16 => {
            let value = raw.round().clamp(-32_768.0, 32_767.0) as i16;
            into[0] = word16(order, value as u16);
        }
        RegisterType::Bits => {
            let current = u32::from(word16(order, into[0]));
            let field = (raw.round().max(0.0) as u32).min(bits.mask());
            let cleared = current & !(bits.mask() << bits.bit);
            into[0] = word16(order, (cleared | (field << bits.bit)) as u16);
        }
        RegisterType::U32 => {
            let value = raw.round().clamp(0.0, f64::from(u32::MAX)) as u32;
            split32(order, value, into);
        }
        RegisterType::I32 => {
            let value = raw.round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32;
            split32(order, value as u32, into);
        }
        RegisterType::F32 => split32(order, (raw as f32).to_bits(), into),
    }
}

fn word16(order: WordOrder, word: u16) -> u16 {
    match order {
        WordOrder::Abcd | WordOrder::Cdab => word,
        WordOrder::Badc | WordOrder::Dcba => word.swap_bytes(),
    }
}

/// Reassembles the value's bytes `ABCD` from two registers as they came off the wire.
fn word32(order: WordOrder, first: u16, second: u16) -> u32 {
    let [b0, b1] = first.to_be_bytes();
    let [b2, b3] = second.to_be_bytes();
    let bytes = match order {
        WordOrder::Abcd => [b0, b1, b2, b3],
        WordOrder::Cdab => [b2, b3, b0, b1],
        WordOrder::Badc => [b1, b0, b3, b2],
        WordOrder::Dcba => [b3, b2, b1, b0],
    };
    u32::from_be_bytes(bytes)
}

fn split32(order: WordOrder, value: u32, into: &mut [u16]) {
    let [a, b, c, d] = value.to_be_bytes();
    let wire = match order {
        WordOrder::Abcd => [a, b, c, d],
        WordOrder::Cdab => [c, d, a, b],
        WordOrder::Badc => [b, a, d, c],
        WordOrder::Dcba => [d, c, b, a],
    };
    into[0] = u16::from_be_bytes([wire[0], wire[1]]);
    into[1] = u16::from_be_bytes([wire[2], wire[3]]);
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
