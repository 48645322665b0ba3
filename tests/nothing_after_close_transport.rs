//! After `CloseTransport` the connection is inert: no output, no timers, sends refused.
mod common;
use common::*;
use sca_ws::ws::{SendError, State as ConnectionState};

#[test]
fn inert_after_close_transport() {
    let now = t0();
    let mut s = server(now);
    s.handle_input(now, &unmasked(0x81, b"x")); // unmasked: fails
    assert!(closes_transport(&drain(&mut s)));
    assert_eq!(s.state(), ConnectionState::Closed);
    s.handle_input(now, &masked(0x89, b"p", [1, 2, 3, 4]));
    s.handle_timeout(at(now, 1000));
    s.handle_eof(now);
    assert_eq!(s.send_text(now, "x"), Err(SendError::Closed));
    assert_eq!(s.poll_output(), None);
    assert_eq!(s.poll_timeout(), None);
}
