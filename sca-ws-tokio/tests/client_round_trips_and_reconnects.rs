//! A terminal `Client` against the `Server`: a request round-trips, and after the broker
//! goes away and comes back on the same port the client dials again by itself and a request
//! round-trips over the new link (a link that merely "came back" proves nothing).

mod support;

use std::time::Duration;

use sca_ws_tokio::broker::{Event, Server, ServerConfig};
use sca_ws_tokio::terminal::{self, Client};
use support::*;

#[tokio::test]
async fn a_request_round_trips_and_the_client_reconnects_after_the_server_drops_it() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let mut events = broker.subscribe();
    let (client, _task) = Client::spawn(
        terminal_config(addr, "T-1"),
        Answer {
            delay: Some(Duration::from_millis(10)),
        },
    );
    let mut screen = client.subscribe();
    connected(&mut events, "T-1").await;
    let up = tokio::time::timeout(Duration::from_secs(5), client.connected()).await;
    assert_eq!(up.ok(), Some(true), "the client sees its link up");
    assert!(client.is_connected());
    let answer = broker
        .submit("T-1", session_start())
        .await
        .expect("answered");
    assert!(answer.is_success(), "{answer:?}");

    // The broker goes away (closing the link with 1001) ...
    broker.shutdown(Duration::from_secs(2)).await;
    assert_eq!(broker.link_count(), 0);
    let config = ServerConfig::new(addr);
    // ... and a new one comes up on the same port.
    let server = Server::bind(config).expect("bind the same port again");
    let broker = server.handle();
    let mut events = broker.subscribe();
    tokio::spawn(server.run());
    let event = connected(&mut events, "T-1").await;
    assert!(matches!(event, Event::Connected { .. }));
    let answer = broker
        .submit("T-1", payment())
        .await
        .expect("answered again");
    assert!(answer.is_success(), "{answer:?}");

    // The status icon told the story (the screen stays quiet: a session is open): down,
    // then up again.
    let mut saw_down = false;
    let mut saw_up_again = false;
    while let Ok(event) = screen.try_recv() {
        if let terminal::Event::Status(status) = event {
            saw_down |= !status.connected;
            saw_up_again |= saw_down && status.connected;
        }
    }
    assert!(saw_down && saw_up_again, "down, then up again");

    client.close();
    let mut stopped = client.subscribe();
    tokio::time::timeout(Duration::from_secs(5), async {
        while !matches!(stopped.recv().await, Ok(terminal::Event::Stopped) | Err(_)) {}
    })
    .await
    .expect("the client stops after close");
}
