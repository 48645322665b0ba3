//! Writing: the conventional SCA form (\[spec\]): no XML declaration, upper-case tags, one
//! element per line, `<X />` for empty elements, text escaped. Writes straight into the
//! caller's buffer, reserving once.

use bytes::{BufMut, BytesMut};

use super::fields::Fields;

/// Appends `text` escaped for element content: `&`, `<`, `>` as entities, and CR as `&#13;`
/// so that XML end-of-line normalization gives it back unchanged.
pub(crate) fn put_escaped(out: &mut BytesMut, text: &str) {
    let bytes = text.as_bytes();
    let mut done = 0;
    // Bounded: each pass moves `done` past one escaped byte.
    while let Some(offset) = bytes
        .get(done..)
        .and_then(|rest| rest.iter().position(|&b| NEEDS_ESCAPE[usize::from(b)]))
    {
        let i = done + offset;
        let escape: &[u8] = match bytes.get(i) {
            Some(b'&') => b"&amp;",
            Some(b'<') => b"&lt;",
            Some(b'>') => b"&gt;",
            _ => b"&#13;",
        };
        out.put_slice(bytes.get(done..i).unwrap_or_default());
        out.put_slice(escape);
        done = i + 1;
    }
    out.put_slice(bytes.get(done..).unwrap_or_default());
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
pub(crate) fn put_element(out: &mut BytesMut, name: &str, value: &str) {
    out.put_u8(b'<');
    out.put_slice(name.as_bytes());
    if value.is_empty() {
        out.put_slice(b" />\n");
        return;
    }
    out.put_u8(b'>');
    put_escaped(out, value);
    out.put_slice(b"</");
    out.put_slice(name.as_bytes());
    out.put_slice(b">\n");
}

/// Appends a decimal number as an element, without going through `fmt`.
pub(crate) fn put_number_element(out: &mut BytesMut, name: &str, value: i64) {
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
    out.put_u8(b'<');
    out.put_slice(name.as_bytes());
    out.put_u8(b'>');
    if value < 0 {
        out.put_u8(b'-');
    }
    out.put_slice(digits.get(at..).unwrap_or_default());
    out.put_slice(b"</");
    out.put_slice(name.as_bytes());
    out.put_slice(b">\n");
}

/// Appends every field in document order, groups as nested elements.
pub(crate) fn put_fields(out: &mut BytesMut, fields: &Fields) {
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
            out.put_u8(b'<');
            out.put_slice(name.as_bytes());
            out.put_slice(b">\n");
            open.push((node.end as usize, name));
        } else {
            put_element(out, name, fields.value_of(node));
        }
    }
    while let Some((_, name)) = open.pop() {
        close_tag(out, name);
    }
}

fn close_tag(out: &mut BytesMut, name: &str) {
    out.put_slice(b"</");
    out.put_slice(name.as_bytes());
    out.put_slice(b">\n");
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
