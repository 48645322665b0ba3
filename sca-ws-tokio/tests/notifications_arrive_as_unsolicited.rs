//! A terminal's notification (a RESPONSE nobody asked for) reaches the broker's event stream
//! as `Unsolicited` with the pinpad id of its link, and the byte counters count the traffic.

mod support;

use std::time::Duration;

use sca_ws::Response;
use sca_ws_tokio::broker::{Event, ServerConfig};
use sca_ws_tokio::terminal::{Client, NotifyError};
use support::*;

#[tokio::test]
async fn a_notification_is_an_unsolicited_event_of_its_pinpad_id() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    let mut events = broker.subscribe();
    let (client, _task) = Client::spawn(terminal_config(addr, "N-1"), Answer { delay: None });
    connected(&mut events, "N-1").await;
    tokio::time::timeout(Duration::from_secs(5), client.connected())
        .await
        .expect("up");
    let (in_before, out_before) = (broker.bytes_in(), broker.bytes_out());
    assert!(in_before > 0 && out_before > 0, "the handshake was counted");

    client
        .notify(Response::success("Card inserted"))
        .await
        .expect("sent");
    let event = next_event(&mut events, Duration::from_secs(5), |e| {
        matches!(e, Event::Unsolicited { .. })
    })
    .await;
    let Event::Unsolicited {
        pinpad_id,
        response,
    } = event
    else {
        unreachable!()
    };
    assert_eq!(pinpad_id, "N-1");
    assert_eq!(response.response_text.as_deref(), Some("Card inserted"));
    assert!(
        broker.bytes_in() > in_before,
        "the notification was counted in"
    );

    // Once the client has stopped, notify says so instead of pretending.
    client.close();
    let mut stopped = false;
    for _ in 0..100 {
        if let Err(NotifyError::Stopped) = client.notify(Response::success("late")).await {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(stopped, "notify reports the stopped client");
}
