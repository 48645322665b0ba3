//! A RESPONSE answers a request only on evidence (its COUNTER or POS_RECON echoed): a
//! notification that arrives while a skip-auth payment is in flight, a late answer of an
//! earlier request, and an answer naming another request are unsolicited, and the payment
//! still gets its real answer.
#![allow(clippy::disallowed_methods)] // virtual time starts at one wall-clock reading

mod broker_support;

use std::time::{Duration, Instant};

use broker_support::*;
use sca_ws::broker::{Event as BrokerEvent, RequestFailure, SubmitOptions};

const CAPTURE: &str = "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND>\
<TRANS_AMOUNT>9.99</TRANS_AMOUNT></TRANSACTION>";

/// A consumer notification: success code, no COUNTER, no POS_RECON.
fn notification() -> String {
    response_xml(-1, None, None).replace(
        "</RESPONSE>",
        "<NOTIFICATION>CUST_BUTTON</NOTIFICATION></RESPONSE>",
    )
}

fn is_unsolicited(events: &[BrokerEvent]) -> bool {
    matches!(events, [BrokerEvent::Unsolicited(_)])
}

#[test]
fn skip_auth_notification_during_a_capture_is_unsolicited() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    let (pay, got) = submit_and_read(&mut link, &mut peer, now, CAPTURE);
    let recon = field(&got[0], "POS_RECON")
        .expect("the link adds a POS_RECON")
        .to_owned();
    for code in [-1, 59001, -2] {
        let bare = notification().replace("<RESULT_CODE>-1<", &format!("<RESULT_CODE>{code}<"));
        let events = answer(&mut link, &mut peer, now, &bare);
        assert!(is_unsolicited(&events), "code {code}: {events:?}");
    }
    assert_eq!(link.pending_requests(), 1, "the capture is still in flight");
    let events = answer(
        &mut link,
        &mut peer,
        now,
        &response_xml(-1, None, Some(&recon)),
    );
    assert!(
        matches!(&events[..], [BrokerEvent::Answered { id, .. }] if *id == pay),
        "{events:?}"
    );
}

#[test]
fn pos_set_recon_is_kept_and_expected_back() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    let with_recon = CAPTURE.replace(
        "</TRANSACTION>",
        "<POS_RECON>pr-7</POS_RECON></TRANSACTION>",
    );
    // Even when the caller says the answer may lack the echo, the POS's own POS_RECON rules.
    let lax = SubmitOptions {
        answer_may_lack_echo: true,
        ..SubmitOptions::default()
    };
    let pay = link.submit_with(now, tx(&with_recon), lax).unwrap();
    let d = drain(&mut link);
    let got = peer.read(now, &d.bytes).texts;
    assert_eq!(field(&got[0], "POS_RECON"), Some("pr-7"));
    assert!(is_unsolicited(&answer(
        &mut link,
        &mut peer,
        now,
        &notification()
    )));
    let events = answer(
        &mut link,
        &mut peer,
        now,
        &response_xml(-1, None, Some("pr-7")),
    );
    assert!(
        matches!(&events[..], [BrokerEvent::Answered { id, .. }] if *id == pay),
        "{events:?}"
    );
}

#[test]
fn late_answer_of_a_timed_out_request_is_not_the_next_ones() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    let short = SubmitOptions {
        deadline: Some(now + Duration::from_secs(5)),
        ..SubmitOptions::default()
    };
    let first = link.submit_with(now, tx(CAPTURE), short).unwrap();
    let d = drain(&mut link);
    let old = peer.read(now, &d.bytes).texts;
    let old_recon = field(&old[0], "POS_RECON").unwrap().to_owned();
    let later = now + Duration::from_secs(6);
    link.handle_timeout(later);
    let d = drain(&mut link);
    assert!(
        matches!(&d.events[..], [BrokerEvent::Failed { id, failure: RequestFailure::TimedOut { sent: true } }] if *id == first),
        "{d:?}"
    );
    let (second, got) = submit_and_read(&mut link, &mut peer, later, CAPTURE);
    let new_recon = field(&got[0], "POS_RECON").unwrap().to_owned();
    assert_ne!(old_recon, new_recon);
    let late = response_xml(-1, None, Some(&old_recon));
    assert!(is_unsolicited(&answer(&mut link, &mut peer, later, &late)));
    let events = answer(
        &mut link,
        &mut peer,
        later,
        &response_xml(-1, None, Some(&new_recon)),
    );
    assert!(
        matches!(&events[..], [BrokerEvent::Answered { id, .. }] if *id == second),
        "{events:?}"
    );
}

#[test]
fn mac_mode_answer_without_the_counter_echo_is_unsolicited() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    let mut book = sca_ws::broker::CounterBook::new();
    book.insert("P_1", b"0123456789abcdef", 0).unwrap();
    link.set_counters(book);
    let (pay, got) = submit_and_read(&mut link, &mut peer, now, CAPTURE);
    assert_eq!(field(&got[0], "COUNTER"), Some("1"));
    // A notification, even a failure one, carries neither echo.
    for code in [-1, 40007] {
        let bare = response_xml(code, None, None);
        assert!(
            is_unsolicited(&answer(&mut link, &mut peer, now, &bare)),
            "{code}"
        );
    }
    // Another COUNTER is no echo either.
    assert!(is_unsolicited(&answer(
        &mut link,
        &mut peer,
        now,
        &response_xml(-1, Some(2), None)
    )));
    let events = answer(&mut link, &mut peer, now, &response_xml(-1, Some(1), None));
    assert!(
        matches!(&events[..], [BrokerEvent::Answered { id, .. }] if *id == pay),
        "{events:?}"
    );
}
