//! SCA XML documents: `TRANSACTION` requests and `RESPONSE` answers as typed values, parsed
//! from bytes (a scanner for SCA's XML subset, quick-xml for everything else) and written back
//! in the conventional form (PROTOCOL.md §3–§4).
//!
//! Depends on no other layer. Hostile input is refused with an [`Error`] saying what and
//! where; nothing is ever expanded (DTDs are refused) and every buffer is bounded by
//! [`Limits`].
//!
//! ```
//! use sca_ws::xml::{Command, FunctionType, Response, Transaction};
//!
//! let request = Transaction::decode(
//!     b"<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND>\
//!       <TRANS_AMOUNT>1.00</TRANS_AMOUNT></TRANSACTION>",
//! )?;
//! assert_eq!(request.function_type, FunctionType::Payment);
//! assert_eq!(request.command, Command::Capture);
//! assert_eq!(request.fields().get("TRANS_AMOUNT"), Some("1.00"));
//! assert!(request.needs_session() && !request.is_mac_exempt());
//!
//! // Answers are written as text, ready for a WebSocket text message.
//! let mut text = String::new();
//! Response::no_session().encode_to_string(&mut text);
//! assert!(text.starts_with("<RESPONSE>"));
//! assert_eq!(Response::decode(text.as_bytes())?, Response::no_session());
//! # Ok::<(), sca_ws::xml::Error>(())
//! ```

mod build;
mod chars;
pub(crate) mod classify;
mod codes;
mod counter;
mod decode;
mod encode;
mod error;
mod fields;
mod function;
mod limits;
mod model;
#[doc(hidden)]
pub mod paths;
mod scan;

pub use codes::{AnswerEntry, ResultCode, StandardAnswer, TerminationStatus};
pub use counter::Counter;
pub use error::{SyntaxKind, XmlError as Error};
pub use fields::{Field, FieldIter, Fields};
pub use function::{Command, FunctionType, OtherName};
pub use limits::XmlLimits as Limits;
pub use model::{Response, Transaction};

pub(crate) use error::XmlError;
pub(crate) use limits::XmlLimits;
