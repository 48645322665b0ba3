//! `sca_terminal`'s side of pairing: what its simulated cashier types (`--pairing-code`,
//! else the code the POS sent) and where its keys and counters live (`--key-store`).

use sca_ws::Transaction;
use sca_ws::terminal::AuthState;

use crate::key_store::KeyFile;

/// The simulated cashier and the key store.
#[derive(Debug, Default, Clone)]
pub struct SimPairing {
    /// What the cashier types; `None`: the ENTRY_CODE of the request.
    pub typed_code: Option<String>,
    /// Where the authentication state is kept across restarts.
    pub key_store: Option<KeyFile>,
}

impl SimPairing {
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

    /// Saves `state` durably (blocking).
    pub fn save(&self, state: &AuthState) -> Result<(), String> {
        match &self.key_store {
            Some(store) => store
                .write(&state.encode())
                .map_err(|e| format!("cannot save {}: {e}", store.path().display())),
            None => Ok(()),
        }
    }

    /// What the cashier types for `request`.
    pub fn typed(&self, request: &Transaction) -> String {
        self.typed_code
            .clone()
            .or_else(|| request.fields().get("ENTRY_CODE").map(str::to_owned))
            .unwrap_or_default()
    }
}
