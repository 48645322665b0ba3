//! The [`Terminal`] itself: the link lifecycle (connect, handshake, open, closing, waiting to
//! retry) and the drive loop. Request handling lives in `serve.rs`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use super::backoff::Backoff;
use super::config::TerminalConfig;
use super::counters::CounterBook;
use super::dispatch::Floor;
use super::error::LinkError;
use super::keys::{KeyStore, MemoryKeyStore};
use super::output::{ConnectTarget, TerminalEvent, TerminalOutput};
use super::serve::Pending;
use super::status::{LinkStatus, ScreenMessage};
use crate::drive::TransportFailure;
use crate::frame::CloseCode;
use crate::handshake::{ClientHandshake, ClientHandshakeConfig, HandshakeError};
use crate::rng::Rng;
use crate::ws::{Connection, Event, Output, Role, SendError, WsConfig};
use crate::xml::XmlLimits;

/// Extra time, past the ws close timeout, before a closing link is dropped regardless.
const CLOSING_GRACE: Duration = Duration::from_secs(1);

/// The SCA terminal's side of the link, as a sans-IO state machine.
///
/// Drive it like every machine in this crate: report what happened (`handle_*`), drain
/// [`poll_output`](Self::poll_output) until `None`, then wait for bytes or
/// [`poll_timeout`](Self::poll_timeout). It connects at once when created and keeps the link up
/// for its whole life. `K` holds the MAC label keys ([`MemoryKeyStore`] unless the application
/// brings its own, e.g. backed by secure hardware). `Debug` shows the link's state and
/// counts, never keys, buffered bytes or the nonce generator.
pub struct Terminal<K: KeyStore = MemoryKeyStore> {
    pub(super) config: TerminalConfig,
    /// `config.auth_skipped()`, read for every request and fixed for the machine's life.
    pub(super) auth_skipped: bool,
    pub(super) ws_config: WsConfig,
    pub(super) xml_limits: XmlLimits,
    pub(super) keys: K,
    rng: Rng,
    backoff: Backoff,
    /// When the open link will have stayed up long enough for the backoff to start over
    /// (`None` once it has, or while no link is open).
    stable_at: Option<Instant>,
    pub(super) link: Link,
    /// A link came up at least once (later attempts are "reconnecting").
    ever_connected: bool,
    /// The icon state last reported.
    shown_connected: bool,
    pub(super) floor: Floor,
    pub(super) counters: CounterBook,
    /// Bumped by every key the machine stores or removes (with `counters.generation()`, the
    /// authentication state's version).
    pub(super) key_generation: u64,
    /// The version last reported by [`TerminalEvent::AuthChanged`].
    pub(super) reported_auth: u64,
    /// Requests delivered on the current link and not answered yet.
    pub(super) pending: Vec<Pending>,
    /// Id of the next request delivered.
    pub(super) next_id: u64,
    /// Lowest id delivered on the current link; lower ids belong to links that are gone.
    pub(super) link_first_id: u64,
    out: VecDeque<TerminalOutput>,
    /// Bytes in `out` not drained yet.
    pub(super) queued_bytes: usize,
    /// Reused buffer for encoding answers: a `String`, so the text frame needs no UTF-8
    /// check of what the XML writer just wrote.
    pub(super) scratch: String,
    /// [`Terminal::close`] was called: the closing link ends in `Stopped`, not `Waiting`.
    shutting_down: bool,
}

impl<K: KeyStore> std::fmt::Debug for Terminal<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let link = match &self.link {
            Link::Waiting { .. } => "waiting",
            Link::Connecting { .. } => "connecting",
            Link::Handshaking { .. } => "handshaking",
            Link::Open { .. } => "open",
            Link::Closing { .. } => "closing",
            Link::Stopped => "stopped",
        };
        f.debug_struct("Terminal")
            .field("host", &self.config.host)
            .field("port", &self.config.port)
            .field("link", &link)
            .field("auth_skipped", &self.auth_skipped)
            .field("session_open", &self.floor.session_open)
            .field("pending_requests", &self.pending.len())
            .field("retries", &self.backoff.retries())
            .field("queued_bytes", &self.queued_bytes)
            .finish_non_exhaustive()
    }
}

/// Where the link is in its life.
pub(super) enum Link {
    /// Waiting to try again at `retry_at`.
    Waiting { retry_at: Instant },
    /// `Connect` was asked for; waiting for the transport.
    Connecting { deadline: Instant },
    /// Upgrade request sent; collecting the broker's answer in `buf`.
    Handshaking {
        deadline: Instant,
        handshake: Box<ClientHandshake>,
        buf: BytesMut,
    },
    /// Up: requests flow.
    Open { ws: Box<Connection> },
    /// Lost (close or failure) but the ws connection still finishes its close handshake.
    Closing {
        ws: Box<Connection>,
        retry_at: Instant,
        give_up_at: Instant,
    },
    /// Shut down by [`Terminal::close`]: nothing is dialled again.
    Stopped,
}

impl Terminal<MemoryKeyStore> {
    /// A terminal with an empty in-memory key store, asking at once to connect.
    ///
    /// `entropy_seed` drives the handshake nonces, frame masks and backoff jitter: give each
    /// terminal a different, unpredictable seed in production.
    pub fn new(config: TerminalConfig, now: Instant, entropy_seed: u64) -> Self {
        Self::with_key_store(config, now, entropy_seed, MemoryKeyStore::new())
    }
}

impl<K: KeyStore> Terminal<K> {
    /// A terminal whose MAC label keys live in `keys`, asking at once to connect.
    pub fn with_key_store(
        config: TerminalConfig,
        now: Instant,
        entropy_seed: u64,
        keys: K,
    ) -> Self {
        let mut rng = Rng::new(entropy_seed);
        let backoff = Backoff::new(config.reconnect.clone(), Rng::new(rng.next_u64()));
        // One SCA document per message: the message limit is the document limit (the XML
        // reader caps it at u32::MAX), so an oversized one is refused at its frame header.
        let document = config.max_message_size.min(u32::MAX as usize) as u64;
        let ws_config = WsConfig {
            max_frame_payload: document,
            max_message_size: document,
            // The terminal drains the connection after every call and keeps its own mark.
            max_outbound_bytes: usize::MAX / 4,
            ping_interval: config.ping_interval,
            pong_timeout: config.pong_timeout,
            ..WsConfig::default()
        };
        let xml_limits = XmlLimits {
            max_document_bytes: config.max_message_size,
            ..XmlLimits::DEFAULT
        };
        let mut terminal = Self {
            auth_skipped: config.auth_skipped(),
            counters: CounterBook::new(config.max_mac_labels),
            key_generation: 0,
            reported_auth: 0,
            ws_config,
            xml_limits,
            keys,
            rng,
            backoff,
            stable_at: None,
            link: Link::Waiting { retry_at: now },
            ever_connected: false,
            shown_connected: false,
            floor: Floor::default(),
            pending: Vec::new(),
            next_id: 0,
            link_first_id: 0,
            out: VecDeque::new(),
            queued_bytes: 0,
            shutting_down: false,
            scratch: String::new(),
            config,
        };
        terminal.push_status(false);
        terminal.start_attempt(now);
        terminal
    }

    /// The configuration in force.
    pub fn config(&self) -> &TerminalConfig {
        &self.config
    }

    /// The MAC label keys.
    pub fn key_store(&self) -> &K {
        &self.keys
    }

    /// The MAC label keys, for a key the application installs itself. Changes made here are
    /// not reported by [`TerminalEvent::AuthChanged`]: the application made them.
    pub fn key_store_mut(&mut self) -> &mut K {
        &mut self.keys
    }

    /// Whether the link is up (handshake done, not closing).
    pub fn is_connected(&self) -> bool {
        matches!(self.link, Link::Open { .. })
    }

    /// Whether a SESSION is open (from the application's successful START / FINISH /
    /// LANE_CLOSED answers, or [`set_session_open`](Self::set_session_open)); it survives
    /// reconnects.
    pub fn is_session_open(&self) -> bool {
        self.floor.session_open
    }

    /// Sets whether a SESSION is open, for when the application knows better than the
    /// answers the machine saw: the answer to a FINISH was lost with the link, or the device
    /// restarted inside a session. From the next request on, PAYMENT and LINE_ITEM need it
    /// open and SESSION START and SETTIME need it closed; screen messages appear only while
    /// it is closed. A successful START, FINISH or LANE_CLOSED answered later still moves it.
    pub fn set_session_open(&mut self, open: bool) {
        self.floor.session_open = open;
    }

    /// Requests delivered and not answered yet.
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    /// Connection attempts since the last link that stayed up for
    /// [`ReconnectConfig::stable_after`](super::ReconnectConfig::stable_after) (0 during the
    /// first try). A link that drops sooner does not start the count over.
    pub fn retries(&self) -> u32 {
        self.backoff.retries()
    }

    /// Reports that the transport asked for by [`TerminalOutput::Connect`] is open (TCP
    /// connected and, for wss, TLS established): the Upgrade request goes out.
    pub fn handle_connected(&mut self, now: Instant) {
        let Link::Connecting { deadline } = self.link else {
            return;
        };
        let handshake_config = self.client_handshake_config();
        match ClientHandshake::new(handshake_config, self.rng.next_16()) {
            Ok(handshake) => {
                let mut request = BytesMut::new();
                handshake.encode_request(&mut request);
                self.push_transmit(request.freeze());
                self.link = Link::Handshaking {
                    deadline,
                    handshake: Box::new(handshake),
                    buf: BytesMut::new(),
                };
            }
            Err(error) => self.attempt_failed(now, LinkError::HandshakeInvalid(error), true),
        }
    }

    /// Reports bytes read from the transport.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        match &mut self.link {
            Link::Handshaking { handshake, buf, .. } => {
                buf.extend_from_slice(bytes);
                match handshake.decode_response(buf) {
                    Ok(Some((_response, used))) => {
                        let rest = buf.split_off(used.min(buf.len()));
                        self.link_up(now, &rest);
                    }
                    Ok(None) if buf.len() > self.config.max_handshake_bytes => {
                        let error = LinkError::HandshakeTooLong {
                            limit: self.config.max_handshake_bytes,
                        };
                        self.attempt_failed(now, error, true);
                    }
                    Ok(None) => {}
                    Err(error) => {
                        let error = match error {
                            HandshakeError::Rejected { status, .. } => {
                                LinkError::HandshakeRejected { status }
                            }
                            other => LinkError::HandshakeInvalid(other),
                        };
                        self.attempt_failed(now, error, true);
                    }
                }
            }
            Link::Open { ws } | Link::Closing { ws, .. } => {
                ws.handle_input(now, bytes);
                self.pump(now);
            }
            // Bytes from a transport already given up: nothing to do with them.
            Link::Waiting { .. } | Link::Connecting { .. } | Link::Stopped => {}
        }
    }

    /// Reports that the peer closed the transport (end of stream).
    pub fn handle_eof(&mut self, now: Instant) {
        match &mut self.link {
            Link::Connecting { .. } | Link::Handshaking { .. } => {
                self.attempt_failed(now, LinkError::TransportClosed, false);
            }
            Link::Open { ws } | Link::Closing { ws, .. } => {
                ws.handle_eof(now);
                self.pump(now);
                if self.is_connected() {
                    self.link_lost(now, LinkError::TransportClosed);
                }
                self.finish_closing(false);
            }
            Link::Waiting { .. } | Link::Stopped => {}
        }
    }

    /// Reports that the transport could not be opened or broke.
    pub fn handle_transport_failed(&mut self, now: Instant, failure: TransportFailure) {
        match &self.link {
            Link::Connecting { .. } | Link::Handshaking { .. } => {
                self.attempt_failed(now, LinkError::Transport(failure), false);
            }
            Link::Open { .. } => {
                self.link_lost(now, LinkError::Transport(failure));
                self.finish_closing(false);
            }
            Link::Closing { .. } => self.finish_closing(false),
            Link::Waiting { .. } | Link::Stopped => {}
        }
    }

    /// Lets time pass: retries, connect timeouts, keepalive pings, pong and close deadlines.
    /// Early or repeated calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        match &mut self.link {
            Link::Waiting { retry_at } if now >= *retry_at => {
                self.backoff.advance();
                self.start_attempt(now);
            }
            Link::Connecting { deadline } | Link::Handshaking { deadline, .. }
                if now >= *deadline =>
            {
                self.attempt_failed(now, LinkError::ConnectTimeout, true);
            }
            Link::Open { ws } => {
                ws.handle_timeout(now);
                self.pump(now);
                self.check_stable(now);
            }
            Link::Closing { ws, .. } => {
                ws.handle_timeout(now);
                self.pump(now);
                if matches!(self.link, Link::Closing { give_up_at, .. } if now >= give_up_at) {
                    self.finish_closing(true);
                }
            }
            _ => {}
        }
    }

    /// Shuts the link down for good, e.g. when the terminal's service stops. An open link
    /// starts the close handshake (RFC 6455 §7.1.2) with `code` and `reason`; a transport
    /// being set up is dropped; nothing is dialled again. Requests not answered yet are
    /// abandoned. When the link is gone the machine reports [`TerminalEvent::Stopped`] and
    /// asks for no more timeouts.
    ///
    /// Fails, changing nothing, for a code or reason the close frame cannot carry, or when
    /// the terminal is already shutting down.
    pub fn close(&mut self, now: Instant, code: CloseCode, reason: &str) -> Result<(), SendError> {
        if self.shutting_down {
            return Err(SendError::Closed);
        }
        match &mut self.link {
            Link::Open { ws } => {
                ws.close(now, code, reason)?;
                self.shutting_down = true;
                self.begin_closing(now);
                self.pump(now);
            }
            Link::Closing { .. } => self.shutting_down = true,
            Link::Connecting { .. } | Link::Handshaking { .. } => {
                self.shutting_down = true;
                self.out.push_back(TerminalOutput::CloseTransport);
                self.stop();
            }
            Link::Waiting { .. } => {
                self.shutting_down = true;
                self.stop();
            }
            Link::Stopped => return Err(SendError::Closed),
        }
        Ok(())
    }

    /// Whether [`close`](Self::close) finished: the link is gone and stays gone.
    pub fn is_stopped(&self) -> bool {
        matches!(self.link, Link::Stopped)
    }

    fn stop(&mut self) {
        self.link = Link::Stopped;
        self.push_event(TerminalEvent::Stopped);
    }

    /// The next thing for the caller to do, until `None`.
    pub fn poll_output(&mut self) -> Option<TerminalOutput> {
        let output = self.out.pop_front()?;
        if let TerminalOutput::Transmit(bytes) = &output {
            self.queued_bytes = self.queued_bytes.saturating_sub(bytes.len());
        }
        Some(output)
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.link {
            Link::Waiting { retry_at } => Some(*retry_at),
            Link::Connecting { deadline } | Link::Handshaking { deadline, .. } => Some(*deadline),
            Link::Open { ws } => [ws.poll_timeout(), self.stable_at]
                .into_iter()
                .flatten()
                .min(),
            Link::Closing { ws, give_up_at, .. } => Some(
                ws.poll_timeout()
                    .map_or(*give_up_at, |t| t.min(*give_up_at)),
            ),
            Link::Stopped => None,
        }
    }

    pub(super) fn push_event(&mut self, event: TerminalEvent) {
        self.out.push_back(TerminalOutput::Event(event));
    }

    pub(super) fn push_transmit(&mut self, bytes: Bytes) {
        self.queued_bytes = self.queued_bytes.saturating_add(bytes.len());
        self.out.push_back(TerminalOutput::Transmit(bytes));
    }

    fn push_status(&mut self, connected: bool) {
        self.shown_connected = connected;
        let icon_path = if connected {
            self.config.icon_connected.clone()
        } else {
            self.config.icon_disconnected.clone()
        };
        self.push_event(TerminalEvent::Status(LinkStatus {
            connected,
            icon_path,
        }));
    }

    /// Screen messages appear only while no session is open (\[seed\]).
    fn push_screen(&mut self, message: ScreenMessage) {
        if !self.floor.session_open {
            self.push_event(TerminalEvent::Screen(message));
        }
    }

    fn start_attempt(&mut self, now: Instant) {
        self.link = Link::Connecting {
            deadline: now + self.config.connect_timeout,
        };
        self.push_screen(ScreenMessage::Connecting {
            host: self.config.host.clone(),
            port: self.config.port,
            retry: self.backoff.retries(),
            reconnecting: self.ever_connected,
        });
        self.out.push_back(TerminalOutput::Connect(ConnectTarget {
            host: self.config.host.clone(),
            port: self.config.port,
            tls: self.config.tls,
        }));
    }

    fn client_handshake_config(&self) -> ClientHandshakeConfig {
        let c = &self.config;
        let default_port = if c.tls { 443 } else { 80 };
        let host = if c.port == default_port {
            c.host.clone()
        } else {
            format!("{}:{}", c.host, c.port)
        };
        let scheme = if c.tls { "https" } else { "http" };
        ClientHandshakeConfig {
            origin: Some(format!("{scheme}://{host}")),
            host,
            path: c.path.clone(),
            pinpad_id: c.pinpad_id.clone(),
            seed_pinpad_spacing: c.seed_pinpad_spacing,
            max_response_bytes: c.max_handshake_bytes,
            ..ClientHandshakeConfig::default()
        }
    }

    /// An attempt failed before the link came up: schedule the next one.
    fn attempt_failed(&mut self, now: Instant, error: LinkError, close_transport: bool) {
        if close_transport {
            self.out.push_back(TerminalOutput::CloseTransport);
        }
        let retry_in = self.backoff.delay();
        self.link = Link::Waiting {
            retry_at: now + retry_in,
        };
        self.push_screen(ScreenMessage::Failed { error, retry_in });
    }

    fn link_up(&mut self, now: Instant, rest: &[u8]) {
        let ws = Connection::new(
            Role::Client,
            self.ws_config.clone(),
            now,
            self.rng.next_u64(),
        );
        self.link = Link::Open { ws: Box::new(ws) };
        self.ever_connected = true;
        self.stable_at = Some(now + self.config.reconnect.stable_after);
        self.check_stable(now);
        self.link_first_id = self.next_id;
        self.push_status(true);
        self.push_screen(ScreenMessage::Connected {
            host: self.config.host.clone(),
            port: self.config.port,
        });
        if let Link::Open { ws } = &mut self.link
            && !rest.is_empty()
        {
            ws.handle_input(now, rest);
        }
        self.pump(now);
    }

    /// Starts the retry schedule over once the open link has stayed up long enough.
    fn check_stable(&mut self, now: Instant) {
        if self.stable_at.is_some_and(|at| now >= at) && self.is_connected() {
            self.stable_at = None;
            self.backoff.reset();
        }
    }

    /// The open link is lost: abandon its requests, show it, let ws finish closing.
    fn link_lost(&mut self, now: Instant, error: LinkError) {
        if let Some(retry_in) = self.begin_closing(now) {
            self.push_screen(ScreenMessage::Failed { error, retry_in });
        }
    }

    /// Moves an open link to `Closing`: its requests are abandoned and the icon turns to
    /// disconnected. Returns the delay before the next attempt, or `None` when the link was
    /// not open.
    fn begin_closing(&mut self, now: Instant) -> Option<Duration> {
        let Link::Open { .. } = self.link else {
            return None;
        };
        self.check_stable(now);
        self.stable_at = None;
        let retry_in = self.backoff.delay();
        let give_up_in = self.ws_config.close_timeout + CLOSING_GRACE;
        let placeholder = Link::Waiting { retry_at: now };
        if let Link::Open { ws } = std::mem::replace(&mut self.link, placeholder) {
            self.link = Link::Closing {
                ws,
                retry_at: now + retry_in,
                give_up_at: now + give_up_in,
            };
        }
        for pending in std::mem::take(&mut self.pending) {
            self.push_event(TerminalEvent::RequestAbandoned { id: pending.id });
        }
        self.floor.link_lost();
        self.link_first_id = self.next_id;
        if self.shown_connected {
            self.push_status(false);
        }
        Some(retry_in)
    }

    /// The closing link is done: close the transport (when still open) and wait to retry.
    fn finish_closing(&mut self, close_transport: bool) {
        if let Link::Closing { retry_at, .. } = self.link {
            if close_transport {
                self.out.push_back(TerminalOutput::CloseTransport);
            }
            if self.shutting_down {
                self.stop();
            } else {
                self.link = Link::Waiting { retry_at };
            }
        }
    }

    /// Moves everything the ws connection produced into the terminal's outputs, serving
    /// requests on the way.
    pub(super) fn pump(&mut self, now: Instant) {
        // Bounded: each round drains one output; the connection produces finitely many.
        loop {
            let output = match &mut self.link {
                Link::Open { ws } | Link::Closing { ws, .. } => ws.poll_output(),
                _ => None,
            };
            let Some(output) = output else {
                return;
            };
            match output {
                Output::Transmit(bytes) => self.push_transmit(bytes),
                Output::Event(Event::Text(text)) => self.serve(now, text.as_bytes()),
                Output::Event(Event::Binary(bytes)) => self.serve(now, &bytes),
                Output::Event(Event::Close { code, .. }) => {
                    self.link_lost(now, LinkError::Closed { code: code.0 });
                }
                Output::Event(Event::Failed(error)) => {
                    self.link_lost(now, LinkError::Protocol(error));
                }
                Output::Event(_) => {}
                Output::CloseTransport => {
                    self.link_lost(now, LinkError::TransportClosed);
                    self.finish_closing(true);
                }
            }
        }
    }
}
