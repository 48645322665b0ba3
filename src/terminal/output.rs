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
    /// A SECURITY REGISTER passed its checks: ask the cashier to confirm the pairing (for
    /// `reg_ver` 1, to type the code the POS shows), then call
    /// [`answer_pairing`](crate::Terminal::answer_pairing) or
    /// [`refuse_pairing`](crate::Terminal::refuse_pairing). It occupies the primary port
    /// like any primary command.
    PairingRequested {
        /// Names it for `answer_pairing` / `refuse_pairing`.
        id: RequestId,
        /// REG_VER: 1 (the cashier types the POS's ENTRY_CODE) or 2 (the terminal makes a code
        /// and returns it in the answer).
        reg_ver: u8,
        /// The request (`Debug` hides ENTRY_CODE); a simulated cashier may read its
        /// ENTRY_CODE, a real one reads the POS's screen.
        transaction: Transaction,
    },
    /// The authentication state ([`Terminal::auth_state`](crate::Terminal::auth_state)) just
    /// changed: a COUNTER was accepted, a key registered or removed. It comes before the
    /// answer that depends on it, so a driver that saves the state here, before writing the
    /// transmits that follow, never answers a request a restarted terminal would accept again.
    AuthChanged,
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
