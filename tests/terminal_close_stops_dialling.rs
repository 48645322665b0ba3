//! `Terminal::close` shuts the link down for good: an open link goes through the close
//! handshake, a transport being set up is dropped, and nothing is dialled again, however long
//! the driver keeps calling `handle_timeout`.

mod common;

use std::time::{Duration, Instant};

use common::{Pair, transaction};
use sca_ws::terminal::{self, Event, Output, Terminal};
use sca_ws::ws::SendError;
use sca_ws::{CloseCode, TransportFailure, broker};

fn drain(terminal: &mut Terminal) -> Vec<Output> {
    std::iter::from_fn(|| terminal.poll_output())
        .take(1_000)
        .collect()
}

fn stopped(outputs: &[Output]) -> usize {
    outputs
        .iter()
        .filter(|o| matches!(o, Output::Event(Event::Stopped)))
        .count()
}

#[test]
fn an_open_link_closes_with_the_code_given_and_is_never_dialled_again() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(5));
    pair.submit(&transaction("DEVICE", "VERSION", &[]));
    let (id, _, _) = pair.one_request();
    let connects = pair.connects.len();

    let now = pair.now;
    pair.terminal
        .close(now, CloseCode::GOING_AWAY, "shutting down")
        .unwrap();
    pair.settle();

    assert!(pair.terminal.is_stopped());
    assert!(pair.events.contains(&Event::RequestAbandoned { id }));
    assert!(
        pair.events
            .iter()
            .any(|e| matches!(e, Event::Status(s) if !s.connected))
    );
    assert_eq!(
        pair.events
            .iter()
            .filter(|e| matches!(e, Event::Stopped))
            .count(),
        1
    );
    assert!(pair.broker_events.iter().any(|e| matches!(
        e,
        broker::Event::Closed(broker::CloseReason::Closed { code, reason })
            if *code == CloseCode::GOING_AWAY && reason == "shutting down"
    )));
    assert_eq!(pair.terminal.poll_timeout(), None);

    pair.advance(Duration::from_secs(3600));
    assert_eq!(pair.connects.len(), connects, "dialled after close");
    assert!(!pair.terminal.is_connected());
    assert_eq!(
        pair.terminal.close(pair.now, CloseCode::NORMAL, ""),
        Err(SendError::Closed)
    );
}

#[test]
fn a_code_the_close_frame_cannot_carry_changes_nothing() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(5));
    let now = pair.now;
    assert_eq!(
        pair.terminal.close(now, CloseCode::ABNORMAL, ""),
        Err(SendError::InvalidCloseCode { code: 1006 })
    );
    let long = "x".repeat(124);
    assert_eq!(
        pair.terminal.close(now, CloseCode::NORMAL, &long),
        Err(SendError::CloseReasonTooLong { len: 124 })
    );
    pair.settle();
    assert!(pair.terminal.is_connected() && pair.link_open());
    // It can still be closed properly afterwards.
    pair.terminal.close(now, CloseCode::NORMAL, "").unwrap();
    pair.settle();
    assert!(pair.terminal.is_stopped());
}

#[test]
fn closing_while_waiting_to_retry_stops_at_once() {
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    let mut terminal = Terminal::new(terminal::Config::default(), now, 5);
    drain(&mut terminal);
    terminal.handle_transport_failed(now, TransportFailure::Refused);
    drain(&mut terminal);
    assert!(terminal.poll_timeout().is_some(), "a retry is scheduled");

    terminal.close(now, CloseCode::NORMAL, "").unwrap();
    let outputs = drain(&mut terminal);
    assert_eq!(stopped(&outputs), 1);
    assert!(!outputs.iter().any(|o| matches!(o, Output::CloseTransport)));
    assert_eq!(terminal.poll_timeout(), None);
    terminal.handle_timeout(now + Duration::from_secs(86_400));
    assert!(drain(&mut terminal).is_empty(), "no retry after close");
}

#[test]
fn closing_while_connecting_drops_the_transport_and_ignores_it_coming_up() {
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    let mut terminal = Terminal::new(terminal::Config::default(), now, 6);
    assert!(
        drain(&mut terminal)
            .iter()
            .any(|o| matches!(o, Output::Connect(_)))
    );

    terminal.close(now, CloseCode::NORMAL, "").unwrap();
    let outputs = drain(&mut terminal);
    assert!(matches!(outputs.first(), Some(Output::CloseTransport)));
    assert_eq!(stopped(&outputs), 1);

    // A transport that opens anyway, or bytes that still arrive, are ignored.
    terminal.handle_connected(now);
    terminal.handle_input(now, b"HTTP/1.1 101 Switching Protocols\r\n\r\n");
    terminal.handle_eof(now);
    assert!(drain(&mut terminal).is_empty());
    assert_eq!(terminal.poll_timeout(), None);
}
