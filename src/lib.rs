//! # sca-ws
//!
//! The link between Verifone payment terminals running SCA and the POS cloud brokers they dial
//! into: an RFC 6455 WebSocket (subprotocol `sci`, header `x-vfi-pinpad-id`) carrying SCA's XML
//! `<TRANSACTION>` requests (POS → terminal) and `<RESPONSE>` answers (terminal → POS).
//!
//! ## Sans-IO, one drive contract
//!
//! The crate never opens a socket, never reads a clock and draws no hidden randomness. Its
//! three state machines, [`ws::Connection`], [`terminal::Terminal`] and [`broker::Link`], are
//! driven the same way, under the same names (the [`Drive`] trait holds them to it):
//!
//! | input | method |
//! |---|---|
//! | bytes read from the transport | `handle_input(now, &[u8])` |
//! | end of stream (a read returned 0) | `handle_eof(now)` |
//! | the transport broke, or could not be opened | `handle_transport_failed(now, TransportFailure)` |
//! | time passed (early or repeated calls do nothing) | `handle_timeout(now)` |
//! | the application shuts the link down | `close(now, CloseCode, reason)` |
//!
//! | output (drain `poll_output()` until `None`) | `ws` | `terminal` | `broker` |
//! |---|---|---|---|
//! | bytes to write, in order | `Output::Transmit` | `Output::Transmit` | `Output::Transmit` |
//! | close the transport | `Output::CloseTransport` | `Output::CloseTransport` | `Output::CloseTransport` |
//! | open a transport | | `Output::Connect` | |
//! | what the application learns | `Output::Event(ws::Event)` | `Output::Event(terminal::Event)` | `Output::Event(broker::Event)` |
//! | when to call `handle_timeout` next | `poll_timeout()` | `poll_timeout()` | `poll_timeout()` |
//!
//! A bare [`ws::Connection`] also lets the driver write its queued bytes in place: write
//! `pending_transmit()` to the socket, then call `transmitted(n)`, before draining
//! `poll_output()`. That is the fastest send path (no `Bytes` handed out per write; figures in
//! docs/performance.md) and copes with short writes; anything left comes out as a `Transmit`.
//!
//! On the receive side a bare connection can decode in the driver's own read buffer, the
//! fastest path for payloads of 1 KiB and up: keep one `BytesMut`, call
//! `reserve_input_buf(&mut buf)` before each read (it returns how much to read at most), read
//! into `buf`'s spare capacity (tokio's `read_buf`), then call `handle_input_buf(now, &mut
//! buf)`. Payloads are unmasked where the read put them and handed out as `Bytes` of that
//! buffer; the message in progress stays in it between calls. The echo server and Autobahn
//! client in `examples/` drive it so.
//!
//! Constructors take `(config, now, entropy_seed)`, with a [`ws::Role`] first for the bare
//! connection. Time arrives as `now: Instant`, always the first argument after `self`; entropy
//! (the `Sec-WebSocket-Key` nonce, masking keys, backoff jitter) arrives as a seed. So a run is
//! reproducible, and the same code runs under blocking std, tokio or an embedded loop. Peer
//! faults are not `Err`: they become a close frame to send plus an event. `Err` is kept for the
//! caller's misuse (sending after close, answering a request twice).
//!
//! ## Two peers in memory
//!
//! A client and a server [`ws::Connection`] wired back to back, one message each way:
//!
//! ```
//! use std::time::Instant;
//! use sca_ws::ws::{self, Connection, Event, Output, Role};
//!
//! let now = Instant::now();
//! let mut client = Connection::new(Role::Client, ws::Config::default(), now, 1);
//! let mut server = Connection::new(Role::Server, ws::Config::default(), now, 2);
//!
//! /// Moves every pending transmit of `from` into `to`; returns the events `from` raised.
//! fn pump(now: Instant, from: &mut Connection, to: &mut Connection) -> Vec<Event> {
//!     let mut events = Vec::new();
//!     while let Some(output) = from.poll_output() {
//!         match output {
//!             Output::Transmit(bytes) => to.handle_input(now, &bytes),
//!             Output::Event(event) => events.push(event),
//!             _ => {}
//!         }
//!     }
//!     events
//! }
//!
//! client.send_text(now, "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE>\
//!     <COMMAND>START</COMMAND></TRANSACTION>").unwrap();
//! pump(now, &mut client, &mut server);
//! let events = pump(now, &mut server, &mut client);
//! let Some(Event::Text(text)) = events.first() else { panic!("{events:?}") };
//! assert!(text.starts_with("<TRANSACTION>"));
//!
//! server.send_text(now, "<RESPONSE><RESULT>OK</RESULT></RESPONSE>").unwrap();
//! pump(now, &mut server, &mut client);
//! let events = pump(now, &mut client, &mut server);
//! assert!(matches!(&events[..], [Event::Text(t)] if t.contains("OK")));
//! ```
//!
//! The [`Terminal`] adds a transport directive on top: it asks for a connection
//! ([`terminal::Output::Connect`]), and the caller answers with `handle_connected(now)` or
//! `handle_transport_failed(now, why)`. The workspace's `sca-ws-tokio` crate drives all three on
//! tokio; `examples/echo_server.rs` is a small blocking std driver of [`ws::Connection`].
//!
//! ## Modules: the layers
//!
//! | module | what it does | depends on |
//! |---|---|---|
//! | [`handshake`] | HTTP/1.1 Upgrade request and 101 response, both sides (RFC 6455 §4) | nothing |
//! | [`frame`] | frame header, masking, close payload (RFC 6455 §5, §7.4) | nothing |
//! | [`ws`] | one WebSocket connection by role (RFC 6455 §5–§7) | frame |
//! | [`xml`] | SCA `TRANSACTION` / `RESPONSE` documents | nothing |
//! | [`mac`] | the request MAC (HMAC-SHA256 of the COUNTER) | nothing |
//! | [`terminal`] | the SCA side: connect, retry, status, auth, counters, sessions | all above |
//! | [`broker`] | the POS cloud side: accept terminals, send requests, match answers | all above |
//! | [`drive`] | the contract above as a trait, and [`TransportFailure`] | |
//!
//! Inside a module names are short and read with the module (`terminal::Config`,
//! `broker::Event`, `ws::Error`); the root re-exports only what most users start from.
//!
//! `docs/architecture.md` explains the layers and the timer model; `docs/protocol.md` lists every
//! protocol choice the crate makes; `docs/conformance.md` maps RFC clauses to tests.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod broker;
pub mod drive;
mod error;
pub mod frame;
pub mod handshake;
pub mod mac;
mod redact;
mod rng;
pub mod terminal;
pub mod ws;
pub mod xml;

// -- the root: what most users start from (at most 20 items besides the modules) --

pub use broker::Link as BrokerLink;
pub use drive::{Drive, TransportFailure};
pub use error::Error;
pub use frame::CloseCode;
pub use terminal::Terminal;
pub use ws::{Connection, Role};
pub use xml::{Response, Transaction};

/// The README, compiled and run as a doctest so its embedding loop cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Internals the equivalence tests and fuzz targets reach; not part of the supported API.
#[doc(hidden)]
pub mod __private {
    pub use crate::xml::paths as xml_paths;
}
