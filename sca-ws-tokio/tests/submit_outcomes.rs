//! What `Handle::submit` returns when no answer comes: an id nobody holds, a terminal that
//! never answers, a full queue.

mod support;

use std::time::Duration;

use sca_ws_tokio::broker::{ServerConfig, SubmitError};
use sca_ws_tokio::terminal::Client;
use support::*;

#[tokio::test]
async fn an_unknown_pinpad_id_is_not_connected() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let mut events = broker.subscribe();
    let (_client, _task) = Client::spawn(
        terminal_config(addr, "known"),
        Answer {
            delay: Some(Duration::ZERO),
        },
    );
    connected(&mut events, "known").await;
    assert_eq!(
        broker.submit("unknown", session_start()).await,
        Err(SubmitError::NotConnected)
    );
    // A prefix or a different case of a known id is another id.
    assert_eq!(
        broker.submit("know", session_start()).await,
        Err(SubmitError::NotConnected)
    );
    assert_eq!(
        broker.submit("KNOWN", session_start()).await,
        Err(SubmitError::NotConnected)
    );
    assert!(broker.submit("known", session_start()).await.is_ok());
}

#[tokio::test]
async fn a_terminal_that_never_answers_times_out_on_the_configured_deadline() {
    let mut config = ServerConfig::new(loopback());
    config.submit_timeout = Duration::from_millis(300);
    let (broker, addr) = start_server(config);
    let mut events = broker.subscribe();
    let (_client, _task) = Client::spawn(terminal_config(addr, "mute"), Answer { delay: None });
    connected(&mut events, "mute").await;
    let started = tokio::time::Instant::now();
    assert_eq!(
        broker.submit("mute", session_start()).await,
        Err(SubmitError::Timeout)
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300),
        "not before the deadline: {took:?}"
    );
    assert!(
        took < Duration::from_millis(1500),
        "not long after it: {took:?}"
    );
}

#[tokio::test]
async fn a_full_queue_refuses_at_once_while_earlier_requests_wait() {
    let mut config = ServerConfig::new(loopback());
    config.submit_timeout = Duration::from_millis(400);
    config.core.max_waiting_requests = 1;
    let (broker, addr) = start_server(config);
    let mut events = broker.subscribe();
    let (_client, _task) = Client::spawn(terminal_config(addr, "busy"), Answer { delay: None });
    connected(&mut events, "busy").await;
    // One in flight, one waiting behind it, the third has no room.
    let (first, second, third) = tokio::join!(
        broker.submit("busy", session_start()),
        broker.submit("busy", payment()),
        async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let started = tokio::time::Instant::now();
            (broker.submit("busy", payment()).await, started.elapsed())
        },
    );
    assert_eq!(third.0, Err(SubmitError::QueueFull));
    assert!(
        third.1 < Duration::from_millis(200),
        "refused at once: {:?}",
        third.1
    );
    assert_eq!(first, Err(SubmitError::Timeout));
    assert_eq!(second, Err(SubmitError::Timeout));
}
