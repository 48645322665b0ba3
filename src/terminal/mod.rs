//! The SCA terminal side: connect / retry / reconnect, status, authentication, counters,
//! sessions and primary + secondary dispatch, as one sans-IO state machine: [`Terminal`].
//! It is what a terminal simulator, or a terminal-side service, drives; the README shows a
//! whole loop.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use sca_ws::terminal::{self, Event, Output, ScreenMessage, Terminal};
//! use sca_ws::TransportFailure;
//!
//! let parsed = terminal::Config::parse("WEBSOCKETADDRESS=broker.example\nWEBSOCKETPORT=8443")?;
//! assert!(parsed.warnings.is_empty(), "no unknown keys, TLS on");
//! let config = parsed.config;
//! let now = Instant::now();
//! let mut terminal = Terminal::new(config, now, 42);
//!
//! // At boot it asks for a transport at once ...
//! let outputs: Vec<Output> = std::iter::from_fn(|| terminal.poll_output()).collect();
//! assert!(outputs.iter().any(|o| matches!(o, Output::Connect(t) if t.port == 8443)));
//!
//! // ... and when that fails, shows it and asks again after a backoff.
//! terminal.handle_transport_failed(now, TransportFailure::Refused);
//! let outputs: Vec<Output> = std::iter::from_fn(|| terminal.poll_output()).collect();
//! assert!(outputs.iter().any(|o| matches!(o, Output::Event(Event::Screen(ScreenMessage::Failed { .. })))));
//! let retry_at = terminal.poll_timeout().expect("a retry is scheduled");
//! assert!(retry_at > now && retry_at - now < Duration::from_secs(60));
//! # Ok::<(), terminal::ConfigError>(())
//! ```

mod auth;
mod auth_state;
mod auth_sync;
mod backoff;
mod config;
mod counters;
mod dispatch;
mod error;
mod keys;
mod machine;
mod notify;
mod output;
mod pairing;
mod request;
mod security;
mod serve;
mod status;

pub use auth_state::{AuthState, AuthStateError, LabelState, MAX_STATE_LABELS};
pub use config::{
    ConfigError, ConfigWarning, Parsed as ParsedConfig, ReconnectConfig, TerminalConfig as Config,
    keys as config_keys,
};
pub use error::{LinkError, TerminalError as Error};
pub use keys::{KeyStore, MemoryKeyStore};
pub use machine::Terminal;
pub use output::{ConnectTarget, TerminalEvent as Event, TerminalOutput as Output};
pub use pairing::{MAC_KEY_LEN, PairingSecret};
pub use request::{Channel, RequestId};
pub use status::{LinkStatus, ScreenMessage};

pub(crate) use error::TerminalError;
