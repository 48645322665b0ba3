//! The SCA terminal side: connect / retry / reconnect, status, authentication, counters,
//! sessions and primary + secondary dispatch, as one sans-IO state machine.

#![allow(dead_code)] // until the Terminal machine lands on top of handshake, ws and xml

mod auth;
mod backoff;
mod classify;
mod config;
mod counters;
mod dispatch;
mod error;
mod keys;
mod request;
mod status;

pub use config::{ConfigError, ReconnectConfig, TerminalConfig, keys as config_keys};
pub use error::{LinkError, TerminalError, TransportFailure};
pub use keys::{KeyStore, MemoryKeyStore};
pub use request::{Channel, RequestId};
pub use status::{LinkStatus, ScreenMessage};
