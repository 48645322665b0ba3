//! The characters XML 1.0 forbids in a document (§2.2, production `Char`): NUL and the other
//! C0 controls except tab, LF and CR, and the non-characters U+FFFE and U+FFFF. Surrogates
//! cannot occur in valid UTF-8, so these are the only ones to look for.
//!
//! The check works on bytes: in UTF-8 a byte below 0x20 is always that control character
//! (it never occurs inside a multi-byte sequence), and U+FFFE / U+FFFF are `EF BF BE` /
//! `EF BF BF`.

use memchr::memchr;

/// A C0 control XML 1.0 does not allow.
fn is_forbidden_control(byte: u8) -> bool {
    byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r')
}

/// Offset of the first character XML 1.0 forbids, if any.
pub(crate) fn first_forbidden_char(input: &[u8]) -> Option<usize> {
    let control = input.iter().position(|&b| is_forbidden_control(b));
    let non_character = first_fffe_or_ffff(input);
    match (control, non_character) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Offset of the first `EF BF BE` or `EF BF BF`.
fn first_fffe_or_ffff(input: &[u8]) -> Option<usize> {
    let mut from = 0;
    // Bounded: every turn moves `from` past one 0xEF byte.
    while let Some(found) = input.get(from..).and_then(|rest| memchr(0xEF, rest)) {
        let at = from + found;
        if let [0xBF, 0xBE | 0xBF, ..] = input.get(at + 1..).unwrap_or_default() {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_forbidden_character_and_nothing_else() {
        assert_eq!(first_forbidden_char(b"<A>\t\r\n ok</A>"), None);
        assert_eq!(
            first_forbidden_char("caf\u{e9} \u{fffd} \u{10000}".as_bytes()),
            None
        );
        for bad in 0u8..0x20 {
            if matches!(bad, b'\t' | b'\n' | b'\r') {
                continue;
            }
            assert_eq!(
                first_forbidden_char(&[b'a', b'b', bad, b'c']),
                Some(2),
                "{bad:#x}"
            );
        }
        assert_eq!(first_forbidden_char("ab\u{fffe}".as_bytes()), Some(2));
        assert_eq!(first_forbidden_char("\u{ef}\u{ffff}".as_bytes()), Some(2));
        assert_eq!(first_forbidden_char("x\u{ffff}\0".as_bytes()), Some(1));
        // U+EFBF and friends share bytes but are allowed.
        assert_eq!(
            first_forbidden_char("\u{fbf}\u{ff00}\u{efbf}".as_bytes()),
            None
        );
    }
}
