//! What the connection tells the application ([`Event`]) and the I/O layer ([`Output`]).

use bytes::Bytes;

use super::{Utf8Bytes, WsError};
use crate::frame::CloseCode;

/// The two kinds of data message (RFC 6455 §5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// UTF-8 text.
    Text,
    /// Arbitrary bytes.
    Binary,
}

/// What the application learns from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A complete text message, UTF-8 validated (fragments are reassembled).
    Text(Utf8Bytes),
    /// A complete binary message (fragments are reassembled).
    Binary(Bytes),
    /// A ping; the connection already queued the pong unless it is closing.
    Ping(Bytes),
    /// A pong (a reply to a ping, or unsolicited).
    Pong(Bytes),
    /// The peer's close frame (RFC 6455 §5.5.1); [`CloseCode::NO_STATUS`] when it had no
    /// code. The reply is already queued; no more messages follow.
    Close {
        /// The peer's status code.
        code: CloseCode,
        /// The peer's reason.
        reason: Utf8Bytes,
    },
    /// The connection failed (RFC 6455 §7.1.7): a peer fault, a timeout or a lost
    /// transport. A close frame with [`WsError::close_code`] is already queued when one
    /// applies; no more messages follow.
    Failed(WsError),
}

/// What the I/O layer must do, drained with
/// [`Connection::poll_output`](super::Connection::poll_output). `Debug` shows a `Transmit`
/// by its length: the bytes may carry an application's secrets.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// Write these bytes to the transport, in order.
    Transmit(Bytes),
    /// Hand this to the application.
    Event(Event),
    /// Close the TCP connection now (RFC 6455 §7.1.1: the server closes first, the client
    /// when the server did or after the close timeout). Always the last output.
    CloseTransport,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transmit(bytes) => f
                .debug_tuple("Transmit")
                .field(&crate::redact::ByteCount(bytes.len()))
                .finish(),
            Self::Event(event) => f.debug_tuple("Event").field(event).finish(),
            Self::CloseTransport => f.write_str("CloseTransport"),
        }
    }
}
