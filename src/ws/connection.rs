//! The connection state machine: phases of the close handshake, timers, output queue.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::BytesMut;

use super::owned_input::HeldMessage;
use super::receive::reserve_in_blocks;
use super::utf8::Utf8Validator;
use super::{DataKind, Event, Output, Role, WsConfig, WsError};
use crate::drive::TransportFailure;
use crate::frame::{CloseCode, ClosePayload, FrameHeader, OpCode, extend_masked};
use crate::rng::Rng;

/// Where the connection is in its life (RFC 6455 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Messages flow both ways.
    Open,
    /// A close frame was sent or received, or the connection failed; waiting for the close
    /// handshake to end or for the transport to close.
    Closing,
    /// [`Output::CloseTransport`] was emitted (or is pending): nothing more will happen.
    Closed,
}

/// Internal phases; [`ConnectionState`] is their public summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Open,
    /// We sent a close frame and wait for the peer's (still reading frames).
    CloseSent,
    /// The handshake is over or failed; a client waits for the server to close TCP.
    Draining,
    Closed,
}

/// The frame being received: its header and how much payload is still to come.
#[derive(Debug, Clone, Copy)]
pub(super) struct InFrame {
    pub(super) fin: bool,
    pub(super) opcode: OpCode,
    pub(super) mask: Option<[u8; 4]>,
    pub(super) remaining: u64,
    /// Payload bytes already taken (the masking phase of the next byte).
    pub(super) received: usize,
}

/// One WebSocket connection, sans-IO (RFC 6455 §5–§7), after the opening handshake.
///
/// Drive it as the crate docs describe: feed [`handle_input`](Self::handle_input),
/// [`handle_eof`](Self::handle_eof) and [`handle_timeout`](Self::handle_timeout); drain
/// [`poll_output`](Self::poll_output) until `None`; wake at
/// [`poll_timeout`](Self::poll_timeout). `Debug` shows state and sizes, never buffered
/// payloads or the masking generator.
pub struct Connection {
    pub(super) role: Role,
    pub(super) config: WsConfig,
    pub(super) rng: Rng,
    pub(super) phase: Phase,
    // -- receiving --
    /// A header cut by a read boundary.
    pub(super) header_buf: [u8; FrameHeader::MAX_LEN],
    pub(super) header_len: usize,
    pub(super) frame: Option<InFrame>,
    /// The data message being received, unmasked (payloads only, so fragments are contiguous).
    pub(super) message: BytesMut,
    /// The kind of the data message in progress, from its first frame until FIN.
    pub(super) message_kind: Option<DataKind>,
    pub(super) utf8: Utf8Validator,
    /// The control frame being received (kept apart: it may interrupt a data message).
    pub(super) control: BytesMut,
    /// The message [`handle_input_buf`](Self::handle_input_buf) is receiving in the
    /// driver's buffer, if any.
    pub(super) held: Option<HeldMessage>,
    // -- sending --
    pub(super) tx: BytesMut,
    pub(super) send_kind: Option<DataKind>,
    pub(super) send_utf8: Utf8Validator,
    pub(super) events: VecDeque<Event>,
    /// A peer fault found while earlier events were still undrained: it takes effect once
    /// they are, so the application can still answer them (Autobahn 3.2, 4.1.3, 5.15: the
    /// echo of a good message goes out before the close for the bad frame behind it).
    pub(super) deferred_failure: Option<(Instant, WsError)>,
    pub(super) close_transport_pending: bool,
    // -- timers --
    pub(super) next_ping: Option<Instant>,
    pub(super) pong_deadline: Option<Instant>,
    pub(super) ping_count: u64,
    /// The number of the oldest keepalive ping still unanswered: the one `pong_deadline`
    /// counts from. A pong echoing it or any later ping proves the peer alive since.
    pub(super) awaited_ping: u64,
    pub(super) close_deadline: Option<Instant>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::redact::ByteCount;
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("phase", &self.phase)
            .field("receiving", &ByteCount(self.message.len()))
            .field("queued", &ByteCount(self.tx.len()))
            .field("events", &self.events.len())
            .field("next_ping", &self.next_ping)
            .field("pong_deadline", &self.pong_deadline)
            .field("close_deadline", &self.close_deadline)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection whose opening handshake just completed. `entropy_seed` seeds the masking
    /// keys (RFC 6455 §5.3 wants them unpredictable: pass real entropy in production).
    pub fn new(role: Role, config: WsConfig, now: Instant, entropy_seed: u64) -> Self {
        let next_ping = config.ping_interval.map(|every| now + every);
        Self {
            role,
            config,
            rng: Rng::new(entropy_seed),
            phase: Phase::Open,
            header_buf: [0; FrameHeader::MAX_LEN],
            header_len: 0,
            frame: None,
            message: BytesMut::new(),
            message_kind: None,
            utf8: Utf8Validator::default(),
            control: BytesMut::new(),
            held: None,
            tx: BytesMut::new(),
            send_kind: None,
            send_utf8: Utf8Validator::default(),
            events: VecDeque::new(),
            deferred_failure: None,
            close_transport_pending: false,
            next_ping,
            pong_deadline: None,
            ping_count: 0,
            awaited_ping: 0,
            close_deadline: None,
        }
    }

    /// Which end this is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The limits and timers in force.
    pub fn config(&self) -> &WsConfig {
        &self.config
    }

    /// Where the connection is in its life.
    pub fn state(&self) -> ConnectionState {
        match self.phase {
            Phase::Open => ConnectionState::Open,
            Phase::CloseSent | Phase::Draining => ConnectionState::Closing,
            Phase::Closed => ConnectionState::Closed,
        }
    }

    /// Whether messages may still be sent.
    pub fn is_open(&self) -> bool {
        self.phase == Phase::Open
    }

    /// Bytes queued for the transport and not yet drained by [`poll_output`](Self::poll_output).
    pub fn queued_bytes(&self) -> usize {
        self.tx.len()
    }

    /// The next thing to do: bytes to write first, then events, then (last)
    /// [`Output::CloseTransport`]. Drain until `None` after every `handle_*` call. Sends may
    /// be batched and drained together ([`queued_bytes`](Self::queued_bytes) says how much
    /// waits; `max_outbound_bytes` bounds it).
    #[inline]
    pub fn poll_output(&mut self) -> Option<Output> {
        if !self.tx.is_empty() {
            return Some(Output::Transmit(self.tx.split().freeze()));
        }
        if let Some(event) = self.events.pop_front() {
            return Some(Output::Event(event));
        }
        if let Some((at, error)) = self.deferred_failure.take()
            && matches!(self.phase, Phase::Open | Phase::CloseSent)
        {
            self.fail_now(at, error);
            return self.poll_output();
        }
        if self.close_transport_pending {
            self.close_transport_pending = false;
            return Some(Output::CloseTransport);
        }
        None
    }

    /// The queued outbound bytes, to be written straight from the connection's own buffer:
    /// the send path without a `Bytes` per drain (whose shared reference count costs an
    /// atomic increment and decrement per write). Write a prefix, report it with
    /// [`transmitted`](Self::transmitted), and call [`poll_output`](Self::poll_output) for
    /// the events as usual; whatever is still queued then comes out as an
    /// [`Output::Transmit`] instead, so the two ways mix freely.
    #[inline]
    pub fn pending_transmit(&self) -> &[u8] {
        &self.tx
    }

    /// The first `written` bytes of [`pending_transmit`](Self::pending_transmit) went to the
    /// transport (a short write reports fewer). More than are queued counts as all of them.
    /// Once everything is written the buffer is reused in place, with no allocation.
    #[inline]
    pub fn transmitted(&mut self, written: usize) {
        if written >= self.tx.len() {
            self.tx.clear();
        } else {
            bytes::Buf::advance(&mut self.tx, written);
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) wants to be called next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Open => [self.next_ping, self.pong_deadline]
                .into_iter()
                .flatten()
                .min(),
            Phase::CloseSent | Phase::Draining => self.close_deadline,
            Phase::Closed => None,
        }
    }

    /// Time has passed: send a keepalive ping, fail on a missing pong, or give up on a close
    /// handshake. An early or repeated call does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::Open => {
                if self.pong_deadline.is_some_and(|at| now >= at) {
                    self.fail(now, WsError::PongTimeout);
                    self.close_transport();
                    return;
                }
                if self.next_ping.is_some_and(|at| now >= at) {
                    self.send_keepalive_ping(now);
                }
            }
            Phase::CloseSent => {
                if self.close_deadline.is_some_and(|at| now >= at) {
                    self.events.push_back(Event::Failed(WsError::CloseTimeout));
                    self.close_transport();
                }
            }
            Phase::Draining => {
                if self.close_deadline.is_some_and(|at| now >= at) {
                    self.close_transport();
                }
            }
            Phase::Closed => {}
        }
    }

    /// The peer closed the transport (read returned 0). Before the close handshake this is an
    /// abnormal closure (§7.1.5, code 1006).
    pub fn handle_eof(&mut self, _now: Instant) {
        self.transport_gone(WsError::TransportClosed);
    }

    /// The I/O layer lost the transport (a read or write error). Before the close handshake
    /// is over this is an abnormal closure (§7.1.5, code 1006), as at end of stream.
    pub fn handle_transport_failed(&mut self, _now: Instant, failure: TransportFailure) {
        self.transport_gone(WsError::TransportFailed(failure));
    }

    fn transport_gone(&mut self, why: WsError) {
        match self.phase {
            Phase::Open | Phase::CloseSent => {
                self.events.push_back(Event::Failed(why));
                self.close_transport();
            }
            Phase::Draining => self.close_transport(),
            Phase::Closed => {}
        }
    }

    fn send_keepalive_ping(&mut self, now: Instant) {
        self.ping_count = self.ping_count.wrapping_add(1);
        let payload = self.ping_count.to_be_bytes();
        self.queue_frame(true, OpCode::Ping, &payload);
        // A later ping never moves the deadline of an older unanswered one: with an interval
        // under the pong timeout, a silent peer would otherwise never be declared lost.
        if self.pong_deadline.is_none() {
            self.pong_deadline = Some(now + self.config.effective_pong_timeout());
            self.awaited_ping = self.ping_count;
        }
        self.next_ping = self.config.ping_interval.map(|every| now + every);
    }

    /// A pong arrived: if it echoes the awaited keepalive ping or a later one (RFC 6455
    /// §5.5.3 lets a peer answer only the most recent ping), the peer is alive.
    pub(super) fn pong_received(&mut self, payload: &[u8]) {
        if self.pong_deadline.is_none() {
            return;
        }
        let Ok(echo) = <[u8; 8]>::try_from(payload) else {
            return;
        };
        let number = u64::from_be_bytes(echo);
        if (self.awaited_ping..=self.ping_count).contains(&number) {
            self.pong_deadline = None;
        }
    }

    /// Appends one frame to the outbound bytes, masked when we are the client (§5.3).
    #[inline]
    pub(super) fn queue_frame(&mut self, fin: bool, opcode: OpCode, payload: &[u8]) {
        let mask = match self.role {
            Role::Client => Some(self.rng.next_mask()),
            Role::Server => None,
        };
        let header = FrameHeader {
            fin,
            rsv: 0,
            opcode,
            mask,
            payload_len: payload.len() as u64,
        };
        reserve_in_blocks(&mut self.tx, FrameHeader::MAX_LEN + payload.len());
        header.encode(&mut self.tx);
        match mask {
            Some(key) => extend_masked(&mut self.tx, payload, key, 0),
            None => self.tx.extend_from_slice(payload),
        }
    }

    /// Queues a close frame (the caller validated code and reason).
    pub(super) fn queue_close(&mut self, code: CloseCode, reason: &str) {
        let mut payload = [0u8; 125];
        let mut len = 0;
        if code != CloseCode::NO_STATUS {
            payload[..2].copy_from_slice(&code.0.to_be_bytes());
            let reason = reason.as_bytes();
            let reason = reason.get(..ClosePayload::MAX_REASON_LEN).unwrap_or(reason);
            payload[2..2 + reason.len()].copy_from_slice(reason);
            len = 2 + reason.len();
        }
        self.queue_frame(true, OpCode::Close, &payload[..len]);
    }

    /// Fails the connection (§7.1.7): a close frame with the error's code unless one was
    /// already sent, the `Failed` event, and no more reading. While events are undrained the
    /// failure waits behind them (reading stops at once).
    pub(super) fn fail(&mut self, now: Instant, error: WsError) {
        if self.events.is_empty() || self.deferred_failure.is_some() {
            self.fail_now(now, error);
        } else {
            self.deferred_failure = Some((now, error));
        }
    }

    fn fail_now(&mut self, now: Instant, error: WsError) {
        if let (Phase::Open, Some(code)) = (self.phase, error.close_code()) {
            self.queue_close(code, "");
        }
        self.events.push_back(Event::Failed(error));
        self.handshake_over(now);
    }

    /// The close handshake is over (or failed): the server closes TCP now, the client waits
    /// for the server to do it, at most `close_timeout` (§7.1.1).
    pub(super) fn handshake_over(&mut self, now: Instant) {
        self.frame = None;
        self.message.clear();
        self.message_kind = None;
        self.held = None;
        match self.role {
            Role::Server => self.close_transport(),
            Role::Client => {
                self.phase = Phase::Draining;
                self.close_deadline = Some(now + self.config.close_timeout);
            }
        }
    }

    /// Nothing more will happen: the next drained output after the queued bytes and events
    /// is `CloseTransport`.
    pub(super) fn close_transport(&mut self) {
        if self.phase != Phase::Closed {
            self.phase = Phase::Closed;
            self.close_transport_pending = true;
        }
        self.next_ping = None;
        self.pong_deadline = None;
        self.close_deadline = None;
    }
}
