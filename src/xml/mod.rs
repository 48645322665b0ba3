//! SCA XML documents: `TRANSACTION` requests and `RESPONSE` answers as typed values, parsed
//! from bytes (a scanner for SCA's XML subset, quick-xml for everything else) and written back
//! in the conventional form (PROTOCOL.md §3–§4).
//!
//! Depends on no other layer. Hostile input is refused with an [`XmlError`] saying what and
//! where; nothing is ever expanded (DTDs are refused) and every buffer is bounded by
//! [`XmlLimits`].

mod build;
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
