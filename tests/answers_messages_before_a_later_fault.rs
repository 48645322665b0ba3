//! RFC 6455 §7.1.7 with Autobahn 3.2 / 4.1.3 / 5.15: when a good message and a bad frame
//! arrive in one read, the application still sees and can answer the good message before
//! the connection fails, so its reply goes out ahead of the close frame.
mod common;
use common::*;
use sca_ws::{
    frame::Error as FrameError,
    ws::{Error as WsError, Event, Output},
};

#[test]
fn reply_to_earlier_message_precedes_the_close_frame() {
    let now = t0();
    let mut s = server(now);
    let mut input = masked(0x81, b"Hello", [1, 2, 3, 4]);
    input.extend(masked(0xC1, b"bad rsv", [5, 6, 7, 8])); // RSV1 without an extension
    s.handle_input(now, &input);

    // The good message comes first, and the connection still accepts a reply.
    let first = s.poll_output();
    assert!(matches!(&first, Some(Output::Event(Event::Text(t))) if t.as_str() == "Hello"));
    assert!(s.is_open());
    s.send_text(now, "Hello")
        .expect("reply before the failure takes effect");

    let rest = drain(&mut s);
    let frames = server_frames(&transmitted(&rest));
    assert_eq!(frames.len(), 2, "the echo, then the close");
    assert_eq!(frames[0], (0x81, b"Hello".to_vec()));
    assert_eq!(frames[1], (0x88, vec![0x03, 0xEA]));
    assert_eq!(
        events(&rest),
        [Event::Failed(WsError::Frame(FrameError::ReservedBits {
            rsv: 4
        }))]
    );
    assert!(closes_transport(&rest));
}

#[test]
fn input_after_the_fault_is_not_read() {
    let now = t0();
    let mut s = server(now);
    let mut input = masked(0x81, b"one", [1, 2, 3, 4]);
    input.extend(masked(0x85, b"", [1, 2, 3, 4])); // reserved opcode 5
    s.handle_input(now, &input);
    s.handle_input(now, &masked(0x81, b"two", [1, 2, 3, 4]));
    let out = drain(&mut s);
    let texts: Vec<_> = events(&out)
        .into_iter()
        .filter(|e| matches!(e, Event::Text(_)))
        .collect();
    assert_eq!(texts.len(), 1, "nothing is read past the bad frame");
}
