//! What the application implements: how the terminal carries out a POS request.

use std::future::Future;

use sca_ws::Response;
use sca_ws::Transaction;
use sca_ws::terminal::{AuthState, Channel, RequestId};

/// A POS request that passed the terminal's checks (authentication, session rules).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Request {
    /// Names it (for [`Handler::cancel`]).
    pub id: RequestId,
    /// Primary or secondary port.
    pub channel: Channel,
    /// The document.
    pub transaction: Transaction,
}

/// A SECURITY REGISTER that passed the terminal's checks, waiting for the cashier.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PairingRequest {
    /// Names it.
    pub id: RequestId,
    /// REG_VER: 1 (the cashier types the code the POS shows) or 2 (the terminal makes one).
    pub reg_ver: u8,
    /// The request (`Debug` hides ENTRY_CODE); a simulated cashier may read its ENTRY_CODE.
    pub transaction: Transaction,
}

/// What the cashier did with a [`PairingRequest`].
#[derive(Clone, PartialEq, Eq)]
pub enum PairingAnswer {
    /// The cashier typed this code (compared with the POS's for REG_VER 1); the client draws
    /// the new MAC key from the operating system.
    Code(String),
    /// The cashier cancelled: the terminal answers 59001 and stores nothing.
    Refuse,
}

impl std::fmt::Debug for PairingAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The code is what an attacker would need to pair: never printed.
        match self {
            Self::Code(_) => f.write_str("Code(..)"),
            Self::Refuse => f.write_str("Refuse"),
        }
    }
}

/// The application's part of a terminal. Each request runs as its own task, so a payment
/// waiting for a customer does not hold up a secondary-port status query; the core bounds
/// how many run at once (`max_pending_requests`).
pub trait Handler: Send + Sync + 'static {
    /// Carries out `request` and returns the RESPONSE (COUNTER and POS_RECON are echoed by
    /// the core). The task is aborted if the link carrying the request is lost first.
    fn request(&self, request: Request) -> impl Future<Output = Response> + Send;

    /// A SECONDARYPORT CANCEL arrived for the primary request `id`: abort it; its own answer
    /// (usually [`Response::cancelled`]) is still due from [`Handler::request`].
    fn cancel(&self, id: RequestId) {
        let _ = id;
    }

    /// A POS asks to pair (SECURITY REGISTER): show "Enter pairing code" and return what the
    /// cashier typed, or [`PairingAnswer::Refuse`]. Runs as its own task like a request.
    /// Default: refuse, so a terminal pairs only when its application says so.
    fn pairing(&self, request: PairingRequest) -> impl Future<Output = PairingAnswer> + Send {
        let _ = request;
        async { PairingAnswer::Refuse }
    }

    /// The authentication state changed (a key registered or removed, a COUNTER accepted).
    /// The client awaits this before it writes the answer that depends on the change, so
    /// saving `state` here durably means a restart never accepts a COUNTER twice. An `Err`
    /// stops the client before that answer goes out ([`super::Event::AuthNotSaved`]).
    /// Default: keep nothing.
    fn auth_changed(&self, state: AuthState) -> impl Future<Output = Result<(), String>> + Send {
        let _ = state;
        async { Ok(()) }
    }
}
