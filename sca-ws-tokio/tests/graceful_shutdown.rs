//! `Handle::shutdown`: every link gets close 1001, a peer that answers the close ends at
//! once, one that never answers is dropped at the end of the grace period, and the server
//! stops accepting.

mod support;

use std::time::Duration;

use sca_ws::CloseCode;
use sca_ws_tokio::broker::{ServerConfig, SubmitError};
use sca_ws_tokio::terminal::{self, Client};
use support::*;

#[tokio::test]
async fn every_link_gets_1001_and_the_wait_is_bounded_by_the_grace() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let mut events = broker.subscribe();
    let mut polite = raw_connect(addr, "polite").await;
    let mut silent = raw_connect(addr, "silent").await;
    let (client, _task) = Client::spawn(
        terminal_config(addr, "client"),
        Answer {
            delay: Some(Duration::ZERO),
        },
    );
    let mut client_events = client.subscribe();
    for id in ["polite", "silent", "client"] {
        connected(&mut events, id).await;
    }
    assert_eq!(broker.link_count(), 3);

    let grace = Duration::from_secs(1);
    let started = tokio::time::Instant::now();
    let shutdown = tokio::spawn({
        let broker = broker.clone();
        async move { broker.shutdown(grace).await }
    });
    // The polite peer answers the close; the silent one never does.
    assert_eq!(
        polite.read_close_code(Duration::from_secs(2)).await,
        Some(CloseCode::GOING_AWAY.0)
    );
    use tokio::io::AsyncWriteExt;
    polite
        .stream
        .write_all(&client_frame(0x8, &1001u16.to_be_bytes()))
        .await
        .expect("close reply");
    assert_eq!(
        silent.read_close_code(Duration::from_secs(2)).await,
        Some(CloseCode::GOING_AWAY.0)
    );

    tokio::time::timeout(Duration::from_secs(5), shutdown)
        .await
        .expect("shutdown returns")
        .expect("task");
    let took = started.elapsed();
    assert!(
        took >= grace,
        "the silent link is waited for up to the grace: {took:?}"
    );
    assert!(
        took < grace + Duration::from_secs(2),
        "and not much longer: {took:?}"
    );
    assert_eq!(broker.link_count(), 0);
    assert!(broker.terminals().is_empty());
    assert_eq!(
        broker.submit("client", session_start()).await,
        Err(SubmitError::NotConnected)
    );

    // The terminal client saw the broker close with 1001.
    let saw = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match client_events.recv().await {
                Ok(terminal::Event::Status(s)) if !s.connected => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
    })
    .await;
    assert_eq!(saw.ok(), Some(true), "the client's link went down");

    // Nothing is accepted any more.
    let late =
        tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr)).await;
    // Refused (the listener is closed), or at least never upgraded.
    if let Ok(Ok(stream)) = late {
        let raw = raw_upgrade(stream, "late").await;
        assert_ne!(raw.status, 101, "no upgrade after shutdown");
    }
    client.close();
}
