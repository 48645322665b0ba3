//! `respond` refuses, and sends nothing, for an unknown id, a second answer, or a request
//! whose link is gone (the application was told with `RequestAbandoned`).

mod common;

use std::time::Duration;

use common::{Pair, transaction};
use sca_ws::{
    terminal::{Error as TerminalError, Event as TerminalEvent},
    xml::Response,
};

#[test]
fn twice_unknown_and_after_link_loss_are_errors() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    pair.send(&transaction("DEVICE", "VERSION", &[]));
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("v"));
    assert_eq!(
        pair.terminal.respond(pair.now, id, Response::success("v")),
        Err(TerminalError::AlreadyAnswered { id })
    );

    pair.send(&transaction("DEVICE", "VERSION", &[]));
    let (lost, _, _) = pair.one_request();
    pair.events.clear();
    pair.cut_wire();
    assert!(
        pair.events
            .contains(&TerminalEvent::RequestAbandoned { id: lost })
    );
    assert_eq!(pair.terminal.pending_requests(), 0);
    pair.connect_within(Duration::from_secs(5));
    pair.take_responses();
    assert_eq!(
        pair.terminal
            .respond(pair.now, lost, Response::success("late")),
        Err(TerminalError::LinkGone { id: lost })
    );
    pair.settle();
    assert!(pair.take_responses().is_empty(), "nothing sent");

    // A fresh id from another terminal was never delivered here.
    let mut other = Pair::new(Pair::skip_auth_config());
    other.connect_within(Duration::from_secs(1));
    for _ in 0..3 {
        other.send(&transaction("SECONDARYPORT", "STATUS", &[]));
    }
    let ids: Vec<_> = other.take_requests().into_iter().map(|r| r.0).collect();
    let unknown = ids[2];
    assert!(matches!(
        pair.terminal
            .respond(pair.now, unknown, Response::success("x")),
        Err(TerminalError::UnknownRequest { .. })
    ));
}

#[test]
fn a_new_primary_is_accepted_after_the_old_link_died() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    pair.send(&transaction("DEVICE", "VERSION", &[]));
    pair.one_request();
    pair.cut_wire();
    pair.connect_within(Duration::from_secs(5));
    pair.send(&transaction("DEVICE", "VERSION", &[]));
    assert_eq!(pair.take_requests().len(), 1);
}
