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
    /// timeout.
    pub ws: WsConfig,
    /// Limits for reading the terminal's RESPONSE documents.
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
