//! Rule 4: one channel carries primary and secondary; secondaries are delivered and answered
//! while a primary runs; CANCEL raises the cancel event; a second primary gets 59002.

mod common;

use std::time::Duration;

use common::{Pair, code, transaction};
use sca_ws::{
    terminal::{Channel, Event as TerminalEvent},
    xml::Response,
};

fn connected() -> Pair {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    pair.events.clear();
    pair
}

#[test]
fn second_primary_is_busy_at_once() {
    let mut pair = connected();
    pair.send(&transaction("DEVICE", "VERSION", &[]));
    let (first, channel, _) = pair.one_request();
    assert_eq!(channel, Channel::Primary);
    // The broker's link would hold this one back: it goes on the wire raw.
    pair.inject(&transaction(
        "DEVICE",
        "GET_DEVICENAME",
        &[("POS_RECON", "x")],
    ));
    let busy = pair.one_response();
    assert_eq!(code(&busy), 59002);
    assert_eq!(busy.response_text.as_deref(), Some("DEVICE IS BUSY"));
    assert_eq!(busy.pos_recon(), Some("x"));
    assert!(pair.take_requests().is_empty());
    pair.respond(first, Response::success("v1"));
    assert_eq!(code(&pair.one_response()), -1);
    pair.send(&transaction("DEVICE", "GET_DEVICENAME", &[]));
    assert_eq!(pair.take_requests().len(), 1, "free again after the answer");
}

#[test]
fn secondary_runs_beside_the_primary() {
    let mut pair = connected();
    pair.send(&transaction("DEVICE", "VERSION", &[]));
    let (primary, _, _) = pair.one_request();
    pair.send(&transaction("SECONDARYPORT", "STATUS", &[]));
    let (secondary, channel, _) = pair.one_request();
    assert_eq!(channel, Channel::Secondary);
    pair.respond(secondary, Response::success("idle"));
    pair.respond(primary, Response::success("v1"));
    let texts: Vec<_> = pair
        .take_responses()
        .into_iter()
        .map(|r| r.response_text.unwrap().into_owned())
        .collect();
    assert_eq!(texts, ["idle", "v1"]);
}

#[test]
fn cancel_raises_the_cancel_event_and_both_answers_go_out() {
    let mut pair = connected();
    pair.send(&transaction("PAYMENT", "CAPTURE", &[]));
    // No session: refused; open one first.
    assert_eq!(code(&pair.one_response()), 59004);
    pair.send(&transaction("SESSION", "START", &[]));
    let (start, _, _) = pair.one_request();
    pair.respond(start, Response::success("Session Started"));
    pair.take_responses();
    pair.send(&transaction(
        "PAYMENT",
        "CAPTURE",
        &[("TRANS_AMOUNT", "5.00")],
    ));
    let (payment, _, _) = pair.one_request();
    pair.events.clear();
    pair.send(&transaction("SECONDARYPORT", "CANCEL", &[]));
    assert!(matches!(pair.events[0], TerminalEvent::Cancel { id } if id == payment));
    let (cancel, channel, _) = pair.one_request();
    assert_eq!(channel, Channel::Secondary);
    pair.respond(cancel, Response::success("Cancel requested"));
    pair.respond(payment, Response::cancelled());
    let codes: Vec<i64> = pair.take_responses().iter().map(code).collect();
    assert_eq!(codes, [-1, 59001]);
}

#[test]
fn cancel_without_a_primary_is_just_delivered() {
    let mut pair = connected();
    pair.send(&transaction("SECONDARYPORT", "CANCEL", &[]));
    assert!(
        !pair
            .events
            .iter()
            .any(|e| matches!(e, TerminalEvent::Cancel { .. }))
    );
    assert_eq!(pair.take_requests().len(), 1);
}
