//! Tokio drivers for [`sca_ws`]: a broker [`broker::Server`] and a terminal
//! [`terminal::Client`], with TLS (mutual TLS included) through rustls.
//!
//! The core crate is sans-IO: it says what to write, when to wake and what happened. This
//! crate owns the sockets, TLS and timers around it and adds no protocol rule of its own:
//! matching, limits, keepalive, backoff and the one-link-per-pinpad-id rule all come from
//! the core. What it adds is the I/O discipline:
//!
//! - **one task per link**, each owning its machine and socket;
//! - **bounded everything**: a link stops reading while its outbound queue is at the
//!   high-water mark (backpressure, not buffering), a write that makes no progress within
//!   the write deadline cuts the link, request and event channels have fixed capacities;
//! - **time from `tokio::time` only**, so tests can run on a paused clock (the wall clock is
//!   read once per link, for [`broker::TerminalInfo::connected_since`]);
//! - **cancel safety** stated on every async method.
//!
//! A broker and a terminal on loopback, one request answered:
//!
//! ```
//! use std::time::Duration;
//! use sca_ws::{Response, Transaction};
//! use sca_ws_tokio::broker::{Event, Server, ServerConfig};
//! use sca_ws_tokio::terminal::{Client, ClientConfig, Handler, Request};
//!
//! /// The terminal's application: approve everything.
//! struct Approve;
//! impl Handler for Approve {
//!     async fn request(&self, _request: Request) -> Response {
//!         Response::success("Session Started")
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Server::bind(ServerConfig::new("127.0.0.1:0".parse()?))?;
//! let port = server.local_addr()?.port();
//! let broker = server.handle();
//! let mut events = broker.subscribe();
//! tokio::spawn(server.run());
//!
//! let text = format!(
//!     "WEBSOCKETADDRESS=127.0.0.1\nWEBSOCKETPORT={port}\nWEBSOCKETTLS=0\n\
//!      WEBSOCKETPINPADID=7\nSKIPPOSAUTH=1"
//! );
//! let terminal = sca_ws::terminal::Config::parse(&text)?.config;
//! let (client, _task) = Client::spawn(ClientConfig::new(terminal), Approve);
//!
//! // Wait (bounded) for the terminal to connect, then send it a request.
//! let connected = tokio::time::timeout(Duration::from_secs(10), async {
//!     while !matches!(events.recv().await, Ok(Event::Connected { .. })) {}
//! });
//! connected.await?;
//! let start = Transaction::decode(
//!     b"<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND></TRANSACTION>",
//! )?;
//! let answer = broker.submit("7", start).await?;
//! assert_eq!(answer.response_text.as_deref(), Some("Session Started"));
//!
//! client.close();
//! broker.shutdown(Duration::from_secs(1)).await;
//! # Ok(())
//! # }
//! ```

mod clock;
mod outbound;

pub mod broker;
#[cfg(feature = "nats")]
pub mod cluster;
pub mod random;
pub mod terminal;
pub mod tls;
