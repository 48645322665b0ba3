//! The tokio `Server` pairs with the tokio `Client`: after `register`, every request is
//! signed with a counter the terminal checks, across reconnects; a stale book (a replayed
//! COUNTER) is refused; a client restarted with its saved state keeps accepting, one
//! restarted without it refuses; `unregister` forgets the label on both sides.

mod support;

use std::time::Duration;

use sca_ws_tokio::broker::{Event, Handle, ServerConfig, SubmitError};
use sca_ws_tokio::terminal::{self, Client};
use support::pairing::{Cashier, checking_config, pos_key};
use support::*;

/// DEVICE VERSION: free of session rules, so it can be sent any number of times.
fn version() -> sca_ws::Transaction {
    sca_ws::Transaction::decode(
        b"<TRANSACTION><FUNCTION_TYPE>DEVICE</FUNCTION_TYPE><COMMAND>VERSION</COMMAND></TRANSACTION>",
    )
    .expect("version")
}

/// Starts a client for `id` and waits until the server has its link.
async fn start_client(
    broker: &Handle,
    config: terminal::ClientConfig,
    cashier: &Cashier,
    id: &str,
) -> terminal::Handle {
    let mut events = broker.subscribe();
    let (client, _task) = Client::spawn(config, cashier.clone());
    connected(&mut events, id).await;
    client
}

/// Closes `client` and waits until the server saw its link end.
async fn stop_client(broker: &Handle, client: terminal::Handle, id: &str) {
    let mut events = broker.subscribe();
    client.close();
    next_event(
        &mut events,
        Duration::from_secs(5),
        |e| matches!(e, Event::Disconnected { pinpad_id, .. } if pinpad_id == id),
    )
    .await;
}

#[tokio::test]
async fn a_paired_id_gets_signed_requests_and_a_replayed_counter_is_refused() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let cashier = Cashier::default();
    let client = start_client(&broker, checking_config(addr, "Q-1"), &cashier, "Q-1").await;
    let mut events = broker.subscribe();
    let label = broker
        .register("Q-1", pos_key(), "1234")
        .await
        .expect("paired");
    assert_eq!(label, "P_1");
    next_event(
        &mut events,
        Duration::from_secs(5),
        |e| matches!(e, Event::BookChanged { pinpad_id } if pinpad_id == "Q-1"),
    )
    .await;
    for expected in 1..=2u32 {
        let answer = broker.submit("Q-1", version()).await.expect("answered");
        assert!(answer.is_success(), "{answer:?}");
        let served = cashier.served.lock().expect("served").last().copied();
        assert_eq!(served, Some(Some(expected)), "signed with the next COUNTER");
    }
    let test_mac = broker.test_mac("Q-1", None).await.expect("answered");
    assert!(
        test_mac.is_success(),
        "the terminal verified the MAC: {test_mac:?}"
    );
    // What a POS restored from an old backup would hold: COUNTER 2 was already used.
    let mut stale = sca_ws::broker::CounterBook::new();
    stale
        .insert("P_1", pos_key_of(&cashier).as_slice(), 1)
        .expect("book");
    let book = broker.books();
    assert_eq!(book.len(), 1);
    assert!(book[0].1.last_counter("P_1") >= Some(3), "the book kept up");

    // Reconnect: the book goes with the id to the new link.
    stop_client(&broker, client, "Q-1").await;
    let saved = cashier.last_saved().expect("saved state");
    let mut config = checking_config(addr, "Q-1");
    config.auth_state = Some(saved);
    let client = start_client(&broker, config.clone(), &cashier, "Q-1").await;
    let answer = broker.submit("Q-1", version()).await.expect("answered");
    assert!(answer.is_success(), "restored terminal accepts: {answer:?}");

    // A replay: the stale book hands out COUNTER 2 again.
    let good = broker.books().remove(0).1;
    broker.set_book("Q-1", stale);
    stop_client(&broker, client, "Q-1").await;
    let served_before = cashier.served.lock().expect("served").len();
    let client = start_client(&broker, config.clone(), &cashier, "Q-1").await;
    let refused = broker.submit("Q-1", version()).await.expect("answered");
    assert_eq!(
        refused.response_text.as_deref(),
        Some("COUNTER not higher than the last one"),
        "a used COUNTER is refused"
    );
    assert_eq!(
        cashier.served.lock().expect("served").len(),
        served_before,
        "the application never saw the replay"
    );

    // Without its saved state, a restarted terminal has no key and refuses signed requests.
    broker.set_book("Q-1", good);
    stop_client(&broker, client, "Q-1").await;
    let client = start_client(&broker, checking_config(addr, "Q-1"), &cashier, "Q-1").await;
    let refused = broker.submit("Q-1", version()).await.expect("answered");
    assert!(!refused.is_success(), "unknown label refused: {refused:?}");
    stop_client(&broker, client, "Q-1").await;
}

/// The key the terminal saved for P_1 (what the POS book holds too).
fn pos_key_of(cashier: &Cashier) -> Vec<u8> {
    let state = cashier.last_saved().expect("saved");
    state.label("P_1").expect("label").key().to_vec()
}

#[tokio::test]
async fn unregister_forgets_the_label_on_both_sides() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let cashier = Cashier::default();
    let client = start_client(&broker, checking_config(addr, "Q-2"), &cashier, "Q-2").await;
    broker
        .register("Q-2", pos_key(), "99")
        .await
        .expect("paired");
    let answer = broker.unregister("Q-2", None).await.expect("answered");
    assert!(answer.is_success(), "{answer:?}");
    assert!(broker.books().is_empty(), "the POS forgot the label");
    let state = cashier.last_saved().expect("saved");
    assert!(state.label("P_1").is_none(), "the terminal forgot it too");
    client.close();
}

#[tokio::test]
async fn a_refused_pairing_stores_nothing() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let cashier = Cashier {
        typed: Some("0000".into()),
        ..Cashier::default()
    };
    let client = start_client(&broker, checking_config(addr, "Q-3"), &cashier, "Q-3").await;
    let refused = broker.register("Q-3", pos_key(), "1234").await;
    assert!(
        matches!(refused, Err(SubmitError::Pairing(_))),
        "{refused:?}"
    );
    assert!(broker.books().is_empty());
    client.close();
}
