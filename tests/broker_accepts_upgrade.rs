//! Accepting a terminal: the seed's upgrade request, the application's decision, refusals and
//! the handshake timeout.
#![allow(clippy::disallowed_methods)] // virtual time starts at one wall-clock reading

mod broker_support;

use std::sync::Arc;
use std::time::Instant;

use broker_support::*;
use sca_ws::{
    broker::{
        CloseReason, Config as BrokerConfig, Error as BrokerError, Event as BrokerEvent, Link,
    },
    handshake::Error as HandshakeError,
};

fn new_link(now: Instant) -> Link {
    Link::new(Arc::new(quiet_config()), now, 1)
}

#[test]
fn seed_request_byte_by_byte_exposes_pinpad_origin_and_protocols() {
    let now = Instant::now();
    let mut link = new_link(now);
    for b in SEED_REQUEST {
        assert!(drain(&mut link).events.is_empty());
        link.handle_input(now, std::slice::from_ref(b));
    }
    let d = drain(&mut link);
    let [BrokerEvent::UpgradeRequested(info)] = &d.events[..] else {
        panic!("{d:?}");
    };
    assert_eq!(info.pinpad_id.as_deref(), Some("1"));
    assert_eq!(info.origin.as_deref(), Some("http://192.168.29.207"));
    assert_eq!(info.host, "192.168.29.207");
    assert_eq!(info.path, "/");
    assert_eq!(info.protocols, ["sci"]);
    assert!(
        info.headers
            .iter()
            .any(|(n, v)| n == "Pragma" && v == "no-cache")
    );
    assert!(d.bytes.is_empty(), "nothing is written before the decision");
}

#[test]
fn accept_with_sci_answers_101_with_the_seed_accept_key() {
    let now = Instant::now();
    let mut link = new_link(now);
    link.handle_input(now, SEED_REQUEST);
    drain(&mut link);
    assert!(!link.is_open());
    link.accept(now, Some("sci")).unwrap();
    let d = drain(&mut link);
    let (head, rest) = split_head(&d.bytes);
    assert!(
        head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!("Sec-WebSocket-Accept: {SEED_ACCEPT}\r\n")),
        "{head}"
    );
    assert!(head.contains("Sec-WebSocket-Protocol: sci\r\n"), "{head}");
    assert!(rest.is_empty());
    assert!(matches!(d.events[..], [BrokerEvent::Open]));
    assert!(link.is_open());
    // A second decision is misuse.
    assert_eq!(link.accept(now, None), Err(BrokerError::NoPendingUpgrade));
}

#[test]
fn accept_without_protocol_like_the_seed_broker() {
    let now = Instant::now();
    let mut link = new_link(now);
    link.handle_input(now, SEED_REQUEST);
    drain(&mut link);
    link.accept_with_headers(now, None, &[("Server", "sca-ws")])
        .unwrap();
    let (head, _) = split_head(&drain(&mut link).bytes);
    assert!(!head.contains("Sec-WebSocket-Protocol"), "{head}");
    assert!(head.contains("Server: sca-ws\r\n"), "{head}");
}

#[test]
fn accepting_a_protocol_not_offered_is_refused_and_changes_nothing() {
    let now = Instant::now();
    let mut link = new_link(now);
    link.handle_input(now, SEED_REQUEST);
    drain(&mut link);
    let err = link.accept(now, Some("chat")).unwrap_err();
    assert!(
        matches!(
            err,
            BrokerError::Handshake(HandshakeError::ProtocolNotOffered { .. })
        ),
        "{err:?}"
    );
    assert!(drain(&mut link).bytes.is_empty());
    link.accept(now, Some("sci")).unwrap();
    assert!(link.is_open());
}

#[test]
fn reject_sends_the_status_and_ends_the_link() {
    let now = Instant::now();
    let mut link = new_link(now);
    link.handle_input(now, SEED_REQUEST);
    drain(&mut link);
    assert!(matches!(
        link.reject(now, 200, "no"),
        Err(BrokerError::Handshake(
            HandshakeError::InvalidRejectionStatus { status: 200 }
        ))
    ));
    link.reject(now, 403, "unknown pinpad").unwrap();
    let d = drain(&mut link);
    assert!(d.bytes.starts_with(b"HTTP/1.1 403 "), "{d:?}");
    assert!(matches!(
        d.events[..],
        [BrokerEvent::Closed(CloseReason::Rejected { status: 403 })]
    ));
    assert!(d.close_transport);
    assert!(link.is_ended());
    assert_eq!(link.poll_timeout(), None);
}

#[test]
fn invalid_request_gets_an_error_status_and_closes() {
    let now = Instant::now();
    let mut link = new_link(now);
    let bad = String::from_utf8_lossy(SEED_REQUEST).replace("Version: 13", "Version: 8");
    link.handle_input(now, bad.as_bytes());
    let d = drain(&mut link);
    assert!(
        d.bytes.starts_with(b"HTTP/1.1 426 "),
        "{}",
        String::from_utf8_lossy(&d.bytes)
    );
    assert!(matches!(
        d.events[..],
        [BrokerEvent::Closed(CloseReason::HandshakeInvalid(
            HandshakeError::UnsupportedVersion { .. }
        ))]
    ));
    assert!(d.close_transport);
}

#[test]
fn oversized_request_is_refused_within_the_limit() {
    let now = Instant::now();
    let config = BrokerConfig {
        handshake: sca_ws::handshake::ServerConfig {
            max_request_bytes: 64,
            ..Default::default()
        },
        ..quiet_config()
    };
    let mut link = Link::new(Arc::new(config), now, 1);
    link.handle_input(now, &[b'a'; 10_000]);
    let d = drain(&mut link);
    assert!(d.close_transport);
    assert!(
        matches!(
            d.events[..],
            [BrokerEvent::Closed(CloseReason::HandshakeInvalid(_))]
        ),
        "{d:?}"
    );
}

#[test]
fn handshake_timeout_covers_reading_and_deciding() {
    let now = Instant::now();
    for decide in [false, true] {
        let mut link = new_link(now);
        assert_eq!(link.poll_timeout(), Some(now + secs(10)));
        if decide {
            link.handle_input(now, SEED_REQUEST);
            drain(&mut link);
        } else {
            link.handle_input(now, &SEED_REQUEST[..20]);
        }
        link.handle_timeout(now + secs(9));
        assert!(drain(&mut link).events.is_empty());
        link.handle_timeout(now + secs(10));
        let d = drain(&mut link);
        assert!(matches!(
            d.events[..],
            [BrokerEvent::Closed(CloseReason::HandshakeTimeout)]
        ));
        assert!(d.close_transport);
        assert_eq!(
            link.accept(now, Some("sci")),
            Err(BrokerError::NoPendingUpgrade)
        );
    }
}

#[test]
fn frames_sent_right_after_the_request_are_kept_for_the_connection() {
    let now = Instant::now();
    let mut link = new_link(now);
    let mut peer = Peer::new(now);
    let mut bytes = SEED_REQUEST.to_vec();
    bytes.extend(peer.frame(now, SEED_SESSION_STARTED));
    link.handle_input(now, &bytes);
    drain(&mut link);
    link.accept(now, Some("sci")).unwrap();
    let d = drain(&mut link);
    // Nothing was asked, so the early RESPONSE is a notification.
    assert!(
        matches!(
            d.events[..],
            [BrokerEvent::Open, BrokerEvent::Unsolicited(_)]
        ),
        "{d:?}"
    );
}

#[test]
fn eof_before_accept_ends_the_link() {
    let now = Instant::now();
    let mut link = new_link(now);
    link.handle_input(now, &SEED_REQUEST[..30]);
    link.handle_eof(now);
    let d = drain(&mut link);
    assert!(matches!(
        d.events[..],
        [BrokerEvent::Closed(CloseReason::TransportLost)]
    ));
    assert!(d.close_transport);
}
