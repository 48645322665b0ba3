//! Exporting, restoring and reporting the terminal's authentication state.
//!
//! Every change to keys or counters made by the machine bumps a version; [`Terminal::sync_auth`]
//! is the one place that turns a new version into [`TerminalEvent::AuthChanged`], and
//! `send` calls it before any answer leaves, so the event always precedes the answer that
//! depends on the change.

use super::auth_state::{AuthState, LabelState};
use super::error::TerminalError;
use super::keys::KeyStore;
use super::machine::Terminal;
use super::output::TerminalEvent;

impl<K: KeyStore> Terminal<K> {
    /// The authentication state as one value: every label with its key and last accepted
    /// COUNTER, and the last COUNTER overall. Save it on every
    /// [`TerminalEvent::AuthChanged`] and give it to
    /// [`restore_auth_state`](Self::restore_auth_state) after a restart, so a COUNTER accepted
    /// before the restart is refused after it. Labels whose keys the store does not export
    /// are left out.
    pub fn auth_state(&self) -> AuthState {
        let labels = self
            .keys
            .export_keys()
            .into_iter()
            .map(|(label, key)| {
                let last = self.counters.last_for(&label);
                LabelState::new(label, key, last)
            })
            .collect();
        AuthState {
            labels,
            last_counter: self.counters.last(),
        }
    }

    /// Replaces the keys and counters with `state` (typically saved by an earlier run).
    /// Reported by no event: the application made the change.
    ///
    /// Fails, changing nothing, when `state` holds more labels than
    /// [`TerminalConfig::max_mac_labels`](crate::terminal::Config::max_mac_labels).
    pub fn restore_auth_state(&mut self, state: &AuthState) -> Result<(), TerminalError> {
        let limit = self.counters.max_labels();
        if state.labels.len() > limit {
            return Err(TerminalError::TooManyLabels {
                labels: state.labels.len(),
                limit,
            });
        }
        self.keys.remove_all_keys();
        for entry in &state.labels {
            self.keys.store_key(&entry.label, entry.key());
        }
        let counters = state
            .labels
            .iter()
            .filter_map(|e| e.last_counter.map(|c| (e.label.clone(), c)))
            .collect();
        self.counters.replace(counters, state.last_counter);
        self.key_generation += 1;
        self.reported_auth = self.auth_version();
        Ok(())
    }

    /// The version of the authentication state: it grows with every change.
    pub(super) fn auth_version(&self) -> u64 {
        self.counters.generation().wrapping_add(self.key_generation)
    }

    /// Reports [`TerminalEvent::AuthChanged`] when the state changed since the last report.
    pub(super) fn sync_auth(&mut self) {
        let version = self.auth_version();
        if version != self.reported_auth {
            self.reported_auth = version;
            self.push_event(TerminalEvent::AuthChanged);
        }
    }

    /// Stores a label's key and starts its COUNTER at 0 (REGISTER).
    pub(super) fn install_label(&mut self, label: &str, key: &[u8]) {
        self.keys.store_key(label, key);
        self.counters.reset(label);
        self.key_generation += 1;
    }

    /// Removes a label's key and counter (UNREGISTER): its old COUNTERs can never verify again.
    pub(super) fn remove_label(&mut self, label: &str) {
        if self.keys.remove_key(label) {
            self.key_generation += 1;
        }
        self.counters.forget(label);
    }

    /// Removes every key and counter (UNREGISTERALL).
    pub(super) fn remove_all_labels(&mut self) {
        if !self.keys.labels().is_empty() {
            self.key_generation += 1;
        }
        self.keys.remove_all_keys();
        self.counters.forget_all();
    }
}
