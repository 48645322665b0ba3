//! One WebSocket connection by role (RFC 6455 §5–§7), on top of the `frame` codec.

mod config;
mod connection;
mod error;
mod event;
mod owned_input;
mod receive;
mod send;
mod utf8;
mod whole_message;

pub use config::{Role, WsConfig};
pub use connection::{Connection, ConnectionState};
pub use error::{SendError, WsError};
pub use event::{DataKind, Event, Output, Utf8Bytes};
