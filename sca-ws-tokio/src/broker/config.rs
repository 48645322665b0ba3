//! Settings of a [`super::Server`], with defaults sized for many idle terminals.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Everything a broker server needs besides the core's per-link rules ([`Self::core`]).
/// `Debug` shows whether TLS is on, never its keys.
#[derive(Clone)]
pub struct ServerConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free loopback port).
    pub bind: SocketAddr,
    /// wss: the TLS settings (see [`crate::tls::server_config`]; give it a client CA for
    /// mutual TLS). `None` serves plain ws. Default `None`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Refuse an upgrade with HTTP 403 unless its `x-vfi-pinpad-id` equals the client
    /// certificate's CN or one of its SAN entries. Needs mutual TLS; without a client
    /// certificate every upgrade is refused. Default `false`.
    pub bind_pinpad_id_to_certificate: bool,
    /// Outbound bytes a link may hold for a slow reader; at this mark the link stops reading
    /// from the terminal (and taking requests) until its queue drains. Default 64 KiB. This
    /// is the mark that applies: the task drains the core's own queue at once, so
    /// `core.ws.max_outbound_bytes` never fills.
    pub outbound_high_water: usize,
    /// A write that makes no progress for this long cuts the link: the peer stopped reading.
    /// Default 10 s.
    pub write_deadline: Duration,
    /// How long [`super::Handle::submit`] waits for the terminal's answer; the request's
    /// deadline in the core too. Default 300 s (a payment waits for a customer).
    pub submit_timeout: Duration,
    /// Bytes read from a socket at once; allocated per link, so it is what an idle link
    /// costs beyond the core's state. Default 4 KiB.
    pub read_buffer: usize,
    /// Requests handed to one link and not yet taken by its task, at most; a submit beyond
    /// it fails with `QueueFull`. Default 16.
    pub submit_queue: usize,
    /// Events a [`super::Handle::subscribe`] receiver may fall behind before it loses the
    /// oldest (tokio broadcast semantics). Default 1024.
    pub event_capacity: usize,
    /// Transports served at once, at most (accepted beyond it: closed at once). Default
    /// 65 536.
    pub max_links: usize,
    /// The listen backlog. Default 1024, so a swarm dialling at once is not refused.
    pub backlog: u32,
    /// Seed of the links' entropy (masking is unused on the server side; POS_RECON values
    /// are). `None` draws one from the operating system's hasher keys. Default `None`.
    pub seed: Option<u64>,
    /// The core's rules for every link: handshake, WebSocket and XML limits, keepalive,
    /// request queue. Its `handshake_timeout` also bounds the TLS handshake.
    pub core: sca_ws::broker::Config,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("bind", &self.bind)
            .field("tls", &self.tls.is_some())
            .field(
                "bind_pinpad_id_to_certificate",
                &self.bind_pinpad_id_to_certificate,
            )
            .field("outbound_high_water", &self.outbound_high_water)
            .field("write_deadline", &self.write_deadline)
            .field("submit_timeout", &self.submit_timeout)
            .field("read_buffer", &self.read_buffer)
            .field("submit_queue", &self.submit_queue)
            .field("event_capacity", &self.event_capacity)
            .field("max_links", &self.max_links)
            .field("backlog", &self.backlog)
            .field("seed", &self.seed.map(|_| "set"))
            .field("core", &self.core)
            .finish()
    }
}

impl ServerConfig {
    /// Defaults, listening on `bind`.
    pub fn new(bind: SocketAddr) -> Self {
        Self {
            bind,
            tls: None,
            bind_pinpad_id_to_certificate: false,
            outbound_high_water: 64 * 1024,
            write_deadline: Duration::from_secs(10),
            submit_timeout: Duration::from_secs(300),
            read_buffer: 4 * 1024,
            submit_queue: 16,
            event_capacity: 1024,
            max_links: 65_536,
            backlog: 1024,
            seed: None,
            core: sca_ws::broker::Config::default(),
        }
    }
}

impl Default for ServerConfig {
    /// Defaults on `127.0.0.1:0`.
    fn default() -> Self {
        Self::new(SocketAddr::from(([127, 0, 0, 1], 0)))
    }
}
