//! The SECURITY commands the machine answers itself: TEST_MAC, UNREGISTER, UNREGISTERALL
//! and REGISTER_ENCRYPTION at once, REGISTER once the application relayed the cashier's entry.
//!
//! Each arrives here authenticated (TEST_MAC, UNREGISTER and UNREGISTERALL carry a MAC like
//! any signed request; see `auth.rs`), so a key is tested or removed only by its holder.

use std::time::Instant;

use super::error::TerminalError;
use super::keys::KeyStore;
use super::machine::Terminal;
use super::pairing::{self, PairingFailure, PairingSecret};
use super::request::RequestId;
use crate::xml::Response;
use crate::xml::classify::SecurityCommand;

/// RESPONSE_TEXT of a verified TEST_MAC \[spec\].
pub(crate) const TEST_MAC_TEXT: &str = "Match";

impl<K: KeyStore> Terminal<K> {
    /// The answer to a SECURITY command the machine handles at once; `label` is the
    /// request's MAC_LABEL, which authenticated.
    pub(super) fn answer_security(
        &mut self,
        command: SecurityCommand,
        label: Option<&str>,
    ) -> Response {
        match command {
            SecurityCommand::TestMac => Response::success(TEST_MAC_TEXT),
            SecurityCommand::Unregister => {
                if let Some(label) = label {
                    self.remove_label(label.trim());
                }
                Response::success("Unregistered")
            }
            SecurityCommand::UnregisterAll => {
                self.remove_all_labels();
                Response::success("Unregistered")
            }
            // REGISTER_ENCRYPTION needs full-packet AES encryption this crate does not offer
            // (docs/protocol.md); REGISTER never comes here.
            SecurityCommand::RegisterEncryption
            | SecurityCommand::Register
            | SecurityCommand::None => {
                PairingFailure::Unavailable("REGISTER_ENCRYPTION not supported").response()
            }
        }
    }

    /// Finishes pairing `id` with what the cashier typed (compared with the POS's ENTRY_CODE
    /// for REG_VER 1; not read for REG_VER 2) and the application's fresh key and padding
    /// seed. On a match the new label's key is stored with COUNTER 0
    /// ([`TerminalEvent::AuthChanged`](crate::terminal::Event::AuthChanged) comes before
    /// the answer), and the answer carries MAC_LABEL and the key wrapped to the POS's RSA key
    /// (MAC_KEY). A mismatch answers 59040 and stores nothing; no room for another label
    /// answers 59051.
    ///
    /// Errors (nothing is sent) as [`respond`](Self::respond), and
    /// [`TerminalError::NotPairing`] for a request that is not a pairing.
    pub fn answer_pairing(
        &mut self,
        now: Instant,
        id: RequestId,
        typed: &str,
        secret: PairingSecret,
    ) -> Result<(), TerminalError> {
        let index = self.answerable(id)?;
        let Some(request) = self.pending.get(index).and_then(|p| p.pairing.clone()) else {
            return Err(TerminalError::NotPairing { id });
        };
        let pending = self.pending.swap_remove(index);
        let labels = self.keys.labels();
        let label = pairing::next_label(&labels);
        let response = if labels.len() >= self.config.max_mac_labels {
            PairingFailure::Unavailable("No room for another MAC_LABEL").response()
        } else {
            match pairing::complete(&request, typed, &secret, &label) {
                Ok(response) => {
                    self.install_label(&label, pairing::key(&secret));
                    response
                }
                Err(failure) => failure.response(),
            }
        };
        self.finish(now, pending, &response);
        Ok(())
    }

    /// Refuses pairing `id` (the cashier cancelled): answers 59001, stores nothing.
    ///
    /// Errors as [`answer_pairing`](Self::answer_pairing).
    pub fn refuse_pairing(&mut self, now: Instant, id: RequestId) -> Result<(), TerminalError> {
        let index = self.answerable(id)?;
        if self.pending.get(index).is_none_or(|p| p.pairing.is_none()) {
            return Err(TerminalError::NotPairing { id });
        }
        let pending = self.pending.swap_remove(index);
        self.finish(now, pending, &PairingFailure::Refused.response());
        Ok(())
    }
}
