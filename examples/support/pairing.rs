//! The CLIs' side of pairing, kept out of the drivers so other drivers can reuse it:
//! the terminal's simulated cashier and key store ([`TerminalPairing`]) and the POS's key,
//! books and key store ([`PosPairing`]).

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::Mutex;

use sca_ws::broker::{self, CounterBook, PosKey, Registration};
use sca_ws::terminal::{AuthState, PairingSecret, RequestId};
use sca_ws::xml::{Response, Transaction};

use super::key_store::KeyFile;

/// `n` bytes from the operating system's generator.
pub fn os_random<const N: usize>() -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// The terminal application's pairing duties: what its cashier types, where its keys live.
#[derive(Debug, Default)]
pub struct TerminalPairing {
    /// What the simulated cashier types; `None`: the code the POS sent.
    pub typed_code: Option<String>,
    /// Where the authentication state is kept across restarts.
    pub key_store: Option<KeyFile>,
}

impl TerminalPairing {
    /// The saved state, if a key store is set and holds one.
    pub fn load(&self) -> Result<Option<AuthState>, String> {
        let Some(store) = &self.key_store else {
            return Ok(None);
        };
        let path = store.path().display();
        match store.read() {
            Ok(Some(text)) => AuthState::decode(&text)
                .map(Some)
                .map_err(|e| format!("{path}: {e}")),
            Ok(None) => Ok(None),
            Err(e) => Err(format!("cannot read {path}: {e}")),
        }
    }

    /// Saves `state` durably (on `AuthChanged`, before the transmits that follow).
    pub fn save(&self, state: &AuthState) -> Result<(), String> {
        match &self.key_store {
            Some(store) => store
                .write(&state.encode())
                .map_err(|e| format!("cannot save {}: {e}", store.path().display())),
            None => Ok(()),
        }
    }

    /// The cashier's entry for a pairing request, and a fresh key and padding seed.
    pub fn cashier_entry(&self, request: &Transaction) -> Result<(String, PairingSecret), String> {
        let typed = self
            .typed_code
            .clone()
            .or_else(|| request.fields().get("ENTRY_CODE").map(str::to_owned))
            .unwrap_or_default();
        let key = os_random::<16>().map_err(|e| format!("no randomness: {e}"))?;
        let seed = os_random::<32>().map_err(|e| format!("no randomness: {e}"))?;
        Ok((typed, PairingSecret::new(key, seed)))
    }
}

/// A pairing waiting for the terminal's cashier.
pub type PendingPairing = (RequestId, Transaction);

/// The POS's pairing state, shared by every link thread: its RSA key and, per pinpad id, the
/// labels and counters (saved to the key store after every change).
#[derive(Debug)]
pub struct PosPairing {
    key: PosKey,
    store: Option<KeyFile>,
    books: Mutex<HashMap<String, CounterBook>>,
    /// The last registration per pinpad id (the demo signs a replay with it).
    registrations: Mutex<HashMap<String, Registration>>,
}

impl PosPairing {
    /// Reads `--pos-key` (generating and saving a key when the file is absent) and
    /// `--key-store`.
    pub fn open(pos_key: Option<KeyFile>, store: Option<KeyFile>) -> Result<Self, String> {
        let key = match &pos_key {
            Some(file) => match file.read() {
                Ok(Some(pem)) => {
                    PosKey::from_pem(&pem).map_err(|e| format!("{}: {e}", file.path().display()))?
                }
                Ok(None) => {
                    let key = generate()?;
                    let pem = key.to_pem().map_err(|e| e.to_string())?;
                    file.write(&pem)
                        .map_err(|e| format!("cannot save {}: {e}", file.path().display()))?;
                    key
                }
                Err(e) => return Err(format!("cannot read {}: {e}", file.path().display())),
            },
            None => generate()?,
        };
        let mut books = HashMap::new();
        if let Some(file) = &store {
            let text = file
                .read()
                .map_err(|e| format!("cannot read {}: {e}", file.path().display()))?;
            if let Some(text) = text {
                books = decode_books(&text)
                    .ok_or_else(|| format!("{}: not a key store", file.path().display()))?;
            }
        }
        Ok(Self {
            key,
            store,
            books: Mutex::new(books),
            registrations: Mutex::new(HashMap::new()),
        })
    }

    /// The book kept for `pinpad`, for its new link.
    pub fn book(&self, pinpad: &str) -> Option<CounterBook> {
        self.books.lock().ok()?.get(pinpad).cloned()
    }

    /// Keeps `book` as `pinpad`'s and saves the key store.
    pub fn keep(&self, pinpad: &str, book: &CounterBook) -> Result<(), String> {
        let text = {
            let mut books = self.books.lock().map_err(|_| "pairing state poisoned")?;
            books.insert(pinpad.to_owned(), book.clone());
            encode_books(&books)
        };
        match &self.store {
            Some(file) => file
                .write(&text)
                .map_err(|e| format!("cannot save {}: {e}", file.path().display())),
            None => Ok(()),
        }
    }

    /// A REGISTER request and the code the POS shows its cashier.
    pub fn register_request(&self) -> Result<(Transaction, String), String> {
        let code = broker::entry_code(os_random::<2>().map_err(|e| e.to_string())?);
        Ok((self.key.register_request(&code), code))
    }

    /// The last registration made with `pinpad` in this run.
    pub fn registration(&self, pinpad: &str) -> Option<Registration> {
        self.registrations.lock().ok()?.get(pinpad).cloned()
    }

    /// Reads `pinpad`'s REGISTER answer into `book`; the new label.
    pub fn registered(
        &self,
        pinpad: &str,
        response: &Response,
        book: &mut CounterBook,
    ) -> Result<String, String> {
        let seed = os_random::<32>().map_err(|e| e.to_string())?;
        let registration = self
            .key
            .read_register_answer(response, seed)
            .map_err(|e| e.to_string())?;
        registration.install(book).map_err(|e| e.to_string())?;
        let label = registration.label.clone();
        if let Ok(mut all) = self.registrations.lock() {
            all.insert(pinpad.to_owned(), registration);
        }
        Ok(label)
    }
}

fn generate() -> Result<PosKey, String> {
    let seed = os_random::<32>().map_err(|e| format!("no randomness: {e}"))?;
    PosKey::generate(seed).map_err(|e| e.to_string())
}

/// `pinpad HEX(id)` then the book's text, per pinpad.
fn encode_books(books: &HashMap<String, CounterBook>) -> String {
    let mut ids: Vec<&String> = books.keys().collect();
    ids.sort();
    let mut out = String::new();
    for id in ids {
        let hex: String = id.bytes().map(|b| format!("{b:02x}")).collect();
        out.push_str(&format!("pinpad {hex}\n"));
        out.push_str(&books[id].encode());
    }
    out
}

fn decode_books(text: &str) -> Option<HashMap<String, CounterBook>> {
    let mut books = HashMap::new();
    let mut current: Option<(String, String)> = None;
    let finish = |entry: Option<(String, String)>, books: &mut HashMap<_, _>| -> Option<()> {
        if let Some((id, text)) = entry {
            books.insert(id, CounterBook::decode(&text).ok()?);
        }
        Some(())
    };
    for line in text.lines() {
        if let Some(hex) = line.strip_prefix("pinpad ") {
            finish(current.take(), &mut books)?;
            let bytes: Option<Vec<u8>> = (0..hex.len())
                .step_by(2)
                .map(|i| {
                    hex.get(i..i + 2)
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                })
                .collect();
            current = Some((String::from_utf8(bytes?).ok()?, String::new()));
        } else {
            let (_, body) = current.as_mut()?;
            body.push_str(line);
            body.push('\n');
        }
    }
    finish(current.take(), &mut books)?;
    Some(books)
}
