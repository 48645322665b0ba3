//! What the server tells its application: link events and the list of connected terminals.

use std::net::SocketAddr;
use std::time::SystemTime;

use sca_ws::Response;
use sca_ws::broker::CloseReason;

/// One thing that happened on the server; receive with [`super::Handle::subscribe`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A terminal's upgrade was accepted: it is reachable under `pinpad_id`.
    Connected {
        /// Its `x-vfi-pinpad-id`.
        pinpad_id: String,
        /// The TCP peer.
        remote_addr: SocketAddr,
    },
    /// The id's last link ended (not sent when a newer link of the id replaced it).
    Disconnected {
        /// The id.
        pinpad_id: String,
        /// Why its link ended.
        reason: CloseReason,
    },
    /// A newer link took the id: the older one (from `previous_addr`) is being closed with
    /// the replaced code and sends no `Disconnected`; requests in flight on it fail with
    /// [`super::SubmitError::Replaced`].
    Replaced {
        /// The id.
        pinpad_id: String,
        /// The TCP peer of the link that now holds the id.
        remote_addr: SocketAddr,
        /// The TCP peer of the link it replaced.
        previous_addr: SocketAddr,
    },
    /// A TLS handshake did not complete (the peer's certificate refused, no certificate
    /// where one is required, a plain-text peer, the handshake timeout): no link was made.
    TlsFailed {
        /// The TCP peer.
        remote_addr: SocketAddr,
        /// What failed, in words.
        reason: String,
    },
    /// A RESPONSE that answers no request in flight (a notification, a late answer).
    Unsolicited {
        /// The id of the link it came on.
        pinpad_id: String,
        /// The document.
        response: Response,
    },
    /// The id's book changed (a label registered or removed, a COUNTER handed out or raised):
    /// save [`super::Handle::books`] now to keep counters from being reused after a restart.
    BookChanged {
        /// The id.
        pinpad_id: String,
    },
}

/// A connected terminal, as [`super::Handle::terminals`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TerminalInfo {
    /// Its `x-vfi-pinpad-id`.
    pub pinpad_id: String,
    /// The TCP peer.
    pub remote_addr: SocketAddr,
    /// Wall-clock time of the accepted upgrade (metadata only; no timer reads it).
    pub connected_since: SystemTime,
    /// Bytes waiting to be written to it now.
    pub outbound_queued: usize,
    /// The most bytes that ever waited for it at once.
    pub outbound_peak: usize,
}
