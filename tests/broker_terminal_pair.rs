//! The crate's own terminal (`Terminal`) against the broker (`Link`), wired in memory on
//! virtual time: session start, payment, CANCEL during a payment, GET COUNTER, busy,
//! reconnect with a request in flight, skip-auth and MAC modes.

mod common;

use std::time::Duration;

use common::{LABEL, Pair};
use sca_ws::{
    broker::{Error as BrokerError, Event as BrokerEvent, RequestFailure, SubmitOptions, WhenBusy},
    terminal::{Channel, Event as TerminalEvent},
    xml::{Response, Transaction},
};

/// A linked pair; with `mac`, both sides hold the key of [`LABEL`] and the broker signs.
fn pair(mac: bool) -> Pair {
    let config = sca_ws::terminal::Config {
        skip_pos_auth: !mac,
        ping_interval: None,
        ..Pair::skip_auth_config()
    };
    let mut pair = Pair::with_seed(config, 5);
    if mac {
        pair = pair.with_mac_key().with_broker_key();
    }
    pair.settle();
    assert!(pair.link_open(), "link opens at boot");
    assert_eq!(pair.pinpad_id(), Some("1"));
    pair
}

const START: &str = "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND>\
<INVOICE>1</INVOICE></TRANSACTION>";
const PAYMENT: &str = "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND>\
<TRANS_AMOUNT>5.00</TRANS_AMOUNT><POS_RECON>pay-1</POS_RECON></TRANSACTION>";
const CANCEL: &str = "<TRANSACTION><FUNCTION_TYPE>SECONDARYPORT</FUNCTION_TYPE><COMMAND>CANCEL</COMMAND></TRANSACTION>";
const GET_COUNTER: &str = "<TRANSACTION><FUNCTION_TYPE>ADMIN</FUNCTION_TYPE><COMMAND>GET_COUNTER</COMMAND>\
<MAC_LABEL>P_1</MAC_LABEL></TRANSACTION>";

/// Starts a session (the terminal application approves it).
fn start_session(p: &mut Pair) {
    let id = p.submit(START);
    let [(rid, Channel::Primary, _)] = p.take_requests()[..] else {
        panic!("{:?}", p.events);
    };
    p.respond(rid, Response::success("Session Started"));
    assert!(
        p.answered(id).is_some_and(Response::is_success),
        "{:?}",
        p.broker_events
    );
    assert!(p.terminal.is_session_open());
}

#[test]
fn session_and_payment_in_both_auth_modes() {
    for mac in [false, true] {
        let mut p = pair(mac);
        start_session(&mut p);
        let pay = p.submit(PAYMENT);
        let [(rid, _, tx)] = &p.take_requests()[..] else {
            panic!()
        };
        assert_eq!(tx.pos_recon(), Some("pay-1"));
        assert_eq!(tx.counter().is_some(), mac, "COUNTER only with MAC");
        p.respond(*rid, Response::success("APPROVED"));
        let r = p.answered(pay).expect("payment answered");
        assert_eq!(r.pos_recon(), Some("pay-1"));
        assert_eq!(r.counter.is_some(), mac);
        assert!(
            p.broker_events
                .iter()
                .all(|e| !matches!(e, BrokerEvent::Failed { .. }))
        );
    }
}

#[test]
fn cancel_during_payment() {
    for mac in [false, true] {
        let mut p = pair(mac);
        start_session(&mut p);
        let pay = p.submit(PAYMENT);
        let [(pay_rid, Channel::Primary, _)] = p.take_requests()[..] else {
            panic!()
        };
        let cancel = p.submit(CANCEL);
        let [(cancel_rid, Channel::Secondary, _)] = p.take_requests()[..] else {
            panic!("{:?}", p.events)
        };
        assert!(
            p.events
                .iter()
                .any(|e| matches!(e, TerminalEvent::Cancel { id } if *id == pay_rid))
        );
        p.respond(cancel_rid, Response::success("Cancel accepted"));
        p.respond(pay_rid, Response::cancelled());
        assert_eq!(
            p.answered(cancel).and_then(|r| r.result_code).map(|c| c.0),
            Some(-1)
        );
        assert_eq!(
            p.answered(pay).and_then(|r| r.result_code).map(|c| c.0),
            Some(59001)
        );
    }
}

#[test]
fn get_counter_is_answered_by_the_terminal_and_synchronises_the_broker() {
    let mut p = pair(true);
    start_session(&mut p);
    let id = p.submit(GET_COUNTER);
    assert!(
        p.take_requests().is_empty(),
        "the terminal answers GET COUNTER itself"
    );
    let r = p.answered(id).expect("answered");
    assert_eq!(r.counter.map(|c| c.get()), Some(1));
    assert_eq!(p.link_mut().counters().last_counter(LABEL), Some(1));
}

#[test]
fn busy_primary_is_queued_or_refused_at_the_broker() {
    let mut p = pair(false);
    start_session(&mut p);
    let first = p.submit(PAYMENT);
    let now = p.now;
    let link = p.link_mut();
    let refuse = SubmitOptions {
        when_busy: WhenBusy::Refuse,
        ..SubmitOptions::default()
    };
    let tx = Transaction::decode(PAYMENT.as_bytes()).unwrap();
    assert_eq!(link.submit_with(now, tx, refuse), Err(BrokerError::Busy));
    let second = p.submit(PAYMENT);
    let reqs = p.take_requests();
    assert_eq!(
        reqs.len(),
        1,
        "the terminal never sees two primaries at once"
    );
    p.respond(reqs[0].0, Response::success("APPROVED"));
    assert!(p.answered(first).is_some());
    let reqs = p.take_requests();
    assert_eq!(
        reqs.len(),
        1,
        "the queued primary went out after the answer"
    );
    p.respond(reqs[0].0, Response::success("APPROVED"));
    assert!(p.answered(second).is_some());
}

#[test]
fn reconnect_while_a_request_is_in_flight() {
    let mut p = pair(true);
    start_session(&mut p);
    let pay = p.submit(PAYMENT);
    let [(rid, _, _)] = p.take_requests()[..] else {
        panic!()
    };
    // The transport drops under both peers.
    p.drop_link();
    assert_eq!(
        p.failed(pay),
        Some(&RequestFailure::LinkLost { sent: true })
    );
    assert!(
        p.events
            .iter()
            .any(|e| matches!(e, TerminalEvent::RequestAbandoned { id } if *id == rid))
    );
    p.advance(Duration::from_secs(60));
    assert_eq!(p.links_opened, 2, "the terminal reconnected");
    assert!(
        p.terminal.is_session_open(),
        "the session survives a reconnect"
    );
    // The counters moved to the new link: the next request is accepted by the terminal.
    let again = p.submit(PAYMENT);
    let [(rid, _, tx)] = &p.take_requests()[..] else {
        panic!("{:?}", p.broker_events)
    };
    assert_eq!(tx.counter().and_then(Result::ok).map(|c| c.get()), Some(3));
    p.respond(*rid, Response::success("APPROVED"));
    assert!(p.answered(again).is_some_and(Response::is_success));
}

#[test]
fn unanswered_request_times_out_at_the_broker() {
    let mut p = pair(false);
    start_session(&mut p);
    let pay = p.submit(PAYMENT);
    assert_eq!(p.take_requests().len(), 1);
    p.advance(Duration::from_secs(301));
    assert_eq!(
        p.failed(pay),
        Some(&RequestFailure::TimedOut { sent: true })
    );
}
