//! Settings of broker links, with the defaults a POS cloud would start from.

use std::time::Duration;

use crate::handshake::ServerHandshakeConfig;
use crate::ws::WsConfig;
use crate::xml::XmlLimits;

/// Settings shared by every link of a broker (hold it in an `Arc`, one per process).
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// Limits of the opening handshake request (RFC 6455 §4.2.1).
    pub handshake: ServerHandshakeConfig,
    /// The WebSocket connection: frame and message limits, outbound high-water mark, keepalive
    /// ping interval (the terminal pings every 45 s by default; the broker may too), close
    /// timeout. A link never takes a frame or message larger than `xml.max_document_bytes`,
    /// whatever these limits say: see [`link_ws_config`](Self::link_ws_config).
    pub ws: WsConfig,
    /// Limits for reading the terminal's RESPONSE documents; the document limit also bounds
    /// the WebSocket message.
    pub xml: XmlLimits,
    /// Time from the transport's start until the application has accepted the upgrade;
    /// past it the link closes. Default 10 s: a terminal sends its request at once.
    pub handshake_timeout: Duration,
    /// Deadline of a request when the caller gives none, counted from submission.
    /// Default 300 s: a payment waits for a customer at the terminal.
    pub request_timeout: Duration,
    /// Requests that may wait behind the one primary in flight. Default 8.
    pub max_waiting_requests: usize,
    /// SECONDARYPORT requests that may be in flight at once. Default 4.
    pub max_secondaries_in_flight: usize,
}

impl BrokerConfig {
    /// The WebSocket settings a link runs with: [`ws`](Self::ws) with its frame and message
    /// limits lowered to the XML document limit. Each SCA document is one message, so a
    /// larger one could only be refused after buffering it; this way it is refused at its
    /// frame header (close code 1009) and a link never holds more than one document.
    pub fn link_ws_config(&self) -> WsConfig {
        let document = self.xml.max_document_bytes.min(u32::MAX as usize) as u64;
        WsConfig {
            max_frame_payload: self.ws.max_frame_payload.min(document),
            max_message_size: self.ws.max_message_size.min(document),
            ..self.ws.clone()
        }
    }
}

impl Default for BrokerConfig {
    fn default() -> Self {
        Self {
            handshake: ServerHandshakeConfig::default(),
            ws: WsConfig::default(),
            xml: XmlLimits::default(),
            handshake_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(300),
            max_waiting_requests: 8,
            max_secondaries_in_flight: 4,
        }
    }
}
