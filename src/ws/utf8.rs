//! Incremental UTF-8 validation that fails at the first byte that cannot be part of valid
//! text, even in the middle of a frame (what Autobahn 6.4.x call "strict").

/// Validates a text message fed in arbitrary pieces; keeps at most three bytes of a code
/// point cut by a piece boundary.
#[derive(Debug, Clone, Default)]
pub(crate) struct Utf8Validator {
    carry: [u8; 4],
    carry_len: usize,
}

/// The bytes fed so far cannot be the start of any UTF-8 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidUtf8;

impl Utf8Validator {
    /// Forgets everything: the next byte starts a new message.
    pub(crate) fn reset(&mut self) {
        self.carry_len = 0;
    }

    /// Whether the bytes fed so far end on a code point boundary.
    pub(crate) fn is_complete(&self) -> bool {
        self.carry_len == 0
    }

    /// Feeds the next piece; errs as soon as the bytes so far cannot be valid text.
    #[inline]
    pub(crate) fn feed(&mut self, mut bytes: &[u8]) -> Result<(), InvalidUtf8> {
        if self.carry_len > 0 {
            while let Some((&byte, rest)) = bytes.split_first() {
                let Some(slot) = self.carry.get_mut(self.carry_len) else {
                    return Err(InvalidUtf8);
                };
                *slot = byte;
                self.carry_len += 1;
                bytes = rest;
                match std::str::from_utf8(&self.carry[..self.carry_len]) {
                    Ok(_) => {
                        self.carry_len = 0;
                        break;
                    }
                    Err(e) if e.error_len().is_some() => return Err(InvalidUtf8),
                    Err(_) => {}
                }
            }
            if self.carry_len > 0 {
                return Ok(());
            }
        }
        if simdutf8::basic::from_utf8(bytes).is_ok() {
            return Ok(());
        }
        match simdutf8::compat::from_utf8(bytes) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_some() => Err(InvalidUtf8),
            Err(e) => {
                let tail = bytes.get(e.valid_up_to()..).unwrap_or_default();
                match self.carry.get_mut(..tail.len()) {
                    Some(slot) if tail.len() < 4 => {
                        slot.copy_from_slice(tail);
                        self.carry_len = tail.len();
                        Ok(())
                    }
                    _ => Err(InvalidUtf8),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_split(bytes: &[u8], at: &[usize]) -> Result<bool, InvalidUtf8> {
        let mut v = Utf8Validator::default();
        let mut start = 0;
        for &cut in at.iter().chain(std::iter::once(&bytes.len())) {
            v.feed(&bytes[start..cut])?;
            start = cut;
        }
        Ok(v.is_complete())
    }

    #[test]
    fn every_split_of_valid_text_is_valid_and_complete() {
        let text = "κόσμε 𝄞 €!".as_bytes();
        for a in 0..=text.len() {
            for b in a..=text.len() {
                assert_eq!(feed_split(text, &[a, b]), Ok(true), "{a} {b}");
            }
        }
    }

    #[test]
    fn fails_at_the_first_impossible_byte_even_mid_code_point() {
        let mut v = Utf8Validator::default();
        assert_eq!(v.feed(&[0xCE, 0xBA, 0xE1]), Ok(()));
        assert!(!v.is_complete());
        // 0xE1 needs a continuation byte; 'A' is not one.
        assert_eq!(v.feed(b"A"), Err(InvalidUtf8));
        let mut v = Utf8Validator::default();
        // Surrogate: ED A0 is already invalid, before the third byte arrives.
        assert_eq!(v.feed(&[0x61, 0xED]), Ok(()));
        assert_eq!(v.feed(&[0xA0]), Err(InvalidUtf8));
        let mut v = Utf8Validator::default();
        assert_eq!(v.feed(&[0xF4, 0x90]), Err(InvalidUtf8));
    }

    #[test]
    fn truncated_text_is_incomplete_not_invalid() {
        assert_eq!(feed_split(&[0xF0, 0x9D, 0x84], &[1]), Ok(false));
    }
}
