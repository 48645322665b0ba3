//! What the terminal shows: the status-bar icon and the connection messages on screen.
//!
//! The seed asks for both: while connecting, the screen says so, which retry it is and the last
//! error; the status bar shows the connected or disconnected icon. After a lost link the
//! screen messages appear only when no session is open; the icons always change.

use std::fmt;
use std::time::Duration;

use super::error::LinkError;

/// Whether the link to the broker is up, with the icon to show for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkStatus {
    /// `true` once the broker answered the handshake with 101.
    pub connected: bool,
    /// Path of the status-bar icon for this state (from the configuration).
    pub icon_path: String,
}

/// A connection message for the screen; `Display` gives an English text, the fields let an
/// application word it differently.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScreenMessage {
    /// A connection attempt starts.
    Connecting {
        /// Broker host.
        host: String,
        /// Broker port.
        port: u16,
        /// 0 for the first try, then which retry this is, counted since the last link that
        /// stayed up for `ReconnectConfig::stable_after` (a link that drops sooner does not
        /// start it over).
        retry: u32,
        /// `true` when a link was up before (reconnecting rather than booting).
        reconnecting: bool,
    },
    /// An attempt failed or the link was lost; the next try is scheduled.
    Failed {
        /// Why.
        error: LinkError,
        /// How long until the next try.
        retry_in: Duration,
    },
    /// The link is up.
    Connected {
        /// Broker host.
        host: String,
        /// Broker port.
        port: u16,
    },
}

impl fmt::Display for ScreenMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connecting {
                host,
                port,
                retry: 0,
                reconnecting,
            } => {
                let verb = if *reconnecting {
                    "Reconnecting"
                } else {
                    "Connecting"
                };
                write!(f, "{verb} to POS {host}:{port}")
            }
            Self::Connecting {
                host,
                port,
                retry,
                reconnecting,
            } => {
                let verb = if *reconnecting {
                    "Reconnecting"
                } else {
                    "Connecting"
                };
                write!(f, "{verb} to POS {host}:{port} (retry {retry})")
            }
            Self::Failed { error, retry_in } => write!(
                f,
                "Connection error: {error}; retrying in {} s",
                retry_in.as_secs().max(1)
            ),
            Self::Connected { host, port } => write!(f, "Connected to POS {host}:{port}"),
        }
    }
}
