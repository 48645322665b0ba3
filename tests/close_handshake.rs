//! RFC 6455 §7: the close handshake, its codes, and who closes TCP when.
mod common;
use bytes::Bytes;
use common::*;
use sca_ws::{
    frame::{CloseCode, Error as FrameError},
    ws::{Error as WsError, Event, Output, SendError, State as ConnectionState, Utf8Bytes},
};

#[test]
fn server_echoes_close_code_then_closes_transport() {
    let now = t0();
    let mut s = server(now);
    s.handle_input(now, &masked(0x88, &[0x03, 0xE8, b'o', b'k'], [5, 6, 7, 8]));
    let out = drain(&mut s);
    assert_eq!(
        events(&out),
        [Event::Close {
            code: CloseCode::NORMAL,
            reason: Utf8Bytes::from("ok")
        }]
    );
    assert_eq!(
        server_frames(&transmitted(&out)),
        [(0x88, vec![0x03, 0xE8])]
    );
    assert!(closes_transport(&out));
    assert_eq!(s.state(), ConnectionState::Closed);
}

#[test]
fn client_replies_then_waits_for_server_eof() {
    let now = t0();
    let mut c = client(now);
    c.handle_input(now, &unmasked(0x88, &[]));
    let out = drain(&mut c);
    assert_eq!(
        events(&out),
        [Event::Close {
            code: CloseCode::NO_STATUS,
            reason: Utf8Bytes::default()
        }]
    );
    assert_eq!(
        server_frames(&transmitted(&out)),
        [(0x88, vec![])],
        "empty close echoed"
    );
    assert!(!closes_transport(&out));
    assert_eq!(c.state(), ConnectionState::Closing);
    c.handle_eof(now);
    assert_eq!(drain(&mut c), [Output::CloseTransport]);
}

#[test]
fn client_closes_transport_after_timeout_when_server_lingers() {
    let now = t0();
    let mut c = client(now);
    c.handle_input(now, &unmasked(0x88, &[0x03, 0xE8]));
    drain(&mut c);
    let deadline = c.poll_timeout().expect("close timeout armed");
    c.handle_timeout(deadline - std::time::Duration::from_millis(1));
    assert!(drain(&mut c).is_empty(), "early timeout is a no-op");
    c.handle_timeout(deadline);
    assert_eq!(drain(&mut c), [Output::CloseTransport]);
}

#[test]
fn initiated_close_waits_for_reply_and_still_delivers_data() {
    let now = t0();
    let mut s = server(now);
    s.close(now, CloseCode::GOING_AWAY, "bye").unwrap();
    assert_eq!(s.send_text(now, "late"), Err(SendError::Closed));
    let out = drain(&mut s);
    assert_eq!(
        server_frames(&transmitted(&out)),
        [(0x88, b"\x03\xe9bye".to_vec())]
    );
    let key = [1, 1, 1, 1];
    let mut wire = masked(0x82, b"d", key);
    wire.extend(masked(0x89, b"p", key));
    wire.extend(masked(0x88, &[0x03, 0xE9], key));
    s.handle_input(now, &wire);
    let out = drain(&mut s);
    assert_eq!(
        events(&out),
        [
            Event::Binary(Bytes::from_static(b"d")),
            Event::Ping(Bytes::from_static(b"p")),
            Event::Close {
                code: CloseCode::GOING_AWAY,
                reason: Utf8Bytes::default()
            },
        ]
    );
    assert!(
        transmitted(&out).is_empty(),
        "no pong and no second close after our close"
    );
    assert!(closes_transport(&out));
}

#[test]
fn initiated_close_times_out() {
    let now = t0();
    let mut c = client(now);
    c.close(now, CloseCode::NORMAL, "").unwrap();
    drain(&mut c);
    c.handle_timeout(at(now, 60));
    let out = drain(&mut c);
    assert_eq!(events(&out), [Event::Failed(WsError::CloseTimeout)]);
    assert!(closes_transport(&out));
}

#[test]
fn invalid_close_codes_fail_with_1002() {
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000] {
        let now = t0();
        let mut c = client(now);
        c.handle_input(now, &unmasked(0x88, &code.to_be_bytes()));
        let out = drain(&mut c);
        assert_eq!(
            events(&out),
            [Event::Failed(WsError::Frame(
                FrameError::InvalidCloseCode { code }
            ))]
        );
        assert_eq!(server_frames(&transmitted(&out))[0].1, [0x03, 0xEA]);
    }
}

#[test]
fn one_byte_close_payload_fails() {
    let now = t0();
    let mut c = client(now);
    c.handle_input(now, &unmasked(0x88, &[0x03]));
    assert_eq!(
        events(&drain(&mut c)),
        [Event::Failed(WsError::Frame(
            FrameError::ClosePayloadTooShort
        ))]
    );
}

#[test]
fn refuses_to_send_invalid_close() {
    let now = t0();
    let mut c = client(now);
    assert_eq!(
        c.close(now, CloseCode::ABNORMAL, ""),
        Err(SendError::InvalidCloseCode { code: 1006 })
    );
    assert_eq!(
        c.close(now, CloseCode::NORMAL, &"x".repeat(124)),
        Err(SendError::CloseReasonTooLong { len: 124 })
    );
    assert!(c.is_open());
}

#[test]
fn eof_before_close_is_abnormal() {
    let now = t0();
    let mut c = client(now);
    c.handle_eof(now);
    let out = drain(&mut c);
    assert_eq!(events(&out), [Event::Failed(WsError::TransportClosed)]);
    assert!(closes_transport(&out));
}
