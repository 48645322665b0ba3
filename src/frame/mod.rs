//! RFC 6455 §5 framing: header, opcode, masking and the close payload (§5.5.1, §7.4).
//!
//! A pure codec: it knows nothing about connections, roles or messages. The `ws` layer
//! builds the connection rules on top of it.

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
