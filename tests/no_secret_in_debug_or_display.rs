//! No MAC key, MAC, pairing code or credential appears in the `Debug` output of any public
//! type that holds one: key stores, terminals, broker books and links, allocations, parsed
//! documents, events and the outputs that carry wire bytes. (None of them implements
//! `Display`; the error and status types that do hold no secret.)

mod common;

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use common::{KEY, LABEL, Pair, transaction};
use sca_ws::broker::{CounterBook, Output as BrokerOutput, UpgradeInfo};
use sca_ws::mac::compute_mac;
use sca_ws::terminal::{Event as TerminalEvent, MemoryKeyStore, Output as TerminalOutput};
use sca_ws::ws::Output as WsOutput;
use sca_ws::xml::{Response, Transaction};

const ENTRY_CODE: &str = "4821";
const WRAPPED_KEY: &str = "c2VjcmV0LXdyYXBwZWQta2V5";
const TOKEN: &str = "Bearer tok-5ecret";

/// Every spelling of a secret that a formatter could produce.
fn forbidden() -> Vec<String> {
    let mut all = vec![
        String::from_utf8(KEY.to_vec()).unwrap(),
        format!("{KEY:?}")[1..20].to_owned(),
        KEY.iter().map(|b| format!("{b:02x}")).collect(),
        base64::engine::general_purpose::STANDARD.encode(KEY),
        ENTRY_CODE.to_owned(),
        WRAPPED_KEY.to_owned(),
        TOKEN.to_owned(),
        "tok-5ecret".to_owned(),
    ];
    for counter in 0..=20 {
        all.push(compute_mac(&KEY, counter));
    }
    all
}

fn assert_clean(what: &str, text: &str) {
    for secret in forbidden() {
        assert!(!text.contains(&secret), "{what} shows {secret:?}: {text}");
    }
}

#[test]
fn key_stores_and_books_show_labels_only() {
    let mut store = MemoryKeyStore::new();
    store.insert(LABEL, KEY);
    let text = format!("{store:?}");
    assert!(text.contains(LABEL), "{text}");
    assert_clean("MemoryKeyStore", &text);
    assert_clean("MemoryKeyStore {:#?}", &format!("{store:#?}"));

    let mut book = CounterBook::new();
    book.insert(LABEL, &KEY, 3).unwrap();
    assert_clean("CounterBook", &format!("{book:?}"));
    let allocation = book.allocate(Some(LABEL)).unwrap();
    assert_clean("Allocation", &format!("{allocation:?} {allocation:#?}"));
}

#[test]
fn documents_hide_mac_keys_and_pairing_codes() {
    let counter = 7;
    let mac = compute_mac(&KEY, counter);
    let xml = format!(
        "<TRANSACTION><FUNCTION_TYPE>SECURITY</FUNCTION_TYPE><COMMAND>TEST_MAC</COMMAND>\
         <MAC_LABEL>{LABEL}</MAC_LABEL><COUNTER>{counter}</COUNTER><MAC>{mac}</MAC>\
         <ENTRY_CODE>{ENTRY_CODE}</ENTRY_CODE></TRANSACTION>"
    );
    let tx = Transaction::decode(xml.as_bytes()).unwrap();
    let text = format!("{tx:?} {tx:#?} {:?}", tx.fields());
    assert!(text.contains("MAC_LABEL"), "{text}");
    assert_clean("Transaction", &text);

    let answer = format!(
        "<RESPONSE><RESULT>OK</RESULT><RESULT_CODE>-1</RESULT_CODE><MAC_LABEL>{LABEL}</MAC_LABEL>\
         <MAC_KEY>{WRAPPED_KEY}</MAC_KEY><TERMINAL_KEY>{WRAPPED_KEY}</TERMINAL_KEY></RESPONSE>"
    );
    let response = Response::decode(answer.as_bytes()).unwrap();
    assert_clean("Response", &format!("{response:?} {response:#?}"));
}

#[test]
fn outputs_show_wire_bytes_by_length() {
    let mac = compute_mac(&KEY, 5);
    let wire = Bytes::from(format!("<MAC>{mac}</MAC><MAC_KEY>{WRAPPED_KEY}</MAC_KEY>"));
    assert_clean(
        "terminal Output",
        &format!("{:?}", TerminalOutput::Transmit(wire.clone())),
    );
    assert_clean(
        "broker Output",
        &format!("{:?}", BrokerOutput::Transmit(wire.clone())),
    );
    assert_clean("ws Output", &format!("{:?}", WsOutput::Transmit(wire)));
}

#[test]
fn upgrade_info_hides_credential_headers() {
    let info = UpgradeInfo {
        path: "/".into(),
        host: "broker.test".into(),
        origin: None,
        pinpad_id: Some("1".into()),
        protocols: vec!["sci".into()],
        headers: vec![
            ("Authorization".into(), TOKEN.into()),
            ("Cookie".into(), "session=tok-5ecret".into()),
            ("x-vfi-pinpad-id".into(), "1".into()),
        ],
    };
    let text = format!("{info:?}");
    assert!(text.contains("x-vfi-pinpad-id"), "{text}");
    assert_clean("UpgradeInfo", &text);
}

#[test]
fn a_terminal_and_a_link_in_use_show_no_secret() {
    let mut pair = Pair::new(Pair::auth_config())
        .with_mac_key()
        .with_broker_key();
    pair.connect_within(Duration::from_secs(1));
    // The broker signs it; the terminal verifies and delivers it, and still holds it.
    pair.submit(&transaction("DEVICE", "VERSION", &[]));
    let request = pair.events.iter().find_map(|e| match e {
        TerminalEvent::Request { .. } => Some(e.clone()),
        _ => None,
    });
    let request = request.expect("the signed request was delivered");
    let texts = [
        (
            "Terminal",
            format!("{:?} {:#?}", pair.terminal, pair.terminal),
        ),
        ("key store", format!("{:?}", pair.terminal.key_store())),
        ("request event", format!("{request:?}")),
        ("broker Link", format!("{:?}", pair.link_mut())),
        ("events", format!("{:?}", pair.events)),
        ("broker events", format!("{:?}", pair.broker_events)),
    ];
    for (what, text) in texts {
        assert_clean(what, &text);
    }
}

#[test]
fn pairing_types_show_no_key_material() {
    use sca_ws::broker::PosKey;
    use sca_ws::terminal::{AuthState, LabelState, PairingSecret};

    let secret = PairingSecret::new(KEY, [0x5a; 32]);
    assert_clean("PairingSecret", &format!("{secret:?} {secret:#?}"));

    let state = AuthState {
        labels: vec![LabelState::new(LABEL, KEY, Some(4))],
        last_counter: Some(4),
    };
    let text = format!("{state:?} {state:#?}");
    assert!(text.contains(LABEL), "{text}");
    assert_clean("AuthState", &text);

    let pos = common::pos_key();
    let pem = pos.to_pem().unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let debug = format!("{pos:?} {pos:#?}");
    for chunk in body.as_bytes().chunks(16) {
        let chunk = std::str::from_utf8(chunk).unwrap();
        assert!(!debug.contains(chunk), "PosKey shows its key: {debug}");
    }
    assert_eq!(
        PosKey::from_pem(&pem).unwrap().public_key_base64(),
        pos.public_key_base64()
    );

    let mut pair = Pair::new(Pair::auth_config());
    pair.connect_within(Duration::from_secs(1));
    let registration = pair.pair_up();
    let shown = format!("{registration:?} {registration:#?}");
    let paired = common::PAIRED_KEY;
    for spelling in [
        String::from_utf8(paired.to_vec()).unwrap(),
        base64::engine::general_purpose::STANDARD.encode(paired),
        paired.iter().map(|b| format!("{b:02x}")).collect(),
    ] {
        assert!(
            !shown.contains(&spelling),
            "Registration shows {spelling}: {shown}"
        );
        let events = format!("{:?}", pair.events);
        assert!(!events.contains(&spelling), "events show {spelling}");
    }
    let terminal = format!("{:?}", pair.terminal);
    assert!(!terminal.contains("fresh-pairing"), "{terminal}");
}
