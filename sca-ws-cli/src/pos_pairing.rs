//! `pos_broker`'s pairing state on disk: the POS's RSA key (`--pos-key`, generated and saved
//! when the file does not exist) and every terminal's book (`--key-store`), saved whole after
//! each change so a restart neither forgets a pairing nor reuses a COUNTER.

use std::sync::Mutex;

use sca_ws::broker::{CounterBook, PosKey};
use sca_ws_tokio::broker::{decode_books, encode_books};
use sca_ws_tokio::random::os_bytes;

use crate::key_store::KeyFile;

/// The POS key and where the books are kept.
#[derive(Debug)]
pub struct PosPairing {
    key: PosKey,
    store: Option<KeyFile>,
    /// One save at a time: the key file's temporary name is per process.
    saving: Mutex<()>,
}

impl PosPairing {
    /// Reads (or makes and saves) the POS key and reads the saved books.
    pub fn open(
        pos_key: Option<KeyFile>,
        store: Option<KeyFile>,
    ) -> Result<(Self, Vec<(String, CounterBook)>), String> {
        let key = match &pos_key {
            Some(file) => {
                let path = file.path().display();
                match file.read() {
                    Ok(Some(pem)) => PosKey::from_pem(&pem).map_err(|e| format!("{path}: {e}"))?,
                    Ok(None) => {
                        let key = generate()?;
                        let pem = key.to_pem().map_err(|e| e.to_string())?;
                        file.write(&pem)
                            .map_err(|e| format!("cannot save {path}: {e}"))?;
                        key
                    }
                    Err(e) => return Err(format!("cannot read {path}: {e}")),
                }
            }
            None => generate()?,
        };
        let books = match &store {
            Some(file) => {
                let path = file.path().display();
                match file.read() {
                    Ok(Some(text)) => decode_books(&text).map_err(|e| format!("{path}: {e}"))?,
                    Ok(None) => Vec::new(),
                    Err(e) => return Err(format!("cannot read {path}: {e}")),
                }
            }
            None => Vec::new(),
        };
        let pairing = Self {
            key,
            store,
            saving: Mutex::new(()),
        };
        Ok((pairing, books))
    }

    /// The POS's RSA key.
    pub fn key(&self) -> &PosKey {
        &self.key
    }

    /// Saves `books` durably (blocking: call it off the async workers).
    pub fn save(&self, books: &[(String, CounterBook)]) -> Result<(), String> {
        let Some(file) = &self.store else {
            return Ok(());
        };
        let _one = self.saving.lock().unwrap_or_else(|e| e.into_inner());
        file.write(&encode_books(books))
            .map_err(|e| format!("cannot save {}: {e}", file.path().display()))
    }
}

/// A fresh 4-digit code for the cashier to type.
pub fn entry_code() -> Result<String, String> {
    Ok(sca_ws::broker::entry_code(os_bytes()?))
}

fn generate() -> Result<PosKey, String> {
    PosKey::generate(os_bytes()?).map_err(|e| e.to_string())
}
