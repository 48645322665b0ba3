//! # sca-ws
//!
//! The link between Verifone payment terminals running SCA and the POS cloud brokers they dial
//! into: an RFC 6455 WebSocket carrying SCA's XML `<TRANSACTION>` / `<RESPONSE>` documents.
//!
//! The crate is **sans-IO**: it never opens a socket, never reads a clock and draws no hidden
//! randomness. Callers feed it bytes, transport events and the current time, and drain what it
//! wants done.
//!
//! ## Layers
//!
//! | module | what it does | depends on |
//! |---|---|---|
//! | `handshake` | HTTP/1.1 Upgrade request and 101 response (RFC 6455 §4) | nothing |
//! | `frame` | frame header, masking, close payload (RFC 6455 §5, §7.4) | nothing |
//! | `ws` | one WebSocket connection by role (RFC 6455 §5–§7) | `frame` |
//! | `xml` | SCA `TRANSACTION` / `RESPONSE` documents | nothing |
//! | `terminal` | the SCA side state machine | all of the above |
//! | `broker` | the POS cloud side state machine | all of the above |
#![cfg_attr(docsrs, feature(doc_cfg))]

mod broker;
mod error;
mod frame;
mod handshake;
mod mac;
#[allow(dead_code)] // used by ws/ and terminal/ as they land
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
