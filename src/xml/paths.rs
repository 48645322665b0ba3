//! Each decode path alone, so the equivalence tests and the `xml_scan` fuzz target can compare
//! them; hidden from the documentation, not part of the supported API.

use super::error::XmlError;
use super::limits::XmlLimits;
use super::model::{Response, Transaction};

/// The subset scanner alone: `None` when it declines the document.
pub fn transaction_by_scanner(
    bytes: &[u8],
    limits: &XmlLimits,
) -> Option<Result<Transaction, XmlError>> {
    Transaction::decode_by_scanner(bytes, limits)
}

/// The quick-xml path alone.
pub fn transaction_by_quick_xml(bytes: &[u8], limits: &XmlLimits) -> Result<Transaction, XmlError> {
    Transaction::decode_by_quick_xml(bytes, limits)
}

/// The subset scanner alone: `None` when it declines the document.
pub fn response_by_scanner(bytes: &[u8], limits: &XmlLimits) -> Option<Response> {
    Response::decode_by_scanner(bytes, limits)
}

/// The quick-xml path alone.
pub fn response_by_quick_xml(bytes: &[u8], limits: &XmlLimits) -> Result<Response, XmlError> {
    Response::decode_by_quick_xml(bytes, limits)
}
