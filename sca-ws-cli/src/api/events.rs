//! `GET /events`: the broker's events as Server-Sent Events, one JSON object each. A client
//! that reads too slowly loses the oldest events and gets a `lagged` event saying how many;
//! the stream ends when the service shuts down.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::Api;
use crate::brokerage::{Brokerage, LinkEvent};

/// The SSE event for one broker event.
fn sse(event: &LinkEvent) -> Event {
    let (name, data) = match event {
        LinkEvent::Connected { pinpad_id, remote } => (
            "connected",
            json!({ "pinpad_id": pinpad_id, "remote_addr": remote.to_string() }),
        ),
        LinkEvent::Disconnected { pinpad_id, reason } => (
            "disconnected",
            json!({ "pinpad_id": pinpad_id, "reason": reason }),
        ),
        LinkEvent::Unsolicited {
            pinpad_id,
            response,
        } => {
            let mut xml = String::new();
            response.encode_to_string(&mut xml);
            (
                "unsolicited",
                json!({ "pinpad_id": pinpad_id, "response": xml }),
            )
        }
        LinkEvent::Replaced { pinpad_id, remote } => (
            "replaced",
            json!({ "pinpad_id": pinpad_id, "remote_addr": remote.to_string() }),
        ),
        LinkEvent::TlsFailed { remote, reason } => (
            "tls_failed",
            json!({ "remote_addr": remote.to_string(), "reason": reason }),
        ),
    };
    Event::default().event(name).data(data.to_string())
}

pub(super) async fn stream<B: Brokerage>(
    State(api): State<Arc<Api<B>>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = api.broker.subscribe();
    let stopping = api.stopping.clone();
    let stream = futures_util::stream::unfold(
        (events, stopping),
        |(mut events, mut stopping)| async move {
            if *stopping.borrow() {
                return None;
            }
            let next = tokio::select! {
                received = events.recv() => received,
                _ = stopping.changed() => return None,
            };
            let event = match next {
                Ok(event) => sse(&event),
                Err(RecvError::Lagged(missed)) => Event::default()
                    .event("lagged")
                    .data(json!({ "missed": missed }).to_string()),
                Err(RecvError::Closed) => return None,
            };
            Some((Ok(event), (events, stopping)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
