//! A one-pass reader for the XML subset SCA documents are written in: an optional leading
//! `<?xml ...?>` declaration, elements without attributes, text with the five predefined
//! entities and character references. The whole document is checked as UTF-8 once, then read
//! byte by byte without building events.
//!
//! It only ever answers with a success: on anything outside the subset, and on any error, it
//! declines (`None`) and the quick-xml path (`decode.rs`) reads the document again and decides
//! (so every error and its offset come from one place). What it accepts, quick-xml accepts
//! with the same result; `tests/xml_fast_scanner_matches_quick_xml.rs` and the `xml_scan` fuzz
//! target check that.

use memchr::{memchr2, memchr3};

use super::build::{Builder, Schema};
use super::chars::first_forbidden_char;
use super::fields::{Fields, is_name_byte, is_name_start};
use super::limits::XmlLimits;

/// The UTF-8 byte order mark, which quick-xml skips at the start of a document.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn is_xml_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// Bytes allowed inside the declaration: enough for `version`, `encoding` and `standalone`
/// with either quote, and nothing that could end it early (`?`, `>`) or start markup.
fn is_declaration_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || is_xml_space(byte)
        || matches!(byte, b'=' | b'"' | b'\'' | b'.' | b'-' | b'_')
}

/// Length of the text at the start of `rest`: up to the first `<`, `&` or CR. Most SCA
/// values are a few bytes long, for which a plain loop beats the setup of a SIMD search;
/// longer runs (notes, signatures) go to the SIMD search after the first bytes.
fn text_run(rest: &[u8]) -> usize {
    const SHORT: usize = 16;
    let stop = |b: &u8| matches!(b, b'<' | b'&' | b'\r');
    let head = rest.get(..SHORT).unwrap_or(rest);
    if let Some(len) = head.iter().position(stop) {
        return len;
    }
    let tail = rest.get(head.len()..).unwrap_or_default();
    head.len() + memchr3(b'<', b'&', b'\r', tail).unwrap_or(tail.len())
}

/// Reads `input` if it is in the subset and decodes without error; `None` otherwise.
pub(crate) fn scan_document<S: Schema>(input: &[u8], limits: &XmlLimits) -> Option<(S, Fields)> {
    limits.check_size(input.len()).ok()?;
    let text = simdutf8::basic::from_utf8(input).ok()?;
    if first_forbidden_char(input).is_some() {
        return None;
    }
    let mut scanner = Scanner {
        text,
        bytes: input,
        builder: Builder::<S>::new(limits, input.len()),
    };
    let mut at = if input.starts_with(BOM) { BOM.len() } else { 0 };
    // Bounded loop: every step consumes at least one byte or declines.
    while let Some(&first) = input.get(at) {
        at = match first {
            b'<' => scanner.markup(at)?,
            b'&' => scanner.reference(at)?,
            _ => scanner.text(at)?,
        };
    }
    scanner.builder.finish(input.len()).ok()
}

/// The document and the builder it feeds.
struct Scanner<'a, S> {
    /// The document, checked as UTF-8; sliced only at ASCII bytes.
    text: &'a str,
    /// The same, as bytes.
    bytes: &'a [u8],
    builder: Builder<S>,
}

impl<S: Schema> Scanner<'_, S> {
    /// Length of the run of name bytes starting at `from`.
    fn name_len(&self, from: usize) -> usize {
        self.bytes.get(from..).map_or(0, |rest| {
            rest.iter().take_while(|&&b| is_name_byte(b)).count()
        })
    }

    /// Position of the first non-blank byte at or after `from`.
    fn skip_space(&self, from: usize) -> usize {
        from + self.bytes.get(from..).map_or(0, |rest| {
            rest.iter().take_while(|&&b| is_xml_space(b)).count()
        })
    }

    /// Markup starting with `<` at `at`; the position after it.
    fn markup(&mut self, at: usize) -> Option<usize> {
        match *self.bytes.get(at + 1)? {
            b'/' => self.end_tag(at),
            b'?' => self.declaration(at),
            // Comments, CDATA sections and DOCTYPE are left to quick-xml.
            b'!' => None,
            _ => self.start_tag(at),
        }
    }

    /// `<NAME>`, `<NAME/>`, blanks allowed before `>` or `/>`.
    fn start_tag(&mut self, at: usize) -> Option<usize> {
        let name_start = at + 1;
        let name_end = name_start + self.name_len(name_start);
        let name = self.text.get(name_start..name_end)?;
        // Every byte is a name byte; with a valid first one the name is in the alphabet.
        let checked_name = self
            .bytes
            .get(name_start)
            .is_some_and(|&b| is_name_start(b));
        let close = self.skip_space(name_end);
        let (empty, next) = match *self.bytes.get(close)? {
            b'>' => (false, close + 1),
            b'/' if self.bytes.get(close + 1) == Some(&b'>') => (true, close + 2),
            _ => return None,
        };
        self.builder.start(name, checked_name, "", empty, at).ok()?;
        Some(next)
    }

    /// `</NAME>` closing the innermost open element, blanks allowed before `>`. The name is
    /// compared with the open one in place rather than scanned.
    fn end_tag(&mut self, at: usize) -> Option<usize> {
        if !self.builder.inside_root() {
            return None;
        }
        let name_start = at + 2;
        let name_end = name_start + self.builder.open_name().len();
        if self.bytes.get(name_start..name_end)? != self.builder.open_name().as_bytes() {
            return None;
        }
        // A longer name with the open one as prefix ends up here too: refused below, since
        // a name byte is neither a blank nor `>`.
        let close = self.skip_space(name_end);
        if self.bytes.get(close) != Some(&b'>') {
            return None;
        }
        self.builder.end(at).ok()?;
        Some(close + 1)
    }

    /// `<?xml ...?>` with plain attribute-like content; other processing instructions are
    /// left to quick-xml.
    fn declaration(&mut self, at: usize) -> Option<usize> {
        let body = at + 5;
        if self.bytes.get(at..body)? != b"<?xml" || !is_xml_space(*self.bytes.get(body)?) {
            return None;
        }
        let rest = self.bytes.get(body..)?;
        let question = rest.iter().position(|&b| !is_declaration_byte(b))?;
        let end = body + question;
        if self.bytes.get(end..end + 2)? != b"?>" {
            return None;
        }
        self.builder.declaration(at).ok()?;
        Some(end + 2)
    }

    /// `&name;`: one of the five predefined entities or a character reference.
    fn reference(&mut self, at: usize) -> Option<usize> {
        // The longest reference the builder resolves is `&#x10FFFF;` or a zero-padded
        // number; longer runs are left to quick-xml.
        const LONGEST_NAME: usize = 16;
        let rest = self.bytes.get(at + 1..)?;
        let len = rest
            .iter()
            .take(LONGEST_NAME + 1)
            .position(|&b| b == b';')?;
        let name = self.text.get(at + 1..at + 1 + len)?;
        self.builder.reference(name, at).ok()?;
        Some(at + len + 2)
    }

    /// Character data up to the next `<` or `&` (or the end).
    fn text(&mut self, at: usize) -> Option<usize> {
        if self.bytes.get(at).is_some_and(|&b| is_xml_space(b)) && self.builder.drops_blank_text() {
            // Layout between elements. Blanks followed by other text would be refused by the
            // builder (text outside a field), so skipping only the blanks declines just the
            // same, one step later.
            return Some(self.skip_space(at));
        }
        let rest = self.bytes.get(at..)?;
        let mut len = text_run(rest);
        if rest.get(len) == Some(&b'\r') {
            // Rare: line ends to normalize. XML 1.0 §2.11: CR LF and a lone CR read as LF.
            len = memchr2(b'<', b'&', rest).unwrap_or(rest.len());
            let piece = self.text.get(at..at + len)?;
            let normalized = piece.replace("\r\n", "\n").replace('\r', "\n");
            self.builder.text(&normalized, false, at).ok()?;
        } else {
            let piece = self.text.get(at..at + len)?;
            self.builder.text(piece, false, at).ok()?;
        }
        Some(at + len)
    }
}
