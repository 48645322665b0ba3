//! One error type for callers that drive several layers and want a single `?`.
//!
//! Each layer keeps its own error enum (matched on where the detail matters); this wrapper
//! only adds `From` conversions so `?` composes across them.

use std::fmt;

use crate::broker::BrokerError;
use crate::frame::FrameError;
use crate::handshake::HandshakeError;
use crate::terminal::{ConfigError, TerminalError};
use crate::ws::{SendError, WsError};
use crate::xml::XmlError;

/// Any error this crate reports, tagged with the layer that reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The HTTP Upgrade exchange (RFC 6455 §4).
    Handshake(HandshakeError),
    /// A frame or close payload (RFC 6455 §5, §7.4).
    Frame(FrameError),
    /// A WebSocket connection failure (RFC 6455 §5–§7).
    Ws(WsError),
    /// A send the connection refused (misuse or backpressure).
    Send(SendError),
    /// An SCA XML document.
    Xml(XmlError),
    /// Terminal configuration text.
    Config(ConfigError),
    /// A call the terminal refused (answering twice, an unknown request, a lost link).
    Terminal(TerminalError),
    /// A call the broker refused (not open, busy, queue full, counter trouble).
    Broker(BrokerError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Handshake(e) => write!(f, "handshake: {e}"),
            Error::Frame(e) => write!(f, "frame: {e}"),
            Error::Ws(e) => write!(f, "websocket: {e}"),
            Error::Send(e) => write!(f, "send: {e}"),
            Error::Xml(e) => write!(f, "xml: {e}"),
            Error::Config(e) => write!(f, "config: {e}"),
            Error::Terminal(e) => write!(f, "terminal: {e}"),
            Error::Broker(e) => write!(f, "broker: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Handshake(e) => Some(e),
            Error::Frame(e) => Some(e),
            Error::Ws(e) => Some(e),
            Error::Send(e) => Some(e),
            Error::Xml(e) => Some(e),
            Error::Config(e) => Some(e),
            Error::Terminal(e) => Some(e),
            Error::Broker(e) => Some(e),
        }
    }
}

macro_rules! from_layer {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        $(impl From<$ty> for Error {
            fn from(e: $ty) -> Self {
                Error::$variant(e)
            }
        })*
    };
}

from_layer!(
    Handshake(HandshakeError),
    Frame(FrameError),
    Ws(WsError),
    Send(SendError),
    Xml(XmlError),
    Config(ConfigError),
    Terminal(TerminalError),
    Broker(BrokerError),
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_mark_lifts_each_layer_and_keeps_the_source() {
        fn parse_bad_xml() -> Result<(), Error> {
            crate::xml::Transaction::decode(b"<transaction/>")?;
            Ok(())
        }
        let err = parse_bad_xml().unwrap_err();
        assert!(matches!(err, Error::Xml(_)));
        assert!(err.to_string().starts_with("xml: "));
        assert!(std::error::Error::source(&err).is_some());
    }
}
