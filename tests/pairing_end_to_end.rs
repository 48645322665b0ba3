//! Pairing the crate's broker with the crate's terminal, in memory: SECURITY REGISTER with the
//! cashier's entry, signed requests afterwards, replay / wrong MAC / missing MAC refused,
//! TEST_MAC, GET_COUNTER, UNREGISTER, and a restart that restores the saved state.

mod common;

use std::time::Duration;

use common::{PAIRED_KEY, Pair, code, pos_key, secret, transaction};
use sca_ws::broker::{self, PairingError};
use sca_ws::mac::compute_mac;
use sca_ws::terminal::{AuthState, Config as TerminalConfig, Error as TerminalError};
use sca_ws::xml::Response;

fn connected() -> Pair {
    let mut pair = Pair::new(Pair::auth_config());
    pair.connect_within(Duration::from_secs(1));
    pair
}

/// A request signed by hand with the paired key (what a replaying attacker would resend).
fn signed_with(label: &str, key: &[u8], counter: u32, mac: Option<&str>) -> String {
    let computed = compute_mac(key, counter);
    let counter = counter.to_string();
    let mut fields = vec![("MAC_LABEL", label), ("COUNTER", counter.as_str())];
    if let Some(mac) = mac.or(Some(computed.as_str())).filter(|m| !m.is_empty()) {
        fields.push(("MAC", mac));
    }
    transaction("DEVICE", "VERSION", &fields)
}

#[test]
fn pairing_gives_the_pos_the_key_the_terminal_stored() {
    let mut pair = connected();
    let registration = pair.pair_up();
    assert_eq!(registration.label, "P_1");
    assert_eq!(registration.key(), &PAIRED_KEY);
    let state = pair.terminal.auth_state();
    let label = state.label("P_1").expect("label stored");
    assert_eq!(label.key(), &PAIRED_KEY);
    assert_eq!(
        label.last_counter,
        Some(0),
        "REGISTER starts the counter at 0"
    );
}

#[test]
fn after_pairing_every_request_is_signed_and_reaches_the_application() {
    let mut pair = connected();
    pair.pair_up();
    for expected in 1..=3u32 {
        let id = pair.submit(&transaction("DEVICE", "VERSION", &[]));
        let (rid, _, tx) = pair.one_request();
        assert_eq!(tx.mac_label(), Some("P_1"));
        assert_eq!(
            tx.counter().and_then(Result::ok).map(|c| c.get()),
            Some(expected)
        );
        pair.respond(rid, Response::success("Version"));
        assert!(pair.answered(id).is_some_and(Response::is_success));
    }
}

#[test]
fn a_replayed_counter_is_refused_after_pairing() {
    let mut pair = connected();
    pair.pair_up();
    pair.inject(&signed_with("P_1", &PAIRED_KEY, 5, None));
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("Version"));
    pair.take_responses();
    pair.inject(&signed_with("P_1", &PAIRED_KEY, 5, None));
    assert!(pair.take_requests().is_empty());
    let refusal = pair.one_response();
    assert_eq!(
        refusal.response_text.as_deref(),
        Some("COUNTER not higher than the last one")
    );
}

#[test]
fn a_wrong_or_missing_mac_is_refused_after_pairing() {
    let mut pair = connected();
    pair.pair_up();
    let other_key = compute_mac(b"not the paired key", 3);
    pair.inject(&signed_with("P_1", &PAIRED_KEY, 3, Some(&other_key)));
    assert_eq!(
        pair.one_response().response_text.as_deref(),
        Some("MAC verification failed")
    );
    pair.inject(&signed_with("P_1", &PAIRED_KEY, 3, Some("")));
    assert_eq!(code(&pair.one_response()), 40007);
    pair.inject(&transaction("DEVICE", "VERSION", &[]));
    assert_eq!(code(&pair.one_response()), 40007);
    assert!(pair.take_requests().is_empty());
    // None of them moved the counter: 3 is still fresh.
    pair.inject(&signed_with("P_1", &PAIRED_KEY, 3, None));
    assert_eq!(pair.take_requests().len(), 1);
}

#[test]
fn test_mac_answers_match_when_signed_and_is_refused_otherwise() {
    let mut pair = connected();
    pair.pair_up();
    let id = pair.submit_tx(&broker::test_mac_request(None));
    let answer = pair.answered(id).cloned().expect("answered");
    assert_eq!(answer.response_text.as_deref(), Some("Match"));
    assert_eq!(answer.counter.map(|c| c.get()), Some(1), "COUNTER echoed");
    assert!(
        pair.take_requests().is_empty(),
        "the machine answers TEST_MAC itself"
    );
    pair.take_responses();
    let forged = compute_mac(b"guessed key.....", 9);
    pair.inject(&transaction(
        "SECURITY",
        "TEST_MAC",
        &[("MAC_LABEL", "P_1"), ("COUNTER", "9"), ("MAC", &forged)],
    ));
    let refusal = pair.one_response();
    assert_eq!(
        refusal.response_text.as_deref(),
        Some("MAC verification failed")
    );
    pair.inject(&transaction("SECURITY", "TEST_MAC", &[]));
    assert_eq!(code(&pair.one_response()), 40007);
}

#[test]
fn get_counter_after_pairing_resynchronises_the_pos() {
    let mut pair = connected();
    pair.pair_up();
    pair.inject(&signed_with("P_1", &PAIRED_KEY, 40, None));
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("Version"));
    // The POS's book still says 0: its next COUNTER (1) would be stale. GET_COUNTER fixes it.
    let gc = pair.submit_tx(&broker::get_counter_request(Some("P_1")));
    assert_eq!(
        pair.answered(gc).and_then(|r| r.counter).map(|c| c.get()),
        Some(40)
    );
    assert_eq!(pair.link_mut().counters().last_counter("P_1"), Some(40));
    pair.submit(&transaction("DEVICE", "VERSION", &[]));
    let (_, _, tx) = pair.one_request();
    assert_eq!(tx.counter().and_then(Result::ok).map(|c| c.get()), Some(41));
}

#[test]
fn unregister_removes_the_key_so_old_counters_never_verify_again() {
    let mut pair = connected();
    pair.pair_up();
    let id = pair.submit_tx(&broker::unregister_request("P_1"));
    assert!(pair.answered(id).is_some_and(Response::is_success));
    assert!(pair.terminal.auth_state().labels.is_empty());
    // A request signed with the removed key, at a COUNTER never used: refused.
    pair.take_responses();
    pair.inject(&signed_with("P_1", &PAIRED_KEY, 100, None));
    assert_eq!(code(&pair.one_response()), 19);
    assert!(pair.take_requests().is_empty());
}

#[test]
fn unregister_is_refused_unless_signed_by_the_label() {
    let mut pair = connected();
    pair.pair_up();
    pair.inject(&transaction(
        "SECURITY",
        "UNREGISTER",
        &[("MAC_LABEL", "P_1")],
    ));
    assert_eq!(code(&pair.one_response()), 40007);
    assert_eq!(pair.terminal.auth_state().labels.len(), 1, "key kept");
}

#[test]
fn unregisterall_removes_every_key() {
    let mut pair = connected();
    pair.pair_up();
    let second = pair.pair_up();
    assert_eq!(second.label, "P_2");
    let id = pair.submit_tx(&broker::unregister_all_request());
    assert!(pair.answered(id).is_some_and(Response::is_success));
    assert!(pair.terminal.auth_state().labels.is_empty());
}

#[test]
fn a_wrong_cashier_code_refuses_the_pairing_and_stores_nothing() {
    let mut pair = connected();
    let answer = pair.register("4321", "1234");
    assert_eq!(code(&answer), 59040);
    assert!(pair.terminal.auth_state().labels.is_empty());
    assert_eq!(pair.take_auth_changes(), 0);
    assert!(matches!(
        pos_key().read_register_answer(&answer, [0; 32]),
        Err(PairingError::Refused {
            code: Some(59040),
            ..
        })
    ));
}

#[test]
fn a_cashier_who_cancels_refuses_the_pairing_with_59001() {
    let mut pair = connected();
    let id = pair.submit_tx(&pos_key().register_request("4321"));
    let (pid, _, _) = pair.take_pairings().remove(0);
    assert_eq!(
        pair.terminal
            .respond(pair.now, pid, Response::success("no")),
        Err(TerminalError::IsPairing { id: pid })
    );
    pair.terminal.refuse_pairing(pair.now, pid).unwrap();
    pair.settle();
    assert_eq!(pair.answered(id).map(code), Some(59001));
    assert!(pair.terminal.auth_state().labels.is_empty());
}

#[test]
fn reg_ver_2_returns_the_terminal_s_code_and_needs_no_entry_code() {
    let mut pair = connected();
    let id = pair.submit_tx(&pos_key().register_request_v2());
    let (pid, reg_ver, _) = pair.take_pairings().remove(0);
    assert_eq!(reg_ver, 2);
    pair.terminal
        .answer_pairing(pair.now, pid, "", secret())
        .unwrap();
    pair.settle();
    let answer = pair.answered(id).cloned().expect("answered");
    let registration = pos_key().read_register_answer(&answer, [1; 32]).unwrap();
    let code = registration.entry_code.expect("a code");
    assert_eq!(code.len(), 8);
    assert!(
        code.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
        "{code}"
    );
}

#[test]
fn register_without_an_rsa_2048_key_or_entry_code_is_refused_with_59020() {
    let mut pair = connected();
    let small = transaction(
        "SECURITY",
        "REGISTER",
        &[("KEY", "AAAA"), ("ENTRY_CODE", "1")],
    );
    pair.inject(&small);
    assert_eq!(code(&pair.one_response()), 59020);
    let key = pos_key().public_key_base64();
    pair.inject(&transaction("SECURITY", "REGISTER", &[("KEY", &key)]));
    assert_eq!(
        code(&pair.one_response()),
        59020,
        "REG_VER 1 needs ENTRY_CODE"
    );
    assert!(pair.take_pairings().is_empty());
}

#[test]
fn register_encryption_is_refused_clearly() {
    let mut pair = connected();
    let key = pos_key().public_key_base64();
    pair.inject(&transaction(
        "SECURITY",
        "REGISTER_ENCRYPTION",
        &[("KEY", &key)],
    ));
    let answer = pair.one_response();
    assert_eq!(code(&answer), 59051);
    assert_eq!(
        answer.response_text.as_deref(),
        Some("REGISTER_ENCRYPTION not supported")
    );
}

#[test]
fn a_full_key_store_refuses_another_pairing_with_59051() {
    let config = TerminalConfig {
        max_mac_labels: 1,
        ..Pair::auth_config()
    };
    let mut pair = Pair::new(config);
    pair.connect_within(Duration::from_secs(1));
    pair.pair_up();
    assert_eq!(code(&pair.register("1111", "1111")), 59051);
    assert_eq!(pair.terminal.auth_state().labels.len(), 1);
}

#[test]
fn every_auth_change_is_reported() {
    let mut pair = connected();
    pair.pair_up();
    assert_eq!(pair.take_auth_changes(), 1, "REGISTER");
    pair.submit(&transaction("DEVICE", "VERSION", &[]));
    assert_eq!(pair.take_auth_changes(), 1, "an accepted COUNTER");
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("Version"));
    pair.inject(&signed_with("P_1", &PAIRED_KEY, 1, None));
    assert_eq!(
        pair.take_auth_changes(),
        0,
        "a refused COUNTER changes nothing"
    );
    pair.submit_tx(&broker::unregister_request("P_1"));
    // The accepted COUNTER is reported before the removal is: two changes, two reports.
    assert_eq!(pair.take_auth_changes(), 2, "UNREGISTER");
}

#[test]
fn a_restarted_terminal_with_restored_state_refuses_replays_without_re_pairing() {
    let mut pair = connected();
    pair.pair_up();
    pair.inject(&signed_with("P_1", &PAIRED_KEY, 7, None));
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("Version"));
    let saved = pair.terminal.auth_state().encode();

    let mut restarted = Pair::with_seed(Pair::auth_config(), 9);
    let state = AuthState::decode(&saved).expect("decodes");
    restarted
        .terminal
        .restore_auth_state(&state)
        .expect("restores");
    restarted.connect_within(Duration::from_secs(1));
    restarted.inject(&signed_with("P_1", &PAIRED_KEY, 7, None));
    assert_eq!(
        restarted.one_response().response_text.as_deref(),
        Some("COUNTER not higher than the last one")
    );
    restarted.inject(&signed_with("P_1", &PAIRED_KEY, 8, None));
    assert_eq!(
        restarted.take_requests().len(),
        1,
        "higher COUNTER, no new pairing"
    );
}

#[test]
fn restoring_more_labels_than_the_limit_is_refused() {
    let config = TerminalConfig {
        max_mac_labels: 1,
        ..Pair::auth_config()
    };
    let mut pair = Pair::new(config);
    let state = AuthState {
        labels: vec![
            sca_ws::terminal::LabelState::new("A", [1; 16], Some(1)),
            sca_ws::terminal::LabelState::new("B", [2; 16], None),
        ],
        last_counter: None,
    };
    assert_eq!(
        pair.terminal.restore_auth_state(&state),
        Err(TerminalError::TooManyLabels {
            labels: 2,
            limit: 1
        })
    );
}
