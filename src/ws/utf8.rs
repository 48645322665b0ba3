//! Incremental UTF-8 validation that fails at the first byte that cannot be part of valid
//! text, even in the middle of a frame (what Autobahn 6.4.x call "strict").

/// Validates a text message fed in arbitrary pieces; keeps at most three bytes of a code
/// point cut by a piece boundary. Each byte goes through the SIMD check once: a piece is cut
/// before its last, incomplete code point, whose bytes wait in the carry for the next piece
/// (re-checking a whole piece to learn where it stopped cost a second pass over it).
#[derive(Debug, Clone, Default)]
pub(crate) struct Utf8Validator {
    carry: [u8; 4],
    carry_len: usize,
    /// Bytes handed to the SIMD check, for the test that each is checked once.
    #[cfg(test)]
    simd_checked: usize,
}

/// The bytes fed so far cannot be the start of any UTF-8 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidUtf8;

/// How many bytes the code point led by `lead` has (1 for bytes that cannot lead one: the
/// full check then rejects them where they stand).
#[inline]
fn sequence_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Where the code point cut off by the end of `bytes` starts, if the last one is cut: the
/// last lead byte among the final three, when its sequence runs past the end.
#[inline]
fn cut_point(bytes: &[u8]) -> Option<usize> {
    let len = bytes.len();
    (len.saturating_sub(3)..len)
        .rev()
        .find(|&i| bytes.get(i).is_some_and(|&b| b & 0xC0 != 0x80))
        .filter(|&i| bytes.get(i).is_some_and(|&b| i + sequence_len(b) > len))
}

/// Whether `tail` (at most three bytes) is the start of some code point: std reports a cut
/// sequence without an error length, an impossible byte with one.
#[inline]
fn is_valid_prefix(tail: &[u8]) -> bool {
    match std::str::from_utf8(tail) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

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
            bytes = self.finish_carry(bytes)?;
            if self.carry_len > 0 {
                return Ok(());
            }
        }
        let (whole, tail) = match cut_point(bytes) {
            Some(at) => bytes.split_at(at),
            None => (bytes, &[][..]),
        };
        #[cfg(test)]
        {
            self.simd_checked += whole.len();
        }
        if !super::utf8_simd::is_utf8(whole) || !is_valid_prefix(tail) {
            return Err(InvalidUtf8);
        }
        if let Some(slot) = self.carry.get_mut(..tail.len()) {
            slot.copy_from_slice(tail);
            self.carry_len = tail.len();
        }
        Ok(())
    }

    /// Completes the carried code point from the front of `bytes`, one byte at a time (at
    /// most three); returns what follows it.
    #[inline]
    fn finish_carry<'a>(&mut self, mut bytes: &'a [u8]) -> Result<&'a [u8], InvalidUtf8> {
        while let Some((&byte, rest)) = bytes.split_first() {
            let Some(slot) = self.carry.get_mut(self.carry_len) else {
                return Err(InvalidUtf8);
            };
            *slot = byte;
            self.carry_len += 1;
            bytes = rest;
            match std::str::from_utf8(self.carry.get(..self.carry_len).unwrap_or_default()) {
                Ok(_) => {
                    self.carry_len = 0;
                    break;
                }
                Err(e) if e.error_len().is_some() => return Err(InvalidUtf8),
                Err(_) => {}
            }
        }
        Ok(bytes)
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

    /// For any two cuts, the verdict is std's on the whole input, and no byte goes through
    /// the SIMD check twice (the old code re-checked a piece that ended mid-character).
    fn verdict_and_passes(bytes: &[u8], a: usize, b: usize) {
        let mut v = Utf8Validator::default();
        let (a, b) = (a.min(b).min(bytes.len()), a.max(b).min(bytes.len()));
        let fed = [&bytes[..a], &bytes[a..b], &bytes[b..]]
            .iter()
            .try_for_each(|piece| v.feed(piece));
        let ours = fed.is_ok() && v.is_complete();
        assert_eq!(
            ours,
            std::str::from_utf8(bytes).is_ok(),
            "{bytes:x?} cut {a} {b}"
        );
        assert!(
            v.simd_checked <= bytes.len(),
            "{} > {}",
            v.simd_checked,
            bytes.len()
        );
        if let Err(e) = std::str::from_utf8(bytes) {
            // Fail-fast: once the byte that shows the error is fed (the one after the bad
            // sequence, or its last), the verdict is in.
            if let Some(bad) = e.error_len() {
                let mut v = Utf8Validator::default();
                let end = (e.valid_up_to() + bad + 1).min(bytes.len());
                let failed = bytes[..end].chunks(a.max(1)).any(|p| v.feed(p).is_err());
                assert!(failed, "{bytes:x?} not refused by byte {end}");
            }
        }
    }

    /// Text with 1- to 4-byte characters, and bytes that break it in every known way.
    fn fragment() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        prop_oneof![
            any::<char>().prop_map(|c| c.to_string().into_bytes()),
            Just(b"a".to_vec()),
            Just(vec![0xED, 0xA0, 0x80]),       // surrogate
            Just(vec![0xF4, 0x90, 0x80, 0x80]), // past U+10FFFF
            Just(vec![0xC0, 0xAF]),             // overlong
            Just(vec![0xE0, 0x80]),             // overlong, cut
            Just(vec![0xFF]),
            Just(vec![0x80]),
            Just(vec![0xE2, 0x82]), // cut euro sign
        ]
    }

    proptest::proptest! {
        #[test]
        fn any_split_gives_std_verdict_checking_each_byte_once(
            parts in proptest::collection::vec(fragment(), 0..40),
            a in 0usize..200,
            b in 0usize..200,
        ) {
            verdict_and_passes(&parts.concat(), a, b);
        }
    }

    #[test]
    fn each_byte_of_long_mixed_text_is_checked_once() {
        let text = "Zahlung genehmigt ✓ 日本語 😀 ".repeat(500);
        for piece in [1000, 8191, 8192, 8193] {
            let mut v = Utf8Validator::default();
            for chunk in text.as_bytes().chunks(piece) {
                assert_eq!(v.feed(chunk), Ok(()));
            }
            assert!(v.is_complete());
            assert!(v.simd_checked <= text.len(), "piece {piece}");
        }
    }

    #[test]
    fn truncated_text_is_incomplete_not_invalid() {
        assert_eq!(feed_split(&[0xF0, 0x9D, 0x84], &[1]), Ok(false));
    }
}
