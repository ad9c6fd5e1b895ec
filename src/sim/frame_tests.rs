//! Framing: partial and pipelined frames, bad headers, reply layout.

use proptest::prelude::*;
use rand::rngs::SmallRng;
use rand::SeedableRng;

use super::*;

fn read_request(transaction: u16, unit: u8, function: u8, address: u16, count: u16) -> Vec<u8> {
    let mut frame = transaction.to_be_bytes().to_vec();
    frame.extend_from_slice(&[0, 0, 0, 6, unit, function]);
    frame.extend_from_slice(&address.to_be_bytes());
    frame.extend_from_slice(&count.to_be_bytes());
    frame
}

#[test]
fn a_complete_read_request_parses() {
    let frame = read_request(0x1234, 7, 4, 13, 2);
    let (request, used) = parse(&frame).expect("valid").expect("complete");
    assert_eq!(used, 12);
    assert_eq!(request.header, Header { transaction: 0x1234, unit: 7 });
    assert_eq!(request.pdu, Pdu::Read { function: FunctionCode::Input, address: 13, count: 2 });
}

#[test]
fn every_prefix_of_a_frame_waits_for_more() {
    let frame = read_request(1, 1, 3, 0, 10);
    for len in 0..frame.len() {
        assert_eq!(parse(&frame[..len]), Ok(None), "prefix of {len} bytes");
    }
}

#[test]
fn pipelined_frames_are_taken_one_at_a_time() {
    let mut bytes = read_request(1, 1, 3, 0, 10);
    bytes.extend(read_request(2, 1, 4, 5, 1));
    let (first, used) = parse(&bytes).expect("valid").expect("complete");
    assert_eq!(first.header.transaction, 1);
    let (second, rest) = parse(&bytes[used..]).expect("valid").expect("complete");
    assert_eq!(second.header.transaction, 2);
    assert_eq!(used + rest, bytes.len());
}

#[test]
fn bad_headers_are_rejected_before_the_body_arrives() {
    assert_eq!(parse(&[0, 1, 0, 1, 0, 6]), Err(FrameError::Protocol(1)));
    assert_eq!(parse(&[0, 1, 0, 0, 0, 0]), Err(FrameError::Length(0)));
    assert_eq!(parse(&[0, 1, 0, 0, 0, 1]), Err(FrameError::Length(1)));
    assert_eq!(parse(&[0, 1, 0, 0, 0, 255]), Err(FrameError::Length(255)));
    assert!(parse(&[0, 1, 0, 0, 0, 254]).is_ok());
}

#[test]
fn other_functions_and_short_reads_are_recognised() {
    let write = [0, 1, 0, 0, 0, 6, 1, 6, 0, 0, 0, 1];
    let parsed = parse(&write).expect("valid").expect("complete").0;
    assert_eq!(parsed.pdu, Pdu::Unsupported { function: 6 });
    let short = [0, 1, 0, 0, 0, 4, 1, 3, 0, 0];
    assert_eq!(parse(&short).expect("valid").expect("complete").0.pdu, Pdu::BadRead { function: 3 });
}

#[test]
fn replies_echo_the_header_and_count_their_bytes() {
    let header = Header { transaction: 0xBEEF, unit: 9 };
    let mut out = Vec::new();
    write_registers(&mut out, header, 3, &[0x0102, 0xA0B0]);
    assert_eq!(out, [0xBE, 0xEF, 0, 0, 0, 7, 9, 3, 4, 1, 2, 0xA0, 0xB0]);
    out.clear();
    write_exception(&mut out, header, 4, exception::ILLEGAL_DATA_ADDRESS);
    assert_eq!(out, [0xBE, 0xEF, 0, 0, 0, 3, 9, 0x84, 2]);
}

proptest! {
    #[test]
    fn garbage_never_parses_as_a_frame(seed in any::<u64>()) {
        let mut out = Vec::new();
        write_garbage(&mut out, &mut SmallRng::seed_from_u64(seed));
        prop_assert!((8..=40).contains(&out.len()));
        prop_assert!(parse(&out).is_err());
    }

    #[test]
    fn frames_split_anywhere_reassemble_in_order(counts in prop::collection::vec(1u16..=125, 1..6), cut in any::<prop::sample::Index>()) {
        let stream: Vec<u8> = counts.iter().enumerate()
            .flat_map(|(i, count)| read_request(i as u16, 1, 3, 0, *count)).collect();
        let cut = cut.index(stream.len() + 1);
        // Feed the stream in two chunks, parsing greedily after each, as the server does.
        let mut buffer = Vec::new();
        let mut seen = Vec::new();
        for chunk in [&stream[..cut], &stream[cut..]] {
            buffer.extend_from_slice(chunk);
            while let Some((request, used)) = parse(&buffer).expect("valid stream") {
                seen.push(request.pdu);
                buffer.drain(..used);
            }
        }
        let want: Vec<Pdu> = counts.iter()
            .map(|count| Pdu::Read { function: FunctionCode::Holding, address: 0, count: *count }).collect();
        prop_assert_eq!(seen, want);
        prop_assert!(buffer.is_empty());
    }
}
