//! RFC 6455 §5.5: control frames carry at most 125 bytes and are never fragmented.
mod common;
use common::*;
use sca_ws::{
    frame::Error as FrameError,
    ws::{Error as WsError, Event, SendError},
};

#[test]
fn rejects_control_frame_over_125_bytes_from_header() {
    let now = t0();
    let mut s = server(now);
    // Only the header: the failure must not wait for 126 bytes of payload.
    s.handle_input(now, &[0x89, 0xFE, 0x00, 0x7E]);
    let out = drain(&mut s);
    assert_eq!(
        events(&out),
        [Event::Failed(WsError::Frame(
            FrameError::ControlFrameTooLong { len: 126 }
        ))]
    );
}

#[test]
fn rejects_fragmented_ping() {
    let now = t0();
    let mut s = server(now);
    s.handle_input(now, &masked(0x09, b"x", [9, 9, 9, 9]));
    assert_eq!(
        events(&drain(&mut s)),
        [Event::Failed(WsError::Frame(
            FrameError::FragmentedControlFrame
        ))]
    );
}

#[test]
fn refuses_to_send_long_control_frames() {
    let now = t0();
    let mut s = server(now);
    assert_eq!(
        s.send_ping(now, &[0; 126]),
        Err(SendError::ControlTooLong { len: 126 })
    );
    assert_eq!(s.send_ping(now, &[0; 125]), Ok(()));
}
