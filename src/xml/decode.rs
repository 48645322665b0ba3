//! Parsing: bytes → typed slots and fields. The SCA subset scanner (`scan.rs`) reads the
//! common documents; anything it does not take on is read here with quick-xml, which decides
//! every error. Both readers feed the same [`Builder`], and the scanner returns a result only
//! when quick-xml would return the same one (proven by a property test and a fuzz target).

use quick_xml::Reader;
use quick_xml::errors::{Error as QxError, IllFormedError};
use quick_xml::events::Event;

use super::build::{Builder, Schema};
use super::chars::first_forbidden_char;
use super::error::{SyntaxKind, XmlError};
use super::fields::Fields;
use super::limits::XmlLimits;
use super::scan::scan_document;

/// Parses one document: the scanner first, quick-xml when the scanner declines.
pub(crate) fn decode_document<S: Schema>(
    input: &[u8],
    limits: &XmlLimits,
) -> Result<(S, Fields), XmlError> {
    match scan_document(input, limits) {
        Some(decoded) => Ok(decoded),
        None => read_document(input, limits),
    }
}

fn map_reader_error(error: &QxError, event_start: usize, error_position: usize) -> XmlError {
    let malformed = |kind| XmlError::Malformed {
        offset: error_position.max(event_start),
        kind,
    };
    match error {
        QxError::Syntax(_) => XmlError::Malformed {
            offset: error_position,
            kind: SyntaxKind::Unclosed,
        },
        QxError::IllFormed(ill) => match ill {
            IllFormedError::MismatchedEndTag { .. } => malformed(SyntaxKind::MismatchedEndTag),
            IllFormedError::UnmatchedEndTag(_) => malformed(SyntaxKind::UnmatchedEndTag),
            IllFormedError::MissingEndTag(_) => malformed(SyntaxKind::MissingEndTag),
            IllFormedError::UnclosedReference => malformed(SyntaxKind::UnclosedReference),
            IllFormedError::MissingDeclVersion(_) | IllFormedError::UnknownVersion => {
                malformed(SyntaxKind::MisplacedDeclaration)
            }
            IllFormedError::MissingDoctypeName => XmlError::Doctype {
                offset: event_start,
            },
            _ => malformed(SyntaxKind::Other),
        },
        QxError::Encoding(_) => XmlError::InvalidUtf8 {
            offset: event_start,
        },
        QxError::InvalidAttr(_) => XmlError::Attribute {
            offset: event_start,
        },
        QxError::Escape(_) => XmlError::UnknownEntity {
            offset: event_start,
        },
        _ => malformed(SyntaxKind::Other),
    }
}

/// Parses one document with quick-xml: the general path, and the one that words every error.
pub(crate) fn read_document<S: Schema>(
    input: &[u8],
    limits: &XmlLimits,
) -> Result<(S, Fields), XmlError> {
    limits.check_size(input.len())?;
    if let Some(offset) = first_forbidden_char(input) {
        return Err(XmlError::ForbiddenChar { offset });
    }
    let mut builder = Builder::<S>::new(limits, input.len());
    // Whether any text piece needs line-end normalization, asked once for the document.
    let has_cr = input.contains(&b'\r');
    let mut reader = Reader::from_reader(input);
    // Bounded loop: every event consumes input, and Eof ends it.
    loop {
        let at = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|error| map_reader_error(&error, at, reader.error_position() as usize))?;
        match event {
            Event::Start(start) => {
                let name = start.name();
                builder.start(name.0, false, start.attributes_raw(), false, at)?;
            }
            Event::Empty(start) => {
                let name = start.name();
                builder.start(name.0, false, start.attributes_raw(), true, at)?;
            }
            Event::End(_) => builder.end(at)?,
            Event::Text(text) => {
                // Line-end normalization only when a CR is present: most pieces are a few
                // bytes, for which a plain scan beats the normalizer's setup.
                if has_cr && text.as_bytes().contains(&b'\r') {
                    builder.text(&text.xml10_content(), false, at)?;
                } else {
                    builder.text(&text, false, at)?;
                }
            }
            Event::CData(cdata) => {
                let content = cdata.xml10_content();
                builder.text(&content, true, at)?;
            }
            Event::GeneralRef(reference) => builder.reference(&reference, at)?,
            Event::Decl(_) => builder.declaration(at)?,
            Event::PI(_) => return Err(XmlError::ProcessingInstruction { offset: at }),
            Event::DocType(_) => return Err(XmlError::Doctype { offset: at }),
            Event::Comment(_) => builder.comment(),
            Event::Eof => break,
        }
    }
    builder.finish(input.len())
}
