//! Where MAC label keys live: a trait the application implements, and a plain in-memory store.
//!
//! The state machine asks "is this label known?" and "is this the MAC of that COUNTER under
//! that label?", stores the key a REGISTER made, removes keys on UNREGISTER, and exports /
//! loads keys for [`AuthState`](crate::terminal::AuthState). A store in secure hardware may
//! export nothing and persist its keys itself.

use crate::mac::verify_mac;

/// The keys behind MAC labels (SCA Functional Specification, SECURITY REGISTER).
pub trait KeyStore {
    /// Whether `label` names a registered key.
    fn contains(&self, label: &str) -> bool;
    /// Whether `mac` (base64 text as received) is
    /// `base64(HMAC-SHA256(key of label, decimal counter))`; `false` for an unknown label.
    fn verify(&self, label: &str, counter: u32, mac: &str) -> bool;
    /// Stores (or replaces) the key of `label` (REGISTER, or a restored state).
    fn store_key(&mut self, label: &str, key: &[u8]);
    /// Forgets `label` (UNREGISTER); whether it was there.
    fn remove_key(&mut self, label: &str) -> bool;
    /// Forgets every label (UNREGISTERALL, or before a restored state is loaded).
    fn remove_all_keys(&mut self);
    /// Every label with its key, in the order stored, for
    /// [`Terminal::auth_state`](crate::Terminal::auth_state). A store whose keys cannot leave
    /// it returns none and persists them itself.
    fn export_keys(&self) -> Vec<(String, Vec<u8>)>;
    /// The labels stored, in order.
    fn labels(&self) -> Vec<String>;
}

/// Label keys kept in memory, for applications without secure key storage and for tests.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct MemoryKeyStore {
    keys: Vec<(String, Vec<u8>)>,
}

impl std::fmt::Debug for MemoryKeyStore {
    // Keys are secrets: only labels and key sizes are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (label, key) in &self.keys {
            map.entry(label, &crate::redact::Redacted(key.len()));
        }
        map.finish()
    }
}

impl MemoryKeyStore {
    /// An empty store: every authenticated request is refused until a key is inserted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores (or replaces) the key of `label`, as REGISTER does.
    pub fn insert(&mut self, label: impl Into<String>, key: impl Into<Vec<u8>>) {
        let (label, key) = (label.into(), key.into());
        match self.keys.iter_mut().find(|(l, _)| *l == label) {
            Some(slot) => slot.1 = key,
            None => self.keys.push((label, key)),
        }
    }

    /// Forgets `label`, as UNREGISTER does; whether it was there.
    pub fn remove(&mut self, label: &str) -> bool {
        let before = self.keys.len();
        self.keys.retain(|(l, _)| l != label);
        self.keys.len() != before
    }

    /// Forgets every label, as UNREGISTERALL does.
    pub fn clear(&mut self) {
        self.keys.clear();
    }

    fn key(&self, label: &str) -> Option<&[u8]> {
        self.keys
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, k)| k.as_slice())
    }
}

impl KeyStore for MemoryKeyStore {
    fn contains(&self, label: &str) -> bool {
        self.key(label).is_some()
    }

    fn verify(&self, label: &str, counter: u32, mac: &str) -> bool {
        self.key(label)
            .is_some_and(|key| verify_mac(key, counter, mac))
    }

    fn store_key(&mut self, label: &str, key: &[u8]) {
        self.insert(label, key);
    }

    fn remove_key(&mut self, label: &str) -> bool {
        self.remove(label)
    }

    fn remove_all_keys(&mut self) {
        self.clear();
    }

    fn export_keys(&self) -> Vec<(String, Vec<u8>)> {
        self.keys.clone()
    }

    fn labels(&self) -> Vec<String> {
        self.keys.iter().map(|(l, _)| l.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mac::compute_mac;

    #[test]
    fn verifies_only_the_right_label_key_and_counter() {
        let mut store = MemoryKeyStore::new();
        store.insert("P_1", [1u8; 16]);
        store.insert("P_2", [2u8; 16]);
        let mac = compute_mac(&[1u8; 16], 10);
        assert!(store.contains("P_1"));
        assert!(store.verify("P_1", 10, &mac));
        assert!(!store.verify("P_1", 11, &mac));
        assert!(!store.verify("P_2", 10, &mac));
        assert!(!store.verify("P_3", 10, &mac));
        store.insert("P_1", [9u8; 16]);
        assert!(!store.verify("P_1", 10, &mac));
        assert!(store.remove("P_1"));
        assert!(!store.remove("P_1"));
        assert!(!store.contains("P_1"));
        store.clear();
        assert!(!store.contains("P_2"));
    }
}
