//! Settings of a [`super::Cluster`] node.

use std::time::Duration;

/// How a broker node joins the others through NATS.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// The NATS server(s), e.g. `nats://127.0.0.1:4222` (credentials may ride in the URL as
    /// `nats://user:password@host:port`); several may be given comma-separated.
    pub nats_url: String,
    /// This node's name in listings, events and subjects: 1 to 64 ASCII letters, digits,
    /// `-` or `_`. Every node needs its own.
    pub node_id: String,
    /// How long a cluster-wide listing waits for the other nodes' answers. Default 250 ms.
    pub list_window: Duration,
    /// Answers a listing gathers at most (one node may answer in several chunks), so a
    /// flood of replies cannot grow the requester's memory. Default 4096.
    pub list_max_replies: usize,
    /// Margin past the broker's `submit_timeout` before a request to another node gives up
    /// on its own, so the holding node's own timeout (504) is what normally ends it.
    /// Default 2 s.
    pub request_backstop: Duration,
    /// How often the node compares the links it holds with its NATS subscriptions (events
    /// can be lost when a receiver lags; this puts the subscriptions right). Default 1 s.
    pub reconcile_interval: Duration,
    /// Pause between reconnection attempts to NATS, at most (it grows by 100 ms per
    /// attempt up to this). Default 1 s.
    pub reconnect_delay_max: Duration,
    /// Remote events held for a slow [`super::Cluster::subscribe`] receiver before it loses
    /// the oldest. Default 1024.
    pub event_capacity: usize,
}

impl ClusterConfig {
    /// Defaults for node `node_id` on the NATS server at `nats_url`.
    pub fn new(nats_url: impl Into<String>, node_id: impl Into<String>) -> Self {
        Self {
            nats_url: nats_url.into(),
            node_id: node_id.into(),
            list_window: Duration::from_millis(250),
            list_max_replies: 4096,
            request_backstop: Duration::from_secs(2),
            reconcile_interval: Duration::from_secs(1),
            reconnect_delay_max: Duration::from_secs(1),
            event_capacity: 1024,
        }
    }
}
