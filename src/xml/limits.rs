//! Bounds on what a hostile document can make the parser hold.

use super::error::XmlError;

/// Limits applied while decoding; every growing thing the parser keeps is bounded by one.
///
/// Nothing is ever expanded (no entity declarations are accepted), so the decoded text is never
/// longer than the document: `max_document_bytes` bounds memory, `max_fields` bounds the node
/// table, `max_depth` bounds the XML reader's stack of open names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    /// Longest document accepted, in bytes. Default 1 MiB: the largest SCA documents (signature
    /// captures, long LINE_ITEM lists) stay well under it. Capped at `u32::MAX`.
    pub max_document_bytes: usize,
    /// Deepest nesting, the root counting as 1. Default 16: SCA nests about four levels
    /// (`TRANSACTION/LINE_ITEMS/MERCHANDISE/...`).
    pub max_depth: usize,
    /// Most elements in one document, the root excluded. Default 4096.
    pub max_fields: usize,
}

impl XmlLimits {
    /// The documented defaults, usable in `const` context.
    pub const DEFAULT: Self = Self {
        max_document_bytes: 1024 * 1024,
        max_depth: 16,
        max_fields: 4096,
    };
}

impl XmlLimits {
    /// Refuses a document longer than `max_document_bytes` (itself capped at `u32::MAX`, the
    /// width of the offsets kept for decoded fields).
    pub(crate) fn check_size(&self, size: usize) -> Result<(), XmlError> {
        let limit = self.max_document_bytes.min(u32::MAX as usize);
        if size > limit {
            return Err(XmlError::TooLarge { size, limit });
        }
        Ok(())
    }
}

impl Default for XmlLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
