//! The POS side of pairing (PROTOCOL.md §7): the POS's RSA key, the SECURITY requests it
//! sends, and reading a REGISTER answer into the link's [`CounterBook`].
//!
//! After [`Registration::install`], every request the link writes is signed with the new
//! label (COUNTER from 1, the terminal having reset the label to 0). A POS that lost track of
//! a label's COUNTER asks the terminal with [`get_counter_request`]; the link raises the
//! book from the answer.
//!
//! Randomness comes from the caller as 32-byte seeds (key generation, RSA blinding): draw them
//! from the operating system. Decryption is blinded, the mitigation RustCrypto's `rsa`
//! documents for its timing advisory.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20::ChaCha20Rng;
use chacha20::rand_core::SeedableRng as _;
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use rsa::{Pkcs1v15Encrypt, PrivateKey};

use super::counter::{CounterBook, CounterError};
use crate::xml::{Command, FunctionType, Response, ResultCode, Transaction};

/// Size of the POS key SCA expects \[spec\].
pub const POS_KEY_BITS: usize = 2048;

/// Size of the MAC key a REGISTER answer wraps \[code\].
const MAC_KEY_LEN: usize = 16;

/// Why a pairing step failed on the POS side.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PairingError {
    /// Key generation failed (it should not, given any seed).
    KeyGeneration,
    /// The PEM text is not an RSA private key (PKCS#8 or PKCS#1), or not 2048 bits.
    BadKey,
    /// The terminal answered the REGISTER with a failure.
    Refused {
        /// RESULT_CODE (59001 cancelled, 59020 bad request, 59040 wrong code, 59051 no room
        /// or not supported, 0 refused under SKIPPOSAUTH; see docs/protocol.md).
        code: Option<i64>,
        /// RESPONSE_TEXT.
        text: Option<String>,
    },
    /// A success answer without this field.
    MissingField(&'static str),
    /// MAC_KEY is not base64 of a 16-byte key wrapped to this POS key.
    BadMacKey,
    /// The label cannot be stored in the book.
    Book(CounterError),
}

impl fmt::Display for PairingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyGeneration => f.write_str("rsa key generation failed"),
            Self::BadKey => f.write_str("not an rsa-2048 private key in pem"),
            Self::Refused { code, text } => write!(
                f,
                "register refused (code {}): {}",
                code.map_or_else(|| "none".to_owned(), |c| c.to_string()),
                text.as_deref().unwrap_or("")
            ),
            Self::MissingField(name) => write!(f, "register answer without {name}"),
            Self::BadMacKey => f.write_str("mac key in the register answer does not decrypt"),
            Self::Book(error) => write!(f, "cannot store the label: {error}"),
        }
    }
}

impl std::error::Error for PairingError {}

/// The POS's RSA-2048 key pair. `Debug` shows its size only.
#[derive(Clone)]
pub struct PosKey {
    key: PrivateKey,
}

impl fmt::Debug for PosKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PosKey")
            .field("bits", &POS_KEY_BITS)
            .finish_non_exhaustive()
    }
}

impl PosKey {
    /// A fresh RSA-2048 key drawn from `seed` (32 bytes from a cryptographic source).
    pub fn generate(seed: [u8; 32]) -> Result<Self, PairingError> {
        let mut rng = ChaCha20Rng::from_seed(seed);
        let key =
            PrivateKey::new(&mut rng, POS_KEY_BITS).map_err(|_| PairingError::KeyGeneration)?;
        Ok(Self { key })
    }

    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`), 2048 bits.
    pub fn from_pem(pem: &str) -> Result<Self, PairingError> {
        let key = PrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| PrivateKey::from_pkcs1_pem(pem))
            .map_err(|_| PairingError::BadKey)?;
        let key = Self { key };
        if key.public_der().len() > 400 || key.modulus_bytes() != POS_KEY_BITS / 8 {
            return Err(PairingError::BadKey);
        }
        Ok(key)
    }

    /// The key as PKCS#8 PEM (a secret: write it where the POS keeps secrets).
    pub fn to_pem(&self) -> Result<String, PairingError> {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|_| PairingError::BadKey)
    }

    /// base64 of the DER SubjectPublicKeyInfo: REGISTER's `KEY` \[spec\]\[code\].
    pub fn public_key_base64(&self) -> String {
        STANDARD.encode(self.public_der())
    }

    fn public_der(&self) -> Vec<u8> {
        self.key
            .to_public_key()
            .to_public_key_der()
            .map(|doc| doc.as_bytes().to_vec())
            .unwrap_or_default()
    }

    fn modulus_bytes(&self) -> usize {
        use rsa::traits::PublicKeyParts as _;
        self.key.size()
    }

    /// SECURITY REGISTER, REG_VER 1: the cashier must type `entry_code` on the terminal
    /// (4 digits, shown on the POS; see [`entry_code`]).
    pub fn register_request(&self, entry_code: &str) -> Transaction {
        let mut tx = security(Command::Register);
        let _ = tx.push_field("KEY", &self.public_key_base64());
        let _ = tx.push_field("ENTRY_CODE", entry_code);
        let _ = tx.push_field("REG_VER", "1");
        tx
    }

    /// SECURITY REGISTER, REG_VER 2: the terminal makes the code and returns it
    /// ([`Registration::entry_code`]).
    pub fn register_request_v2(&self) -> Transaction {
        let mut tx = security(Command::Register);
        let _ = tx.push_field("KEY", &self.public_key_base64());
        let _ = tx.push_field("REG_VER", "2");
        tx
    }

    /// Reads the terminal's answer to a REGISTER: the label and the MAC key, unwrapped with
    /// this key (blinded with randomness drawn from `blinding_seed`).
    pub fn read_register_answer(
        &self,
        response: &Response,
        blinding_seed: [u8; 32],
    ) -> Result<Registration, PairingError> {
        if !response.is_success() {
            return Err(PairingError::Refused {
                code: response.result_code.map(|c: ResultCode| c.0),
                text: response.response_text.as_deref().map(str::to_owned),
            });
        }
        let fields = response.fields();
        let label = fields
            .get("MAC_LABEL")
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .ok_or(PairingError::MissingField("MAC_LABEL"))?;
        let wrapped = fields
            .get("MAC_KEY")
            .ok_or(PairingError::MissingField("MAC_KEY"))?;
        let compact: String = wrapped
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let wrapped = STANDARD
            .decode(compact)
            .map_err(|_| PairingError::BadMacKey)?;
        let mut rng = ChaCha20Rng::from_seed(blinding_seed);
        let key = self
            .key
            .decrypt_blinded(&mut rng, Pkcs1v15Encrypt, &wrapped)
            .map_err(|_| PairingError::BadMacKey)?;
        let key: [u8; MAC_KEY_LEN] = key.try_into().map_err(|_| PairingError::BadMacKey)?;
        Ok(Registration {
            label: label.to_owned(),
            key,
            entry_code: fields.get("ENTRY_CODE").map(str::to_owned),
        })
    }
}

/// What a successful REGISTER gave the POS. `Debug` hides the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Registration {
    /// The MAC_LABEL the terminal assigned.
    pub label: String,
    key: [u8; MAC_KEY_LEN],
    /// REG_VER 2: the code the terminal made.
    pub entry_code: Option<String>,
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("label", &self.label)
            .field("key", &crate::redact::Redacted(self.key.len()))
            .finish_non_exhaustive()
    }
}

impl Registration {
    /// The MAC key.
    pub fn key(&self) -> &[u8; MAC_KEY_LEN] {
        &self.key
    }

    /// Stores the label in `book` with last COUNTER 0, as the terminal now has it: the link
    /// signs the next requests with it (it becomes the default label).
    pub fn install(&self, book: &mut CounterBook) -> Result<(), PairingError> {
        book.insert(&self.label, &self.key, 0)
            .map_err(PairingError::Book)
    }
}

/// A REG_VER 1 ENTRY_CODE from two random bytes: 4 decimal digits.
pub fn entry_code(random: [u8; 2]) -> String {
    format!("{:04}", u16::from_be_bytes(random) % 10_000)
}

/// SECURITY UNREGISTER of `label`; the link signs it with that label.
pub fn unregister_request(label: &str) -> Transaction {
    let mut tx = security(Command::Unregister);
    let _ = tx.set_mac_label(label);
    tx
}

/// SECURITY UNREGISTERALL; the link signs it with its default label.
pub fn unregister_all_request() -> Transaction {
    security(Command::UnregisterAll)
}

/// SECURITY TEST_MAC, signed by the link with `label` (its default label when `None`); a
/// terminal that verifies the MAC answers `Match`.
pub fn test_mac_request(label: Option<&str>) -> Transaction {
    let mut tx = security(Command::TestMac);
    if let Some(label) = label {
        let _ = tx.set_mac_label(label);
    }
    tx
}

/// ADMIN GET_COUNTER for `label`: the answer's COUNTER raises the label's count in the book.
pub fn get_counter_request(label: Option<&str>) -> Transaction {
    let mut tx = Transaction::new(FunctionType::Admin, Command::GetCounter);
    if let Some(label) = label {
        let _ = tx.set_mac_label(label);
    }
    tx
}

fn security(command: Command) -> Transaction {
    Transaction::new(FunctionType::Security, command)
}
