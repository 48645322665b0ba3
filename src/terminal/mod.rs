//! The SCA terminal side: connect / retry / reconnect, status, authentication, counters,
//! sessions and primary + secondary dispatch, as one sans-IO state machine.

mod auth;
mod backoff;
mod config;
mod counters;
mod dispatch;
mod error;
mod keys;
mod machine;
mod notify;
mod output;
mod request;
mod serve;
mod status;

pub use config::{ConfigError, ReconnectConfig, TerminalConfig as Config, keys as config_keys};
pub use error::{LinkError, TerminalError as Error};
pub use keys::{KeyStore, MemoryKeyStore};
pub use machine::Terminal;
pub use output::{ConnectTarget, TerminalEvent as Event, TerminalOutput as Output};
pub use request::{Channel, RequestId};
pub use status::{LinkStatus, ScreenMessage};

pub(crate) use error::TerminalError;
