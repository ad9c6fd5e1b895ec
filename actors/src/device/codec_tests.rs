//! The decoding matrix: every type in every word order against known wire vectors.

use proptest::prelude::*;

use super::*;

const NO_BITS: BitField = BitField { bit: 0, width: 16 };
const ORDERS: [WordOrder; 4] = [WordOrder::Abcd, WordOrder::Cdab, WordOrder::Badc, WordOrder::Dcba];

#[test]
fn f32_known_vectors_in_all_four_orders() {
    // 123456.0 is 0x47F12000 (esp-domain §4.2).
    let wire = [
        (WordOrder::Abcd, [0x47F1, 0x2000]),
        (WordOrder::Cdab, [0x2000, 0x47F1]),
        (WordOrder::Badc, [0xF147, 0x0020]),
        (WordOrder::Dcba, [0x0020, 0xF147]),
    ];
    for (order, words) in wire {
        assert_eq!(decode(RegisterType::F32, order, NO_BITS, &words), Some(123_456.0), "{order:?}");
        let mut encoded = [0u16; 2];
        encode(RegisterType::F32, order, NO_BITS, 123_456.0, &mut encoded);
        assert_eq!(encoded, words, "{order:?}");
    }
}

#[test]
fn word_swapped_counter_read_big_endian_is_plausible_but_wrong() {
    // starts_count 37 sent CDAB and read ABCD decodes to 2,424,832 (esp-domain §4.2).
    let mut wire = [0u16; 2];
    encode(RegisterType::U32, WordOrder::Cdab, NO_BITS, 37.0, &mut wire);
    assert_eq!(wire, [0x0025, 0x0000]);
    assert_eq!(decode(RegisterType::U32, WordOrder::Abcd, NO_BITS, &wire), Some(2_424_832.0));
    assert_eq!(decode(RegisterType::U32, WordOrder::Cdab, NO_BITS, &wire), Some(37.0));
}

#[test]
fn float_1950_volts_sent_cdab_read_abcd_is_obviously_wrong() {
    let mut wire = [0u16; 2];
    encode(RegisterType::F32, WordOrder::Cdab, NO_BITS, 1950.0, &mut wire);
    let misread = decode(RegisterType::F32, WordOrder::Abcd, NO_BITS, &wire).unwrap_or(f64::NAN);
    assert!((misread - -2.004).abs() < 0.001, "got {misread}");
}

#[test]
fn sixteen_bit_types_and_byte_swaps() {
    let cases = [
        (RegisterType::U16, WordOrder::Abcd, 0xFFFE, 65_534.0),
        (RegisterType::I16, WordOrder::Abcd, 0xFFFE, -2.0),
        (RegisterType::I16, WordOrder::Cdab, 0x8000, -32_768.0),
        (RegisterType::U16, WordOrder::Badc, 0x3412, 4_660.0),
        (RegisterType::I16, WordOrder::Dcba, 0xFEFF, -2.0),
    ];
    for (kind, order, word, expected) in cases {
        assert_eq!(decode(kind, order, NO_BITS, &[word]), Some(expected), "{kind:?} {order:?}");
    }
}

#[test]
fn thirty_two_bit_integers_in_all_orders() {
    // 0x0001_FFFF = 131071 and -2 = 0xFFFF_FFFE.
    let big_endian: [(RegisterType, [u16; 2], f64); 2] =
        [(RegisterType::U32, [0x0001, 0xFFFF], 131_071.0), (RegisterType::I32, [0xFFFF, 0xFFFE], -2.0)];
    for (kind, abcd, expected) in big_endian {
        let [hi, lo] = abcd;
        let wires = [
            (WordOrder::Abcd, [hi, lo]),
            (WordOrder::Cdab, [lo, hi]),
            (WordOrder::Badc, [hi.swap_bytes(), lo.swap_bytes()]),
            (WordOrder::Dcba, [lo.swap_bytes(), hi.swap_bytes()]),
        ];
        for (order, words) in wires {
            assert_eq!(decode(kind, order, NO_BITS, &words), Some(expected), "{kind:?} {order:?}");
        }
    }
}

#[test]
fn bit_fields_extract_and_keep_neighbouring_bits() {
    let field = BitField { bit: 4, width: 3 };
    assert_eq!(decode(RegisterType::Bits, WordOrder::Abcd, field, &[0b0101_0000]), Some(5.0));
    let mut word = [0xFFFFu16];
    encode(RegisterType::Bits, WordOrder::Abcd, field, 2.0, &mut word);
    assert_eq!(word, [0b1111_1111_1010_1111]);
    let single = BitField { bit: 15, width: 1 };
    assert_eq!(decode(RegisterType::Bits, WordOrder::Abcd, single, &[0x8000]), Some(1.0));
}

#[test]
fn non_finite_floats_are_not_values() {
    let nan = f32::NAN.to_bits();
    let words = [(nan >> 16) as u16, nan as u16];
    assert_eq!(decode(RegisterType::F32, WordOrder::Abcd, NO_BITS, &words), None);
}

#[test]
fn encoding_saturates_out_of_range_values() {
    let mut word = [0u16];
    encode(RegisterType::U16, WordOrder::Abcd, NO_BITS, 70_000.0, &mut word);
    assert_eq!(word, [u16::MAX]);
    encode(RegisterType::I16, WordOrder::Abcd, NO_BITS, -40_000.0, &mut word);
    assert_eq!(word, [0x8000]);
}

fn any_order() -> impl Strategy<Value = WordOrder> {
    prop::sample::select(ORDERS.to_vec())
}

proptest! {
    #[test]
    fn integers_round_trip_in_every_order(order in any_order(), u in any::<u32>(), i in any::<i32>(), s in any::<i16>()) {
        let mut words = [0u16; 2];
        encode(RegisterType::U32, order, NO_BITS, f64::from(u), &mut words);
        prop_assert_eq!(decode(RegisterType::U32, order, NO_BITS, &words), Some(f64::from(u)));
        encode(RegisterType::I32, order, NO_BITS, f64::from(i), &mut words);
        prop_assert_eq!(decode(RegisterType::I32, order, NO_BITS, &words), Some(f64::from(i)));
        encode(RegisterType::I16, order, NO_BITS, f64::from(s), &mut words);
        prop_assert_eq!(decode(RegisterType::I16, order, NO_BITS, &words[..1]), Some(f64::from(s)));
    }

    #[test]
    fn floats_round_trip_in_every_order(order in any_order(), x in -1.0e9f32..1.0e9f32) {
        let mut words = [0u16; 2];
        encode(RegisterType::F32, order, NO_BITS, f64::from(x), &mut words);
        prop_assert_eq!(decode(RegisterType::F32, order, NO_BITS, &words), Some(f64::from(x)));
    }

    #[test]
    fn any_words_decode_within_the_type_range(order in any_order(), a in any::<u16>(), b in any::<u16>(), bit in 0u8..16, width in 1u8..=16) {
        let field = BitField { bit, width: width.min(16 - bit) };
        for kind in [RegisterType::U16, RegisterType::I16, RegisterType::U32, RegisterType::I32, RegisterType::F32, RegisterType::Bits] {
            let words = [a, b];
            let decoded = decode(kind, order, field, &words[..usize::from(kind.width())]);
            let in_range = match (kind, decoded) {
                (RegisterType::U16, Some(v)) => (0.0..=65_535.0).contains(&v),
                (RegisterType::I16, Some(v)) => (-32_768.0..=32_767.0).contains(&v),
                (RegisterType::U32, Some(v)) => (0.0..=f64::from(u32::MAX)).contains(&v),
                (RegisterType::I32, Some(v)) => (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&v),
                (RegisterType::Bits, Some(v)) => v < f64::from(1u32 << field.width),
                (RegisterType::F32, Some(v)) => v.is_finite(),
                (RegisterType::F32, None) => true,
                (_, None) => false,
            };
            prop_assert!(in_range, "{:?} {:?} decoded {:?}", kind, order, decoded);
        }
    }
}
