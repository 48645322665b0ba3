//! The terminal client: a core [`sca_ws::Terminal`] on a tokio task, dialling, reconnecting
//! and serving requests through the application's [`Handler`].
//!
//! The machine decides when to dial and when to retry (its backoff, its connect timeout);
//! the client opens TCP (with the configuration's TCP keepalive keys) and TLS (trusting the
//! `WEBSOCKETSSL_CA_CERT_FILE` CAs, presenting [`ClientConfig::identity`] for mutual TLS).
//! A TLS refusal, also one that arrives as an alert on the first read after a TLS 1.3
//! handshake, is reported to the machine as a TLS failure, so the screen says so.
//!
//! Pairing reaches the application as [`Handler::pairing`]; every change of the
//! authentication state as [`Handler::auth_changed`], awaited before the answer that depends
//! on it is written; [`ClientConfig::auth_state`] restores what an earlier run saved.

mod client;
mod config;
mod dial;
mod handler;

pub use client::{Client, Event, Handle, NotifyError};
pub use config::{ClientConfig, ClientIdentity};
pub use handler::{Handler, PairingAnswer, PairingRequest, Request};

#[cfg(test)]
mod tests {
    /// The handle crosses tasks and threads.
    #[test]
    fn handle_is_clone_send_sync() {
        fn clone_send_sync<T: Clone + Send + Sync + 'static>() {}
        clone_send_sync::<super::Handle>();
        clone_send_sync::<super::Event>();
    }
}
