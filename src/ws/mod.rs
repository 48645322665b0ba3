//! One WebSocket connection by role (RFC 6455 §5–§7), on top of the [`frame`](crate::frame)
//! codec: fragmentation, control frames, UTF-8 checks, the close handshake, keepalive pings
//! and their pong deadline, and an outbound high-water mark. It starts after the opening
//! handshake; the crate's root docs show two connections talking.
//!
//! ```
//! use std::time::Instant;
//! use sca_ws::ws::{self, Connection, Event, Output, Role};
//!
//! let now = Instant::now();
//! let mut server = Connection::new(Role::Server, ws::Config::default(), now, 1);
//! // A masked client frame: text "Hi" (RFC 6455 §5.7).
//! server.handle_input(now, &[0x81, 0x82, 1, 2, 3, 4, b'H' ^ 1, b'i' ^ 2]);
//! let Some(Output::Event(Event::Text(text))) = server.poll_output() else { panic!() };
//! assert_eq!(&*text, "Hi");
//!
//! // An unmasked frame from a client is a protocol error: close 1002, then drop the transport.
//! server.handle_input(now, &[0x81, 0x00]);
//! let outputs: Vec<Output> = std::iter::from_fn(|| server.poll_output()).collect();
//! assert!(matches!(outputs.last(), Some(Output::CloseTransport)));
//! ```

mod config;
mod connection;
mod error;
mod event;
mod owned_input;
mod receive;
mod send;
mod utf8;
mod utf8_bytes;
mod utf8_simd;
mod whole_message;

pub use config::{MAX_DEFAULT_PONG_TIMEOUT, Role, WsConfig as Config};
pub use connection::{Connection, ConnectionState as State};
pub use error::{SendError, WsError as Error};
pub use event::{DataKind, Event, Output};
pub use utf8_bytes::Utf8Bytes;

pub(crate) use config::WsConfig;
pub(crate) use error::WsError;
