//! What a node learns about the whole cluster: link events of every node, and terminals
//! listed with the node holding them.

use std::net::SocketAddr;
use std::time::SystemTime;

use sca_ws::Response;

/// A link event of some node; receive with [`super::Cluster::subscribe`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClusterEvent {
    /// The node whose link it is.
    pub node: String,
    /// What happened.
    pub kind: NodeEvent,
}

/// What happened on a node's link (the broker's [`crate::broker::Event`] as it crosses
/// NATS: the close reason travels in words).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeEvent {
    /// A terminal's upgrade was accepted.
    Connected {
        /// Its `x-vfi-pinpad-id`.
        pinpad_id: String,
        /// Its TCP peer, as the node saw it.
        remote_addr: SocketAddr,
    },
    /// The id's last link on that node ended.
    Disconnected {
        /// The id.
        pinpad_id: String,
        /// Why, in words.
        reason: String,
    },
    /// A RESPONSE that answered no request.
    Unsolicited {
        /// The id of the link it came on.
        pinpad_id: String,
        /// The document.
        response: Response,
    },
}

/// A terminal somewhere in the cluster, as [`super::Cluster::terminals`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeTerminal {
    /// The node holding its link.
    pub node: String,
    /// Its `x-vfi-pinpad-id`.
    pub pinpad_id: String,
    /// Its TCP peer, as that node saw it.
    pub remote_addr: SocketAddr,
    /// When that node accepted it (wall clock; milliseconds for other nodes' terminals).
    pub connected_since: SystemTime,
}
