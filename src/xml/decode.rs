//! Parsing: bytes → fields, with quick-xml reading events that borrow the input.
//!
//! The decoder is shared by both roots; a [`Schema`] says which top-level names are
//! singletons and which of them go to typed slots instead of the field list.

use quick_xml::Reader;
use quick_xml::errors::{Error as QxError, IllFormedError};
use quick_xml::events::Event;

use super::error::{SyntaxKind, XmlError};
use super::fields::{Fields, Node, is_valid_name};
use super::limits::XmlLimits;

/// A top-level name a schema treats specially.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    /// Bit in the "seen" mask: a second occurrence is a [`XmlError::DuplicateField`].
    pub(crate) bit: u32,
    /// The name, for errors.
    pub(crate) field: &'static str,
    /// Whether the value goes to the schema (and leaves the field list).
    pub(crate) typed: bool,
}

/// What the decoder needs to know about one root element.
pub(crate) trait Schema {
    /// The root element name.
    const ROOT: &'static str;
    /// How a top-level name is treated; `None` for an ordinary field.
    fn slot(name: &str) -> Option<Slot>;
    /// Receives the text of a typed slot.
    fn take(&mut self, slot: Slot, value: &str) -> Result<(), XmlError>;
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Before,
    Inside,
    After,
}

fn is_xml_whitespace(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn to_u32(value: usize) -> u32 {
    // Every offset is below the document length, itself capped at u32::MAX.
    u32::try_from(value).unwrap_or(u32::MAX)
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

/// Resolves a general reference: the five predefined entities and character references.
/// Nothing else exists (no DTD is ever accepted), so anything else is refused.
fn resolve_reference(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix('x') {
                Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u32::from_str_radix(hex, 16).ok()?
                }
                Some(_) => return None,
                None if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
                    number.parse().ok()?
                }
                None => return None,
            };
            // XML 1.0 Char production: no NUL, no C0 controls but tab/LF/CR, no U+FFFE/FFFF.
            let allowed = matches!(code, 0x9 | 0xA | 0xD)
                || (0x20..=0xD7FF).contains(&code)
                || (0xE000..=0xFFFD).contains(&code)
                || (0x1_0000..=0x10_FFFF).contains(&code);
            if allowed { char::from_u32(code) } else { None }
        }
    }
}

/// The decoder's running state.
struct Builder<'s, S> {
    schema: &'s mut S,
    limits: XmlLimits,
    fields: Fields,
    phase: Phase,
    /// Innermost open field (index into the node table), `None` at the root's level.
    current: Option<usize>,
    /// Slot of the open top-level field, if it has one.
    top_slot: Option<Slot>,
    /// Whether the innermost open text field has seen data (non-blank text, CDATA, a reference).
    data: bool,
    depth: usize,
    elements: usize,
    seen: u32,
    decl_allowed: bool,
}

impl<S: Schema> Builder<'_, S> {
    fn start(
        &mut self,
        name: &str,
        attributes: &str,
        empty: bool,
        at: usize,
    ) -> Result<(), XmlError> {
        if !is_xml_whitespace(attributes) {
            return Err(XmlError::Attribute { offset: at });
        }
        self.decl_allowed = false;
        match self.phase {
            Phase::Before => {
                if name != S::ROOT {
                    return Err(XmlError::WrongRoot {
                        offset: at,
                        expected: S::ROOT,
                    });
                }
                self.depth = 1;
                self.phase = if empty { Phase::After } else { Phase::Inside };
                Ok(())
            }
            Phase::After => Err(XmlError::TrailingContent { offset: at }),
            Phase::Inside => self.start_field(name, empty, at),
        }
    }

    fn start_field(&mut self, name: &str, empty: bool, at: usize) -> Result<(), XmlError> {
        if self.depth >= self.limits.max_depth {
            return Err(XmlError::TooDeep {
                offset: at,
                limit: self.limits.max_depth,
            });
        }
        self.elements += 1;
        if self.elements > self.limits.max_fields {
            return Err(XmlError::TooManyFields {
                offset: at,
                limit: self.limits.max_fields,
            });
        }
        if !is_valid_name(name.as_bytes()) {
            return Err(XmlError::InvalidName { offset: Some(at) });
        }
        match self.current {
            Some(parent) => {
                if self.data {
                    return Err(XmlError::MixedContent { offset: at });
                }
                if let Some(node) = self.fields.nodes.get_mut(parent)
                    && !node.group
                {
                    // Blank text before the first child was layout, not a value.
                    node.group = true;
                    let value_start = node.name_end as usize;
                    self.fields.text.truncate(value_start);
                }
            }
            None => {
                self.top_slot = S::slot(name);
                if let Some(slot) = self.top_slot {
                    if self.seen & slot.bit != 0 {
                        return Err(XmlError::DuplicateField {
                            field: slot.field,
                            offset: at,
                        });
                    }
                    self.seen |= slot.bit;
                }
            }
        }
        let name_start = to_u32(self.fields.text.len());
        self.fields.text.push_str(name);
        let name_end = to_u32(self.fields.text.len());
        let parent_plus_one = self.current.map_or(0, |parent| parent + 1);
        self.fields.nodes.push(Node {
            name_start,
            name_end,
            value_end: name_end,
            end: to_u32(parent_plus_one),
            group: false,
        });
        let index = self.fields.nodes.len() - 1;
        self.current = Some(index);
        self.depth += 1;
        self.data = false;
        if empty {
            self.end_field(index, at)
        } else {
            Ok(())
        }
    }

    fn end(&mut self, at: usize) -> Result<(), XmlError> {
        match self.current {
            Some(index) => self.end_field(index, at),
            None => {
                // quick-xml matched the end tag with the root's start tag.
                self.phase = Phase::After;
                self.depth = 0;
                Ok(())
            }
        }
    }

    fn end_field(&mut self, index: usize, at: usize) -> Result<(), XmlError> {
        let text_len = to_u32(self.fields.text.len());
        let total = to_u32(self.fields.nodes.len());
        let Some(node) = self.fields.nodes.get_mut(index) else {
            return Err(XmlError::Malformed {
                offset: at,
                kind: SyntaxKind::Other,
            });
        };
        if !node.group {
            node.value_end = text_len;
        }
        let parent_plus_one = node.end as usize;
        node.end = total;
        let node = *node;
        self.current = parent_plus_one.checked_sub(1);
        self.depth -= 1;
        // The parent (if any) is a group: nothing after a child may be data.
        self.data = false;
        if self.current.is_none()
            && let Some(slot) = self.top_slot.take()
        {
            if node.group {
                return Err(XmlError::NotText {
                    field: slot.field,
                    offset: at,
                });
            }
            if slot.typed {
                let value = self.fields.value_of(&node);
                self.schema.take(slot, value)?;
                self.fields.text.truncate(node.name_start as usize);
                self.fields.nodes.truncate(index);
            }
        }
        Ok(())
    }

    /// Character data: `blank` text is layout between elements; anything else is a value.
    fn text(&mut self, text: &str, is_data: bool, at: usize) -> Result<(), XmlError> {
        let blank = !is_data && is_xml_whitespace(text);
        match self.phase {
            Phase::Before | Phase::After => {
                if blank {
                    Ok(())
                } else {
                    Err(XmlError::TextOutsideRoot { offset: at })
                }
            }
            Phase::Inside => {
                let open_leaf = self
                    .current
                    .and_then(|index| self.fields.nodes.get(index))
                    .is_some_and(|node| !node.group);
                if open_leaf {
                    self.fields.text.push_str(text);
                    self.data |= !blank;
                    Ok(())
                } else if blank {
                    Ok(())
                } else {
                    Err(XmlError::MixedContent { offset: at })
                }
            }
        }
    }
}

/// Parses one document into its field list, handing typed slots to `schema`.
pub(crate) fn decode_document<S: Schema>(
    input: &[u8],
    limits: &XmlLimits,
    schema: &mut S,
) -> Result<Fields, XmlError> {
    let limit = limits.max_document_bytes.min(u32::MAX as usize);
    if input.len() > limit {
        return Err(XmlError::TooLarge {
            size: input.len(),
            limit,
        });
    }
    // Size the node table from the length (a field takes about 16 bytes or more, written
    // conventionally); counting `<` first would cost a tenth of the parse.
    let node_estimate = (input.len() / 16).min(limits.max_fields);
    let mut builder = Builder {
        schema,
        limits: *limits,
        fields: Fields::with_capacity(node_estimate, input.len()),
        phase: Phase::Before,
        current: None,
        top_slot: None,
        data: false,
        depth: 0,
        elements: 0,
        seen: 0,
        decl_allowed: true,
    };
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
                builder.start(name.0, start.attributes_raw(), false, at)?;
            }
            Event::Empty(start) => {
                let name = start.name();
                builder.start(name.0, start.attributes_raw(), true, at)?;
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
            Event::GeneralRef(reference) => {
                let Some(ch) = resolve_reference(&reference) else {
                    return Err(XmlError::UnknownEntity { offset: at });
                };
                let mut utf8 = [0u8; 4];
                builder.text(ch.encode_utf8(&mut utf8), true, at)?;
            }
            Event::Decl(_) => {
                if !builder.decl_allowed || builder.phase != Phase::Before {
                    return Err(XmlError::Malformed {
                        offset: at,
                        kind: SyntaxKind::MisplacedDeclaration,
                    });
                }
                builder.decl_allowed = false;
            }
            Event::PI(_) => return Err(XmlError::ProcessingInstruction { offset: at }),
            Event::DocType(_) => return Err(XmlError::Doctype { offset: at }),
            Event::Comment(_) => builder.decl_allowed = false,
            Event::Eof => break,
        }
    }
    match builder.phase {
        Phase::Before => Err(XmlError::NoRoot),
        Phase::Inside => Err(XmlError::Malformed {
            offset: input.len(),
            kind: SyntaxKind::MissingEndTag,
        }),
        Phase::After => Ok(builder.fields),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_only_to_xml_chars() {
        assert_eq!(resolve_reference("amp"), Some('&'));
        assert_eq!(resolve_reference("#x41"), Some('A'));
        assert_eq!(resolve_reference("#65"), Some('A'));
        assert_eq!(resolve_reference("#13"), Some('\r'));
        for bad in [
            "nbsp", "#0", "#x1", "#xD800", "#x110000", "#", "#x", "#-1", "#x+1", "lol",
        ] {
            assert_eq!(resolve_reference(bad), None, "{bad}");
        }
    }
}
