//! The terminal's unsolicited notifications (RESPONSE documents sent without a request,
//! PROTOCOL.md §3) reach the broker as `BrokerEvent::Unsolicited`, also while a request is
//! outstanding whose COUNTER / POS_RECON they do not carry; the request keeps its own answer.

mod common;

use std::time::Duration;

use common::{Pair, transaction};
use sca_ws::{
    broker::Event as BrokerEvent,
    terminal::Error as TerminalError,
    xml::{Counter, Response},
};

const PAYMENT: &str = "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND>\
<TRANS_AMOUNT>5.00</TRANS_AMOUNT><POS_RECON>pay-1</POS_RECON></TRANSACTION>";

fn card_inserted() -> Response {
    Response::success("Card inserted")
        .with_field("NOTIFICATION", "CARD_INSERTED")
        .expect("a plain field")
}

/// A linked pair with an open session; with `mac` both sides hold the key and the broker signs.
fn linked(mac: bool) -> Pair {
    let config = sca_ws::terminal::Config {
        skip_pos_auth: !mac,
        ..Pair::skip_auth_config()
    };
    let mut pair = Pair::new(config);
    if mac {
        pair = pair.with_mac_key().with_broker_key();
    }
    pair.connect_within(Duration::from_secs(1));
    pair.send(&transaction("SESSION", "START", &[]));
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("Session Started"));
    pair.take_responses();
    pair.broker_events.clear();
    pair
}

fn unsolicited_texts(pair: &Pair) -> Vec<String> {
    pair.unsolicited()
        .iter()
        .map(|r| {
            r.fields()
                .get("NOTIFICATION")
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[test]
fn with_nothing_outstanding_the_broker_reports_it_unsolicited() {
    for mac in [false, true] {
        let mut pair = linked(mac);
        pair.notify(&card_inserted());
        assert_eq!(unsolicited_texts(&pair), ["CARD_INSERTED"], "mac {mac}");
        assert!(
            !pair
                .broker_events
                .iter()
                .any(|e| matches!(e, BrokerEvent::Answered { .. }))
        );
        assert!(pair.terminal.is_connected());
    }
}

#[test]
fn while_a_payment_is_outstanding_a_notification_is_not_its_answer() {
    for mac in [false, true] {
        let mut pair = linked(mac);
        let pay = pair.send(PAYMENT);
        let (rid, _, _) = pair.one_request();
        // Another POS_RECON excludes the payment (both modes); under MAC a success without
        // the payment's COUNTER, or with another COUNTER, excludes it too.
        let mut notes = vec![
            card_inserted()
                .with_field("POS_RECON", "other")
                .expect("a plain field"),
        ];
        if mac {
            notes.push(card_inserted());
            let mut foreign = card_inserted();
            foreign.counter = Counter::new(999);
            notes.push(foreign);
        }
        for note in &notes {
            pair.notify(note);
        }
        assert_eq!(unsolicited_texts(&pair).len(), notes.len(), "mac {mac}");
        assert_eq!(pair.answered(pay), None, "mac {mac}: still outstanding");
        pair.respond(rid, Response::success("APPROVED"));
        let answer = pair.answered(pay).expect("the payment's own answer");
        assert_eq!(answer.pos_recon(), Some("pay-1"));
        assert_eq!(answer.response_text.as_deref(), Some("APPROVED"));
    }
}

#[test]
fn without_a_link_notify_is_refused_and_nothing_arrives_later() {
    let mut pair = linked(false);
    pair.cut_wire();
    assert_eq!(
        pair.terminal.notify(pair.now, &card_inserted()),
        Err(TerminalError::NotConnected)
    );
    pair.connect_within(Duration::from_secs(10));
    assert!(pair.unsolicited().is_empty(), "not kept for the next link");
    pair.notify(&card_inserted());
    assert_eq!(unsolicited_texts(&pair), ["CARD_INSERTED"]);
}
