//! `Handle::close` ends one terminal's link with a close handshake and the code asked for;
//! `Handle::drop_link` cuts its transport with none. Either way the request in flight fails,
//! `Disconnected` follows, the other terminals stay up, and an unknown id is refused, as is
//! a close code or reason a close frame cannot carry.

mod support;

use std::time::Duration;

use sca_ws::CloseCode;
use sca_ws::broker::CloseReason;
use sca_ws_tokio::broker::{CloseError, Event, ServerConfig, SubmitError};
use support::*;
use tokio::io::AsyncWriteExt;

const WAIT: Duration = Duration::from_secs(5);

async fn disconnected(
    events: &mut tokio::sync::broadcast::Receiver<Event>,
    id: &str,
) -> CloseReason {
    let event = next_event(
        events,
        WAIT,
        |e| matches!(e, Event::Disconnected { pinpad_id, .. } if pinpad_id == id),
    )
    .await;
    let Event::Disconnected { reason, .. } = event else {
        unreachable!()
    };
    reason
}

#[tokio::test]
async fn close_sends_the_code_and_completes_the_handshake() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let mut events = broker.subscribe();
    let mut a = raw_connect(addr, "A").await;
    let _b = raw_connect(addr, "B").await;
    connected(&mut events, "A").await;
    connected(&mut events, "B").await;

    let submitter = broker.clone();
    let in_flight = tokio::spawn(async move { submitter.submit("A", session_start()).await });
    let (opcode, _) = a.read_frame(WAIT).await.expect("the request arrives");
    assert_eq!(opcode, 0x1);

    // What a close frame cannot carry is refused before anything is sent.
    assert_eq!(
        broker.close("A", CloseCode::NO_STATUS, ""),
        Err(CloseError::InvalidCode(CloseCode::NO_STATUS))
    );
    let long = "x".repeat(124);
    assert_eq!(
        broker.close("A", CloseCode::NORMAL, &long),
        Err(CloseError::ReasonTooLong(124))
    );
    assert_eq!(broker.close("A", CloseCode::NORMAL, "end of day"), Ok(()));
    assert_eq!(a.read_close_code(WAIT).await, Some(1000));
    // The terminal answers the close; the link then ends cleanly.
    a.stream
        .write_all(&client_frame(0x8, &1000u16.to_be_bytes()))
        .await
        .expect("write close");
    let reason = disconnected(&mut events, "A").await;
    assert!(
        matches!(&reason, CloseReason::Closed { code, .. } if *code == CloseCode::NORMAL),
        "{reason:?}"
    );
    let result = tokio::time::timeout(WAIT, in_flight)
        .await
        .expect("in time");
    assert_eq!(result.expect("task"), Err(SubmitError::LinkLost));

    let left: Vec<_> = broker
        .terminals()
        .into_iter()
        .map(|t| t.pinpad_id)
        .collect();
    assert_eq!(left, ["B"], "only A's link ended");
    let again = broker.close("A", CloseCode::NORMAL, "again");
    assert_eq!(again, Err(CloseError::NotConnected), "A is gone");
    let nobody = broker.close("nobody", CloseCode::NORMAL, "");
    assert_eq!(nobody, Err(CloseError::NotConnected), "never connected");
}

#[tokio::test]
async fn drop_link_cuts_the_transport_without_a_close_frame() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let mut events = broker.subscribe();
    let mut a = raw_connect(addr, "A").await;
    connected(&mut events, "A").await;

    assert!(broker.drop_link("A"));
    assert_eq!(
        a.read_frame(WAIT).await,
        None,
        "the transport ends with no frame, a close frame included"
    );
    let reason = disconnected(&mut events, "A").await;
    assert!(
        !matches!(reason, CloseReason::Closed { .. }),
        "no close handshake: {reason:?}"
    );
    assert!(broker.terminals().is_empty());
    assert!(!broker.drop_link("A"));
}
