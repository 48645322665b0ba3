//! The terminal layer's errors: [`TerminalError`] for caller misuse, [`LinkError`] for why a
//! link failed (an event, never an `Err`).

use std::fmt;

use super::request::RequestId;
use crate::drive::TransportFailure;
use crate::handshake::HandshakeError;
use crate::ws::WsError;

/// The caller asked for something the terminal cannot do now: answer a request it may not
/// answer ([`Terminal::respond`](crate::Terminal::respond)) or send a notification without a
/// link or room for it ([`Terminal::notify`](crate::Terminal::notify)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TerminalError {
    /// No request with this id was ever delivered.
    UnknownRequest {
        /// The id given.
        id: RequestId,
    },
    /// This request was already answered.
    AlreadyAnswered {
        /// The id given.
        id: RequestId,
    },
    /// The link that carried this request is gone; the answer cannot reach the POS.
    LinkGone {
        /// The id given.
        id: RequestId,
    },
    /// More than `max_outbound_bytes` of output waits in `poll_output` (the terminal
    /// config's bound): write those transmits out, then answer again (the request stays open).
    Backpressure {
        /// The id given.
        id: RequestId,
    },
    /// This request is a pairing: answer it with
    /// [`answer_pairing`](crate::Terminal::answer_pairing) or
    /// [`refuse_pairing`](crate::Terminal::refuse_pairing).
    IsPairing {
        /// The id given.
        id: RequestId,
    },
    /// This request is not a pairing: answer it with [`respond`](crate::Terminal::respond).
    NotPairing {
        /// The id given.
        id: RequestId,
    },
    /// A restored [`AuthState`](crate::terminal::AuthState) holds more labels than
    /// [`TerminalConfig::max_mac_labels`](crate::terminal::Config::max_mac_labels).
    TooManyLabels {
        /// Labels in the state.
        labels: usize,
        /// The limit.
        limit: usize,
    },
    /// No link is up (connecting, waiting to retry, or closing): a notification has nowhere
    /// to go, and the terminal does not keep it for a later link.
    NotConnected,
    /// More than the outbound mark waits to be drained: drain `poll_output` and notify again.
    OutboundFull {
        /// Bytes waiting in the terminal's output.
        queued: usize,
        /// The mark ([`TerminalConfig::max_outbound_bytes`](crate::terminal::Config::max_outbound_bytes)).
        limit: usize,
    },
}

impl fmt::Display for TerminalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownRequest { id } => write!(f, "no request {id} was delivered"),
            Self::AlreadyAnswered { id } => write!(f, "request {id} was already answered"),
            Self::LinkGone { id } => write!(f, "the link that carried request {id} is gone"),
            Self::Backpressure { id } => {
                write!(
                    f,
                    "too many unsent bytes to answer request {id}: drain output first"
                )
            }
            Self::IsPairing { id } => {
                write!(
                    f,
                    "request {id} is a pairing: answer it with answer_pairing"
                )
            }
            Self::NotPairing { id } => write!(f, "request {id} is not a pairing"),
            Self::TooManyLabels { labels, limit } => {
                write!(f, "{labels} mac labels exceed the limit of {limit}")
            }
            Self::NotConnected => f.write_str("the link is not up"),
            Self::OutboundFull { queued, limit } => write!(
                f,
                "{queued} unsent bytes exceed the outbound mark of {limit}: drain output first"
            ),
        }
    }
}

impl std::error::Error for TerminalError {}

/// Why an attempt failed or a link was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkError {
    /// The I/O layer reported a failure.
    Transport(TransportFailure),
    /// The peer closed the TCP connection.
    TransportClosed,
    /// No 101 answer within the connect timeout.
    ConnectTimeout,
    /// The broker answered the Upgrade with another status (RFC 6455 §4.1).
    HandshakeRejected {
        /// HTTP status code.
        status: u16,
    },
    /// The broker's answer was not a valid WebSocket handshake (RFC 6455 §4.1).
    HandshakeInvalid(HandshakeError),
    /// The broker's answer did not end within `max_handshake_bytes`.
    HandshakeTooLong {
        /// The configured limit.
        limit: usize,
    },
    /// The broker closed the WebSocket (RFC 6455 §7.1.5: 1005 when it sent no code).
    Closed {
        /// Close code.
        code: u16,
    },
    /// The WebSocket connection failed (protocol error, pong deadline missed, ...).
    Protocol(WsError),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(failure) => failure.fmt(f),
            Self::TransportClosed => f.write_str("connection closed by peer"),
            Self::ConnectTimeout => f.write_str("connection timed out"),
            Self::HandshakeRejected { status } => {
                write!(f, "broker refused the upgrade ({status})")
            }
            Self::HandshakeInvalid(error) => write!(f, "bad handshake answer: {error}"),
            Self::HandshakeTooLong { limit } => {
                write!(f, "handshake answer longer than {limit} bytes")
            }
            Self::Closed { code } => write!(f, "closed by broker ({code})"),
            Self::Protocol(error) => write!(f, "websocket error: {error}"),
        }
    }
}

impl std::error::Error for LinkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::HandshakeInvalid(error) => Some(error),
            Self::Protocol(error) => Some(error),
            _ => None,
        }
    }
}
