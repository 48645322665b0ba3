//! Errors of the connection layer: peer faults ([`WsError`], reported as events) and caller
//! misuse ([`SendError`], returned).

use std::fmt;

use crate::drive::TransportFailure;
use crate::frame::{CloseCode, FrameError};

/// Why a connection failed; carried by [`Event::Failed`](super::Event::Failed).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WsError {
    /// A malformed frame or close payload (RFC 6455 §5.2, §5.5, §7.4).
    Frame(FrameError),
    /// A server received an unmasked frame (§5.1).
    UnmaskedFrame,
    /// A client received a masked frame (§5.1).
    MaskedFrame,
    /// A continuation frame with no message to continue (§5.4).
    UnexpectedContinuation,
    /// A new text or binary frame while a fragmented message was unfinished (§5.4).
    ExpectedContinuation,
    /// A text message that is not UTF-8 (§8.1), detected at the first bad byte.
    InvalidUtf8,
    /// A frame announcing more payload than `max_frame_payload` (§10.4).
    FrameTooBig {
        /// The announced length.
        len: u64,
        /// The configured limit.
        limit: u64,
    },
    /// A message growing past `max_message_size` (§10.4).
    MessageTooBig {
        /// The message length the frame would reach.
        len: u64,
        /// The configured limit.
        limit: u64,
    },
    /// No pong arrived for a keepalive ping within `pong_timeout`.
    PongTimeout,
    /// The peer did not answer our close frame within `close_timeout`.
    CloseTimeout,
    /// The transport closed before the close handshake (§7.1.5: code 1006).
    TransportClosed,
    /// The I/O layer reported the transport broken (§7.1.5: code 1006).
    TransportFailed(TransportFailure),
    /// A driver bug: the message [`handle_input_buf`](super::Connection::handle_input_buf)
    /// left in the driver's buffer was lost (the buffer came back shorter, or bytes arrived
    /// through `handle_input` meanwhile). Closes with 1011.
    InputBufferLost,
}

impl WsError {
    /// The code of the close frame this failure sends, if it sends one (§7.4.1).
    pub fn close_code(&self) -> Option<CloseCode> {
        match self {
            Self::Frame(e) => Some(e.close_code()),
            Self::UnmaskedFrame
            | Self::MaskedFrame
            | Self::UnexpectedContinuation
            | Self::ExpectedContinuation => Some(CloseCode::PROTOCOL_ERROR),
            Self::InvalidUtf8 => Some(CloseCode::INVALID_PAYLOAD),
            Self::FrameTooBig { .. } | Self::MessageTooBig { .. } => {
                Some(CloseCode::MESSAGE_TOO_BIG)
            }
            Self::PongTimeout => Some(CloseCode::GOING_AWAY),
            Self::InputBufferLost => Some(CloseCode::INTERNAL_ERROR),
            Self::CloseTimeout | Self::TransportClosed | Self::TransportFailed(_) => None,
        }
    }
}

impl From<FrameError> for WsError {
    fn from(e: FrameError) -> Self {
        Self::Frame(e)
    }
}

impl fmt::Display for WsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Frame(e) => write!(f, "bad frame: {e}"),
            Self::UnmaskedFrame => f.write_str("unmasked frame from a client"),
            Self::MaskedFrame => f.write_str("masked frame from a server"),
            Self::UnexpectedContinuation => f.write_str("continuation frame outside a message"),
            Self::ExpectedContinuation => f.write_str("new message inside a fragmented one"),
            Self::InvalidUtf8 => f.write_str("text is not utf-8"),
            Self::FrameTooBig { len, limit } => {
                write!(f, "frame of {len} bytes exceeds the limit of {limit}")
            }
            Self::MessageTooBig { len, limit } => {
                write!(f, "message of {len} bytes exceeds the limit of {limit}")
            }
            Self::PongTimeout => f.write_str("no pong within the timeout"),
            Self::CloseTimeout => f.write_str("no close reply within the timeout"),
            Self::TransportClosed => f.write_str("transport closed without a close frame"),
            Self::TransportFailed(why) => write!(f, "transport failed: {why}"),
            Self::InputBufferLost => f.write_str("input buffer lost the message left in it"),
        }
    }
}

impl std::error::Error for WsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Frame(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a send was refused. Nothing was queued: the caller still holds the message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The outbound queue is at its high-water mark: drain
    /// [`poll_output`](super::Connection::poll_output) and retry with the same message.
    Backpressure {
        /// Bytes queued and not yet drained.
        queued: usize,
        /// The configured `max_outbound_bytes`.
        limit: usize,
    },
    /// A close frame was sent or received, or the connection failed (§5.5.1: no data after
    /// close).
    Closed,
    /// A control frame payload above 125 bytes (§5.5).
    ControlTooLong {
        /// The payload length given.
        len: usize,
    },
    /// A close code that may not be sent (§7.4).
    InvalidCloseCode {
        /// The code given.
        code: u16,
    },
    /// A close reason longer than 123 bytes (§5.5.1).
    CloseReasonTooLong {
        /// The reason length given.
        len: usize,
    },
    /// A whole message or a first fragment while a fragmented message is unfinished (§5.4).
    MessageInProgress,
    /// A fragment of a different kind than the message it continues.
    FragmentKindMismatch,
    /// Text fragments that do not form UTF-8 (§8.1).
    InvalidUtf8,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Backpressure { queued, limit } => {
                write!(f, "outbound queue full ({queued} of {limit} bytes)")
            }
            Self::Closed => f.write_str("connection is closing or closed"),
            Self::ControlTooLong { len } => {
                write!(f, "control payload of {len} bytes exceeds 125")
            }
            Self::InvalidCloseCode { code } => write!(f, "close code {code} may not be sent"),
            Self::CloseReasonTooLong { len } => {
                write!(f, "close reason of {len} bytes exceeds 123")
            }
            Self::MessageInProgress => f.write_str("a fragmented message is unfinished"),
            Self::FragmentKindMismatch => f.write_str("fragment kind differs from its message"),
            Self::InvalidUtf8 => f.write_str("text fragments are not utf-8"),
        }
    }
}

impl std::error::Error for SendError {}
