//! Two links claim pinpad id 1: the registry picks the newer, the older is closed with the
//! "replaced" close code, its request in flight fails as `Replaced`, its end is not the id's
//! disconnection, and a request round-trips over the newer link.
#![allow(clippy::disallowed_methods)] // virtual time starts at one wall-clock reading

mod broker_support;

use std::time::Instant;

use broker_support::*;
use sca_ws::broker::{
    CLOSE_REPLACED, CLOSE_REPLACED_REASON, CloseReason, Event as BrokerEvent, Registry,
    RequestFailure,
};
use sca_ws::ws::Event;

const CAPTURE: &str = "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND>\
<TRANS_AMOUNT>3.00</TRANS_AMOUNT></TRANSACTION>";

#[test]
fn older_link_is_closed_as_replaced_and_the_id_stays_reachable() {
    let now = Instant::now();
    let mut registry = Registry::new();
    let (mut old, mut old_peer) = open_link(now, quiet_config());
    assert_eq!(registry.accepted("1", "old"), None);
    let (pay, _) = submit_and_read(&mut old, &mut old_peer, now, CAPTURE);

    let (mut new, mut new_peer) = open_link(now, quiet_config());
    let replaced = registry
        .accepted("1", "new")
        .expect("the older link must go");
    assert_eq!(replaced.link, "old");
    assert_eq!(replaced.code, CLOSE_REPLACED);
    assert!((4000..=4999).contains(&replaced.code.0));
    assert_eq!(registry.link("1"), Some(&"new"));

    old.close_replaced(now).unwrap();
    let d = drain(&mut old);
    assert_eq!(
        d.events,
        [BrokerEvent::Failed {
            id: pay,
            failure: RequestFailure::Replaced { sent: true }
        }]
    );
    assert!(!old.is_open(), "nothing more can be sent on the older link");
    let got = old_peer.read(now, &d.bytes);
    assert!(
        got.other.iter().any(|e| matches!(e,
            Event::Close { code, reason } if *code == CLOSE_REPLACED && reason.as_str() == CLOSE_REPLACED_REASON)),
        "{got:?}"
    );
    // The older terminal side answers the close; the link ends as replaced.
    let reply = old_peer.take_bytes();
    old.handle_input(now, &reply);
    let d = drain(&mut old);
    assert_eq!(d.events, [BrokerEvent::Closed(CloseReason::Replaced)]);
    assert!(d.close_transport);
    assert_eq!(
        registry.ended(&"old"),
        None,
        "no disconnection while the newer link lives"
    );

    // The id is reachable over the newer link: a request round-trips.
    let (id, got) = submit_and_read(&mut new, &mut new_peer, now, CAPTURE);
    let recon = field(&got[0], "POS_RECON").unwrap().to_owned();
    let events = answer(
        &mut new,
        &mut new_peer,
        now,
        &response_xml(-1, None, Some(&recon)),
    );
    assert!(
        matches!(&events[..], [BrokerEvent::Answered { id: i, .. }] if *i == id),
        "{events:?}"
    );
    new.close(now, sca_ws::CloseCode::NORMAL, "bye").unwrap();
    assert_eq!(registry.ended(&"new").as_deref(), Some("1"));
}

#[test]
fn replaced_before_open_or_twice() {
    let now = Instant::now();
    let mut link = sca_ws::broker::Link::new(std::sync::Arc::new(quiet_config()), now, 1);
    link.handle_input(now, SEED_REQUEST);
    drain(&mut link);
    link.close_replaced(now).unwrap();
    let d = drain(&mut link);
    assert_eq!(d.events, [BrokerEvent::Closed(CloseReason::Replaced)]);
    assert!(d.close_transport);
    assert!(link.close_replaced(now).is_err());
}
