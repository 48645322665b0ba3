//! The one error type of the XML layer: what went wrong and, for parse errors, where.

use std::fmt;

/// Why an SCA XML document was refused, or why a builder call was refused.
///
/// Parse errors carry `offset`, the byte position in the input (counted from the first byte
/// given to `decode`, BOM included) where the offending markup starts, so a log line can point
/// at it.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlError {
    /// The document is longer than [`XmlLimits::max_document_bytes`](crate::xml::Limits).
    TooLarge {
        /// Length of the refused document (or of the text a builder would hold).
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// Elements nest deeper than [`XmlLimits::max_depth`](crate::xml::Limits) (the root is depth 1).
    TooDeep {
        /// Where the element that went too deep starts.
        offset: usize,
        /// The limit in force.
        limit: usize,
    },
    /// More elements than [`XmlLimits::max_fields`](crate::xml::Limits).
    TooManyFields {
        /// Where the element past the limit starts.
        offset: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The bytes are not UTF-8 (SCA documents are UTF-8; no other encoding is transcoded).
    InvalidUtf8 {
        /// Where the markup or text holding the bad bytes starts.
        offset: usize,
    },
    /// A character XML 1.0 forbids (§2.2): NUL, another C0 control but tab, LF and CR, or
    /// U+FFFE / U+FFFF. Refused rather than passed on, since no consumer can expect it.
    ForbiddenChar {
        /// Where the character starts.
        offset: usize,
    },
    /// The bytes are not well-formed XML.
    Malformed {
        /// Where the problem was found.
        offset: usize,
        /// What kind of problem.
        kind: SyntaxKind,
    },
    /// The root element is not the one expected (`TRANSACTION` or `RESPONSE`, upper case).
    WrongRoot {
        /// Where the root starts.
        offset: usize,
        /// The root this decoder wanted.
        expected: &'static str,
    },
    /// There is no root element at all (empty or whitespace-only input).
    NoRoot,
    /// A field the document must carry is absent (`FUNCTION_TYPE`, `COMMAND`).
    MissingField {
        /// The absent field.
        field: &'static str,
    },
    /// A field that may appear once (e.g. `COUNTER`, `MAC`) appears again.
    DuplicateField {
        /// The repeated field.
        field: &'static str,
        /// Where the second occurrence starts.
        offset: usize,
    },
    /// A field that must hold text (e.g. `COMMAND`) holds child elements.
    NotText {
        /// The field.
        field: &'static str,
        /// Where the field starts.
        offset: usize,
    },
    /// A field's text is not a valid value for it (e.g. `COUNTER` outside 1..=4294967295,
    /// `RESULT_CODE` not an integer, empty `COMMAND`).
    InvalidValue {
        /// The field.
        field: &'static str,
    },
    /// An element holds both text and child elements.
    MixedContent {
        /// Where the offending text or child starts.
        offset: usize,
    },
    /// Text (or CDATA, or a reference) outside the root element.
    TextOutsideRoot {
        /// Where it starts.
        offset: usize,
    },
    /// Something after the root element ends (a second root, for instance).
    TrailingContent {
        /// Where it starts.
        offset: usize,
    },
    /// A `<!DOCTYPE ...>`: DTDs and entity declarations are refused, never expanded.
    Doctype {
        /// Where it starts.
        offset: usize,
    },
    /// A processing instruction other than the leading XML declaration.
    ProcessingInstruction {
        /// Where it starts.
        offset: usize,
    },
    /// An element carries attributes; SCA uses none, and dropping them would lose data.
    Attribute {
        /// Where the element starts.
        offset: usize,
    },
    /// An entity reference other than the five predefined ones (`&lt;` `&gt;` `&amp;`
    /// `&apos;` `&quot;`) or a bad character reference.
    UnknownEntity {
        /// Where the reference starts.
        offset: usize,
    },
    /// An element name outside the SCA alphabet: an upper-case letter or `_`, then upper-case
    /// letters, digits, `_`, `-` or `.`.
    InvalidName {
        /// Where the element starts; `None` when a builder was given the name.
        offset: Option<usize>,
    },
    /// A builder was asked to add a field the message type keeps in a typed slot
    /// (e.g. `FUNCTION_TYPE` on a transaction, `RESULT_CODE` on a response).
    ReservedField {
        /// The field.
        field: &'static str,
    },
}

/// The well-formedness problems [`XmlError::Malformed`] distinguishes.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxKind {
    /// Input ends inside a tag, comment, CDATA section or declaration.
    Unclosed,
    /// Input ends while elements are still open.
    MissingEndTag,
    /// An end tag names another element than the one open.
    MismatchedEndTag,
    /// An end tag with no element open.
    UnmatchedEndTag,
    /// `&` without a closing `;`.
    UnclosedReference,
    /// An XML declaration anywhere but at the very start, or a malformed one.
    MisplacedDeclaration,
    /// Any other markup error the XML reader reports.
    Other,
}

impl fmt::Display for SyntaxKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unclosed => "unclosed markup",
            Self::MissingEndTag => "missing end tag",
            Self::MismatchedEndTag => "mismatched end tag",
            Self::UnmatchedEndTag => "end tag without start tag",
            Self::UnclosedReference => "reference without `;`",
            Self::MisplacedDeclaration => "misplaced or malformed xml declaration",
            Self::Other => "malformed markup",
        })
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { size, limit } => {
                write!(f, "document of {size} bytes exceeds the {limit}-byte limit")
            }
            Self::TooDeep { offset, limit } => {
                write!(f, "nesting deeper than {limit} at byte {offset}")
            }
            Self::TooManyFields { offset, limit } => {
                write!(f, "more than {limit} elements at byte {offset}")
            }
            Self::InvalidUtf8 { offset } => write!(f, "invalid utf-8 at byte {offset}"),
            Self::ForbiddenChar { offset } => {
                write!(f, "character xml 1.0 forbids at byte {offset}")
            }
            Self::Malformed { offset, kind } => write!(f, "{kind} at byte {offset}"),
            Self::WrongRoot { offset, expected } => {
                write!(f, "root element at byte {offset} is not <{expected}>")
            }
            Self::NoRoot => f.write_str("no root element"),
            Self::MissingField { field } => write!(f, "missing {field}"),
            Self::DuplicateField { field, offset } => {
                write!(f, "second {field} at byte {offset}")
            }
            Self::NotText { field, offset } => {
                write!(f, "{field} at byte {offset} holds elements instead of text")
            }
            Self::InvalidValue { field } => write!(f, "invalid {field} value"),
            Self::MixedContent { offset } => {
                write!(f, "element mixes text and child elements at byte {offset}")
            }
            Self::TextOutsideRoot { offset } => {
                write!(f, "text outside the root element at byte {offset}")
            }
            Self::TrailingContent { offset } => {
                write!(f, "content after the root element at byte {offset}")
            }
            Self::Doctype { offset } => write!(f, "doctype refused at byte {offset}"),
            Self::ProcessingInstruction { offset } => {
                write!(f, "processing instruction refused at byte {offset}")
            }
            Self::Attribute { offset } => write!(f, "attribute refused at byte {offset}"),
            Self::UnknownEntity { offset } => {
                write!(
                    f,
                    "unknown entity or bad character reference at byte {offset}"
                )
            }
            Self::InvalidName {
                offset: Some(offset),
            } => {
                write!(f, "element name outside the sca alphabet at byte {offset}")
            }
            Self::InvalidName { offset: None } => {
                f.write_str("field name outside the sca alphabet")
            }
            Self::ReservedField { field } => {
                write!(f, "{field} has a typed slot and cannot be added as a field")
            }
        }
    }
}

impl std::error::Error for XmlError {}
