//! Building the field list from markup events, whichever reader produced them.
//!
//! Both readers (the SCA subset scanner and quick-xml, see `decode.rs`) feed the same
//! [`Builder`], so every rule about roots, fields, typed slots and limits lives here once.

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
pub(crate) trait Schema: Default {
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

pub(crate) fn is_xml_whitespace(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn to_u32(value: usize) -> u32 {
    // Every offset is below the document length, itself capped at u32::MAX.
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Resolves a general reference: the five predefined entities and character references.
/// Nothing else exists (no DTD is ever accepted), so anything else is refused.
pub(crate) fn resolve_reference(name: &str) -> Option<char> {
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
pub(crate) struct Builder<S> {
    schema: S,
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

impl<S: Schema> Builder<S> {
    /// A builder for one document of `input_len` bytes.
    pub(crate) fn new(limits: &XmlLimits, input_len: usize) -> Self {
        // Size the node table from the length (a field takes about 16 bytes or more, written
        // conventionally); counting `<` first would cost a tenth of the parse.
        let node_estimate = (input_len / 16).min(limits.max_fields);
        Self {
            schema: S::default(),
            limits: *limits,
            fields: Fields::with_capacity(node_estimate, input_len),
            phase: Phase::Before,
            current: None,
            top_slot: None,
            data: false,
            depth: 0,
            elements: 0,
            seen: 0,
            decl_allowed: true,
        }
    }

    /// The typed slots and the field list, once the input has ended.
    pub(crate) fn finish(self, input_len: usize) -> Result<(S, Fields), XmlError> {
        match self.phase {
            Phase::Before => Err(XmlError::NoRoot),
            Phase::Inside => Err(XmlError::Malformed {
                offset: input_len,
                kind: SyntaxKind::MissingEndTag,
            }),
            Phase::After => Ok((self.schema, self.fields)),
        }
    }

    /// The XML declaration: only first in the document (blank text may precede it).
    pub(crate) fn declaration(&mut self, at: usize) -> Result<(), XmlError> {
        if !self.decl_allowed || self.phase != Phase::Before {
            return Err(XmlError::Malformed {
                offset: at,
                kind: SyntaxKind::MisplacedDeclaration,
            });
        }
        self.decl_allowed = false;
        Ok(())
    }

    /// A comment: no declaration may follow it.
    pub(crate) fn comment(&mut self) {
        self.decl_allowed = false;
    }

    /// Whether the root element is open, so that an end tag has an element to close.
    pub(crate) fn inside_root(&self) -> bool {
        self.phase == Phase::Inside
    }

    /// A general reference `&name;` at `at`: one character of data, or an error.
    pub(crate) fn reference(&mut self, name: &str, at: usize) -> Result<(), XmlError> {
        let Some(ch) = resolve_reference(name) else {
            return Err(XmlError::UnknownEntity { offset: at });
        };
        let mut utf8 = [0u8; 4];
        self.text(ch.encode_utf8(&mut utf8), true, at)
    }

    /// The name of the innermost open element (the root's when no field is open), which the
    /// next end tag must repeat.
    pub(crate) fn open_name(&self) -> &str {
        match self.current.and_then(|index| self.fields.nodes.get(index)) {
            Some(node) => self.fields.name_of(node),
            None => S::ROOT,
        }
    }

    /// A start tag (or an empty-element tag when `empty`). `checked_name` says the reader
    /// has already matched `name` against the SCA alphabet (what `is_valid_name` checks), so
    /// the builder does not scan it again.
    pub(crate) fn start(
        &mut self,
        name: &str,
        checked_name: bool,
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
            Phase::Inside => self.start_field(name, checked_name, empty, at),
        }
    }

    fn start_field(
        &mut self,
        name: &str,
        checked_name: bool,
        empty: bool,
        at: usize,
    ) -> Result<(), XmlError> {
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
        if !checked_name && !is_valid_name(name.as_bytes()) {
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

    pub(crate) fn end(&mut self, at: usize) -> Result<(), XmlError> {
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

    /// Whether the innermost open element is a field still holding text (or nothing yet).
    fn open_leaf(&self) -> bool {
        self.current
            .and_then(|index| self.fields.nodes.get(index))
            .is_some_and(|node| !node.group)
    }

    /// Whether blank text here would be dropped as layout (no text field is open), which is
    /// what [`Builder::text`] does with it: the scanner then skips it without a call.
    pub(crate) fn drops_blank_text(&self) -> bool {
        self.phase != Phase::Inside || !self.open_leaf()
    }

    /// Character data: `blank` text is layout between elements; anything else is a value.
    pub(crate) fn text(&mut self, text: &str, is_data: bool, at: usize) -> Result<(), XmlError> {
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
                if self.open_leaf() {
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
