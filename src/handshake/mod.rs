//! The opening handshake (RFC 6455 §4): the HTTP/1.1 Upgrade request and its 101 answer,
//! built, parsed and validated for both sides, with SCA's `x-vfi-pinpad-id` header.
//!
//! Sans-IO: parsers take the bytes received so far and answer "need more" (`Ok(None)`), an
//! error, or the result and how many bytes the head used (the rest are the first frames);
//! builders append to a caller's `BytesMut`. The key nonce comes from the caller.
//!
//! Depends on no other module of the crate.

mod accept_key;
mod client;
mod client_response;
mod error;
mod head;
mod headers;
mod request;
mod server_reply;

pub use accept_key::accept_key;
pub use client::{ClientHandshake as Client, ClientHandshakeConfig as ClientConfig};
pub use client_response::HandshakeResponse as UpgradeResponse;
pub use error::{HandshakeError as Error, HeadPart};
pub use headers::HttpHeader;
pub use request::{
    OwnedUpgradeRequest, ServerHandshakeConfig as ServerConfig, UpgradeRequest, decode_request,
};
pub use server_reply::{
    SCA_PROTOCOL, encode_accept, encode_error_response, encode_rejection, select_protocol,
};

pub(crate) use client::{ClientHandshake, ClientHandshakeConfig};
pub(crate) use error::HandshakeError;
pub(crate) use request::ServerHandshakeConfig;
