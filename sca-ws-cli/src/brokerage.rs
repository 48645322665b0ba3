//! What the HTTP API and the stdin line mode need from a broker, as a trait: the service
//! layer is written and tested against it (with a fake in the tests), and the companion
//! crate's broker handle implements it in [`crate::tokio_broker`].

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::time::SystemTime;

use sca_ws::{Response, Transaction};
use tokio::sync::broadcast;

/// Why a request got no answer. Each maps to one HTTP status and one `error` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No terminal with that pinpad id is connected.
    NotConnected,
    /// The terminal's request queue is full: try again later.
    QueueFull,
    /// The terminal did not answer before the request deadline.
    Timeout,
    /// The link went down before the answer came.
    LinkLost,
    /// A newer link with the same pinpad id took over before the answer came.
    Replaced,
    /// The broker refused the document (the reason says why).
    Invalid(String),
    /// A pairing command failed: the terminal refused, or the broker keeps no pairing state.
    Pairing(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected => f.write_str("not connected"),
            Self::QueueFull => f.write_str("the terminal's request queue is full"),
            Self::Timeout => f.write_str("the terminal did not answer in time"),
            Self::LinkLost => f.write_str("the link was lost before the answer"),
            Self::Replaced => f.write_str("a newer link with this id replaced the link"),
            Self::Invalid(why) => write!(f, "refused: {why}"),
            Self::Pairing(why) => write!(f, "pairing failed: {why}"),
        }
    }
}

/// One connected terminal, as `GET /terminals` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalView {
    /// The `x-vfi-pinpad-id` it connected with.
    pub pinpad_id: String,
    /// Its TCP peer address.
    pub remote: SocketAddr,
    /// When its link opened (wall clock, for people reading the list).
    pub since: SystemTime,
    /// The node holding its link, in a cluster (`--nats`); `None` on a single node.
    pub node: Option<String>,
}

/// What happened on the links, as the event stream and stdout tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// A terminal's link opened.
    Connected {
        /// Its pinpad id.
        pinpad_id: String,
        /// Its TCP peer address.
        remote: SocketAddr,
    },
    /// A terminal's link ended.
    Disconnected {
        /// Its pinpad id.
        pinpad_id: String,
        /// Why, in words.
        reason: String,
    },
    /// A RESPONSE that answered no request (a notification or a late answer).
    Unsolicited {
        /// The terminal that sent it.
        pinpad_id: String,
        /// The document.
        response: Response,
    },
    /// A newer link with the same pinpad id took over; the older one is closed and no
    /// `Disconnected` is told for it.
    Replaced {
        /// The pinpad id.
        pinpad_id: String,
        /// The TCP peer of the newer link.
        remote: SocketAddr,
    },
    /// A TLS handshake failed, so no terminal connected (a refused certificate, ...).
    TlsFailed {
        /// The TCP peer.
        remote: SocketAddr,
        /// Why, in words.
        reason: String,
    },
}

/// A SECURITY command of the pairing (stdin `ID register` / `unregister` / `testmac`, or
/// `POST /terminals/{id}/register` ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PairingCommand {
    /// SECURITY REGISTER; the cashier types `entry_code` on the terminal.
    Register {
        /// The code shown to the cashier.
        entry_code: String,
    },
    /// SECURITY UNREGISTER of the terminal's default label.
    Unregister,
    /// SECURITY TEST_MAC signed with the default label.
    TestMac,
}

/// What a pairing command achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PairingOutcome {
    /// REGISTER: the new label; requests to the terminal are signed with it from now on.
    Registered(String),
    /// UNREGISTER / TEST_MAC: the terminal's answer.
    Answered(Response),
}

/// Bytes the broker moved on all its links since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByteCounts {
    /// Read from terminals.
    pub received: u64,
    /// Written to terminals.
    pub sent: u64,
}

/// A running broker, as the POS-facing side uses it.
pub trait Brokerage: Send + Sync + 'static {
    /// Sends `transaction` to terminal `pinpad_id` and waits for its answer or a refusal.
    fn submit(
        &self,
        pinpad_id: &str,
        transaction: Transaction,
    ) -> impl Future<Output = Result<Response, Refusal>> + Send;
    /// The terminals connected now.
    fn terminals(&self) -> Vec<TerminalView>;
    /// A receiver of every event from now on (a slow one loses the oldest, and is told).
    fn subscribe(&self) -> broadcast::Receiver<LinkEvent>;
    /// The byte counters.
    fn bytes(&self) -> ByteCounts;
    /// In a cluster, whether this node's NATS connection is up; `None` on a single node.
    fn nats_connected(&self) -> Option<bool> {
        None
    }

    /// Closes the link of `pinpad_id` with close code 1000 (the terminal dials again).
    /// Default: refused, for a broker that cannot.
    fn close(&self, pinpad_id: &str) -> Result<(), Refusal> {
        let _ = pinpad_id;
        Err(Refusal::Invalid("this broker cannot close links".into()))
    }

    /// Cuts the transport of `pinpad_id` without a close handshake. Default: refused.
    fn drop_link(&self, pinpad_id: &str) -> Result<(), Refusal> {
        let _ = pinpad_id;
        Err(Refusal::Invalid("this broker cannot drop links".into()))
    }

    /// Carries out a pairing command with terminal `pinpad_id`. Default: refused, for a
    /// broker that keeps no pairing state.
    fn pairing(
        &self,
        pinpad_id: &str,
        command: PairingCommand,
    ) -> impl Future<Output = Result<PairingOutcome, Refusal>> + Send {
        let _ = (pinpad_id, command);
        async { Err(Refusal::Pairing("this broker does not pair".into())) }
    }
}
