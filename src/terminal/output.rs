//! What the terminal asks of its caller, drained with [`Terminal::poll_output`](crate::Terminal::poll_output).

use bytes::Bytes;

use super::request::{Channel, RequestId};
use super::status::{LinkStatus, ScreenMessage};
use crate::xml::Transaction;

/// Where to open the transport to the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTarget {
    /// Host name or IP address (`WEBSOCKETADDRESS`).
    pub host: String,
    /// TCP port (`WEBSOCKETPORT`).
    pub port: u16,
    /// Wrap the TCP connection in TLS (wss) before reporting it connected.
    pub tls: bool,
}

/// One thing for the caller to do or learn. `Debug` shows a `Transmit` by its length:
/// answers may carry keys (REGISTER's `MAC_KEY`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TerminalOutput {
    /// Open a transport (TCP, then TLS when asked) and report
    /// [`handle_connected`](crate::Terminal::handle_connected) or
    /// [`handle_transport_failed`](crate::Terminal::handle_transport_failed).
    Connect(ConnectTarget),
    /// Write these bytes to the transport, in order.
    Transmit(Bytes),
    /// Close the transport now; report nothing more about it.
    CloseTransport,
    /// Something for the application.
    Event(TerminalEvent),
}

impl std::fmt::Debug for TerminalOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connect(target) => f.debug_tuple("Connect").field(target).finish(),
            Self::Transmit(bytes) => f
                .debug_tuple("Transmit")
                .field(&crate::redact::ByteCount(bytes.len()))
                .finish(),
            Self::CloseTransport => f.write_str("CloseTransport"),
            Self::Event(event) => f.debug_tuple("Event").field(event).finish(),
        }
    }
}

/// What the application learns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TerminalEvent {
    /// A POS request passed the terminal's checks: execute it and answer with
    /// [`respond`](crate::Terminal::respond).
    Request {
        /// Names it for `respond`.
        id: RequestId,
        /// Primary or secondary port.
        channel: Channel,
        /// The parsed document.
        transaction: Transaction,
    },
    /// A SECONDARYPORT CANCEL arrived: abort the primary request `id`; its own answer (usually
    /// 59001 CANCELLED, [`Response::cancelled`](crate::Response::cancelled)) is still due.
    Cancel {
        /// The primary request to abort.
        id: RequestId,
    },
    /// The link that carried request `id` is gone before it was answered: stop working on it;
    /// `respond` for it now fails with [`TerminalError::LinkGone`](crate::terminal::Error::LinkGone).
    RequestAbandoned {
        /// The request.
        id: RequestId,
    },
    /// The status-bar icon to show changed.
    Status(LinkStatus),
    /// A connection message for the screen.
    Screen(ScreenMessage),
    /// The link is gone after [`close`](crate::Terminal::close); the machine is done.
    Stopped,
}
