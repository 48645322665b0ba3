//! SECURITY REGISTER on the terminal: read the POS's request, wait for the cashier, wrap a
//! fresh MAC key to the POS's RSA key, answer with the new label (PROTOCOL.md §7).
//!
//! Sans-IO: the machine asks the application for the cashier's entry
//! ([`Event::PairingRequested`](crate::terminal::Event::PairingRequested)), and the
//! application brings the key bytes and a seed for the padding ([`PairingSecret`]), so the
//! crate draws no randomness of its own. The RSA arithmetic is RustCrypto's `rsa`; only
//! encryption with the POS's public key happens here (the crate's known timing advisory is
//! about decryption).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20::ChaCha20Rng;
use chacha20::rand_core::{Rng as _, SeedableRng as _};
use rsa::pkcs8::DecodePublicKey as _;
use rsa::traits::PublicKeyParts as _;
use rsa::{Pkcs1v15Encrypt, PublicKey};

use crate::xml::{Response, ResultCode, Transaction};

/// Size of the MAC key REGISTER hands out \[code\].
pub const MAC_KEY_LEN: usize = 16;

/// The POS key REGISTER accepts: RSA-2048 (256-byte modulus) \[spec\].
const POS_KEY_BYTES: usize = 256;

/// Longest base64 `KEY` read: an RSA-2048 SubjectPublicKeyInfo is 294 bytes (392 in base64);
/// room for line breaks, and a bound on what a hostile request makes the terminal decode.
const MAX_KEY_TEXT: usize = 1024;

/// Longest ENTRY_CODE compared: the POS sends 4 digits \[spec\].
const MAX_ENTRY_CODE: usize = 32;

/// Length and alphabet of the code a REG_VER 2 answer carries \[spec\]: 8 characters; upper
/// case letters and digits without the look-alikes 0/O and 1/I \[choice\].
const REG2_CODE_LEN: usize = 8;
const REG2_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// What the application gives the machine to finish a pairing: the fresh MAC key and a
/// 32-byte seed from which the RSA padding (and a REG_VER 2 code) is drawn. Both must come
/// from a cryptographic source, such as the operating system's. `Debug` shows neither.
#[derive(Clone)]
pub struct PairingSecret {
    key: [u8; MAC_KEY_LEN],
    seed: [u8; 32],
}

impl PairingSecret {
    /// The key to register and the padding seed.
    pub fn new(key: [u8; MAC_KEY_LEN], seed: [u8; 32]) -> Self {
        Self { key, seed }
    }
}

impl fmt::Debug for PairingSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PairingSecret { .. }")
    }
}

/// A REGISTER request that passed its checks, waiting for the cashier.
#[derive(Clone)]
pub(crate) struct PairingRequest {
    pos_key: Box<PublicKey>,
    /// ENTRY_CODE (REG_VER 1): what the cashier must type.
    entry_code: Option<Box<str>>,
    pub(crate) reg_ver: u8,
}

impl fmt::Debug for PairingRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PairingRequest")
            .field("reg_ver", &self.reg_ver)
            .finish_non_exhaustive()
    }
}

/// Why a pairing failed; each is one answer (codes: docs/protocol.md, "Pairing").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PairingFailure {
    /// 59020: KEY missing or not an RSA-2048 SubjectPublicKeyInfo, REG_VER unknown, or
    /// ENTRY_CODE missing for REG_VER 1.
    InvalidRequest(&'static str),
    /// 59040: the cashier typed another code than the POS sent.
    CodeMismatch,
    /// 59001: the cashier (the application) refused.
    Refused,
    /// 59051: no room for another label, or a command this terminal does not offer.
    Unavailable(&'static str),
}

impl PairingFailure {
    pub(crate) fn response(self) -> Response {
        let (code, result, text) = match self {
            Self::InvalidRequest(text) => (59020, "FAILED", text),
            Self::CodeMismatch => (59040, "FAILED", "Pairing code does not match"),
            Self::Refused => (59001, "CANCELLED", "Pairing cancelled"),
            Self::Unavailable(text) => (59051, "FAILED", text),
        };
        Response::failure(ResultCode(code), result, text)
    }
}

/// Checks a REGISTER request: KEY, REG_VER, ENTRY_CODE.
pub(crate) fn parse_register(request: &Transaction) -> Result<PairingRequest, PairingFailure> {
    let fields = request.fields();
    let reg_ver = match fields.get("REG_VER").map(str::trim) {
        None | Some("1") => 1,
        Some("2") => 2,
        Some(_) => return Err(PairingFailure::InvalidRequest("REG_VER not supported")),
    };
    let bad_key = PairingFailure::InvalidRequest("KEY is not an RSA-2048 public key");
    let key_text = fields.get("KEY").ok_or(bad_key)?;
    if key_text.len() > MAX_KEY_TEXT {
        return Err(bad_key);
    }
    let compact: String = key_text
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = STANDARD.decode(compact).map_err(|_| bad_key)?;
    let pos_key = PublicKey::from_public_key_der(&der).map_err(|_| bad_key)?;
    if pos_key.size() != POS_KEY_BYTES {
        return Err(bad_key);
    }
    let entry_code = fields
        .get("ENTRY_CODE")
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if entry_code.is_some_and(|c| c.len() > MAX_ENTRY_CODE) {
        return Err(PairingFailure::InvalidRequest("ENTRY_CODE too long"));
    }
    if reg_ver == 1 && entry_code.is_none() {
        return Err(PairingFailure::InvalidRequest("ENTRY_CODE missing"));
    }
    Ok(PairingRequest {
        pos_key: Box::new(pos_key),
        entry_code: entry_code.map(Box::from),
        reg_ver,
    })
}

/// Finishes a pairing the cashier accepted, typing `typed`: the answer to send, with
/// `label`'s MAC_LABEL and wrapped MAC_KEY (REG_VER 2: and the terminal's ENTRY_CODE).
pub(crate) fn complete(
    request: &PairingRequest,
    typed: &str,
    secret: &PairingSecret,
    label: &str,
) -> Result<Response, PairingFailure> {
    if request.reg_ver == 1 {
        let expected = request.entry_code.as_deref().unwrap_or_default();
        if !same_code(expected, typed.trim()) {
            return Err(PairingFailure::CodeMismatch);
        }
    }
    let mut rng = ChaCha20Rng::from_seed(secret.seed);
    let code = (request.reg_ver == 2).then(|| reg2_code(&mut rng));
    let wrapped = request
        .pos_key
        .encrypt(&mut rng, Pkcs1v15Encrypt, &secret.key)
        .map_err(|_| PairingFailure::InvalidRequest("KEY is not an RSA-2048 public key"))?;
    let mut response = Response::success("Registered");
    let mut fields = vec![
        ("MAC_LABEL", label.to_owned()),
        ("MAC_KEY", STANDARD.encode(wrapped)),
    ];
    if let Some(code) = code {
        fields.push(("ENTRY_CODE", code));
    }
    for (name, value) in &fields {
        response
            .push_field(name, value)
            .map_err(|_| PairingFailure::Unavailable("Pairing failed"))?;
    }
    Ok(response)
}

/// The key the machine stores for a completed pairing.
pub(crate) fn key(secret: &PairingSecret) -> &[u8; MAC_KEY_LEN] {
    &secret.key
}

/// The next label: `P_<n>` with `n` above every `P_<n>` in use \[spec\]'s examples.
pub(crate) fn next_label(labels: &[String]) -> String {
    let highest = labels
        .iter()
        .filter_map(|l| l.strip_prefix("P_"))
        .filter_map(|n| n.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("P_{}", highest.saturating_add(1))
}

/// Compares two codes without stopping at the first difference.
fn same_code(expected: &str, typed: &str) -> bool {
    let (a, b) = (expected.as_bytes(), typed.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 8 characters from [`REG2_ALPHABET`]; 32 symbols, so 5 bits each, no bias.
fn reg2_code(rng: &mut ChaCha20Rng) -> String {
    (0..REG2_CODE_LEN)
        .map(|_| char::from(REG2_ALPHABET[(rng.next_u32() & 31) as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_grow_past_every_label_in_use() {
        assert_eq!(next_label(&[]), "P_1");
        let labels = ["P_2".to_owned(), "X".to_owned(), "P_9".to_owned()];
        assert_eq!(next_label(&labels), "P_10");
    }

    #[test]
    fn codes_compare_exactly() {
        assert!(same_code("1234", "1234"));
        assert!(!same_code("1234", "1235"));
        assert!(!same_code("1234", "12345"));
        assert!(!same_code("1234", ""));
    }

    #[test]
    fn refuses_requests_without_a_usable_key() {
        let tx = |extra: &str| {
            Transaction::decode(
                format!(
                    "<TRANSACTION><FUNCTION_TYPE>SECURITY</FUNCTION_TYPE>\
                     <COMMAND>REGISTER</COMMAND>{extra}</TRANSACTION>"
                )
                .as_bytes(),
            )
            .unwrap()
        };
        for extra in [
            "",
            "<KEY>not base64</KEY><ENTRY_CODE>1234</ENTRY_CODE>",
            "<KEY>AAAA</KEY><ENTRY_CODE>1234</ENTRY_CODE>",
            "<KEY>AAAA</KEY><REG_VER>3</REG_VER>",
        ] {
            let err = parse_register(&tx(extra)).unwrap_err();
            assert_eq!(
                err.response().result_code,
                Some(ResultCode(59020)),
                "{extra}"
            );
        }
    }
}
