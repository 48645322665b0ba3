//! Matching each RESPONSE to the request it answers: one primary in flight, secondaries
//! alongside, notifications for the rest (the rule is in `broker/matching.rs`).
#![allow(clippy::disallowed_methods)] // virtual time starts at one wall-clock reading

mod broker_support;

use std::time::Instant;

use broker_support::*;
use sca_ws::broker::{Error as BrokerError, Event as BrokerEvent, SubmitOptions, WhenBusy};

const PAYMENT: &str = "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND>\
<TRANS_AMOUNT>1.00</TRANS_AMOUNT></TRANSACTION>";
const CANCEL: &str = "<TRANSACTION><FUNCTION_TYPE>SECONDARYPORT</FUNCTION_TYPE><COMMAND>CANCEL</COMMAND></TRANSACTION>";

#[test]
fn seed_session_start_is_answered_by_the_seed_response() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    let (id, got) = submit_and_read(&mut link, &mut peer, now, SEED_SESSION_START);
    assert_eq!(got.len(), 1);
    assert_eq!(field(&got[0], "INVOICE"), Some("123456"));
    let events = answer(&mut link, &mut peer, now, SEED_SESSION_STARTED);
    let [
        BrokerEvent::Answered {
            id: got_id,
            response,
        },
    ] = &events[..]
    else {
        panic!("{events:?}");
    };
    assert_eq!(*got_id, id);
    assert_eq!(response.response_text.as_deref(), Some("Session Started"));
    assert_eq!(link.pending_requests(), 0);
}

#[test]
fn cancel_during_payment_both_answered_in_either_order() {
    let now = Instant::now();
    for cancel_answer_first in [true, false] {
        let (mut link, mut peer) = open_link(now, quiet_config());
        let (pay, pay_got) = submit_and_read(&mut link, &mut peer, now, PAYMENT);
        let (cancel, got) = submit_and_read(&mut link, &mut peer, now, CANCEL);
        assert_eq!(got.len(), 1, "the secondary goes out alongside the primary");
        // The terminal echoes the POS_RECON the link wrote into each request.
        let cancel_ok = response_xml(-1, None, field(&got[0], "POS_RECON"));
        let cancelled = response_xml(59001, None, field(&pay_got[0], "POS_RECON"));
        let order = if cancel_answer_first {
            [cancel_ok.as_str(), cancelled.as_str()]
        } else {
            [cancelled.as_str(), cancel_ok.as_str()]
        };
        let mut answered = Vec::new();
        for xml in order {
            for e in answer(&mut link, &mut peer, now, xml) {
                let BrokerEvent::Answered { id, response } = e else {
                    panic!("{e:?}");
                };
                answered.push((id, response.result_code.map(|c| c.0)));
            }
        }
        answered.sort();
        assert_eq!(answered, [(pay, Some(59001)), (cancel, Some(-1))]);
    }
}

#[test]
fn response_with_nothing_in_flight_is_unsolicited() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    let events = answer(&mut link, &mut peer, now, &response_xml(-1, None, None));
    assert!(
        matches!(events[..], [BrokerEvent::Unsolicited(_)]),
        "{events:?}"
    );
}

#[test]
fn foreign_pos_recon_is_unsolicited_and_the_request_stays_in_flight() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    let with_recon = PAYMENT.replace("</TRANSACTION>", "<POS_RECON>r-1</POS_RECON></TRANSACTION>");
    let (id, got) = submit_and_read(&mut link, &mut peer, now, &with_recon);
    assert_eq!(field(&got[0], "POS_RECON"), Some("r-1"));
    let events = answer(
        &mut link,
        &mut peer,
        now,
        &response_xml(-1, None, Some("other")),
    );
    assert!(
        matches!(events[..], [BrokerEvent::Unsolicited(_)]),
        "{events:?}"
    );
    let events = answer(
        &mut link,
        &mut peer,
        now,
        &response_xml(-1, None, Some("r-1")),
    );
    assert!(
        matches!(events[..], [BrokerEvent::Answered { id: i, .. }] if i == id),
        "{events:?}"
    );
}

#[test]
fn primaries_wait_in_order_and_go_out_one_at_a_time() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    let (a, a_got) = submit_and_read(&mut link, &mut peer, now, PAYMENT);
    let (b, got) = submit_and_read(&mut link, &mut peer, now, SEED_SESSION_START);
    assert!(got.is_empty(), "second primary waits");
    assert_eq!(link.pending_requests(), 2);
    let frame = peer.frame(now, &response_xml(-1, None, field(&a_got[0], "POS_RECON")));
    link.handle_input(now, &frame);
    let d = drain(&mut link);
    assert!(
        matches!(d.events[..], [BrokerEvent::Answered { id, .. }] if id == a),
        "{d:?}"
    );
    // The answer released the waiting request onto the wire.
    let got = peer.read(now, &d.bytes).texts;
    assert_eq!(got.len(), 1);
    assert_eq!(field(&got[0], "FUNCTION_TYPE"), Some("SESSION"));
    let events = answer(&mut link, &mut peer, now, SEED_SESSION_STARTED);
    assert!(matches!(events[..], [BrokerEvent::Answered { id, .. }] if id == b));
}

#[test]
fn busy_refusal_and_bounded_queue() {
    let now = Instant::now();
    let config = sca_ws::broker::Config {
        max_waiting_requests: 1,
        ..quiet_config()
    };
    let (mut link, mut peer) = open_link(now, config);
    submit_and_read(&mut link, &mut peer, now, PAYMENT);
    let refuse = SubmitOptions {
        when_busy: WhenBusy::Refuse,
        ..SubmitOptions::default()
    };
    assert_eq!(
        link.submit_with(now, tx(PAYMENT), refuse),
        Err(BrokerError::Busy)
    );
    link.submit(now, tx(PAYMENT)).unwrap();
    assert_eq!(
        link.submit(now, tx(PAYMENT)),
        Err(BrokerError::QueueFull { limit: 1 })
    );
    assert_eq!(link.pending_requests(), 2);
}

#[test]
fn without_echo_a_busy_answer_goes_to_the_primary_even_beside_a_secondary() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    // Both requests are declared as answered without echo, so only the order rule decides.
    let lax = SubmitOptions {
        answer_may_lack_echo: true,
        ..SubmitOptions::default()
    };
    let pay = link.submit_with(now, tx(PAYMENT), lax).unwrap();
    link.submit_with(now, tx(CANCEL), lax).unwrap();
    let d = drain(&mut link);
    assert_eq!(peer.read(now, &d.bytes).texts.len(), 2);
    let events = answer(&mut link, &mut peer, now, &response_xml(59002, None, None));
    assert!(
        matches!(events[..], [BrokerEvent::Answered { id, .. }] if id == pay),
        "{events:?}"
    );
}

#[test]
fn non_response_messages_are_reported_not_matched() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    submit_and_read(&mut link, &mut peer, now, PAYMENT);
    let events = answer(
        &mut link,
        &mut peer,
        now,
        "<TRANSACTION><FUNCTION_TYPE>X</FUNCTION_TYPE></TRANSACTION>",
    );
    assert!(
        matches!(events[..], [BrokerEvent::BadMessage(_)]),
        "{events:?}"
    );
    let events = answer(&mut link, &mut peer, now, "not xml");
    assert!(
        matches!(events[..], [BrokerEvent::BadMessage(_)]),
        "{events:?}"
    );
    assert_eq!(link.pending_requests(), 1);
}

#[test]
fn submit_before_open_is_misuse() {
    let now = Instant::now();
    let mut link = sca_ws::broker::Link::new(std::sync::Arc::new(quiet_config()), now, 1);
    assert_eq!(link.submit(now, tx(PAYMENT)), Err(BrokerError::NotOpen));
}
