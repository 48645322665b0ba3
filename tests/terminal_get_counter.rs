//! Rule 3: GET COUNTER is always allowed and answered by the machine with the COUNTER of the
//! last POS request that carried one, or 1.

mod common;

use std::time::Duration;

use common::{Pair, code, signed, transaction};
use sca_ws::xml::Response;

#[test]
fn first_command_gets_one() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    pair.send(&transaction("ADMIN", "GET_COUNTER", &[]));
    let response = pair.one_response();
    assert_eq!(code(&response), -1);
    assert_eq!(response.counter.map(|c| c.get()), Some(1));
    assert!(pair.take_requests().is_empty(), "answered by the machine");
}

#[test]
fn answers_the_last_counter_even_while_busy() {
    let mut pair = Pair::new(Pair::auth_config()).with_mac_key();
    pair.connect_within(Duration::from_secs(1));
    pair.send(&signed("DEVICE", "VERSION", 41, &[]));
    let (_busy, _, _) = pair.one_request();
    // A second primary the link would hold back: raw on the wire.
    pair.inject(&transaction("ADMIN", "GET_COUNTER", &[("POS_RECON", "r1")]));
    let response = pair.one_response();
    assert_eq!(response.counter.map(|c| c.get()), Some(41));
    assert_eq!(response.pos_recon(), Some("r1"));
}

#[test]
fn under_skip_auth_any_carried_counter_counts() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    pair.send(&transaction("DEVICE", "VERSION", &[("COUNTER", "7")]));
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("ok"));
    pair.take_responses();
    pair.send(&transaction("ADMIN", "GET_COUNTER", &[]));
    assert_eq!(pair.one_response().counter.map(|c| c.get()), Some(7));
}
