//! Rule 6: everything else goes to the application as a request; answers echo COUNTER and
//! POS_RECON when the request had them.

mod common;

use std::time::Duration;

use common::{Pair, signed, transaction};
use sca_ws::xml::Response;

#[test]
fn unknown_commands_are_delivered_untouched() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    pair.send(&transaction("VENDOR", "FROBNICATE", &[("X", "1")]));
    let (_, _, t) = pair.one_request();
    assert_eq!(t.function_type.as_str(), "VENDOR");
    assert_eq!(t.command.as_str(), "FROBNICATE");
    assert_eq!(t.fields().get("X"), Some("1"));
}

#[test]
fn answers_echo_counter_and_pos_recon() {
    let mut pair = Pair::new(Pair::auth_config()).with_mac_key();
    pair.connect_within(Duration::from_secs(1));
    pair.send(&signed("DEVICE", "VERSION", 9, &[("POS_RECON", "abc-1")]));
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("v"));
    let response = pair.one_response();
    assert_eq!(response.counter.map(|c| c.get()), Some(9));
    assert_eq!(response.pos_recon(), Some("abc-1"));
}

#[test]
fn without_them_nothing_is_added() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    // A raw frame: the broker link would add a POS_RECON of its own (rule of
    // `broker_adds_unique_pos_recon`), and here the terminal must see a request without one.
    pair.inject(&transaction("DEVICE", "VERSION", &[]));
    let (id, _, request) = pair.one_request();
    assert_eq!(request.pos_recon(), None);
    pair.respond(id, Response::success("v"));
    let response = pair.one_response();
    assert_eq!(response.counter, None);
    assert_eq!(response.pos_recon(), None);
}
