//! RFC 6455 §5.2: non-zero RSV without an extension, reserved opcodes and a 64-bit length with
//! the top bit set fail the connection with 1002.
mod common;
use common::*;
use sca_ws::{
    frame::Error as FrameError,
    ws::{Error as WsError, Event},
};

fn fails_with(first_two: &[u8], expected: FrameError) {
    let now = t0();
    let mut c = client(now);
    c.handle_input(now, first_two);
    let out = drain(&mut c);
    assert_eq!(events(&out), [Event::Failed(WsError::Frame(expected))]);
    assert_eq!(server_frames(&transmitted(&out))[0].1, [0x03, 0xEA]);
}

#[test]
fn rejects_rsv_bits() {
    fails_with(&[0xC1, 0x00], FrameError::ReservedBits { rsv: 4 });
    fails_with(&[0x92, 0x00], FrameError::ReservedBits { rsv: 1 });
}

#[test]
fn rejects_reserved_opcodes() {
    for op in [3u8, 4, 5, 6, 7, 11, 12, 13, 14, 15] {
        fails_with(
            &[0x80 | op, 0x00],
            FrameError::ReservedOpcode { opcode: op },
        );
    }
}

#[test]
fn rejects_64_bit_length_with_top_bit() {
    fails_with(
        &[0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1],
        FrameError::LengthTopBit,
    );
}
