//! What can go wrong on the broker side: caller misuse ([`BrokerError`], returned as `Err`)
//! and the ways a request ends without an answer ([`RequestFailure`], reported as an event).

use std::fmt;

use super::counter::CounterError;
use crate::handshake::HandshakeError;
use crate::ws::SendError;

/// The caller asked for something the link cannot do now; nothing was changed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerError {
    /// The link is not open (handshake not accepted yet, or closing / closed).
    NotOpen,
    /// No upgrade request is waiting for a decision.
    NoPendingUpgrade,
    /// The accept or reject answer could not be written: a subprotocol the terminal did not
    /// offer (RFC 6455 §4.2.2), a bad extra header, a status outside 400..=599.
    Handshake(HandshakeError),
    /// The WebSocket layer refused a close (bad code or reason too long, RFC 6455 §7.4).
    Send(SendError),
    /// A primary request is in flight and the caller asked to be refused rather than queued.
    Busy,
    /// The queue of waiting requests is full (backpressure); try again after an answer.
    QueueFull {
        /// The configured bound ([`crate::broker::Config::max_waiting_requests`]).
        limit: usize,
    },
    /// The MAC label store refused the change.
    Counter(CounterError),
    /// A request pending on the link that could be in flight beside this one carries the
    /// same POS_RECON: their answers could not be told apart (see the matching rule in
    /// [`crate::broker`]).
    DuplicatePosRecon,
}

impl fmt::Display for BrokerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotOpen => f.write_str("link is not open"),
            Self::NoPendingUpgrade => f.write_str("no upgrade request awaits a decision"),
            Self::Handshake(e) => write!(f, "handshake answer: {e}"),
            Self::Send(e) => write!(f, "websocket: {e}"),
            Self::Busy => f.write_str("a primary request is in flight"),
            Self::QueueFull { limit } => write!(f, "request queue full ({limit} waiting)"),
            Self::Counter(e) => write!(f, "mac labels: {e}"),
            Self::DuplicatePosRecon => f.write_str("a pending request carries this pos_recon"),
        }
    }
}

impl std::error::Error for BrokerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Counter(e) => Some(e),
            Self::Handshake(e) => Some(e),
            Self::Send(e) => Some(e),
            _ => None,
        }
    }
}

impl From<HandshakeError> for BrokerError {
    fn from(e: HandshakeError) -> Self {
        Self::Handshake(e)
    }
}

impl From<SendError> for BrokerError {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Closed => Self::NotOpen,
            other => Self::Send(other),
        }
    }
}

impl From<CounterError> for BrokerError {
    fn from(e: CounterError) -> Self {
        Self::Counter(e)
    }
}

/// Why a request ended without an answer. Each submitted request ends exactly once: with an
/// answer or with one of these.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestFailure {
    /// No answer by the request's deadline.
    TimedOut {
        /// Whether it had been written to the terminal: if so it may have been carried out.
        sent: bool,
    },
    /// The link ended (closed, transport lost, protocol error) before an answer.
    LinkLost {
        /// Whether it had been written to the terminal: if so it may have been carried out.
        sent: bool,
    },
    /// No COUNTER / MAC could be assigned (unknown label, counter exhausted); never sent.
    Auth(CounterError),
    /// A newer link with the same pinpad id replaced this one ([`crate::broker::Registry`])
    /// before an answer; the terminal is now reached over the newer link.
    Replaced {
        /// Whether it had been written to the terminal: if so it may have been carried out.
        sent: bool,
    },
}

impl RequestFailure {
    /// Whether the terminal may have received (and carried out) the request.
    pub fn was_sent(&self) -> bool {
        match self {
            Self::TimedOut { sent } | Self::LinkLost { sent } | Self::Replaced { sent } => *sent,
            Self::Auth(_) => false,
        }
    }
}

impl fmt::Display for RequestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = |sent: bool| {
            if sent {
                "after sending"
            } else {
                "before sending"
            }
        };
        match self {
            Self::TimedOut { sent } => write!(f, "request timed out {}", stage(*sent)),
            Self::LinkLost { sent } => write!(f, "link lost {}", stage(*sent)),
            Self::Auth(e) => write!(f, "request not sent: {e}"),
            Self::Replaced { sent } => write!(f, "link replaced {}", stage(*sent)),
        }
    }
}

impl std::error::Error for RequestFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Auth(e) => Some(e),
            _ => None,
        }
    }
}
