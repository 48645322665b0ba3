//! [`Cluster`]: one broker node joined to the others through NATS. Requests for terminals
//! held here go straight to the local broker; the others become NATS requests on the
//! terminal's subject.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_nats::client::RequestErrorKind;
use async_nats::connection::State as NatsState;
use bytes::Bytes;
use futures_util::StreamExt;
use sca_ws::{Response, Transaction};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;

use super::config::ClusterConfig;
use super::error::JoinError;
use super::event::{ClusterEvent, NodeTerminal};
use super::wire::{ListChunk, PROBE, decode_answer, from_unix_ms};
use super::{local, membership, subject};
use crate::broker::{Handle, SubmitError};

/// How often a request waiting on another node checks that the node is still there.
const PROBE_INTERVAL: Duration = Duration::from_secs(1);

/// How long a liveness probe waits for its answer (the holder answers it at once, without
/// the terminal).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Messages a single subscription may hold unread before NATS's client drops the newest
/// (a flood on one terminal's subject cannot grow memory beyond this).
const SUBSCRIPTION_CAPACITY: usize = 1024;

/// Commands the NATS client may queue (publishes, subscriptions) while it is between
/// connections or busy writing.
const CLIENT_CAPACITY: usize = 8192;

/// What the node's tasks share.
pub(crate) struct Inner {
    pub(crate) config: ClusterConfig,
    pub(crate) handle: Handle,
    pub(crate) client: async_nats::Client,
    /// `true` while the NATS connection is up.
    pub(crate) status: Arc<watch::Sender<bool>>,
    pub(crate) disconnects: Arc<AtomicU64>,
    pub(crate) events: broadcast::Sender<ClusterEvent>,
    /// The subscription task of every terminal served here, by pinpad id.
    pub(crate) served: Mutex<HashMap<String, JoinHandle<()>>>,
    /// The node's long-running tasks (membership, claims, listing, events).
    pub(crate) tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Inner {
    pub(crate) fn served(&self) -> MutexGuard<'_, HashMap<String, JoinHandle<()>>> {
        self.served.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn nats_up(&self) -> bool {
        self.client.connection_state() == NatsState::Connected
    }
}

/// How often the connection state is read besides the client's own events (a missed or
/// early event cannot leave the status wrong for longer).
const STATUS_POLL: Duration = Duration::from_millis(100);

/// Keeps [`Inner::status`] equal to the client's connection state, counting each loss.
async fn watch_connection(inner: Arc<Inner>, nudge: Arc<Notify>) {
    loop {
        let up = inner.nats_up();
        if *inner.status.borrow() && !up {
            // Counted before the status says so, so whoever sees `false` sees the count.
            inner.disconnects.fetch_add(1, Ordering::Relaxed);
        }
        inner
            .status
            .send_if_modified(|status| std::mem::replace(status, up) != up);
        let _ = tokio::time::timeout(STATUS_POLL, nudge.notified()).await;
    }
}

/// A broker node in a cluster: cheap to clone. Made by [`Cluster::join`]; it takes part
/// until [`Cluster::leave`] (or until its runtime ends).
#[derive(Clone)]
pub struct Cluster {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("node_id", &self.inner.config.node_id)
            .field("nats_connected", &self.nats_connected())
            .finish_non_exhaustive()
    }
}

impl Cluster {
    /// Joins the broker behind `handle` to the cluster. Returns at once: an unreachable
    /// NATS server is no error (the node serves its own terminals and joins when NATS comes
    /// up; watch [`Cluster::nats_status`]). Call it from inside a tokio runtime.
    ///
    /// Cancel safety: dropping the future before it returns leaves nothing running.
    pub async fn join(handle: Handle, config: ClusterConfig) -> Result<Cluster, JoinError> {
        subject::check_node_id(&config.node_id).map_err(JoinError::NodeId)?;
        let status = Arc::new(watch::channel(false).0);
        let disconnects = Arc::new(AtomicU64::new(0));
        let nudge = Arc::new(Notify::new());
        let on_event = nudge.clone();
        let step_max = config.reconnect_delay_max;
        let client = async_nats::ConnectOptions::new()
            .name(format!("sca-ws node {}", config.node_id))
            .retry_on_initial_connect()
            .max_reconnects(None)
            .reconnect_delay_callback(move |attempts| {
                let step = Duration::from_millis(100).saturating_mul(attempts as u32);
                step.min(step_max)
            })
            .subscription_capacity(SUBSCRIPTION_CAPACITY)
            .client_capacity(CLIENT_CAPACITY)
            .event_callback(move |_event| {
                let nudge = on_event.clone();
                async move { nudge.notify_one() }
            })
            .connect(config.nats_url.as_str())
            .await
            .map_err(|e| JoinError::Nats(e.to_string()))?;
        let (events, _) = broadcast::channel(config.event_capacity.max(1));
        let inner = Arc::new(Inner {
            config,
            handle,
            client,
            status,
            disconnects,
            events,
            served: Mutex::new(HashMap::new()),
            tasks: Mutex::new(Vec::new()),
        });
        let watcher = tokio::spawn(watch_connection(inner.clone(), nudge));
        inner
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(watcher);
        membership::start(&inner);
        Ok(Cluster { inner })
    }

    /// This node's name.
    pub fn node_id(&self) -> &str {
        &self.inner.config.node_id
    }

    /// The local broker.
    pub fn handle(&self) -> &Handle {
        &self.inner.handle
    }

    /// Sends `transaction` to terminal `pinpad_id` wherever in the cluster it is connected,
    /// and waits for its RESPONSE. A terminal held here is served by the local broker (NATS
    /// or not); any other is a NATS request on its subject, answered by the node holding
    /// it. The outcomes are the broker's: `NotConnected` at once when no node holds the id
    /// (NATS's "no responders") or NATS is down, `Timeout` after the broker's
    /// `submit_timeout` (the holding node's own deadline; this node gives up
    /// [`ClusterConfig::request_backstop`] later), and the holding node's refusals as they
    /// are.
    ///
    /// Cancel safety: as [`Handle::submit`]; a request already published to another node is
    /// not withdrawn, its answer is discarded.
    pub async fn submit(
        &self,
        pinpad_id: &str,
        transaction: Transaction,
    ) -> Result<Response, SubmitError> {
        let inner = &self.inner;
        if local::held_since(&inner.handle, pinpad_id).is_some() {
            return inner.handle.submit(pinpad_id, transaction).await;
        }
        let Some(escaped) = subject::escape_id(pinpad_id) else {
            return Err(SubmitError::NotConnected);
        };
        if !inner.nats_up() {
            // The client would queue the request until NATS returns; the POS should hear
            // now that the terminal cannot be reached.
            return Err(SubmitError::NotConnected);
        }
        let mut xml = String::new();
        transaction.encode_to_string(&mut xml);
        let deadline = inner.handle.shared.config.submit_timeout + inner.config.request_backstop;
        let request = async_nats::Request::new()
            .payload(Bytes::from(xml))
            .timeout(Some(deadline));
        let subject = subject::terminal(&escaped);
        let answer = inner.client.send_request(subject.clone(), request);
        tokio::pin!(answer);
        // While the answer is due, ask every PROBE_INTERVAL whether anyone still holds the
        // id: a holder that died leaves no responders, and the POS hears 502 in seconds
        // rather than 504 at the deadline.
        let mut probe =
            tokio::time::interval_at(tokio::time::Instant::now() + PROBE_INTERVAL, PROBE_INTERVAL);
        loop {
            tokio::select! {
                result = &mut answer => return match result {
                    Ok(message) => decode_answer(&message.payload),
                    Err(error) => Err(match error.kind() {
                        RequestErrorKind::NoResponders => SubmitError::NotConnected,
                        RequestErrorKind::TimedOut => SubmitError::Timeout,
                        // The connection broke with the request out: it may have been
                        // carried out.
                        RequestErrorKind::Other => SubmitError::LinkLost,
                    }),
                },
                _ = probe.tick() => {
                    if !self.still_held(&subject).await {
                        return Err(SubmitError::LinkLost);
                    }
                }
            }
        }
    }

    /// Whether some node still answers on `subject`; `true` when it cannot tell (a slow
    /// answer), since giving up on a live request is worse than waiting for its deadline.
    async fn still_held(&self, subject: &str) -> bool {
        let probe = async_nats::Request::new()
            .payload(Bytes::from_static(PROBE))
            .timeout(Some(PROBE_TIMEOUT));
        match self
            .inner
            .client
            .send_request(subject.to_owned(), probe)
            .await
        {
            Ok(_) => true,
            Err(error) => error.kind() == RequestErrorKind::TimedOut,
        }
    }

    /// Every terminal of the cluster: this node's at once, the others' as they answer on
    /// `sca.list` within [`ClusterConfig::list_window`] (so this takes that long while
    /// NATS is up). Sorted by pinpad id, then node. A node that does not answer in time is
    /// missing from the list; while NATS is down the list holds this node's terminals only.
    ///
    /// Cancel safety: nothing is lost by dropping the future.
    pub async fn terminals(&self) -> Vec<NodeTerminal> {
        let inner = &self.inner;
        let me = inner.config.node_id.as_str();
        let mut all: Vec<NodeTerminal> = inner
            .handle
            .terminals()
            .into_iter()
            .map(|t| NodeTerminal {
                node: me.to_owned(),
                pinpad_id: t.pinpad_id,
                remote_addr: t.remote_addr,
                connected_since: t.connected_since,
            })
            .collect();
        if inner.nats_up() {
            let window = inner.config.list_window;
            let gathered = tokio::time::timeout(window, async {
                let inbox = inner.client.new_inbox();
                let Ok(mut replies) = inner.client.subscribe(inbox.clone()).await else {
                    return;
                };
                let asked = inner
                    .client
                    .publish_with_reply(subject::list(), inbox, Bytes::new())
                    .await;
                if asked.is_err() {
                    return;
                }
                let mut count = 0;
                while let Some(message) = replies.next().await {
                    count += 1;
                    if let Some(chunk) = ListChunk::decode(&message.payload)
                        && chunk.node != me
                        && subject::check_node_id(&chunk.node).is_ok()
                    {
                        all.extend(chunk.terminals.into_iter().map(|t| NodeTerminal {
                            node: chunk.node.clone(),
                            pinpad_id: t.pinpad_id,
                            remote_addr: t.remote_addr,
                            connected_since: from_unix_ms(t.connected_since_ms),
                        }));
                    }
                    if count >= inner.config.list_max_replies {
                        return;
                    }
                }
            });
            let _ = gathered.await; // the window closing is the normal end
        }
        all.sort_by(|a, b| (&a.pinpad_id, &a.node).cmp(&(&b.pinpad_id, &b.node)));
        all
    }

    /// A receiver of every node's link events from now on: this node's straight from its
    /// broker, the others' through NATS (lost while NATS is down: NATS keeps no history).
    /// A receiver that falls [`ClusterConfig::event_capacity`] behind loses the oldest.
    pub fn subscribe(&self) -> broadcast::Receiver<ClusterEvent> {
        self.inner.events.subscribe()
    }

    /// Whether the NATS connection is up now.
    pub fn nats_connected(&self) -> bool {
        self.inner.nats_up()
    }

    /// Turns `false` when the NATS connection drops and `true` when it is (re)established,
    /// for logs and metrics.
    pub fn nats_status(&self) -> watch::Receiver<bool> {
        self.inner.status.subscribe()
    }

    /// How often the NATS connection was lost since the node joined.
    pub fn nats_disconnects(&self) -> u64 {
        self.inner.disconnects.load(Ordering::Relaxed)
    }

    /// Terminals of this node reachable from the others now (their subjects subscribed).
    pub fn served_count(&self) -> usize {
        self.inner.served().len()
    }

    /// Leaves the cluster: stops answering for this node's terminals (their subjects are
    /// unsubscribed, so other nodes get "not connected" for them) and waits, at most
    /// `grace`, until NATS has that. The connection stays up, so answers to requests
    /// already taken still go out (shut the local broker down after this: those requests
    /// then end as its links close). The local broker keeps running.
    ///
    /// Cancel safety: the node has stopped taking requests before the first `.await`; only
    /// the wait is lost.
    pub async fn leave(&self, grace: Duration) {
        let inner = &self.inner;
        for task in inner
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            task.abort();
        }
        for (_, task) in inner.served().drain() {
            task.abort();
        }
        // The dropped subscriptions queue their UNSUB on spawned tasks; let them run.
        tokio::task::yield_now().await;
        let _ = tokio::time::timeout(grace, inner.client.flush()).await;
    }
}
