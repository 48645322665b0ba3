//! The terminal `Client` hands a SECURITY REGISTER to its application's cashier and every
//! auth-state change to `auth_changed`, awaited before the answer leaves: the broker never
//! holds an answer whose key the terminal has not saved. A refusal, a wrong code, a failing
//! save and an unreadable restore each end as they must.

mod support;

use std::time::Duration;

use sca_ws::terminal::{AuthState, LabelState};
use sca_ws_tokio::broker::{ServerConfig, SubmitError};
use sca_ws_tokio::terminal::{Client, Event};
use support::pairing::{Cashier, checking_config, pos_key};
use support::*;

#[tokio::test]
async fn the_answer_leaves_only_after_the_new_key_was_saved() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let mut events = broker.subscribe();
    let cashier = Cashier {
        save_delay: Duration::from_millis(300),
        ..Cashier::default()
    };
    let (client, _task) = Client::spawn(checking_config(addr, "P-1"), cashier.clone());
    connected(&mut events, "P-1").await;
    let answer = broker
        .submit("P-1", pos_key().register_request("4711"))
        .await
        .expect("answered");
    assert!(answer.is_success(), "{answer:?}");
    assert_eq!(answer.fields().get("MAC_LABEL"), Some("P_1"));
    // The save took 300 ms and only counts once done: it must be there when the answer is.
    let saved = cashier
        .last_saved()
        .expect("saved before the answer arrived");
    let label = saved.label("P_1").expect("the new label saved");
    assert_eq!(label.last_counter, Some(0));
    let registration = pos_key()
        .read_register_answer(&answer, [1; 32])
        .expect("the wrapped key opens with the POS key");
    assert_eq!(
        registration.key().as_slice(),
        label.key(),
        "the key saved is the key sent"
    );
    client.close();
}

#[tokio::test]
async fn a_refusing_cashier_answers_59001_and_a_wrong_code_59040_and_nothing_is_saved() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let mut events = broker.subscribe();
    for (id, cashier, code) in [
        (
            "P-2",
            Cashier {
                refuse: true,
                ..Cashier::default()
            },
            59001,
        ),
        (
            "P-3",
            Cashier {
                typed: Some("0000".into()),
                ..Cashier::default()
            },
            59040,
        ),
    ] {
        let (client, _task) = Client::spawn(checking_config(addr, id), cashier.clone());
        connected(&mut events, id).await;
        let answer = broker
            .submit(id, pos_key().register_request("4711"))
            .await
            .expect("answered");
        assert_eq!(answer.result_code.map(|c| c.0), Some(code), "{answer:?}");
        assert!(
            answer.fields().get("MAC_KEY").is_none(),
            "no key handed out"
        );
        assert!(cashier.last_saved().is_none(), "nothing to save");
        client.close();
    }
}

#[tokio::test]
async fn a_failed_save_stops_the_client_before_the_answer() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let mut events = broker.subscribe();
    let cashier = Cashier {
        fail_save: true,
        ..Cashier::default()
    };
    let (client, task) = Client::spawn(checking_config(addr, "P-4"), cashier);
    let mut told = client.subscribe();
    connected(&mut events, "P-4").await;
    let answer = broker
        .submit("P-4", pos_key().register_request("4711"))
        .await;
    assert_eq!(
        answer,
        Err(SubmitError::LinkLost),
        "no answer with an unsaved key"
    );
    let stopped = tokio::time::timeout(Duration::from_secs(5), task).await;
    assert!(stopped.is_ok(), "the client task ended");
    let mut saw = Vec::new();
    while let Ok(event) = told.try_recv() {
        saw.push(event);
    }
    assert!(
        saw.contains(&Event::AuthNotSaved("disk full".into())),
        "{saw:?}"
    );
    assert_eq!(saw.last(), Some(&Event::Stopped));
}

#[tokio::test]
async fn a_state_with_too_many_labels_is_not_restored_and_nothing_is_dialled() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let mut config = checking_config(addr, "P-5");
    let limit = config.terminal.max_mac_labels;
    let labels = (0..=limit)
        .map(|n| LabelState::new(format!("P_{n}"), vec![1; 16], None))
        .collect();
    config.auth_state = Some(AuthState {
        labels,
        last_counter: None,
    });
    let client = Client::new(config, Cashier::default());
    let mut told = client.handle().subscribe();
    let ended = tokio::time::timeout(Duration::from_secs(5), client.run()).await;
    assert!(ended.is_ok(), "run returns at once");
    assert!(matches!(told.try_recv(), Ok(Event::AuthNotRestored(_))));
    assert_eq!(told.try_recv(), Ok(Event::Stopped));
    assert_eq!(broker.link_count(), 0, "never dialled");
}
