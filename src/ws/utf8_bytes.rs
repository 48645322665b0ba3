//! [`Utf8Bytes`]: a text message's payload, shared without a copy and checked once.
//!
//! One of the crate's three modules with `unsafe` code (with `frame/mask.rs` and
//! `ws/utf8_simd.rs`): one `str::from_utf8_unchecked` in [`Utf8Bytes::as_str`]. The
//! receive path validates every text
//! byte as it arrives (fail-fast, RFC 6455 §8.1); re-checking the whole message on each
//! `as_str` call cost a second pass over it. The constructor that skips the check is
//! crate-private and is called only on bytes that passed validation; debug builds (the
//! tests and the fuzz targets) assert it. `cargo +nightly miri test --lib ws::utf8_bytes`
//! runs this module's tests in CI.

use std::fmt;

use bytes::Bytes;

/// Bytes known to be valid UTF-8: the payload of a text message, shared without a copy.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// Wraps bytes the receive path has already validated as UTF-8.
    pub(crate) fn from_validated(bytes: Bytes) -> Self {
        debug_assert!(
            simdutf8::basic::from_utf8(&bytes).is_ok(),
            "Utf8Bytes built from bytes that are not UTF-8"
        );
        Self(bytes)
    }

    /// Checks `bytes` and wraps them; `None` when they are not UTF-8.
    pub fn from_bytes(bytes: Bytes) -> Option<Self> {
        super::utf8_simd::is_utf8(&bytes).then_some(Self(bytes))
    }

    /// The text, without another validation pass.
    #[allow(unsafe_code)]
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor establishes that `self.0` is UTF-8: `from_bytes` checks
        // it (`utf8_simd::is_utf8`, tested against std and fuzzed by `utf8_check`),
        // `From<String>` / `From<&str>` start from a `str`, and `from_validated` is called
        // only on bytes the receive path validated (asserted in debug builds, with simdutf8
        // as a second opinion). `Bytes` is
        // immutable, so the bytes cannot change afterwards.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The raw UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The underlying shared buffer.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&'static str> for Utf8Bytes {
    fn from(text: &'static str) -> Self {
        Self(Bytes::from_static(text.as_bytes()))
    }
}

impl From<String> for Utf8Bytes {
    fn from(text: String) -> Self {
        Self(Bytes::from(text))
    }
}

impl std::ops::Deref for Utf8Bytes {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_constructor_yields_the_same_text() {
        let text = "caf\u{e9} \u{1f600} <RESPONSE/>";
        let from_string = Utf8Bytes::from(text.to_owned());
        let from_static = Utf8Bytes::from("caf\u{e9} \u{1f600} <RESPONSE/>");
        let checked = Utf8Bytes::from_bytes(Bytes::from(text)).expect("valid");
        let validated = Utf8Bytes::from_validated(Bytes::copy_from_slice(text.as_bytes()));
        for value in [&from_string, &from_static, &checked, &validated] {
            assert_eq!(value.as_str(), text);
            assert_eq!(value.len(), text.len());
            assert_eq!(&**value, text);
        }
    }

    #[test]
    fn from_bytes_refuses_what_is_not_utf8() {
        for bad in [
            &b"\xff"[..],
            b"\xc3",
            b"ok\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
        ] {
            assert!(
                Utf8Bytes::from_bytes(Bytes::copy_from_slice(bad)).is_none(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_slice_of_the_shared_buffer_stays_text() {
        let text = Utf8Bytes::from(String::from("<RESPONSE>OK</RESPONSE>"));
        let inner = text.clone().into_bytes().slice(10..12);
        let ok = Utf8Bytes::from_bytes(inner).expect("ASCII slice");
        assert_eq!(ok.as_str(), "OK");
        assert_eq!(text.as_str(), "<RESPONSE>OK</RESPONSE>");
    }
}
