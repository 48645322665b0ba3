//! What a link tells its caller: bytes and transport directives for the I/O layer
//! ([`BrokerOutput`]), and what the application learns ([`BrokerEvent`]).

use bytes::Bytes;

use super::error::RequestFailure;
use super::requests::BrokerRequestId;
use crate::frame::CloseCode;
use crate::handshake::HandshakeError;
use crate::ws::WsError;
use crate::xml::{Response, XmlError};

/// One thing the caller must do or learn; drain with [`crate::broker::Link::poll_output`].
/// `Debug` shows a `Transmit` by its length: requests carry MACs.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BrokerOutput {
    /// Write these bytes to the transport, in order.
    Transmit(Bytes),
    /// Something the application learns.
    Event(BrokerEvent),
    /// Close the transport (after writing every `Transmit` before it); the link is done.
    CloseTransport,
}

impl std::fmt::Debug for BrokerOutput {
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

/// What the application learns from a link.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BrokerEvent {
    /// A terminal sent a valid upgrade request: call [`crate::broker::Link::accept`] (usually
    /// selecting `sci`) or [`crate::broker::Link::reject`].
    UpgradeRequested(UpgradeInfo),
    /// The 101 answer is queued: requests may be submitted.
    Open,
    /// The terminal answered a request.
    Answered {
        /// The request answered.
        id: BrokerRequestId,
        /// The terminal's RESPONSE.
        response: Response,
    },
    /// A request ended without an answer (every request ends once, answered or failed).
    Failed {
        /// The request that failed.
        id: BrokerRequestId,
        /// Why.
        failure: RequestFailure,
    },
    /// A RESPONSE that answers no request in flight: a consumer notification, TRANSACTION IN
    /// FLIGHT, or a late answer (see the matching rule in the crate docs).
    Unsolicited(Response),
    /// A message from the terminal that is not a RESPONSE document; the link stays up.
    BadMessage(XmlError),
    /// The link ended; every request has already ended before this event. Comes once.
    Closed(CloseReason),
}

/// Data of an upgrade request, for the application's accept / reject decision. `Debug`
/// hides the values of credential headers (`Authorization`, `Cookie`, ...).
#[derive(Clone, PartialEq, Eq)]
pub struct UpgradeInfo {
    /// The request target (`/` in the seed).
    pub path: String,
    /// The `Host` header.
    pub host: String,
    /// The `Origin` header (RFC 6455 §10.2: the server decides whom it serves).
    pub origin: Option<String>,
    /// The SCA `x-vfi-pinpad-id` header, also read from the seed's `x-vfi-pinpad-id : 1`.
    pub pinpad_id: Option<String>,
    /// The subprotocols offered, in order (`sci` from SCA).
    pub protocols: Vec<String>,
    /// Every header field as received, in order (for application checks such as tokens).
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for UpgradeInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::redact::{Redacted, is_secret_header};
        struct Headers<'a>(&'a [(String, String)]);
        impl std::fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut list = f.debug_list();
                for (name, value) in self.0 {
                    if is_secret_header(name) {
                        list.entry(&(name, Redacted(value.len())));
                    } else {
                        list.entry(&(name, value));
                    }
                }
                list.finish()
            }
        }
        f.debug_struct("UpgradeInfo")
            .field("path", &self.path)
            .field("host", &self.host)
            .field("origin", &self.origin)
            .field("pinpad_id", &self.pinpad_id)
            .field("protocols", &self.protocols)
            .field("headers", &Headers(&self.headers))
            .finish()
    }
}

/// Why a link ended.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// No accepted upgrade within [`crate::broker::Config::handshake_timeout`].
    HandshakeTimeout,
    /// The upgrade request was invalid; an HTTP error answer was sent.
    HandshakeInvalid(HandshakeError),
    /// The application rejected the upgrade with this status.
    Rejected {
        /// The HTTP status sent.
        status: u16,
    },
    /// The peer's Close frame arrived (RFC 6455 §7.1.5: its code and reason); after a
    /// [`crate::broker::Link::close`] this is the peer's reply.
    Closed {
        /// The close code received ([`CloseCode::NO_STATUS`] when the frame had none).
        code: CloseCode,
        /// The close reason received.
        reason: String,
    },
    /// The WebSocket layer failed the connection (protocol error, limit, missed pong).
    Failed(WsError),
    /// The terminal sent more than the handshake limit allows before being accepted.
    EarlyData,
    /// The transport ended without a close handshake (or the link was closed before it
    /// opened).
    TransportLost,
    /// [`crate::broker::Link::close_replaced`] ended it: a newer link holds its pinpad id, so
    /// this is no disconnection of the terminal.
    Replaced,
}

/// One line for logs and operators: `closed 1000 "bye"`, `transport lost`, ... A peer's
/// close reason is shown escaped, so it cannot forge a log line.
impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::HandshakeTimeout => f.write_str("no upgrade within the handshake timeout"),
            Self::HandshakeInvalid(why) => write!(f, "invalid upgrade request: {why}"),
            Self::Rejected { status } => write!(f, "upgrade rejected with HTTP {status}"),
            Self::Closed { code, reason } if reason.is_empty() => write!(f, "closed {code}"),
            Self::Closed { code, reason } => write!(f, "closed {code} {reason:?}"),
            Self::Failed(why) => write!(f, "failed: {why}"),
            Self::EarlyData => f.write_str("data before the upgrade was accepted"),
            Self::TransportLost => f.write_str("transport lost"),
            Self::Replaced => f.write_str("replaced by a newer link with the same pinpad id"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_reason_display_escapes_the_peer_reason() {
        let forged = CloseReason::Closed {
            code: CloseCode::NORMAL,
            reason: "bye\nconnected 7".into(),
        };
        assert_eq!(forged.to_string(), r#"closed 1000 "bye\nconnected 7""#);
        let plain = CloseReason::Closed {
            code: CloseCode::GOING_AWAY,
            reason: String::new(),
        };
        assert_eq!(plain.to_string(), "closed 1001");
        assert_eq!(CloseReason::TransportLost.to_string(), "transport lost");
    }
}
