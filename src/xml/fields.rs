//! The fields of a message in document order, stored compactly: every name and value lives in
//! one string, and a flat node table (pre-order) gives each field its name, its value or its
//! children. A decoded document costs two allocations however many fields it has.

use std::fmt;

use super::error::XmlError;

/// One entry of the node table: a field in pre-order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Node {
    /// Start of the name in `Fields::text`.
    pub(crate) name_start: u32,
    /// End of the name; the value (leaves only) starts here.
    pub(crate) name_end: u32,
    /// End of the value (equal to `name_end` for groups).
    pub(crate) value_end: u32,
    /// Index one past this field's subtree in the node table. While decoding, an open
    /// element keeps its parent's index + 1 here (0 = the root) until its end tag.
    pub(crate) end: u32,
    /// Whether the field holds child fields rather than text.
    pub(crate) group: bool,
}

/// Fields of a `TRANSACTION` or `RESPONSE` other than those the message keeps in typed slots,
/// in document order, nested groups included (e.g. `LINE_ITEMS/MERCHANDISE/...`), so that
/// nothing the sender wrote is lost.
///
/// Build one with [`Fields::push`] / [`Fields::push_group`]; read it with [`Fields::iter`] and
/// [`Fields::get`]. Two `Fields` are equal when they hold the same fields in the same order.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Fields {
    pub(crate) text: String,
    pub(crate) nodes: Vec<Node>,
}

/// A borrowed view of one field: a name with either a text value or child fields.
#[derive(Clone, Copy)]
pub struct Field<'a> {
    fields: &'a Fields,
    index: usize,
}

/// Iterator over sibling fields, in document order.
#[derive(Clone)]
pub struct FieldIter<'a> {
    fields: &'a Fields,
    next: usize,
    end: usize,
}

/// Whether `name` is in the SCA element-name alphabet: `[A-Z_][A-Z0-9_.-]*`.
///
/// \[spec\] tags are upper case; \[choice\] refusing other names keeps what is written identical
/// to what was read (no case folding) and excludes namespaces.
pub(crate) fn is_valid_name(name: &[u8]) -> bool {
    match name.split_first() {
        Some((first, rest)) => {
            NAME_BYTES[usize::from(*first)] == NAME_START
                && rest.iter().all(|&b| NAME_BYTES[usize::from(b)] != 0)
        }
        None => false,
    }
}

/// Whether `byte` may appear in a name (anywhere but, for digits, `-` and `.`, first).
pub(crate) fn is_name_byte(byte: u8) -> bool {
    NAME_BYTES[usize::from(byte)] != 0
}

/// Whether `byte` may start a name.
pub(crate) fn is_name_start(byte: u8) -> bool {
    NAME_BYTES[usize::from(byte)] == NAME_START
}

/// Class of each byte in names: 0 outside, [`NAME_START`] may start one, 1 may follow.
/// A table because names are checked for every element parsed.
const NAME_BYTES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if byte.is_ascii_uppercase() || byte == b'_' {
            NAME_START
        } else if byte.is_ascii_digit() || byte == b'-' || byte == b'.' {
            1
        } else {
            0
        };
        b += 1;
    }
    table
};

/// Marks a byte that may start a name in [`NAME_BYTES`].
const NAME_START: u8 = 2;

fn to_u32(len: usize) -> Result<u32, XmlError> {
    u32::try_from(len).map_err(|_| XmlError::TooLarge {
        size: len,
        limit: u32::MAX as usize,
    })
}

impl Fields {
    /// An empty list (allocates nothing).
    pub const fn new() -> Self {
        Self {
            text: String::new(),
            nodes: Vec::new(),
        }
    }

    /// An empty list with room for `fields` fields and `text_bytes` bytes of names and values.
    pub fn with_capacity(fields: usize, text_bytes: usize) -> Self {
        Self {
            text: String::with_capacity(text_bytes),
            nodes: Vec::with_capacity(fields),
        }
    }

    /// Whether there is no field at all.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Number of top-level fields.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Number of fields at every level (what [`XmlLimits::max_fields`](crate::xml::Limits) counts).
    pub fn total_len(&self) -> usize {
        self.nodes.len()
    }

    /// The top-level fields in document order.
    pub fn iter(&self) -> FieldIter<'_> {
        FieldIter {
            fields: self,
            next: 0,
            end: self.nodes.len(),
        }
    }

    /// The first top-level field named `name`.
    pub fn find(&self, name: &str) -> Option<Field<'_>> {
        self.iter().find(|field| field.name() == name)
    }

    /// The text of the first top-level field named `name`, if it is a text field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.find(name).and_then(|field| field.value())
    }

    /// Appends a text field. Refuses a name outside the SCA alphabet
    /// (`[A-Z_][A-Z0-9_.-]*`), since it could not be written as an element.
    pub fn push(&mut self, name: &str, value: &str) -> Result<(), XmlError> {
        if !is_valid_name(name.as_bytes()) {
            return Err(XmlError::InvalidName { offset: None });
        }
        let name_start = to_u32(self.text.len())?;
        let name_end = to_u32(self.text.len() + name.len())?;
        let value_end = to_u32(self.text.len() + name.len() + value.len())?;
        let end = to_u32(self.nodes.len() + 1)?;
        self.text.push_str(name);
        self.text.push_str(value);
        self.nodes.push(Node {
            name_start,
            name_end,
            value_end,
            end,
            group: false,
        });
        Ok(())
    }

    /// Appends a group field holding `children`. A group without children is written `<X />`
    /// and reads back as an empty text field, so an empty `children` appends `name` with an
    /// empty value instead.
    pub fn push_group(&mut self, name: &str, children: &Fields) -> Result<(), XmlError> {
        if children.is_empty() {
            return self.push(name, "");
        }
        if !is_valid_name(name.as_bytes()) {
            return Err(XmlError::InvalidName { offset: None });
        }
        let base_text = self.text.len();
        let name_end = to_u32(base_text + name.len())?;
        to_u32(base_text + name.len() + children.text.len())?;
        let base_node = self.nodes.len();
        let end = to_u32(base_node + 1 + children.nodes.len())?;
        self.text.push_str(name);
        self.nodes.push(Node {
            name_start: to_u32(base_text)?,
            name_end,
            value_end: name_end,
            end,
            group: true,
        });
        // Offsets fit u32: checked above for the largest of them.
        let text_shift = base_text as u32 + name.len() as u32;
        let node_shift = base_node as u32 + 1;
        self.text.push_str(&children.text);
        self.nodes.extend(children.nodes.iter().map(|node| Node {
            name_start: node.name_start + text_shift,
            name_end: node.name_end + text_shift,
            value_end: node.value_end + text_shift,
            end: node.end + node_shift,
            group: node.group,
        }));
        Ok(())
    }

    /// Sets the first top-level text field named `name` to `value`, or appends it if absent.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), XmlError> {
        let Some(index) = self.find(name).map(|field| field.index) else {
            return self.push(name, value);
        };
        let Some(node) = self.nodes.get(index).copied() else {
            return self.push(name, value);
        };
        let old_start = node.name_end as usize;
        let old_end = node.end_of_subtree_text(self);
        let old_len = old_end - old_start;
        to_u32(self.text.len() - old_len + value.len())?;
        self.text.replace_range(old_start..old_end, value);
        let removed_nodes = node.end as usize - index - 1;
        self.nodes.drain(index + 1..node.end as usize);
        // Offsets after the replaced value move by the length change; nodes after the removed
        // subtree move back by the count removed.
        let grow = value.len() as i64 - old_len as i64;
        let shrink_nodes = removed_nodes as u32;
        for (i, other) in self.nodes.iter_mut().enumerate() {
            if i == index {
                other.value_end = other.name_end + value.len() as u32;
                other.end = index as u32 + 1;
                other.group = false;
            } else if i > index {
                other.name_start = (other.name_start as i64 + grow) as u32;
                other.name_end = (other.name_end as i64 + grow) as u32;
                other.value_end = (other.value_end as i64 + grow) as u32;
                other.end -= shrink_nodes;
            } else if other.end as usize > index {
                // An ancestor: impossible for a top-level field, kept for safety.
                other.end -= shrink_nodes;
            }
        }
        Ok(())
    }

    /// Removes every field.
    pub fn clear(&mut self) {
        self.text.clear();
        self.nodes.clear();
    }

    pub(crate) fn name_of(&self, node: &Node) -> &str {
        self.text
            .get(node.name_start as usize..node.name_end as usize)
            .unwrap_or("")
    }

    pub(crate) fn value_of(&self, node: &Node) -> &str {
        self.text
            .get(node.name_end as usize..node.value_end as usize)
            .unwrap_or("")
    }
}

impl Node {
    /// End in the text of the last byte belonging to this field's subtree.
    fn end_of_subtree_text(&self, fields: &Fields) -> usize {
        let last = self.end as usize;
        if last > 0
            && let Some(node) = fields.nodes.get(last - 1)
        {
            return (node.value_end as usize).max(self.value_end as usize);
        }
        self.value_end as usize
    }
}

impl<'a> Field<'a> {
    fn node(&self) -> Option<&'a Node> {
        self.fields.nodes.get(self.index)
    }

    /// The element name, e.g. `INVOICE`.
    pub fn name(&self) -> &'a str {
        self.node().map_or("", |node| self.fields.name_of(node))
    }

    /// The unescaped text, or `None` for a group.
    pub fn value(&self) -> Option<&'a str> {
        match self.node() {
            Some(node) if !node.group => Some(self.fields.value_of(node)),
            _ => None,
        }
    }

    /// Whether the field holds child fields.
    pub fn is_group(&self) -> bool {
        self.node().is_some_and(|node| node.group)
    }

    /// The child fields in document order (none for a text field).
    pub fn children(&self) -> FieldIter<'a> {
        let end = self.node().map_or(self.index, |node| node.end as usize);
        FieldIter {
            fields: self.fields,
            next: self.index + 1,
            end: end.max(self.index + 1),
        }
    }
}

impl<'a> Iterator for FieldIter<'a> {
    type Item = Field<'a>;

    fn next(&mut self) -> Option<Field<'a>> {
        if self.next >= self.end {
            return None;
        }
        let index = self.next;
        let node = self.fields.nodes.get(index)?;
        // `end` always moves forward; guard anyway so a corrupt table cannot loop.
        self.next = (node.end as usize).max(index + 1);
        Some(Field {
            fields: self.fields,
            index,
        })
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = Field<'a>;
    type IntoIter = FieldIter<'a>;

    fn into_iter(self) -> FieldIter<'a> {
        self.iter()
    }
}

impl fmt::Debug for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value() {
            Some(value) if crate::redact::is_secret_field(self.name()) => {
                write!(
                    f,
                    "{}={:?}",
                    self.name(),
                    crate::redact::Redacted(value.len())
                )
            }
            Some(value) => write!(f, "{}={:?}", self.name(), value),
            None => {
                write!(f, "{} ", self.name())?;
                f.debug_list().entries(self.children()).finish()
            }
        }
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_group_and_iterate_in_order() {
        let mut item = Fields::new();
        item.push("SKU", "1").unwrap();
        item.push("QTY", "2").unwrap();
        let mut items = Fields::new();
        items.push_group("MERCHANDISE", &item).unwrap();
        items.push_group("MERCHANDISE", &item).unwrap();
        let mut fields = Fields::new();
        fields.push("A", "x").unwrap();
        fields.push_group("LINE_ITEMS", &items).unwrap();
        fields.push("B", "y").unwrap();
        let names: Vec<_> = fields.iter().map(|f| f.name()).collect();
        assert_eq!(names, ["A", "LINE_ITEMS", "B"]);
        let group = fields.find("LINE_ITEMS").unwrap();
        assert!(group.is_group());
        let merch: Vec<_> = group.children().collect();
        assert_eq!(merch.len(), 2);
        let qty: Vec<_> = merch[1].children().map(|f| f.value().unwrap()).collect();
        assert_eq!(qty, ["1", "2"]);
        assert_eq!(fields.get("B"), Some("y"));
        assert_eq!(fields.total_len(), 9);
    }

    #[test]
    fn set_replaces_value_and_keeps_later_fields() {
        let mut fields = Fields::new();
        fields.push("COUNTER", "7").unwrap();
        let mut child = Fields::new();
        child.push("X", "1").unwrap();
        fields.push_group("G", &child).unwrap();
        fields.set("COUNTER", "12345").unwrap();
        assert_eq!(fields.get("COUNTER"), Some("12345"));
        let g = fields.find("G").unwrap();
        assert_eq!(g.children().next().unwrap().value(), Some("1"));
        fields.set("G", "flat").unwrap();
        assert_eq!(fields.get("G"), Some("flat"));
        assert_eq!(fields.total_len(), 2);
        let mut expected = Fields::new();
        expected.push("COUNTER", "12345").unwrap();
        expected.push("G", "flat").unwrap();
        assert_eq!(fields, expected);
    }

    #[test]
    fn refuses_names_outside_the_alphabet() {
        let mut fields = Fields::new();
        for bad in ["", "lower", "1ABC", "A B", "A:B", "<"] {
            assert_eq!(
                fields.push(bad, "v"),
                Err(XmlError::InvalidName { offset: None }),
                "{bad:?}"
            );
        }
        assert!(fields.is_empty());
    }
}
