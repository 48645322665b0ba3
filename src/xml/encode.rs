//! Writing: the conventional SCA form (\[spec\]): no XML declaration, upper-case tags, one
//! element per line, `<X />` for empty elements, text escaped. Writes straight into the
//! caller's buffer, reserving once.

use bytes::{BufMut, BytesMut};

use super::fields::Fields;

/// Where the writer appends: a caller's `BytesMut` (the public `encode`), or a `String` when
/// the text goes on as a WebSocket text message, which then needs no UTF-8 check of what was
/// just written (every piece appended is a `&str`).
pub(crate) trait XmlOut {
    /// Appends `text`.
    fn put_str(&mut self, text: &str);
    /// Appends one ASCII character (cheaper than a one-byte `put_str`).
    fn put_ascii(&mut self, ascii: u8);
    /// Makes room for `additional` more bytes.
    fn reserve_for(&mut self, additional: usize);
}

impl XmlOut for BytesMut {
    #[inline]
    fn put_str(&mut self, text: &str) {
        self.put_slice(text.as_bytes());
    }

    #[inline]
    fn put_ascii(&mut self, ascii: u8) {
        self.put_u8(ascii);
    }

    fn reserve_for(&mut self, additional: usize) {
        self.reserve(additional);
    }
}

impl XmlOut for String {
    #[inline]
    fn put_str(&mut self, text: &str) {
        self.push_str(text);
    }

    #[inline]
    fn put_ascii(&mut self, ascii: u8) {
        // Only ASCII is passed; any other byte would still be written as valid UTF-8.
        self.push(char::from(ascii));
    }

    fn reserve_for(&mut self, additional: usize) {
        self.reserve(additional);
    }
}

/// Appends `text` escaped for element content: `&`, `<`, `>` as entities, and CR as `&#13;`
/// so that XML end-of-line normalization gives it back unchanged.
pub(crate) fn put_escaped(out: &mut impl XmlOut, text: &str) {
    let bytes = text.as_bytes();
    let mut done = 0;
    // Bounded: each pass moves `done` past one escaped byte.
    while let Some(offset) = bytes
        .get(done..)
        .and_then(|rest| rest.iter().position(|&b| NEEDS_ESCAPE[usize::from(b)]))
    {
        let i = done + offset;
        let escape = match bytes.get(i) {
            Some(b'&') => "&amp;",
            Some(b'<') => "&lt;",
            Some(b'>') => "&gt;",
            _ => "&#13;",
        };
        // Slicing at an ASCII byte is always on a character boundary.
        out.put_str(text.get(done..i).unwrap_or_default());
        out.put_str(escape);
        done = i + 1;
    }
    out.put_str(text.get(done..).unwrap_or_default());
}

/// The bytes [`put_escaped`] replaces, as a table: one lookup per byte of every value written.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'\r' as usize] = true;
    table
};

/// Appends `<NAME>value</NAME>\n`, or `<NAME />\n` for an empty value.
pub(crate) fn put_element(out: &mut impl XmlOut, name: &str, value: &str) {
    out.put_ascii(b'<');
    out.put_str(name);
    if value.is_empty() {
        out.put_str(" />\n");
        return;
    }
    out.put_ascii(b'>');
    put_escaped(out, value);
    out.put_str("</");
    out.put_str(name);
    out.put_str(">\n");
}

/// Appends a decimal number as an element, without going through `fmt`.
pub(crate) fn put_number_element(out: &mut impl XmlOut, name: &str, value: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value.unsigned_abs();
    loop {
        at -= 1;
        if let Some(slot) = digits.get_mut(at) {
            *slot = b'0' + (rest % 10) as u8;
        }
        rest /= 10;
        if rest == 0 || at == 0 {
            break;
        }
    }
    out.put_ascii(b'<');
    out.put_str(name);
    out.put_ascii(b'>');
    if value < 0 {
        out.put_ascii(b'-');
    }
    // ASCII digits: the check cannot fail.
    out.put_str(std::str::from_utf8(digits.get(at..).unwrap_or_default()).unwrap_or_default());
    out.put_str("</");
    out.put_str(name);
    out.put_str(">\n");
}

/// Appends every field in document order, groups as nested elements.
pub(crate) fn put_fields(out: &mut impl XmlOut, fields: &Fields) {
    // Pre-order walk with an explicit stack of open groups (node index past each subtree),
    // so nesting depth cannot exhaust the call stack.
    let mut open: Vec<(usize, &str)> = Vec::new();
    for (index, node) in fields.nodes.iter().enumerate() {
        while let Some(&(end, name)) = open.last() {
            if index < end {
                break;
            }
            close_tag(out, name);
            open.pop();
        }
        let name = fields.name_of(node);
        if node.group {
            out.put_ascii(b'<');
            out.put_str(name);
            out.put_str(">\n");
            open.push((node.end as usize, name));
        } else {
            put_element(out, name, fields.value_of(node));
        }
    }
    while let Some((_, name)) = open.pop() {
        close_tag(out, name);
    }
}

fn close_tag(out: &mut impl XmlOut, name: &str) {
    out.put_str("</");
    out.put_str(name);
    out.put_str(">\n");
}

/// Upper bound on the bytes `put_fields` writes, to reserve once (escapes may exceed it;
/// `BytesMut` then grows as usual).
pub(crate) fn fields_size_hint(fields: &Fields) -> usize {
    fields.text.len() * 2 + fields.nodes.len() * 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_carriage_returns() {
        let mut out = BytesMut::new();
        put_escaped(&mut out, "a<b>&c\r\nd\"'");
        assert_eq!(&out[..], b"a&lt;b&gt;&amp;c&#13;\nd\"'");
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for value in [0, -1, -2, 59001, i64::MIN, i64::MAX] {
            let mut out = BytesMut::new();
            put_number_element(&mut out, "N", value);
            assert_eq!(out, format!("<N>{value}</N>\n").as_bytes());
        }
    }
}
