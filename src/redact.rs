//! What counts as a secret, and how `Debug` shows one: by its size, never its content.
//!
//! Debug output ends up in logs. MAC keys, MACs, pairing codes, credentials in upgrade
//! headers and the generators that make nonces must not, so every type holding one formats
//! it through this module.

use std::fmt;

/// SCA fields whose value is a secret or a credential: `MAC` (proves the holder has the
/// label's key), `MAC_KEY` and `TERMINAL_KEY` (REGISTER answers: the wrapped key),
/// `ENTRY_CODE` (the pairing code the cashier types).
const SECRET_FIELDS: &[&str] = &["MAC", "MAC_KEY", "TERMINAL_KEY", "ENTRY_CODE"];

/// HTTP header fields that carry credentials (RFC 9110 §11.6, RFC 6265).
const SECRET_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie"];

/// Whether the SCA field `name` holds a secret.
pub(crate) fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.contains(&name)
}

/// Whether the HTTP header `name` holds a credential.
pub(crate) fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// Shows a secret as `<redacted, N bytes>`.
pub(crate) struct Redacted(pub(crate) usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted, {} bytes>", self.0)
    }
}

/// Shows a byte buffer by its length: wire bytes may carry any of the secrets above.
pub(crate) struct ByteCount(pub(crate) usize);

impl fmt::Debug for ByteCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}
