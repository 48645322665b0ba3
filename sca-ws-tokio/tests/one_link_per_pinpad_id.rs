//! The same pinpad id twice: the newer link wins, the older is closed with the core's
//! replaced code, its request in flight fails `Replaced`, a `Replaced` event names both
//! peers, and no Disconnected event is sent while the newer link holds the id.

mod support;

use std::time::Duration;

use sca_ws::broker::CLOSE_REPLACED;
use sca_ws_tokio::broker::{Event, ServerConfig, SubmitError};
use support::*;

#[tokio::test]
async fn the_newest_link_wins_and_the_older_ones_request_fails_replaced() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let mut events = broker.subscribe();
    let mut older = raw_connect(addr, "X").await;
    assert_eq!(older.status, 101);
    connected(&mut events, "X").await;

    let submitter = broker.clone();
    let in_flight = tokio::spawn(async move { submitter.submit("X", session_start()).await });
    let (opcode, _) = older
        .read_frame(Duration::from_secs(5))
        .await
        .expect("the request reaches the older link");
    assert_eq!(opcode, 0x1, "a text frame: the request was sent");

    let mut newer = raw_connect(addr, "X").await;
    assert_eq!(newer.status, 101);
    let replaced = next_event(&mut events, Duration::from_secs(5), |e| {
        matches!(e, Event::Replaced { .. })
    })
    .await;
    let expected = Event::Replaced {
        pinpad_id: "X".into(),
        remote_addr: newer.stream.local_addr().expect("addr"),
        previous_addr: older.stream.local_addr().expect("addr"),
    };
    assert_eq!(
        replaced, expected,
        "the takeover is announced, naming both peers"
    );
    let result = tokio::time::timeout(Duration::from_secs(5), in_flight)
        .await
        .expect("in time")
        .expect("task");
    assert_eq!(result, Err(SubmitError::Replaced));
    assert_eq!(
        older.read_close_code(Duration::from_secs(5)).await,
        Some(CLOSE_REPLACED.0)
    );
    drop(older);

    // Two Connected events, and no Disconnected for X after the older link ended.
    connected(&mut events, "X").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(event) = events.try_recv() {
        assert!(!matches!(event, Event::Disconnected { .. }), "{event:?}");
    }
    let terminals = broker.terminals();
    assert_eq!(terminals.len(), 1);
    assert_eq!(
        terminals[0].remote_addr,
        newer.stream.local_addr().expect("addr")
    );

    // Requests for X now go to the newer link.
    let submitter = broker.clone();
    let _next = tokio::spawn(async move { submitter.submit("X", payment()).await });
    let (opcode, payload) = newer
        .read_frame(Duration::from_secs(5))
        .await
        .expect("the newer link gets the next request");
    assert_eq!(opcode, 0x1);
    assert!(String::from_utf8_lossy(&payload).contains("CAPTURE"));
}
