//! Rule 2: MAC / MAC_LABEL / COUNTER checks, SKIPPOSAUTH, SECURITY refusal (REGISTER itself:
//! tests/pairing_end_to_end.rs).

mod common;

use std::time::Duration;

use common::{KEY, LABEL, Pair, code, signed, transaction};
use sca_ws::{mac::compute_mac, terminal::Config as TerminalConfig, xml::Response};

fn authed() -> Pair {
    let mut pair = Pair::new(Pair::auth_config()).with_mac_key();
    pair.connect_within(Duration::from_secs(1));
    pair
}

#[test]
fn a_correctly_signed_request_reaches_the_application() {
    let mut pair = authed();
    pair.send(&signed("DEVICE", "VERSION", 1, &[]));
    let (id, _, t) = pair.one_request();
    assert_eq!(t.mac_label(), Some(LABEL));
    pair.respond(id, Response::success("Version"));
    assert_eq!(pair.one_response().counter.map(|c| c.get()), Some(1));
}

#[test]
fn missing_fields_unknown_label_bad_mac_and_stale_counter_are_refused() {
    let mut pair = authed();
    pair.send(&signed("DEVICE", "VERSION", 10, &[]));
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("ok"));
    pair.take_responses();

    let mac5 = compute_mac(&KEY, 5);
    let mac11 = compute_mac(&KEY, 11);
    let cases: Vec<(String, &str)> = vec![
        (
            transaction("DEVICE", "VERSION", &[]),
            "MAC/MAC_LABEL not found or MAC_LABEL missing",
        ),
        (
            transaction(
                "DEVICE",
                "VERSION",
                &[("MAC_LABEL", LABEL), ("COUNTER", "11")],
            ),
            "MAC/MAC_LABEL not found or MAC_LABEL missing",
        ),
        (
            transaction(
                "DEVICE",
                "VERSION",
                &[("MAC_LABEL", LABEL), ("MAC", &mac11)],
            ),
            "COUNTER missing or invalid",
        ),
        (
            transaction(
                "DEVICE",
                "VERSION",
                &[("MAC_LABEL", "P_9"), ("COUNTER", "11"), ("MAC", &mac11)],
            ),
            "MAC_LABEL does not exist",
        ),
        (
            transaction(
                "DEVICE",
                "VERSION",
                &[("MAC_LABEL", LABEL), ("COUNTER", "12"), ("MAC", &mac11)],
            ),
            "MAC verification failed",
        ),
        (
            signed("DEVICE", "VERSION", 10, &[]),
            "COUNTER not higher than the last one",
        ),
        (
            transaction(
                "DEVICE",
                "VERSION",
                &[("MAC_LABEL", LABEL), ("COUNTER", "5"), ("MAC", &mac5)],
            ),
            "COUNTER not higher than the last one",
        ),
    ];
    for (xml, text) in cases {
        pair.send(&xml);
        let response = pair.one_response();
        assert_eq!(response.response_text.as_deref(), Some(text), "{xml}");
        assert!(!response.is_success());
    }
    assert!(pair.take_requests().is_empty());
    assert_eq!(
        code(&{
            pair.send(&transaction(
                "DEVICE",
                "VERSION",
                &[("MAC_LABEL", "P_9"), ("COUNTER", "11"), ("MAC", &mac11)],
            ));
            pair.one_response()
        }),
        19
    );
    // The refused ones did not move the counter: 11 is still fresh.
    pair.send(&signed("DEVICE", "VERSION", 11, &[]));
    assert_eq!(pair.take_requests().len(), 1);
}

#[test]
fn security_getcounter_and_secondary_are_exempt() {
    let mut pair = authed();
    // Unsigned REGISTER is not refused for its missing MAC: it is read (and this KEY is no
    // RSA key, so 59020).
    pair.send(&transaction("SECURITY", "REGISTER", &[("KEY", "abc")]));
    assert_eq!(code(&pair.one_response()), 59020);
    pair.send(&signed("DEVICE", "VERSION", 1, &[]));
    assert_eq!(pair.take_requests().len(), 1);
    pair.send(&transaction("SECONDARYPORT", "STATUS", &[]));
    assert_eq!(pair.take_requests().len(), 1);
    // VERSION is still in flight at the link: the primary GET COUNTER goes raw.
    pair.inject(&transaction("ADMIN", "GET_COUNTER", &[]));
    assert_eq!(code(&pair.one_response()), -1);
}

#[test]
fn skip_pos_auth_with_websockets_ignores_macs_and_refuses_security() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    pair.send(&transaction(
        "DEVICE",
        "VERSION",
        &[("MAC_LABEL", "whatever"), ("MAC", "bad")],
    ));
    assert_eq!(pair.take_requests().len(), 1);
    // VERSION is still in flight at the link: this primary goes raw.
    pair.inject(&transaction("SECURITY", "REGISTER", &[]));
    let response = pair.one_response();
    assert_eq!(
        response.response_text.as_deref(),
        Some("SECURITY commands not allowed with SKIPPOSAUTH")
    );
    assert!(pair.take_requests().is_empty());
}

#[test]
fn skip_pos_auth_without_websockets_still_checks() {
    let config = TerminalConfig {
        pos_connect_allow: "TCPIP".into(),
        ..Pair::skip_auth_config()
    };
    let mut pair = Pair::new(config);
    pair.connect_within(Duration::from_secs(1));
    pair.send(&transaction("DEVICE", "VERSION", &[]));
    assert_eq!(code(&pair.one_response()), 40007);
}
