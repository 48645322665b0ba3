//! The opening handshake (RFC 6455 §4): the HTTP/1.1 Upgrade request and its 101 answer,
//! built, parsed and validated for both sides, with SCA's `x-vfi-pinpad-id` header.
//!
//! Sans-IO: parsers take the bytes received so far and answer "need more" (`Ok(None)`), an
//! error, or the result and how many bytes the head used (the rest are the first frames);
//! builders append to a caller's `BytesMut`. The key nonce comes from the caller.
//! [`terminal::Terminal`](crate::terminal::Terminal) and [`broker::Link`](crate::broker::Link)
//! run it for you; use it directly to put SCA's handshake in front of another stack.
//!
//! Depends on no other module of the crate.
//!
//! ```
//! use bytes::BytesMut;
//! use sca_ws::handshake::{self, Client, ClientConfig, SCA_PROTOCOL};
//!
//! // The terminal's request, with its pinpad id.
//! let config = ClientConfig { pinpad_id: Some("1".into()), ..ClientConfig::for_host("pos.example") };
//! let client = Client::new(config, [7; 16])?;
//! let mut request = BytesMut::new();
//! client.encode_request(&mut request);
//!
//! // The broker parses it and accepts with `sci`.
//! let (upgrade, used) = handshake::decode_request(&request, &handshake::ServerConfig::default())?
//!     .expect("a whole head");
//! assert_eq!((upgrade.pinpad_id(), used), (Some("1"), request.len()));
//! let protocol = handshake::select_protocol(&upgrade, &[SCA_PROTOCOL]);
//! let mut answer = BytesMut::new();
//! handshake::encode_accept(&upgrade, protocol, &[], &mut answer)?;
//!
//! // The terminal checks the 101 (accept key, upgrade headers, protocol).
//! let (response, _) = client.decode_response(&answer)?.expect("a whole head");
//! assert_eq!(response.protocol(), Some("sci"));
//! # Ok::<(), handshake::Error>(())
//! ```

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
