//! What the connection tells the application ([`Event`]) and the I/O layer ([`Output`]).

use std::fmt;

use bytes::Bytes;

use super::WsError;
use crate::frame::CloseCode;

/// The two kinds of data message (RFC 6455 §5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// UTF-8 text.
    Text,
    /// Arbitrary bytes.
    Binary,
}

/// Bytes known to be valid UTF-8: the payload of a text message, shared without a copy.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// Wraps bytes the caller has validated (crate-internal, so the invariant holds).
    pub(crate) fn from_validated(bytes: Bytes) -> Self {
        Self(bytes)
    }

    /// The text. The bytes were validated on arrival; without `unsafe` the view is made by a
    /// SIMD re-check, which runs at several GB/s.
    pub fn as_str(&self) -> &str {
        simdutf8::basic::from_utf8(&self.0).unwrap_or_default()
    }

    /// The raw UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The underlying shared buffer.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&'static str> for Utf8Bytes {
    fn from(text: &'static str) -> Self {
        Self(Bytes::from_static(text.as_bytes()))
    }
}

impl From<String> for Utf8Bytes {
    fn from(text: String) -> Self {
        Self(Bytes::from(text))
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the application learns from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
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
/// [`Connection::poll_output`](super::Connection::poll_output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Write these bytes to the transport, in order.
    Transmit(Bytes),
    /// Hand this to the application.
    Event(Event),
    /// Close the TCP connection now (RFC 6455 §7.1.1: the server closes first, the client
    /// when the server did or after the close timeout). Always the last output.
    CloseTransport,
}
