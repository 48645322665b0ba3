//! `Sec-WebSocket-Key` and `Sec-WebSocket-Accept` (RFC 6455 §1.3, §4.1, §4.2.2).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};

/// The GUID appended to the key before hashing (RFC 6455 §1.3).
const WEBSOCKET_GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Length of a base64 key of 16 bytes, padding included.
pub(crate) const KEY_LEN: usize = 24;

/// Length of a base64 SHA-1 digest, padding included.
pub(crate) const ACCEPT_LEN: usize = 28;

/// The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key`:
/// `base64(SHA-1(key ++ "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))` (RFC 6455 §4.2.2 item 5.4).
///
/// The key is hashed as received (its text, not the bytes it decodes to).
pub fn accept_key(key: &str) -> String {
    let bytes = accept_key_bytes(key.as_bytes());
    // Base64 output is ASCII, so each byte is one char.
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// [`accept_key`] without allocating: the 28 ASCII bytes of the accept value.
pub(crate) fn accept_key_bytes(key: &[u8]) -> [u8; ACCEPT_LEN] {
    let mut hasher = Sha1::new();
    hasher.update(key);
    hasher.update(WEBSOCKET_GUID);
    let digest = hasher.finalize();
    let mut out = [0u8; ACCEPT_LEN];
    // 20 digest bytes always encode to exactly 28 base64 bytes, so this cannot fail.
    let _ = STANDARD.encode_slice(digest, &mut out);
    out
}

/// The `Sec-WebSocket-Key` text for 16 caller-supplied random bytes (RFC 6455 §4.1 item 7).
pub(crate) fn key_from_nonce(nonce: &[u8; 16]) -> String {
    STANDARD.encode(nonce)
}

/// Whether a received key is base64 (with padding, canonical) of exactly 16 bytes
/// (RFC 6455 §4.2.1 item 5).
pub(crate) fn is_valid_key(key: &str) -> bool {
    if key.len() != KEY_LEN {
        return false;
    }
    let mut decoded = [0u8; 18];
    matches!(STANDARD.decode_slice(key, &mut decoded), Ok(16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6455_section_1_3_vector() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn seed_vector() {
        assert_eq!(
            accept_key("CujtCKpQPzowD1oV4qp+hQ=="),
            "Y2nXMyfwdnd360ikQgJzX7r3Gak="
        );
    }

    #[test]
    fn nonce_encodes_to_a_valid_key() {
        let key = key_from_nonce(&[0xA5; 16]);
        assert_eq!(key.len(), KEY_LEN);
        assert!(is_valid_key(&key));
        assert_eq!(
            key_from_nonce(b"the sample nonce"),
            "dGhlIHNhbXBsZSBub25jZQ=="
        );
    }

    #[test]
    fn key_validity() {
        assert!(is_valid_key("CujtCKpQPzowD1oV4qp+hQ=="));
        // 15 bytes.
        assert!(!is_valid_key("AAAAAAAAAAAAAAAAAAAA"));
        // 17 bytes.
        assert!(!is_valid_key("AAAAAAAAAAAAAAAAAAAAAAA="));
        // Right length, not base64.
        assert!(!is_valid_key("CujtCKpQPzowD1oV4qp+h!=="));
        // Non-canonical trailing bits.
        assert!(!is_valid_key("CujtCKpQPzowD1oV4qp+hR=="));
        assert!(!is_valid_key(""));
    }
}
