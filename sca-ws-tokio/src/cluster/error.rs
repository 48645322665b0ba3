//! Why a node could not join.

use std::fmt;

/// [`super::Cluster::join`] failed before the node took part in anything.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoinError {
    /// The node id is not a plain subject token (the text says why).
    NodeId(String),
    /// The NATS URL or options were refused by the client (not an unreachable server: the
    /// node joins anyway and connects when the server comes up).
    Nats(String),
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NodeId(why) => write!(f, "bad node id: {why}"),
            Self::Nats(why) => write!(f, "nats: {why}"),
        }
    }
}

impl std::error::Error for JoinError {}
