//! One WebSocket connection by role (RFC 6455 §5–§7), on top of the `frame` codec.

mod config;
mod connection;
mod error;
mod event;
mod owned_input;
mod receive;
mod send;
mod utf8;
mod utf8_bytes;
mod whole_message;

pub use config::{Role, WsConfig as Config};
pub use connection::{Connection, ConnectionState as State};
pub use error::{SendError, WsError as Error};
pub use event::{DataKind, Event, Output};
pub use utf8_bytes::Utf8Bytes;

pub(crate) use config::WsConfig;
pub(crate) use error::WsError;
