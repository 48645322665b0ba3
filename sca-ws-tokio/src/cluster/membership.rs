//! The node's background tasks: keep one NATS subscription per terminal held here (from the
//! broker's events, put right by a periodic comparison since events can be lost), publish
//! claims and events, answer listings, apply other nodes' claims, and relay other nodes'
//! events. Started by [`super::Cluster::join`].

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use sca_ws::Transaction;
use tokio::sync::broadcast::error::RecvError;

use super::event::{ClusterEvent, NodeEvent};
use super::node::Inner;
use super::wire::{Claim, HELD, ListChunk, PROBE, WireEvent, encode_answer, unix_ns};
use super::{local, subject};
use crate::broker::{Event, SubmitError};

/// Starts every long-running task of the node.
pub(crate) fn start(inner: &Arc<Inner>) {
    // Subscribe to the broker before the first comparison, so no link slips between them.
    let local_events = inner.handle.subscribe();
    let tasks = vec![
        tokio::spawn(follow_links(inner.clone(), local_events)),
        tokio::spawn(apply_claims(inner.clone())),
        tokio::spawn(answer_listings(inner.clone())),
        tokio::spawn(relay_events(inner.clone())),
    ];
    inner
        .tasks
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend(tasks);
}

/// Follows the broker's events: serve and claim new links, drop subjects of ended ones,
/// publish the events; compares with the broker's list every
/// [`super::ClusterConfig::reconcile_interval`] and when events were lost; claims every
/// held id again whenever NATS comes (back) up, which settles ids held twice meanwhile.
async fn follow_links(
    inner: Arc<Inner>,
    mut local_events: tokio::sync::broadcast::Receiver<Event>,
) {
    let mut status = inner.status.subscribe();
    let mut tick = tokio::time::interval(inner.config.reconcile_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let me = inner.config.node_id.clone();
    loop {
        tokio::select! {
            received = local_events.recv() => match received {
                Ok(event) => on_local_event(&inner, &me, event).await,
                Err(RecvError::Lagged(_)) => reconcile(&inner),
                Err(RecvError::Closed) => return,
            },
            _ = tick.tick() => reconcile(&inner),
            changed = status.changed() => {
                if changed.is_err() {
                    return;
                }
                if *status.borrow_and_update() {
                    reconcile(&inner);
                    for (pinpad_id, since) in local::held(&inner.handle) {
                        claim_id(&inner, &pinpad_id, unix_ns(since)).await;
                    }
                }
            }
        }
    }
}

async fn on_local_event(inner: &Arc<Inner>, me: &str, event: Event) {
    let (wire, kind) = match event {
        Event::Connected {
            pinpad_id,
            remote_addr,
        } => {
            serve(inner, &pinpad_id);
            if let Some(since) = local::held_since(&inner.handle, &pinpad_id) {
                claim_id(inner, &pinpad_id, unix_ns(since)).await;
            }
            (
                WireEvent::Connected {
                    pinpad_id: pinpad_id.clone(),
                    remote_addr,
                },
                NodeEvent::Connected {
                    pinpad_id,
                    remote_addr,
                },
            )
        }
        Event::Disconnected { pinpad_id, reason } => {
            if local::held_since(&inner.handle, &pinpad_id).is_none()
                && let Some(task) = inner.served().remove(&pinpad_id)
            {
                task.abort(); // drops the subscription: NATS unsubscribes the subject
            }
            let reason = reason.to_string();
            (
                WireEvent::Disconnected {
                    pinpad_id: pinpad_id.clone(),
                    reason: reason.clone(),
                },
                NodeEvent::Disconnected { pinpad_id, reason },
            )
        }
        Event::Unsolicited {
            pinpad_id,
            response,
        } => {
            let mut xml = String::new();
            response.encode_to_string(&mut xml);
            (
                WireEvent::Unsolicited {
                    pinpad_id: pinpad_id.clone(),
                    response: xml,
                },
                NodeEvent::Unsolicited {
                    pinpad_id,
                    response,
                },
            )
        }
        #[allow(unreachable_patterns)] // the broker may add events; they stay local
        _ => return,
    };
    let _ = inner.events.send(ClusterEvent {
        node: me.to_owned(),
        kind,
    });
    if inner.nats_up() {
        // At most once, as NATS itself: an event while NATS is down is not replayed.
        let _ = inner
            .client
            .publish(subject::events(me), wire.encode())
            .await;
    }
}

/// Tells the other nodes that the link for `pinpad_id` accepted at `since_ns` is ours now.
async fn claim_id(inner: &Inner, pinpad_id: &str, since_ns: u64) {
    if !inner.nats_up() {
        return; // claimed again when NATS is back
    }
    let claim = Claim {
        node: inner.config.node_id.clone(),
        pinpad_id: pinpad_id.to_owned(),
        since_ns,
    };
    let _ = inner.client.publish(subject::claim(), claim.encode()).await;
}

/// Puts the subscriptions right: one live task per id held here, none for any other.
pub(crate) fn reconcile(inner: &Arc<Inner>) {
    let held: HashSet<String> = local::held(&inner.handle)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    inner.served().retain(|id, task| {
        let keep = held.contains(id) && !task.is_finished();
        if !keep {
            task.abort();
        }
        keep
    });
    for id in held {
        serve(inner, &id);
    }
}

/// Starts answering on the subject of `pinpad_id`, unless a live task already does. Ids
/// that make no subject (see [`subject::escape_id`]) stay reachable here only.
fn serve(inner: &Arc<Inner>, pinpad_id: &str) {
    let Some(escaped) = subject::escape_id(pinpad_id) else {
        return;
    };
    let mut served = inner.served();
    if served
        .get(pinpad_id)
        .is_some_and(|task| !task.is_finished())
    {
        return;
    }
    let task = tokio::spawn(answer_terminal(
        inner.clone(),
        pinpad_id.to_owned(),
        subject::terminal(&escaped),
    ));
    if let Some(old) = served.insert(pinpad_id.to_owned(), task) {
        old.abort();
    }
}

/// Subscribes to one terminal's subject and answers each request on it through the local
/// broker, one task per request (the broker's bounded queues refuse a flood at once).
async fn answer_terminal(inner: Arc<Inner>, pinpad_id: String, subject: String) {
    let Ok(mut requests) = inner.client.subscribe(subject).await else {
        return; // the comparison tick starts a new task
    };
    while let Some(message) = requests.next().await {
        let Some(reply) = message.reply else {
            continue; // a publish without a reply subject asks nothing
        };
        if message.payload.as_ref() == PROBE {
            let _ = inner.client.publish(reply, Bytes::from_static(HELD)).await;
            continue;
        }
        let (inner, pinpad_id) = (inner.clone(), pinpad_id.clone());
        tokio::spawn(async move {
            let result = match Transaction::decode(&message.payload) {
                Ok(transaction) => inner.handle.submit(&pinpad_id, transaction).await,
                Err(e) => Err(SubmitError::Invalid(format!("not a TRANSACTION: {e}"))),
            };
            let _ = inner.client.publish(reply, encode_answer(&result)).await;
        });
    }
}

/// Answers `sca.list` with this node's terminals, in chunks.
async fn answer_listings(inner: Arc<Inner>) {
    let Ok(mut asks) = inner.client.subscribe(subject::list()).await else {
        return;
    };
    while let Some(message) = asks.next().await {
        let Some(reply) = message.reply else {
            continue;
        };
        let terminals = inner.handle.terminals();
        for chunk in ListChunk::encode_all(&inner.config.node_id, &terminals) {
            let _ = inner.client.publish(reply.clone(), chunk).await;
        }
    }
}

/// Applies other nodes' claims: a link here for the same id accepted earlier is closed with
/// the core's replaced code, as a newer link on this node would close it; a claim older than
/// our link is answered with our claim.
async fn apply_claims(inner: Arc<Inner>) {
    let Ok(mut claims) = inner.client.subscribe(subject::claim()).await else {
        return;
    };
    let me = inner.config.node_id.clone();
    while let Some(message) = claims.next().await {
        let Some(claim) = Claim::decode(&message.payload) else {
            continue;
        };
        if claim.node == me {
            continue;
        }
        if let Some(since) = local::held_since(&inner.handle, &claim.pinpad_id) {
            let ours = unix_ns(since);
            if claim.beats(&me, ours) {
                local::close_replaced(&inner.handle, &claim.pinpad_id, since);
            } else {
                // Ours is the newer link: say so again, for a node that missed our claim
                // (it rejoined after we published it). It yields; nobody answers that.
                claim_id(&inner, &claim.pinpad_id, ours).await;
            }
        }
    }
}

/// Relays the other nodes' events to this node's subscribers.
async fn relay_events(inner: Arc<Inner>) {
    let Ok(mut events) = inner.client.subscribe(subject::all_events()).await else {
        return;
    };
    let me = inner.config.node_id.clone();
    while let Some(message) = events.next().await {
        let Some(node) = subject::events_node(&message.subject) else {
            continue;
        };
        if node == me {
            continue; // ours went out straight from the broker
        }
        let Some(wire) = WireEvent::decode(&message.payload) else {
            continue;
        };
        let kind = match wire {
            WireEvent::Connected {
                pinpad_id,
                remote_addr,
            } => NodeEvent::Connected {
                pinpad_id,
                remote_addr,
            },
            WireEvent::Disconnected { pinpad_id, reason } => {
                NodeEvent::Disconnected { pinpad_id, reason }
            }
            WireEvent::Unsolicited {
                pinpad_id,
                response,
            } => match sca_ws::Response::decode(response.as_bytes()) {
                Ok(response) => NodeEvent::Unsolicited {
                    pinpad_id,
                    response,
                },
                Err(_) => continue,
            },
        };
        let _ = inner.events.send(ClusterEvent {
            node: node.to_owned(),
            kind,
        });
    }
}
