//! # sca-ws
//!
//! The link between Verifone payment terminals running SCA and the POS cloud brokers they dial
//! into: an RFC 6455 WebSocket (subprotocol `sci`, header `x-vfi-pinpad-id`) carrying SCA's XML
//! `<TRANSACTION>` requests (POS → terminal) and `<RESPONSE>` answers (terminal → POS).
//!
//! ## Sans-IO
//!
//! The crate never opens a socket, never reads a clock and draws no hidden randomness. Every
//! state machine in it ([`Connection`], [`Terminal`], and the broker's link) is driven the same
//! way:
//!
//! 1. **Feed what happened**: bytes received (`handle_input(now, bytes)`), the transport opened
//!    or closed, an application command, or only that time passed (`handle_timeout(now)`; an
//!    early or spurious call is a no-op).
//! 2. **Drain `poll_output()` until `None`**: bytes to send, events for the application, and
//!    transport directives (open a connection, close it).
//! 3. **Ask `poll_timeout()`** when to wake up next, and wait for bytes or that instant.
//!
//! Time arrives as `now: Instant`, always the first argument after `self`; entropy (the
//! `Sec-WebSocket-Key` nonce, masking keys, backoff jitter) arrives as bytes or a seed. So a run
//! is reproducible, and the same code runs under blocking std, tokio or an embedded loop.
//! Peer faults are not `Err`: they become a close frame to send plus an event. `Err` is kept
//! for the caller's misuse (sending after close, answering a request twice).
//!
//! ## Two peers in memory
//!
//! A client and a server [`Connection`] wired back to back, one message each way:
//!
//! ```
//! use std::time::Instant;
//! use sca_ws::{Connection, Event, Output, Role, WsConfig};
//!
//! let now = Instant::now();
//! let mut client = Connection::new(Role::Client, WsConfig::default(), now, 1);
//! let mut server = Connection::new(Role::Server, WsConfig::default(), now, 2);
//!
//! /// Moves every pending transmit of `from` into `to`; returns the events `from` raised.
//! fn pump(now: Instant, from: &mut Connection, to: &mut Connection) -> Vec<Event> {
//!     let mut events = Vec::new();
//!     while let Some(output) = from.poll_output() {
//!         match output {
//!             Output::Transmit(bytes) => to.handle_input(now, &bytes),
//!             Output::Event(event) => events.push(event),
//!             Output::CloseTransport => {}
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
//! assert!(text.as_str().starts_with("<TRANSACTION>"));
//!
//! server.send_text(now, "<RESPONSE><RESULT>OK</RESULT></RESPONSE>").unwrap();
//! pump(now, &mut server, &mut client);
//! let events = pump(now, &mut client, &mut server);
//! assert!(matches!(&events[..], [Event::Text(t)] if t.as_str().contains("OK")));
//! ```
//!
//! The [`Terminal`] adds transport directives on top: it asks for a connection
//! ([`TerminalOutput::Connect`]), and the caller answers with `handle_connected(now)` or
//! `handle_transport_failed(now, why)`. `examples/` holds complete std drivers.
//!
//! ## Layers
//!
//! | layer | what it does | depends on |
//! |---|---|---|
//! | handshake | HTTP/1.1 Upgrade request and 101 response, both sides (RFC 6455 §4): [`ClientHandshake`], [`decode_request`], [`encode_accept`] | nothing |
//! | frame | frame header, masking, close payload (RFC 6455 §5, §7.4): [`FrameHeader`], [`CloseCode`] | nothing |
//! | ws | one WebSocket connection by role (RFC 6455 §5–§7): [`Connection`] | frame |
//! | xml | SCA `TRANSACTION` / `RESPONSE` documents: [`Transaction`], [`Response`] | nothing |
//! | terminal | the SCA side: connect, retry, status, auth, counters, sessions: [`Terminal`] | all above |
//! | broker | the POS cloud side: accept terminals, send requests, match answers: [`Link`] | all above |
//!
//! `docs/architecture.md` explains the layers and the timer model; `docs/protocol.md` lists every
//! protocol choice the crate makes; `docs/conformance.md` maps RFC clauses to tests.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod broker;
mod error;
mod frame;
mod handshake;
mod mac;
mod rng;
mod terminal;
mod ws;
mod xml;
// -- public API (one block per module; keep blocks apart to ease merges) --

pub use error::Error;
pub use mac::{compute_mac, verify_mac};

pub use frame::{CloseCode, ClosePayload, FrameError, FrameHeader, OpCode, apply_mask};
pub use handshake::{
    ClientHandshake, ClientHandshakeConfig, HandshakeError, HandshakeResponse, HeadPart,
    HttpHeader, OwnedUpgradeRequest, SCA_PROTOCOL, ServerHandshakeConfig, UpgradeRequest,
    accept_key, decode_request, encode_accept, encode_error_response, encode_rejection,
    select_protocol,
};
pub use ws::{
    Connection, ConnectionState, DataKind, Event, Output, Role, SendError, Utf8Bytes, WsConfig,
    WsError,
};
pub use xml::{
    AnswerEntry, Command, Counter, Field, FieldIter, Fields, FunctionType, OtherName, RequestClass,
    Response, ResultCode, SessionEffect, StandardAnswer, SyntaxKind, TerminationStatus,
    Transaction, XmlError, XmlLimits,
};

pub use terminal::{
    Channel, ConfigError, ConnectTarget, KeyStore, LinkError, LinkStatus, MemoryKeyStore,
    ReconnectConfig, RequestId, ScreenMessage, Terminal, TerminalConfig, TerminalError,
    TerminalEvent, TerminalOutput, TransportFailure, config_keys,
};

pub use broker::{
    Allocation, BrokerConfig, BrokerError, BrokerEvent, BrokerOutput, BrokerRequestId, CloseReason,
    CounterBook, CounterError, Link, MAX_MAC_KEY_LEN, MAX_MAC_LABEL_LEN, MAX_MAC_LABELS,
    RequestFailure, SubmitOptions, UpgradeInfo, WhenBusy,
};

/// Internals the equivalence tests and fuzz targets reach; not part of the supported API.
#[doc(hidden)]
pub mod __private {
    pub use crate::xml::paths as xml_paths;
}
