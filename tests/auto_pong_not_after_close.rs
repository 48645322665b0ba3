//! RFC 6455 §5.5.2: pings are answered automatically, but not once a close was sent.
mod common;
use common::*;
use sca_ws::frame::CloseCode;

#[test]
fn answers_pings_while_open_only() {
    let now = t0();
    let mut c = client(now);
    c.handle_input(now, &unmasked(0x89, b"1"));
    assert_eq!(
        server_frames(&transmitted(&drain(&mut c))),
        [(0x8A, b"1".to_vec())]
    );
    c.close(now, CloseCode::NORMAL, "").unwrap();
    drain(&mut c);
    c.handle_input(now, &unmasked(0x89, b"2"));
    assert!(transmitted(&drain(&mut c)).is_empty());
}
