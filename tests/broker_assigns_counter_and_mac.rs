//! COUNTER / MAC / MAC_LABEL: written into requests from the link's per-label book when a key
//! is set, never under skip-auth or on MAC-exempt commands.
#![allow(clippy::disallowed_methods)] // virtual time starts at one wall-clock reading

mod broker_support;

use std::time::Instant;

use broker_support::*;
use sca_ws::{
    broker::{CounterBook, CounterError, Event as BrokerEvent, RequestFailure},
    mac::verify_mac,
};

const KEY: [u8; 16] = *b"0123456789abcdef";
const PAYMENT: &str =
    "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND></TRANSACTION>";
const GET_COUNTER: &str = "<TRANSACTION><FUNCTION_TYPE>ADMIN</FUNCTION_TYPE><COMMAND>GET_COUNTER</COMMAND>\
<MAC_LABEL>P_001</MAC_LABEL></TRANSACTION>";
const CANCEL: &str = "<TRANSACTION><FUNCTION_TYPE>SECONDARYPORT</FUNCTION_TYPE><COMMAND>CANCEL</COMMAND></TRANSACTION>";
const REGISTER: &str =
    "<TRANSACTION><FUNCTION_TYPE>SECURITY</FUNCTION_TYPE><COMMAND>REGISTER</COMMAND></TRANSACTION>";

fn keyed(last: u32) -> CounterBook {
    let mut book = CounterBook::new();
    book.insert("P_001", &KEY, last).unwrap();
    book
}

#[test]
fn each_request_gets_the_next_counter_and_its_mac() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    link.set_counters(keyed(41));
    for want in [42u32, 43] {
        let (_, got) = submit_and_read(&mut link, &mut peer, now, PAYMENT);
        let counter: u32 = field(&got[0], "COUNTER").unwrap().parse().unwrap();
        assert_eq!(counter, want);
        assert_eq!(field(&got[0], "MAC_LABEL"), Some("P_001"));
        assert!(verify_mac(&KEY, counter, field(&got[0], "MAC").unwrap()));
        answer(
            &mut link,
            &mut peer,
            now,
            &response_xml(-1, Some(counter), None),
        );
    }
    assert_eq!(link.counters().last_counter("P_001"), Some(43));
}

#[test]
fn caller_supplied_auth_fields_are_replaced_not_duplicated() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    link.set_counters(keyed(0));
    let stale = PAYMENT.replace(
        "</TRANSACTION>",
        "<COUNTER>9</COUNTER><MAC>x</MAC></TRANSACTION>",
    );
    let (_, got) = submit_and_read(&mut link, &mut peer, now, &stale);
    assert_eq!(got[0].matches("<COUNTER>").count(), 1, "{}", got[0]);
    assert_eq!(field(&got[0], "COUNTER"), Some("1"));
}

#[test]
fn exempt_commands_and_skip_auth_carry_no_mac() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    link.set_counters(keyed(5));
    for xml in [GET_COUNTER, REGISTER] {
        let (_, got) = submit_and_read(&mut link, &mut peer, now, xml);
        assert_eq!(field(&got[0], "MAC"), None, "{}", got[0]);
        assert_eq!(field(&got[0], "COUNTER"), None, "{}", got[0]);
        answer(&mut link, &mut peer, now, &response_xml(-1, None, None));
    }
    let (_, got) = submit_and_read(&mut link, &mut peer, now, CANCEL);
    assert_eq!(field(&got[0], "MAC"), None);
    assert_eq!(
        link.counters().last_counter("P_001"),
        Some(5),
        "no counter was used"
    );

    // Skip-auth: an empty book adds nothing.
    let (mut link, mut peer) = open_link(now, quiet_config());
    let (_, got) = submit_and_read(&mut link, &mut peer, now, PAYMENT);
    for name in ["COUNTER", "MAC", "MAC_LABEL"] {
        assert_eq!(field(&got[0], name), None, "{}", got[0]);
    }
}

#[test]
fn get_counter_answer_raises_the_label_counter() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    link.set_counters(keyed(0));
    let (id, _) = submit_and_read(&mut link, &mut peer, now, GET_COUNTER);
    let events = answer(&mut link, &mut peer, now, &response_xml(-1, Some(77), None));
    assert!(
        matches!(events[..], [BrokerEvent::Answered { id: i, .. }] if i == id),
        "{events:?}"
    );
    assert_eq!(link.counters().last_counter("P_001"), Some(77));
    let (_, got) = submit_and_read(&mut link, &mut peer, now, PAYMENT);
    assert_eq!(field(&got[0], "COUNTER"), Some("78"));
}

#[test]
fn counter_echo_tells_the_answer_from_a_notification() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    link.set_counters(keyed(0));
    let (id, _) = submit_and_read(&mut link, &mut peer, now, PAYMENT);
    // A success without the request's COUNTER is a notification in MAC mode.
    let events = answer(&mut link, &mut peer, now, &response_xml(-1, None, None));
    assert!(
        matches!(events[..], [BrokerEvent::Unsolicited(_)]),
        "{events:?}"
    );
    let events = answer(&mut link, &mut peer, now, &response_xml(-1, Some(1), None));
    assert!(
        matches!(events[..], [BrokerEvent::Answered { id: i, .. }] if i == id),
        "{events:?}"
    );
}

#[test]
fn counters_move_with_the_terminal_to_its_next_link() {
    let now = Instant::now();
    let (mut first, mut peer) = open_link(now, quiet_config());
    first.set_counters(keyed(10));
    submit_and_read(&mut first, &mut peer, now, PAYMENT);
    first.handle_eof(now);
    drain(&mut first);
    let (mut second, mut peer) = open_link(now, quiet_config());
    second.set_counters(first.take_counters());
    let (_, got) = submit_and_read(&mut second, &mut peer, now, PAYMENT);
    assert_eq!(field(&got[0], "COUNTER"), Some("12"));
}

#[test]
fn unknown_label_fails_the_request_without_sending_it() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    link.set_counters(keyed(0));
    let other = PAYMENT.replace(
        "</TRANSACTION>",
        "<MAC_LABEL>P_999</MAC_LABEL></TRANSACTION>",
    );
    let id = link.submit(now, tx(&other)).unwrap();
    let d = drain(&mut link);
    assert!(peer.read(now, &d.bytes).texts.is_empty());
    let [BrokerEvent::Failed { id: i, failure }] = &d.events[..] else {
        panic!("{d:?}");
    };
    assert_eq!(*i, id);
    assert_eq!(
        *failure,
        RequestFailure::Auth(CounterError::UnknownLabel {
            label: "P_999".into()
        })
    );
    assert!(!failure.was_sent());
}
