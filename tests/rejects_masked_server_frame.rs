//! RFC 6455 §5.1: a client fails the connection (1002) on a masked frame.
mod common;
use common::*;
use sca_ws::ws::{Error as WsError, Event};

#[test]
fn rejects_masked_server_frame() {
    let now = t0();
    let mut c = client(now);
    c.handle_input(now, &masked(0x82, b"hi", [1, 2, 3, 4]));
    let out = drain(&mut c);
    assert_eq!(events(&out), [Event::Failed(WsError::MaskedFrame)]);
    assert_eq!(
        server_frames(&transmitted(&out)),
        [(0x88, vec![0x03, 0xEA])]
    );
    assert!(
        !closes_transport(&out),
        "a client waits for the server to close TCP"
    );
}
