//! Settings of a [`super::Client`]: the core terminal configuration plus what only the
//! driver needs (TLS material, queue bounds, seed).

use std::sync::Arc;
use std::time::Duration;

/// A client certificate and its key, PEM, for mutual TLS. `Debug` shows neither.
#[derive(Clone)]
pub struct ClientIdentity {
    /// The certificate chain, leaf first.
    pub cert_chain_pem: Vec<u8>,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity")
            .field(
                "cert_chain_pem",
                &format_args!("{} bytes", self.cert_chain_pem.len()),
            )
            .field("key_pem", &format_args!("<redacted>"))
            .finish()
    }
}

/// Everything a terminal client needs. `Debug` shows whether TLS settings are given, never
/// their keys.
#[derive(Clone)]
pub struct ClientConfig {
    /// The terminal's own configuration (broker address, TLS switch, pinpad id, keepalive,
    /// reconnect delays, ...). Its I/O keys are honoured here: `WEBSOCKETSSL_CA_CERT_FILE`
    /// (PEM file of the CAs to trust) and `WEBSOCKETKEEPALIVEENABLED` / `...IDLE` /
    /// `...INTVL` (seconds) / `...CNT` (TCP keepalive).
    pub terminal: sca_ws::terminal::Config,
    /// TLS settings to use as they are (see [`crate::tls::client_config`]). `None`: built at
    /// the first wss dial from the CA file key (else the Mozilla roots) and
    /// [`Self::identity`].
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// Client certificate for mutual TLS when [`Self::tls`] is `None`. Default `None`.
    pub identity: Option<ClientIdentity>,
    /// Name checked against the broker's certificate; default the configured host.
    pub server_name: Option<String>,
    /// Outbound bytes held for a broker that reads slowly; at this mark the client stops
    /// reading until the queue drains. Default 64 KiB.
    pub outbound_high_water: usize,
    /// A write that makes no progress for this long drops the link (and the machine
    /// schedules a reconnect). Default 10 s.
    pub write_deadline: Duration,
    /// Bytes read at once. Default 4 KiB.
    pub read_buffer: usize,
    /// Seed of the machine's entropy (masking keys, nonce, backoff jitter); give each
    /// terminal its own. Default 0.
    pub seed: u64,
    /// Events a [`super::Handle::subscribe`] receiver may fall behind. Default 64.
    pub event_capacity: usize,
    /// Notifications waiting for the client task, at most. Default 16.
    pub command_queue: usize,
    /// Keys and counters saved by an earlier run ([`super::Handler::auth_changed`]),
    /// restored before the first dial. Default `None`.
    pub auth_state: Option<sca_ws::terminal::AuthState>,
    /// How long [`super::Handler::auth_changed`] may take; past it the client stops as if
    /// saving failed (an answer must not wait on a stuck disk forever). Default 10 s.
    pub auth_save_timeout: Duration,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("terminal", &self.terminal)
            .field("tls", &self.tls.is_some())
            .field("identity", &self.identity)
            .field("server_name", &self.server_name)
            .field("outbound_high_water", &self.outbound_high_water)
            .field("write_deadline", &self.write_deadline)
            .field("read_buffer", &self.read_buffer)
            .field("event_capacity", &self.event_capacity)
            .field("command_queue", &self.command_queue)
            .field("auth_state", &self.auth_state.is_some())
            .field("auth_save_timeout", &self.auth_save_timeout)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// Defaults around `terminal`.
    pub fn new(terminal: sca_ws::terminal::Config) -> Self {
        Self {
            terminal,
            tls: None,
            identity: None,
            server_name: None,
            outbound_high_water: 64 * 1024,
            write_deadline: Duration::from_secs(10),
            read_buffer: 4 * 1024,
            seed: 0,
            event_capacity: 64,
            command_queue: 16,
            auth_state: None,
            auth_save_timeout: Duration::from_secs(10),
        }
    }
}
