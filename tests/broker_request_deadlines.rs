//! Every request ends exactly once: by its deadline, or with a link-lost failure when the
//! link goes, never silently.
#![allow(clippy::disallowed_methods)] // virtual time starts at one wall-clock reading

mod broker_support;

use std::time::Instant;

use broker_support::*;
use sca_ws::broker::{CloseReason, Event as BrokerEvent, RequestFailure, SubmitOptions};

const PAYMENT: &str =
    "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND></TRANSACTION>";

fn failures(events: &[BrokerEvent]) -> Vec<(u64, RequestFailure)> {
    events
        .iter()
        .filter_map(|e| match e {
            BrokerEvent::Failed { id, failure } => Some((id.get(), failure.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn deadline_fails_the_request_in_flight_and_the_waiting_one() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    let opts = |s| SubmitOptions {
        deadline: Some(now + secs(s)),
        ..SubmitOptions::default()
    };
    let a = link.submit_with(now, tx(PAYMENT), opts(5)).unwrap();
    let b = link.submit_with(now, tx(PAYMENT), opts(3)).unwrap();
    drain(&mut link);
    assert_eq!(link.poll_timeout(), Some(now + secs(3)));
    link.handle_timeout(now + secs(3));
    let events = drain(&mut link).events;
    assert_eq!(
        failures(&events),
        [(b.get(), RequestFailure::TimedOut { sent: false })]
    );
    link.handle_timeout(now + secs(5));
    let events = drain(&mut link).events;
    assert_eq!(
        failures(&events),
        [(a.get(), RequestFailure::TimedOut { sent: true })]
    );
    // The late answer is delivered, as a notification.
    let events = answer(
        &mut link,
        &mut peer,
        now + secs(6),
        &response_xml(-1, None, None),
    );
    assert!(
        matches!(events[..], [BrokerEvent::Unsolicited(_)]),
        "{events:?}"
    );
}

#[test]
fn default_deadline_comes_from_the_config() {
    let now = Instant::now();
    let (mut link, _peer) = open_link(now, quiet_config());
    link.submit(now, tx(PAYMENT)).unwrap();
    drain(&mut link);
    assert_eq!(link.poll_timeout(), Some(now + secs(300)));
}

#[test]
fn transport_loss_fails_every_request_before_closed() {
    let now = Instant::now();
    let (mut link, _peer) = open_link(now, quiet_config());
    let a = link.submit(now, tx(PAYMENT)).unwrap();
    let b = link.submit(now, tx(PAYMENT)).unwrap();
    drain(&mut link);
    link.handle_eof(now);
    let d = drain(&mut link);
    assert_eq!(
        failures(&d.events),
        [
            (a.get(), RequestFailure::LinkLost { sent: true }),
            (b.get(), RequestFailure::LinkLost { sent: false })
        ]
    );
    assert!(
        matches!(d.events.last(), Some(BrokerEvent::Closed(_))),
        "{d:?}"
    );
    assert!(d.close_transport);
    assert_eq!(link.pending_requests(), 0);
    assert!(link.submit(now, tx(PAYMENT)).is_err());
}

#[test]
fn local_close_fails_waiting_at_once_and_in_flight_when_the_link_ends() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    let a = link.submit(now, tx(PAYMENT)).unwrap();
    let b = link.submit(now, tx(PAYMENT)).unwrap();
    let first = drain(&mut link);
    peer.read(now, &first.bytes);
    link.close(now, sca_ws::CloseCode(1000), "bye").unwrap();
    let d = drain(&mut link);
    assert_eq!(
        failures(&d.events),
        [(b.get(), RequestFailure::LinkLost { sent: false })]
    );
    // The terminal's close reply ends the link.
    let got = peer.read(now, &d.bytes);
    assert!(
        got.other
            .iter()
            .any(|e| matches!(e, sca_ws::ws::Event::Close { .. })),
        "{got:?}"
    );
    let reply = peer.take_bytes();
    link.handle_input(now, &reply);
    let d = drain(&mut link);
    assert_eq!(
        failures(&d.events),
        [(a.get(), RequestFailure::LinkLost { sent: true })]
    );
    assert!(
        matches!(&d.events.last(), Some(BrokerEvent::Closed(CloseReason::Closed { code, .. })) if code.0 == 1000),
        "{d:?}"
    );
    assert!(d.close_transport, "the server closes TCP first");
}

#[test]
fn missed_pong_ends_the_link_and_its_requests() {
    let now = Instant::now();
    let mut config = quiet_config();
    config.ws.ping_interval = Some(secs(45));
    config.ws.pong_timeout = Some(secs(30));
    let (mut link, mut peer) = open_link(now, config);
    let a = link.submit(now, tx(PAYMENT)).unwrap();
    drain(&mut link);
    let t = link.poll_timeout().unwrap();
    assert_eq!(t, now + secs(45));
    link.handle_timeout(t);
    let d = drain(&mut link);
    let got = peer.read(t, &d.bytes);
    assert!(
        got.other
            .iter()
            .any(|e| matches!(e, sca_ws::ws::Event::Ping(_))),
        "{got:?}"
    );
    let t2 = link.poll_timeout().unwrap();
    link.handle_timeout(t2);
    let d = drain(&mut link);
    assert_eq!(
        failures(&d.events),
        [(a.get(), RequestFailure::LinkLost { sent: true })]
    );
    assert!(
        matches!(
            d.events.last(),
            Some(BrokerEvent::Closed(CloseReason::Failed(_)))
        ),
        "{d:?}"
    );
    assert!(d.close_transport);
}
