//! The outbound queue is bounded: a send past the high-water mark is refused, nothing is
//! queued, and the same message goes once the queue is drained.
mod common;
use common::*;
use sca_ws::ws::{Config as WsConfig, Connection, Role, SendError};

#[test]
fn refuses_past_high_water_and_accepts_after_drain() {
    let now = t0();
    let config = WsConfig {
        max_outbound_bytes: 100,
        ..quiet()
    };
    let mut s = Connection::new(Role::Server, config, now, 5);
    s.send_binary(now, &[1; 60]).unwrap();
    let queued = s.queued_bytes();
    assert_eq!(
        s.send_binary(now, &[2; 60]),
        Err(SendError::Backpressure { queued, limit: 100 })
    );
    assert_eq!(s.queued_bytes(), queued, "nothing was queued");
    drain(&mut s);
    s.send_binary(now, &[2; 60]).unwrap();
    // A lone message larger than the mark still goes: otherwise it never could.
    drain(&mut s);
    s.send_binary(now, &[3; 500]).unwrap();
    assert!(s.queued_bytes() > 500);
}
