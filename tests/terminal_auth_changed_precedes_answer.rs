//! `AuthChanged` comes before the output that depends on the change: a driver that saves the
//! state when it sees the event, before writing the transmits that follow, never lets out an
//! answer to a COUNTER that a restarted terminal would accept again.

mod common;

use bytes::BytesMut;
use common::{t0, unmasked};
use sca_ws::handshake::{ServerConfig, decode_request, encode_accept};
use sca_ws::mac::compute_mac;
use sca_ws::terminal::{AuthState, Config as TerminalConfig, Event, LabelState, Output, Terminal};

const KEY: [u8; 16] = *b"order-test-key16";

/// A terminal whose link is up (handshake answered), with label P_1 restored.
fn open_terminal() -> Terminal {
    let now = t0();
    let config = TerminalConfig {
        host: "broker.test".into(),
        port: 8080,
        tls: false,
        ..TerminalConfig::default()
    };
    let mut terminal = Terminal::new(config, now, 5);
    let state = AuthState {
        labels: vec![LabelState::new("P_1", KEY, Some(0))],
        last_counter: None,
    };
    terminal.restore_auth_state(&state).unwrap();
    terminal.handle_connected(now);
    let mut upgrade = BytesMut::new();
    for _ in 0..100 {
        match terminal.poll_output() {
            Some(Output::Transmit(b)) => upgrade.extend_from_slice(&b),
            Some(_) => {}
            None => break,
        }
    }
    let (request, _) = decode_request(&upgrade, &ServerConfig::default())
        .unwrap()
        .expect("an upgrade request");
    let mut accept = BytesMut::new();
    encode_accept(&request, Some("sci"), &[], &mut accept).unwrap();
    terminal.handle_input(now, &accept);
    while terminal.poll_output().is_some() {}
    assert!(terminal.is_connected());
    terminal
}

fn signed(command: (&str, &str), counter: u32) -> Vec<u8> {
    let mac = compute_mac(&KEY, counter);
    let xml = format!(
        "<TRANSACTION><FUNCTION_TYPE>{}</FUNCTION_TYPE><COMMAND>{}</COMMAND>\
         <MAC_LABEL>P_1</MAC_LABEL><COUNTER>{counter}</COUNTER><MAC>{mac}</MAC></TRANSACTION>",
        command.0, command.1
    );
    unmasked(0x81, xml.as_bytes())
}

/// What the terminal asks for after `frame`, as short tags.
fn outputs_after(terminal: &mut Terminal, frame: &[u8]) -> Vec<&'static str> {
    terminal.handle_input(t0(), frame);
    let mut tags = Vec::new();
    for _ in 0..100 {
        match terminal.poll_output() {
            Some(Output::Transmit(_)) => tags.push("transmit"),
            Some(Output::Event(Event::AuthChanged)) => tags.push("auth"),
            Some(Output::Event(Event::Request { .. })) => tags.push("request"),
            Some(_) => tags.push("other"),
            None => break,
        }
    }
    tags
}

#[test]
fn auth_changed_precedes_the_answer_the_machine_gives_itself() {
    let mut terminal = open_terminal();
    let tags = outputs_after(&mut terminal, &signed(("SECURITY", "TEST_MAC"), 1));
    assert_eq!(tags, ["auth", "transmit"]);
    assert_eq!(
        terminal.auth_state().label("P_1").unwrap().last_counter,
        Some(1)
    );
}

#[test]
fn auth_changed_precedes_the_request_the_application_answers() {
    let mut terminal = open_terminal();
    let tags = outputs_after(&mut terminal, &signed(("DEVICE", "VERSION"), 4));
    assert_eq!(tags, ["auth", "request"]);
}

#[test]
fn a_refused_counter_changes_nothing_and_reports_nothing() {
    let mut terminal = open_terminal();
    outputs_after(&mut terminal, &signed(("SECURITY", "TEST_MAC"), 2));
    let before = terminal.auth_state();
    let tags = outputs_after(&mut terminal, &signed(("SECURITY", "TEST_MAC"), 2));
    assert_eq!(tags, ["transmit"], "the stale refusal only");
    assert_eq!(terminal.auth_state(), before);
}
