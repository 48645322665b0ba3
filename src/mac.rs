//! The SCA request MAC: `base64(HMAC-SHA256(label key, ASCII decimal COUNTER))`.
//!
//! Source: PROTOCOL.md §5.5 (\[code\]: four independent public POS clients agree on this form).
//! The terminal verifies it, the broker computes it; both call this one place.
//!
//! ```
//! use sca_ws::mac::{compute_mac, verify_mac};
//!
//! let key = b"0123456789abcdef";
//! let mac = compute_mac(key, 7);
//! assert!(verify_mac(key, 7, &mac));
//! assert!(!verify_mac(key, 8, &mac)); // another COUNTER
//! assert!(!verify_mac(b"another key.....", 7, &mac));
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The MAC a POS sends with `COUNTER = counter` under a label whose key is `key`.
pub fn compute_mac(key: &[u8], counter: u32) -> String {
    STANDARD.encode(raw_mac(key, counter))
}

/// Whether `mac` (base64 text as received) is the MAC of `counter` under `key`.
///
/// The comparison of the raw tags is constant-time (done by `hmac`).
pub fn verify_mac(key: &[u8], counter: u32, mac: &str) -> bool {
    let Ok(tag) = STANDARD.decode(mac.trim()) else {
        return false;
    };
    mac_state(key, counter).verify_slice(&tag).is_ok()
}

fn raw_mac(key: &[u8], counter: u32) -> Vec<u8> {
    mac_state(key, counter).finalize().into_bytes().to_vec()
}

fn mac_state(key: &[u8], counter: u32) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(counter.to_string().as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_hmac_reference() {
        // Reference computed independently with Python:
        // base64.b64encode(hmac.new(bytes(range(16)), b"42", hashlib.sha256).digest())
        let key: Vec<u8> = (0u8..16).collect();
        assert_eq!(compute_mac(&key, 42), REFERENCE_42);
    }

    const REFERENCE_42: &str = "YXT1OT+P4p81aHz/e9q46ieJn07wkuCnp4oDV6uBbTo=";

    #[test]
    fn verify_accepts_own_mac_and_refuses_others() {
        let key = [7u8; 16];
        let mac = compute_mac(&key, 5);
        assert!(verify_mac(&key, 5, &mac));
        assert!(!verify_mac(&key, 6, &mac));
        assert!(!verify_mac(&[8u8; 16], 5, &mac));
        assert!(!verify_mac(&key, 5, "not base64!"));
        assert!(!verify_mac(&key, 5, ""));
    }
}
