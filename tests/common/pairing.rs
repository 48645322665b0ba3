//! Pairing helpers for the two-peer driver: a POS key (generated once per test binary), a
//! REGISTER sent through the link and answered by the terminal's simulated cashier.
#![allow(dead_code, unreachable_pub)]

use std::sync::OnceLock;

use sca_ws::broker::{PosKey, Registration, RequestId as BrokerRequestId};
use sca_ws::terminal::{Event as TerminalEvent, PairingSecret, RequestId};
use sca_ws::xml::{Response, Transaction};

use super::driver::Pair;

/// The MAC key the simulated terminal application hands out.
pub const PAIRED_KEY: [u8; 16] = *b"fresh-pairingkey";

/// One RSA-2048 POS key per test binary (generation takes a moment).
pub fn pos_key() -> &'static PosKey {
    static KEY: OnceLock<PosKey> = OnceLock::new();
    KEY.get_or_init(|| PosKey::generate([7; 32]).expect("rsa key"))
}

/// The secret the terminal application gives for a pairing.
pub fn secret() -> PairingSecret {
    PairingSecret::new(PAIRED_KEY, [3; 32])
}

impl Pair {
    /// Submits `tx` through the link and lets it travel.
    pub fn submit_tx(&mut self, tx: &Transaction) -> BrokerRequestId {
        let mut xml = String::new();
        tx.encode_to_string(&mut xml);
        self.submit(&xml)
    }

    /// Pairing requests delivered since the last call, removed from `events`.
    pub fn take_pairings(&mut self) -> Vec<(RequestId, u8, Transaction)> {
        let mut found = Vec::new();
        self.events.retain(|event| match event {
            TerminalEvent::PairingRequested {
                id,
                reg_ver,
                transaction,
            } => {
                found.push((*id, *reg_ver, transaction.clone()));
                false
            }
            _ => true,
        });
        found
    }

    /// How many `AuthChanged` events came since the last call (removed).
    pub fn take_auth_changes(&mut self) -> usize {
        let before = self.events.len();
        self.events
            .retain(|e| !matches!(e, TerminalEvent::AuthChanged));
        before - self.events.len()
    }

    /// Sends REGISTER (REG_VER 1, code `code`), lets the cashier type `typed`, and returns the
    /// broker's answer.
    pub fn register(&mut self, code: &str, typed: &str) -> Response {
        let id = self.submit_tx(&pos_key().register_request(code));
        let mut pairings = self.take_pairings();
        assert_eq!(pairings.len(), 1, "one pairing request: {:?}", self.events);
        let (pid, reg_ver, _) = pairings.remove(0);
        assert_eq!(reg_ver, 1);
        self.terminal
            .answer_pairing(self.now, pid, typed, secret())
            .expect("answer_pairing");
        self.settle();
        self.answered(id).cloned().expect("REGISTER answered")
    }

    /// Pairs for real: REGISTER with the right code, the answer read with the POS key and the
    /// label installed in the link's book. Returns the registration.
    pub fn pair_up(&mut self) -> Registration {
        let answer = self.register("4321", "4321");
        let registration = pos_key()
            .read_register_answer(&answer, [5; 32])
            .expect("a registration");
        registration
            .install(self.link_mut().counters_mut())
            .expect("installed");
        self.take_responses();
        registration
    }
}
