//! The application reads the session state with `is_session_open` and corrects it with
//! `set_session_open` when an answer was lost with the link; the session rules and the
//! screen rule follow the corrected state.

mod common;

use std::time::Duration;

use common::{Pair, code, transaction};
use sca_ws::terminal::Event as TerminalEvent;
use sca_ws::xml::Response;

fn start_session(pair: &mut Pair) {
    pair.send(&transaction("SESSION", "START", &[("INVOICE", "1")]));
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("Session Started"));
    assert_eq!(code(&pair.one_response()), -1);
}

#[test]
fn a_finish_lost_with_the_link_is_corrected_by_the_application() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    start_session(&mut pair);
    assert!(pair.terminal.is_session_open());
    // FINISH reaches the device, which finishes; the link is gone before the answer.
    pair.send(&transaction("SESSION", "FINISH", &[]));
    let (_finish, _, _) = pair.one_request();
    pair.cut_wire();
    assert!(pair.terminal.is_session_open(), "the machine saw no answer");
    pair.terminal.set_session_open(false);
    assert!(!pair.terminal.is_session_open());
    pair.connect_within(Duration::from_secs(5));
    // The POS starts the next session: delivered, not refused with 59003.
    pair.send(&transaction("SESSION", "START", &[("INVOICE", "2")]));
    let (id, _, tx) = pair.one_request();
    assert_eq!(tx.command.as_str(), "START");
    pair.respond(id, Response::success("Session Started"));
    assert_eq!(code(&pair.one_response()), -1);
    assert!(pair.terminal.is_session_open());
}

#[test]
fn opening_it_lets_payments_through_and_hides_screen_messages() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    pair.send(&transaction(
        "PAYMENT",
        "CAPTURE",
        &[("TRANS_AMOUNT", "1.00")],
    ));
    assert_eq!(code(&pair.one_response()), 59004, "no session yet");

    pair.terminal.set_session_open(true);
    pair.send(&transaction(
        "PAYMENT",
        "CAPTURE",
        &[("TRANS_AMOUNT", "1.00")],
    ));
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("Approved"));
    pair.take_responses();
    pair.send(&transaction("SESSION", "START", &[("INVOICE", "3")]));
    assert_eq!(code(&pair.one_response()), 59003, "a session is open");

    pair.events.clear();
    pair.cut_wire();
    pair.connect_within(Duration::from_secs(5));
    assert!(
        !pair
            .events
            .iter()
            .any(|e| matches!(e, TerminalEvent::Screen(_))),
        "with a session open only the icons change: {:?}",
        pair.events
    );
}
