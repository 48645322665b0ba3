//! Broker nodes joined through NATS (feature `nats`): a POS request reaches the terminal
//! whichever node holds its link.
//!
//! Each node runs its own [`crate::broker::Server`] and joins with [`Cluster::join`]. NATS
//! request-reply does the routing, no protocol of our own:
//!
//! | subject | who subscribes | what travels |
//! |---|---|---|
//! | `sca.terminal.<escaped pinpad id>` | the node holding that terminal's link | a TRANSACTION; the answer: an outcome line, then the RESPONSE or the reason |
//! | `sca.list` | every node | an empty request; each node answers with its terminals (JSON, in chunks) |
//! | `sca.claim` | every node | "node N accepted id X at T": a node holding X through an older link closes it |
//! | `sca.events.<node>` | every node (`sca.events.*`) | that node's link events (JSON) |
//!
//! "No responders" on a terminal subject means no node holds the id: `NotConnected` at
//! once. A node that loses NATS goes on serving its own terminals, reports it through
//! [`Cluster::nats_status`], and rejoins when NATS returns (the client subscribes again and
//! the node re-claims its ids). See docs/cluster.md for the failure modes.

mod config;
mod error;
mod event;
mod local;
mod membership;
mod node;
pub mod subject;
mod wire;

pub use config::ClusterConfig;
pub use error::JoinError;
pub use event::{ClusterEvent, NodeEvent, NodeTerminal};
pub use node::Cluster;
