//! The RFC 6455 §5.7 example frames, fed to a connection of the matching role.
mod common;
use common::*;
use sca_ws::ws::{Event, Utf8Bytes};

#[test]
fn client_reads_unmasked_hello() {
    let now = t0();
    let mut c = client(now);
    c.handle_input(now, &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    assert_eq!(
        events(&drain(&mut c)),
        [Event::Text(Utf8Bytes::from("Hello"))]
    );
}

#[test]
fn server_reads_masked_hello() {
    let now = t0();
    let mut s = server(now);
    s.handle_input(
        now,
        &[
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ],
    );
    assert_eq!(
        events(&drain(&mut s)),
        [Event::Text(Utf8Bytes::from("Hello"))]
    );
}

#[test]
fn client_reads_fragmented_hello() {
    let now = t0();
    let mut c = client(now);
    c.handle_input(now, &[0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]);
    assert_eq!(
        events(&drain(&mut c)),
        [Event::Text(Utf8Bytes::from("Hello"))]
    );
}

#[test]
fn client_answers_unmasked_ping_with_masked_pong() {
    let now = t0();
    let mut c = client(now);
    c.handle_input(now, &[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    let out = drain(&mut c);
    assert_eq!(
        events(&out),
        [Event::Ping(bytes::Bytes::from_static(b"Hello"))]
    );
    let wire = transmitted(&out);
    assert_eq!(wire[0], 0x8a);
    assert_eq!(wire[1], 0x85, "masked, 5 bytes");
    assert_eq!(server_frames(&wire), [(0x8a, b"Hello".to_vec())]);
}

#[test]
fn client_reads_256_and_65536_byte_binary() {
    let now = t0();
    let mut c = client(now);
    let mut wire = vec![0x82, 0x7E, 0x01, 0x00];
    wire.extend(std::iter::repeat_n(7u8, 256));
    wire.extend_from_slice(&[0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]);
    wire.extend(std::iter::repeat_n(9u8, 65536));
    c.handle_input(now, &wire);
    let ev = events(&drain(&mut c));
    assert!(
        matches!(&ev[..], [Event::Binary(a), Event::Binary(b)] if a.len() == 256 && b.len() == 65536 && b.iter().all(|&x| x == 9))
    );
}
