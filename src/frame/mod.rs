//! RFC 6455 §5 framing: header, opcode, masking and the close payload (§5.5.1, §7.4).
//!
//! A pure codec: it knows nothing about connections, roles or messages. The [`ws`](crate::ws)
//! layer builds the connection rules on top of it; use this module directly for tools that
//! read or write raw frames (fuzzers, captures, test peers).
//!
//! ```
//! use bytes::BytesMut;
//! use sca_ws::frame::{Header, OpCode, apply_mask};
//!
//! // A masked client text frame carrying "Hi".
//! let key = [1, 2, 3, 4];
//! let header = Header { fin: true, rsv: 0, opcode: OpCode::Text, mask: Some(key), payload_len: 2 };
//! let mut wire = BytesMut::new();
//! header.encode(&mut wire);
//! let mut payload = *b"Hi";
//! apply_mask(&mut payload, key, 0);
//! wire.extend_from_slice(&payload);
//!
//! let (decoded, used) = Header::decode(&wire)?.expect("a whole header");
//! assert_eq!((decoded, used), (header, 6));
//! let mut body = wire[used..].to_vec();
//! apply_mask(&mut body, key, 0);
//! assert_eq!(body, b"Hi");
//! # Ok::<(), sca_ws::frame::Error>(())
//! ```

mod close;
mod error;
mod header;
mod mask;
mod opcode;

pub use close::{CloseCode, ClosePayload};
pub use error::FrameError as Error;
pub use header::FrameHeader as Header;
pub use mask::apply_mask;

pub(crate) use error::FrameError;
pub(crate) use header::FrameHeader;
pub(crate) use mask::extend_masked;
pub use opcode::OpCode;
