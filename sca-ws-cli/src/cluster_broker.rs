//! [`NodeBroker`]: the broker `pos_broker` serves the API from, a single node or one node
//! of a NATS cluster. Requests go to the local link first, else through NATS to the node
//! holding the terminal; the terminal list and the event stream cover every node.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sca_ws::{Response, Transaction};
use sca_ws_tokio::broker::{Handle, SubmitError};
use sca_ws_tokio::cluster::{Cluster, ClusterConfig, ClusterEvent, NodeEvent};
use tokio::sync::broadcast;

use crate::brokerage::{
    Brokerage, ByteCounts, LinkEvent, PairingCommand, PairingOutcome, Refusal, TerminalView,
};
use crate::cluster_args::ClusterArgs;
use crate::pos_pairing::PosPairing;
use crate::tokio_broker::TokioBroker;

/// How often the other nodes' terminals are gathered for `GET /terminals` (the list is
/// answered from this cache, so a listing never waits for the gather window).
const LIST_REFRESH: Duration = Duration::from_secs(1);

/// Events a subscriber may fall behind before it loses the oldest.
const EVENT_CAPACITY: usize = 4096;

/// A cluster member's parts.
struct Member {
    cluster: Cluster,
    events: broadcast::Sender<LinkEvent>,
    /// The other nodes' terminals at the last gather.
    remote: Arc<Mutex<Vec<TerminalView>>>,
}

/// The broker of `pos_broker`: [`TokioBroker`] alone, or joined to a cluster.
pub struct NodeBroker {
    local: TokioBroker,
    member: Option<Member>,
}

impl NodeBroker {
    /// A single node over `handle` (call inside a runtime).
    pub fn single(handle: Handle) -> Self {
        Self {
            local: TokioBroker::new(handle, EVENT_CAPACITY),
            member: None,
        }
    }

    /// Joins `handle`'s broker to the cluster `args` names; starts the tasks that translate
    /// its events, gather the other nodes' terminals, and log the NATS connection's ups and
    /// downs on stderr. An unreachable NATS server is no error: the node serves its own
    /// terminals meanwhile.
    pub async fn join(handle: Handle, args: &ClusterArgs) -> Result<Self, String> {
        let config = ClusterConfig::new(args.nats_url.clone(), args.node_id.clone());
        let cluster = Cluster::join(handle.clone(), config)
            .await
            .map_err(|e| format!("--nats {}: {e}", args.nats_url))?;
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        tokio::spawn(translate(cluster.subscribe(), events.clone()));
        let local = TokioBroker::new(handle, EVENT_CAPACITY);
        tokio::spawn(forward_local_only(local.subscribe(), events.clone()));
        let remote = Arc::new(Mutex::new(Vec::new()));
        tokio::spawn(gather(cluster.clone(), remote.clone()));
        tokio::spawn(log_nats(cluster.clone(), args.nats_url.clone()));
        Ok(Self {
            local,
            member: Some(Member {
                cluster,
                events,
                remote,
            }),
        })
    }

    /// Pairs through `pairing`'s POS key and saves the counter books it keeps (see
    /// [`TokioBroker::with_pairing`]). Pairing reaches the terminals of this node only: the
    /// books live where the link is, so a terminal that moves to another node must be paired
    /// there again (docs/cluster.md).
    pub fn with_pairing(mut self, pairing: Arc<PosPairing>) -> Self {
        self.local = self.local.with_pairing(pairing);
        self
    }

    /// The local broker's handle (for shutdown).
    pub fn handle(&self) -> &Handle {
        self.local.handle()
    }

    /// For a terminal another node holds: a refusal naming that node (links are closed
    /// where they are held).
    fn held_elsewhere(&self, pinpad_id: &str) -> Option<Refusal> {
        let member = self.member.as_ref()?;
        let remote = member.remote.lock().unwrap_or_else(|e| e.into_inner());
        let terminal = remote.iter().find(|t| t.pinpad_id == pinpad_id)?;
        let node = terminal.node.as_deref().unwrap_or("another node");
        Some(Refusal::Invalid(format!(
            "held by node {node}; close it there"
        )))
    }

    /// Leaves the cluster first, so the other nodes answer 404 for this node's terminals at
    /// once while its links close; a single node has nothing to leave.
    pub async fn leave(&self, grace: Duration) {
        if let Some(member) = &self.member {
            member.cluster.leave(grace).await;
        }
    }
}

/// The other nodes' terminals, every [`LIST_REFRESH`].
async fn gather(cluster: Cluster, remote: Arc<Mutex<Vec<TerminalView>>>) {
    let mut tick = tokio::time::interval(LIST_REFRESH);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let others: Vec<TerminalView> = cluster
            .terminals()
            .await
            .into_iter()
            .filter(|t| t.node != cluster.node_id())
            .map(|t| TerminalView {
                pinpad_id: t.pinpad_id,
                remote: t.remote_addr,
                since: t.connected_since,
                node: Some(t.node),
            })
            .collect();
        *remote.lock().unwrap_or_else(|e| e.into_inner()) = others;
    }
}

/// Says on stderr when NATS goes away and comes back.
async fn log_nats(cluster: Cluster, url: String) {
    let mut status = cluster.nats_status();
    loop {
        if status.changed().await.is_err() {
            return;
        }
        let node = cluster.node_id();
        if *status.borrow_and_update() {
            eprintln!("pos_broker: node {node} joined the cluster through NATS at {url}");
        } else {
            eprintln!(
                "pos_broker: node {node} lost NATS at {url}; serving this node's terminals \
                 only, rejoining when it returns (disconnections so far: {})",
                cluster.nats_disconnects()
            );
        }
    }
}

/// The local events the cluster does not carry (a takeover on this node, a failed TLS
/// handshake) into the node's event stream.
async fn forward_local_only(
    mut source: broadcast::Receiver<LinkEvent>,
    sink: broadcast::Sender<LinkEvent>,
) {
    loop {
        match source.recv().await {
            Ok(event @ (LinkEvent::Replaced { .. } | LinkEvent::TlsFailed { .. })) => {
                let _ = sink.send(event);
            }
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Every node's events as the API's.
async fn translate(
    mut source: broadcast::Receiver<ClusterEvent>,
    sink: broadcast::Sender<LinkEvent>,
) {
    loop {
        let event = match source.recv().await {
            Ok(event) => event,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let translated = match event.kind {
            NodeEvent::Connected {
                pinpad_id,
                remote_addr,
            } => LinkEvent::Connected {
                pinpad_id,
                remote: remote_addr,
            },
            NodeEvent::Disconnected { pinpad_id, reason } => LinkEvent::Disconnected {
                pinpad_id,
                reason: format!("{reason} (node {})", event.node),
            },
            NodeEvent::Unsolicited {
                pinpad_id,
                response,
            } => LinkEvent::Unsolicited {
                pinpad_id,
                response,
            },
            _ => continue,
        };
        let _ = sink.send(translated);
    }
}

fn refusal(error: SubmitError) -> Refusal {
    match error {
        SubmitError::NotConnected => Refusal::NotConnected,
        SubmitError::QueueFull => Refusal::QueueFull,
        SubmitError::Timeout => Refusal::Timeout,
        SubmitError::LinkLost => Refusal::LinkLost,
        SubmitError::Replaced => Refusal::Replaced,
        SubmitError::Invalid(why) => Refusal::Invalid(why),
        other => Refusal::Invalid(other.to_string()),
    }
}

impl Brokerage for NodeBroker {
    async fn submit(&self, pinpad_id: &str, transaction: Transaction) -> Result<Response, Refusal> {
        match &self.member {
            Some(member) => member
                .cluster
                .submit(pinpad_id, transaction)
                .await
                .map_err(refusal),
            None => self.local.submit(pinpad_id, transaction).await,
        }
    }

    fn terminals(&self) -> Vec<TerminalView> {
        let mut all = self.local.terminals();
        if let Some(member) = &self.member {
            let me = member.cluster.node_id().to_owned();
            for terminal in &mut all {
                terminal.node = Some(me.clone());
            }
            let remote = member.remote.lock().unwrap_or_else(|e| e.into_inner());
            all.extend(remote.iter().cloned());
        }
        all
    }

    fn subscribe(&self) -> broadcast::Receiver<LinkEvent> {
        match &self.member {
            Some(member) => member.events.subscribe(),
            None => self.local.subscribe(),
        }
    }

    fn bytes(&self) -> ByteCounts {
        self.local.bytes()
    }

    fn nats_connected(&self) -> Option<bool> {
        self.member.as_ref().map(|m| m.cluster.nats_connected())
    }

    async fn pairing(
        &self,
        pinpad_id: &str,
        command: PairingCommand,
    ) -> Result<PairingOutcome, Refusal> {
        self.local.pairing(pinpad_id, command).await
    }

    fn close(&self, pinpad_id: &str) -> Result<(), Refusal> {
        self.local
            .close(pinpad_id)
            .map_err(|e| self.held_elsewhere(pinpad_id).unwrap_or(e))
    }

    fn drop_link(&self, pinpad_id: &str) -> Result<(), Refusal> {
        self.local
            .drop_link(pinpad_id)
            .map_err(|e| self.held_elsewhere(pinpad_id).unwrap_or(e))
    }
}
