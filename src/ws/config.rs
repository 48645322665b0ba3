//! Who we are on the link and the limits that keep one connection's memory bounded.

use std::time::Duration;

/// Which end of the connection this is; it decides the masking rules (RFC 6455 §5.1)
/// and who closes TCP first (§7.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Masks every frame it sends and rejects masked frames (the SCA terminal).
    Client,
    /// Rejects unmasked frames and closes TCP first (the POS cloud broker).
    Server,
}

/// Limits and timers of a [`Connection`](super::Connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsConfig {
    /// Largest payload one frame may announce; larger fails with 1009 before any byte of it
    /// is buffered. Default 16 MiB (Autobahn's largest frame).
    pub max_frame_payload: u64,
    /// Largest reassembled message; checked from each frame header. Default 16 MiB.
    pub max_message_size: u64,
    /// Outbound high-water mark in bytes: a send that would take the bytes not yet drained by
    /// [`poll_output`](super::Connection::poll_output) past it is refused with
    /// [`SendError::Backpressure`](super::SendError::Backpressure) (a message sent while
    /// nothing is queued always goes). Default 4 MiB.
    pub max_outbound_bytes: usize,
    /// Send a ping this often; `None` never pings. Default 45 s (SCA's
    /// `WEBSOCKETPINGINTERVAL_1`).
    pub ping_interval: Option<Duration>,
    /// How long the oldest unanswered keepalive ping may wait for its pong before the
    /// connection fails; later pings do not extend it, so a silent peer is declared lost
    /// within `ping_interval + pong_timeout` of its last pong. `None` (the default) takes
    /// the ping interval, capped at [`MAX_DEFAULT_PONG_TIMEOUT`]: see
    /// [`effective_pong_timeout`](Self::effective_pong_timeout).
    pub pong_timeout: Option<Duration>,
    /// How long to wait for the peer's close frame, or (as client) for the server to close
    /// TCP, before telling the I/O layer to close it anyway. Default 10 s.
    pub close_timeout: Duration,
}

/// The cap on the derived pong timeout: a peer that has not answered a ping for 30 s is gone,
/// however rarely pings are sent.
pub const MAX_DEFAULT_PONG_TIMEOUT: Duration = Duration::from_secs(30);

impl WsConfig {
    /// The pong timeout in force: [`pong_timeout`](Self::pong_timeout) when set, else the ping
    /// interval capped at [`MAX_DEFAULT_PONG_TIMEOUT`] (the cap alone without an interval).
    pub fn effective_pong_timeout(&self) -> Duration {
        self.pong_timeout.unwrap_or_else(|| {
            self.ping_interval
                .map_or(MAX_DEFAULT_PONG_TIMEOUT, |every| {
                    every.min(MAX_DEFAULT_PONG_TIMEOUT)
                })
        })
    }
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            max_frame_payload: 16 << 20,
            max_message_size: 16 << 20,
            max_outbound_bytes: 4 << 20,
            ping_interval: Some(Duration::from_secs(45)),
            pong_timeout: None,
            close_timeout: Duration::from_secs(10),
        }
    }
}
