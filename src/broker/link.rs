//! One accepted transport, from the first byte of its upgrade request to its end.
//!
//! Phases: *reading* the upgrade request, *deciding* (the application looks at the pinpad
//! id, Origin and subprotocols and accepts or rejects), *open* (a server-role WebSocket
//! carrying TRANSACTION / RESPONSE documents), *ended*. The handshake timeout covers reading
//! and deciding. Requests submitted while open go through the [`Tracker`]; COUNTER and MAC
//! are written into a request when it leaves, from the link's [`CounterBook`].
//!
//! WebSocket outputs are translated lazily, inside [`Link::poll_output`]: a RESPONSE is
//! matched when the caller drains it, and bytes waiting in the ws layer count against its
//! outbound high-water mark, which is this link's backpressure.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;

use super::config::BrokerConfig;
use super::counter::CounterBook;
use super::error::{BrokerError, RequestFailure};
use super::event::{BrokerEvent, BrokerOutput, CloseReason, UpgradeInfo};
use super::matching::{self, Port, RequestKeys, ResponseKeys};
use super::recon::ReconSource;
use super::requests::{BrokerRequestId, Ended, Limits, Tracker, WhenBusy};
use crate::drive::TransportFailure;
use crate::frame::CloseCode;
use crate::handshake::{self, HandshakeError};
use crate::ws::{self, Connection, Role};
use crate::xml::{Command, Counter, FunctionType, Response, Transaction};

/// Per-request choices for [`Link::submit_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SubmitOptions {
    /// When the request fails with [`RequestFailure::TimedOut`]; default: submission time
    /// plus [`BrokerConfig::request_timeout`].
    pub deadline: Option<Instant>,
    /// Queue or refuse a primary while another is in flight.
    pub when_busy: WhenBusy,
    /// The terminal may answer this request without echoing POS_RECON (older firmware, a
    /// command it does not echo for). Only takes effect when the request carries no COUNTER
    /// and the POS set no POS_RECON; a notification that arrives meanwhile may then be taken
    /// as its answer (see the matching rule's limits in [`crate::broker`]). Default `false`.
    pub answer_may_lack_echo: bool,
}

/// A request waiting to be written, with what matching needs to know about it.
#[derive(Debug)]
pub(crate) struct Outgoing {
    transaction: Transaction,
    answer_may_lack_echo: bool,
}

enum Phase {
    /// Collecting the upgrade request.
    Reading { buf: BytesMut, deadline: Instant },
    /// A valid request waits for [`Link::accept`] / [`Link::reject`]; `buf` still holds it
    /// (and any bytes that followed).
    Deciding { buf: BytesMut, deadline: Instant },
    /// The WebSocket is up (or closing).
    Open(Box<Connection>),
    /// Nothing more will happen; `CloseTransport` has been queued.
    Ended,
}

/// The broker side of one terminal's transport: a sans-IO state machine.
///
/// Drive it as the crate docs say: feed [`Link::handle_input`], [`Link::handle_eof`] and
/// [`Link::handle_timeout`]; drain [`Link::poll_output`] until `None` after each call; wake
/// at [`Link::poll_timeout`].
pub struct Link {
    config: Arc<BrokerConfig>,
    phase: Phase,
    requests: Tracker<Outgoing>,
    counters: CounterBook,
    /// POS_RECON values for requests the POS sent without one.
    recons: ReconSource,
    out: VecDeque<BrokerOutput>,
    /// The latest time the caller gave; used when sending from inside `poll_output`.
    now: Instant,
    entropy_seed: u64,
    /// The GET COUNTER request in flight and the label it asked about, to learn its answer.
    get_counter: Option<(BrokerRequestId, Option<Box<str>>)>,
    /// [`Link::close_replaced`] was called: the link ends as [`CloseReason::Replaced`].
    replaced: bool,
    ended: bool,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let phase = match self.phase {
            Phase::Reading { .. } => "reading",
            Phase::Deciding { .. } => "deciding",
            Phase::Open(_) => "open",
            Phase::Ended => "ended",
        };
        f.debug_struct("Link")
            .field("phase", &phase)
            .field("requests", &self.requests.len())
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl Link {
    /// A link for a transport that has just been accepted at `now`. `entropy_seed` feeds the
    /// WebSocket layer and the POS_RECON values the link adds to requests; give every link a
    /// different seed, drawn from the operating system, so that a late answer from another
    /// link (or from before a restart) never carries a POS_RECON this link uses.
    pub fn new(config: Arc<BrokerConfig>, now: Instant, entropy_seed: u64) -> Self {
        let deadline = now + config.handshake_timeout;
        Self {
            config,
            phase: Phase::Reading {
                buf: BytesMut::new(),
                deadline,
            },
            requests: Tracker::default(),
            counters: CounterBook::new(),
            recons: ReconSource::new(entropy_seed),
            out: VecDeque::new(),
            now,
            entropy_seed,
            get_counter: None,
            replaced: false,
            ended: false,
        }
    }

    fn limits(&self) -> Limits {
        Limits {
            max_waiting: self.config.max_waiting_requests,
            max_secondaries: self.config.max_secondaries_in_flight,
        }
    }

    /// Whether requests can be submitted.
    pub fn is_open(&self) -> bool {
        matches!(&self.phase, Phase::Open(ws) if ws.is_open())
    }

    /// Whether the link has ended (its `Closed` event is queued or delivered).
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Requests submitted and not yet ended (in flight plus waiting).
    pub fn pending_requests(&self) -> usize {
        self.requests.len()
    }

    /// The MAC labels and counters of this link's terminal.
    pub fn counters(&self) -> &CounterBook {
        &self.counters
    }

    /// Changes the MAC labels (e.g. after REGISTER or GET COUNTER). An empty book means
    /// skip-auth: requests go out without COUNTER / MAC / MAC_LABEL being added.
    pub fn counters_mut(&mut self) -> &mut CounterBook {
        &mut self.counters
    }

    /// Replaces the book, e.g. with the one of the same terminal's previous link.
    pub fn set_counters(&mut self, counters: CounterBook) {
        self.counters = counters;
    }

    /// Takes the book out (leaving an empty one), to carry it to the terminal's next link.
    pub fn take_counters(&mut self) -> CounterBook {
        std::mem::take(&mut self.counters)
    }

    // ----- input -----

    /// Bytes received from the transport.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.now = now;
        match &mut self.phase {
            Phase::Reading { buf, .. } => {
                let room = self
                    .config
                    .handshake
                    .max_request_bytes
                    .saturating_sub(buf.len());
                let take = bytes.len().min(room.saturating_add(1));
                buf.extend_from_slice(bytes.get(..take).unwrap_or(bytes));
                self.try_read_request(bytes.get(take..).unwrap_or_default());
            }
            Phase::Deciding { buf, .. } => {
                // Frames sent before our 101 are kept for the connection, within a bound.
                if buf.len().saturating_add(bytes.len()) > early_data_limit(&self.config) {
                    self.end(CloseReason::EarlyData);
                } else {
                    buf.extend_from_slice(bytes);
                }
            }
            Phase::Open(ws) => ws.handle_input(now, bytes),
            Phase::Ended => {}
        }
    }

    /// The peer ended the stream (a read returned 0).
    pub fn handle_eof(&mut self, now: Instant) {
        self.now = now;
        match &mut self.phase {
            Phase::Open(ws) => ws.handle_eof(now),
            Phase::Ended => {}
            _ => self.end(CloseReason::TransportLost),
        }
    }

    /// The I/O layer lost the transport (a read or write error). An open link ends with
    /// [`CloseReason::Failed`] carrying the failure; before the upgrade, with `TransportLost`.
    pub fn handle_transport_failed(&mut self, now: Instant, failure: TransportFailure) {
        self.now = now;
        match &mut self.phase {
            Phase::Open(ws) => ws.handle_transport_failed(now, failure),
            Phase::Ended => {}
            _ => self.end(CloseReason::TransportLost),
        }
    }

    /// Time passed: handshake deadline, ws timers (pings, pong and close deadlines),
    /// request deadlines. Early or repeated calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        match &mut self.phase {
            Phase::Reading { deadline, .. } | Phase::Deciding { deadline, .. } => {
                if now >= *deadline {
                    self.end(CloseReason::HandshakeTimeout);
                }
            }
            Phase::Open(ws) => {
                ws.handle_timeout(now);
                let out = &mut self.out;
                self.requests.expire(now, &mut |e: Ended| {
                    out.push_back(failed(e.id, RequestFailure::TimedOut { sent: e.sent }));
                });
                self.requests.shrink_when_empty();
                let _ = self.send_waiting();
            }
            Phase::Ended => {}
        }
    }

    fn try_read_request(&mut self, rest: &[u8]) {
        let Phase::Reading { buf, deadline } = &mut self.phase else {
            return;
        };
        let deadline = *deadline;
        match handshake::decode_request(buf, &self.config.handshake) {
            Ok(None) => {
                let limit = self.config.handshake.max_request_bytes;
                if !rest.is_empty() || buf.len() > limit {
                    // More than the limit without a complete request.
                    self.invalid_request(HandshakeError::HeadTooLarge { limit });
                }
            }
            Ok(Some((request, _used))) => {
                let info = upgrade_info(&request);
                let mut buf = std::mem::take(buf);
                buf.extend_from_slice(rest);
                self.phase = Phase::Deciding { buf, deadline };
                self.out
                    .push_back(BrokerOutput::Event(BrokerEvent::UpgradeRequested(info)));
            }
            Err(e) => self.invalid_request(e),
        }
    }

    fn invalid_request(&mut self, error: HandshakeError) {
        let mut answer = BytesMut::new();
        handshake::encode_error_response(&error, &mut answer);
        self.out.push_back(BrokerOutput::Transmit(answer.freeze()));
        self.end(CloseReason::HandshakeInvalid(error));
    }

    // ----- the application's decision -----

    /// Accepts the pending upgrade, selecting `protocol` (normally `Some("sci")`; it must be
    /// one the terminal offered) or none. Queues the 101 answer and opens the link.
    pub fn accept(&mut self, now: Instant, protocol: Option<&str>) -> Result<(), BrokerError> {
        self.accept_with_headers(now, protocol, &[])
    }

    /// [`Link::accept`] with extra response headers (e.g. `Server`, `Date`).
    pub fn accept_with_headers(
        &mut self,
        now: Instant,
        protocol: Option<&str>,
        extra_headers: &[(&str, &str)],
    ) -> Result<(), BrokerError> {
        self.now = now;
        let Phase::Deciding { buf, .. } = &mut self.phase else {
            return Err(BrokerError::NoPendingUpgrade);
        };
        let mut answer = BytesMut::new();
        let used = match handshake::decode_request(buf, &self.config.handshake) {
            Ok(Some((request, used))) => {
                handshake::encode_accept(&request, protocol, extra_headers, &mut answer)?;
                used
            }
            // The request parsed when it arrived; it cannot fail now. Stay safe anyway.
            _ => return Err(BrokerError::NoPendingUpgrade),
        };
        let early = buf.split_off(used.min(buf.len()));
        let mut ws = Box::new(Connection::new(
            Role::Server,
            self.config.link_ws_config(),
            now,
            self.entropy_seed,
        ));
        if !early.is_empty() {
            ws.handle_input(now, &early);
        }
        self.phase = Phase::Open(ws);
        self.out.push_back(BrokerOutput::Transmit(answer.freeze()));
        self.out.push_back(BrokerOutput::Event(BrokerEvent::Open));
        Ok(())
    }

    /// Rejects the pending upgrade with an HTTP error `status` (e.g. 403 for an unknown
    /// pinpad, 404 for a wrong path) and ends the link.
    pub fn reject(&mut self, now: Instant, status: u16, reason: &str) -> Result<(), BrokerError> {
        self.now = now;
        if !matches!(self.phase, Phase::Deciding { .. }) {
            return Err(BrokerError::NoPendingUpgrade);
        }
        let mut answer = BytesMut::new();
        handshake::encode_rejection(status, reason, &mut answer)?;
        self.out.push_back(BrokerOutput::Transmit(answer.freeze()));
        self.end(CloseReason::Rejected { status });
        Ok(())
    }

    // ----- requests -----

    /// Submits a POS request with the default deadline, queued if a primary is in flight.
    pub fn submit(
        &mut self,
        now: Instant,
        transaction: Transaction,
    ) -> Result<BrokerRequestId, BrokerError> {
        self.submit_with(now, transaction, SubmitOptions::default())
    }

    /// Submits a POS request. It ends later with exactly one `Answered` or `Failed` event.
    ///
    /// A request without POS_RECON gets one of the link's own when it is written; a
    /// POS_RECON the POS set is kept, and refused with [`BrokerError::DuplicatePosRecon`]
    /// while a pending request that could be in flight beside it carries the same one (a
    /// secondary beside anything; two primaries are never in flight together).
    pub fn submit_with(
        &mut self,
        now: Instant,
        transaction: Transaction,
        options: SubmitOptions,
    ) -> Result<BrokerRequestId, BrokerError> {
        self.now = now;
        if !self.is_open() {
            return Err(BrokerError::NotOpen);
        }
        let port = if transaction.is_secondary() {
            Port::Secondary
        } else {
            Port::Primary
        };
        let deadline = options
            .deadline
            .unwrap_or_else(|| now + self.config.request_timeout);
        if let Some(recon) = transaction.pos_recon()
            && self
                .requests
                .recon_pending(recon, Some(port), |o| o.transaction.pos_recon())
        {
            return Err(BrokerError::DuplicatePosRecon);
        }
        let limits = self.limits();
        let outgoing = Outgoing {
            transaction,
            answer_may_lack_echo: options.answer_may_lack_echo,
        };
        let id = self
            .requests
            .submit(port, deadline, outgoing, options.when_busy, limits)?;
        let _ = self.send_waiting();
        Ok(id)
    }

    /// Starts the close handshake (RFC 6455 §7.1.2). Requests still waiting fail at once with
    /// `LinkLost { sent: false }`; those in flight may still be answered until the link ends.
    pub fn close(
        &mut self,
        now: Instant,
        code: CloseCode,
        reason: &str,
    ) -> Result<(), BrokerError> {
        self.now = now;
        match &mut self.phase {
            Phase::Open(ws) => {
                ws.close(now, code, reason)?;
            }
            Phase::Reading { .. } | Phase::Deciding { .. } => {
                self.end(CloseReason::TransportLost);
                return Ok(());
            }
            Phase::Ended => return Err(BrokerError::NotOpen),
        }
        let out = &mut self.out;
        self.requests.end_waiting(&mut |e: Ended| {
            out.push_back(failed(e.id, RequestFailure::LinkLost { sent: e.sent }));
        });
        Ok(())
    }

    /// Closes a link that a newer link with the same pinpad id replaced (the
    /// [`super::Registry`] says which): a close frame with [`super::CLOSE_REPLACED`] and
    /// [`super::CLOSE_REPLACED_REASON`], every request (waiting and in flight) fails at once
    /// with [`RequestFailure::Replaced`], and the link ends as [`CloseReason::Replaced`]. An
    /// answer arriving during the close handshake is reported as unsolicited.
    pub fn close_replaced(&mut self, now: Instant) -> Result<(), BrokerError> {
        self.now = now;
        if self.ended {
            return Err(BrokerError::NotOpen);
        }
        self.replaced = true;
        let out = &mut self.out;
        self.requests.end_all(&mut |e: Ended| {
            out.push_back(failed(e.id, RequestFailure::Replaced { sent: e.sent }));
        });
        self.requests.shrink_when_empty();
        self.get_counter = None;
        match &mut self.phase {
            Phase::Open(ws) => {
                // A connection already closing keeps its handshake; the end is still ours.
                let _ = ws.close(now, super::CLOSE_REPLACED, super::CLOSE_REPLACED_REASON);
            }
            _ => self.end(CloseReason::Replaced),
        }
        Ok(())
    }

    /// Writes waiting requests the tracker releases, until the ws layer pushes back.
    /// Whether anything was written or failed (so there is output to drain).
    fn send_waiting(&mut self) -> bool {
        let limits = self.limits();
        let Phase::Open(ws) = &mut self.phase else {
            return false;
        };
        let mut progress = false;
        let mut text = String::new();
        while let Some(mut waiting) = self.requests.next_sendable(limits) {
            let tx = &mut waiting.payload.transaction;
            let recon_set_by_pos = tx.pos_recon().is_some();
            if !recon_set_by_pos {
                // Bounded: a pending POS_RECON set by the POS can equal at most one value.
                let mut recon = self.recons.next_value();
                while self
                    .requests
                    .recon_pending(&recon, None, |o| o.transaction.pos_recon())
                {
                    recon = self.recons.next_value();
                }
                // Hex digits are valid field text, so this cannot fail.
                let _ = tx.set_pos_recon(&recon);
            }
            let mut counter = tx.counter().and_then(Result::ok).map(Counter::get);
            let auth = !self.counters.is_empty() && !tx.is_mac_exempt();
            if auth {
                match self.counters.allocate(tx.mac_label()) {
                    Ok(a) => {
                        // Values from the book are valid field text, so these cannot fail.
                        if let Some(c) = Counter::new(a.counter) {
                            let _ = tx.set_counter(c);
                        }
                        let _ = tx.set_mac(&a.mac);
                        let _ = tx.set_mac_label(&a.label);
                        counter = Some(a.counter);
                    }
                    Err(e) => {
                        self.out
                            .push_back(failed(waiting.id, RequestFailure::Auth(e)));
                        progress = true;
                        continue;
                    }
                }
            }
            text.clear();
            tx.encode_to_string(&mut text);
            if ws.send_text(self.now, &text).is_err() {
                self.requests.unpop(waiting);
                break;
            }
            if is_get_counter(tx) {
                self.get_counter = Some((waiting.id, tx.mac_label().map(Into::into)));
            }
            let may_lack_echo = matching::may_lack_echo(
                tx.function_type.as_str(),
                tx.command.as_str(),
                counter.is_some(),
                recon_set_by_pos,
                waiting.payload.answer_may_lack_echo,
            );
            let keys = RequestKeys {
                port: waiting.port,
                counter,
                pos_recon: tx.pos_recon().map(Into::into),
                may_lack_echo,
            };
            self.requests.sent(waiting.id, keys, waiting.deadline);
            progress = true;
        }
        progress
    }

    // ----- output -----

    /// The next thing to do or learn; call until `None` after every input.
    pub fn poll_output(&mut self) -> Option<BrokerOutput> {
        // Bounded: each turn either returns or consumes one ws output.
        loop {
            if let Some(o) = self.out.pop_front() {
                return Some(o);
            }
            if self.out.capacity() > 0 {
                self.out = VecDeque::new();
            }
            let Phase::Open(ws) = &mut self.phase else {
                return None;
            };
            match ws.poll_output() {
                Some(ws::Output::Transmit(b)) => return Some(BrokerOutput::Transmit(b)),
                Some(ws::Output::Event(e)) => {
                    if let Some(event) = self.on_ws_event(e) {
                        return Some(BrokerOutput::Event(event));
                    }
                }
                Some(ws::Output::CloseTransport) => {
                    self.end(CloseReason::TransportLost);
                }
                None => {
                    if !self.send_waiting() {
                        return None;
                    }
                }
            }
        }
    }

    fn on_ws_event(&mut self, event: ws::Event) -> Option<BrokerEvent> {
        match event {
            ws::Event::Text(text) => self.on_message(text.as_bytes()),
            ws::Event::Binary(bytes) => self.on_message(&bytes),
            ws::Event::Close { code, reason } => {
                self.finish(CloseReason::Closed {
                    code,
                    reason: reason.as_str().to_owned(),
                });
                None
            }
            ws::Event::Failed(e) => {
                self.finish(CloseReason::Failed(e));
                None
            }
            _ => None,
        }
    }

    fn on_message(&mut self, bytes: &[u8]) -> Option<BrokerEvent> {
        let response = match Response::decode_with(bytes, &self.config.xml) {
            Ok(r) => r,
            Err(e) => return Some(BrokerEvent::BadMessage(e)),
        };
        let keys = ResponseKeys {
            counter: response.counter.map(Counter::get),
            pos_recon: response.pos_recon(),
            result_code: response.result_code.map(|c| c.0),
        };
        let Some(id) = self.requests.answer(&keys) else {
            return Some(BrokerEvent::Unsolicited(response));
        };
        if let Some((gc, label)) = self.get_counter.take() {
            if gc == id {
                if let Some(c) = keys.counter {
                    let label = label
                        .as_deref()
                        .or(self.counters.default_label())
                        .map(str::to_owned);
                    if let Some(l) = label {
                        self.counters.observe(&l, c);
                    }
                }
            } else {
                self.get_counter = Some((gc, label));
            }
        }
        Some(BrokerEvent::Answered { id, response })
    }

    /// Ends the link from any phase: every request fails, `Closed` then `CloseTransport`.
    fn end(&mut self, reason: CloseReason) {
        self.finish(reason);
        self.phase = Phase::Ended;
        self.out.push_back(BrokerOutput::CloseTransport);
    }

    /// Fails every request and reports `Closed` once; the ws layer may still have bytes to
    /// write (a close reply) and says when to close the transport.
    fn finish(&mut self, reason: CloseReason) {
        if self.ended {
            return;
        }
        self.ended = true;
        let reason = if self.replaced {
            CloseReason::Replaced
        } else {
            reason
        };
        let out = &mut self.out;
        self.requests.end_all(&mut |e: Ended| {
            out.push_back(failed(e.id, RequestFailure::LinkLost { sent: e.sent }));
        });
        self.requests.shrink_when_empty();
        self.get_counter = None;
        self.out
            .push_back(BrokerOutput::Event(BrokerEvent::Closed(reason)));
    }

    /// When to call [`Link::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let phase = match &self.phase {
            Phase::Reading { deadline, .. } | Phase::Deciding { deadline, .. } => Some(*deadline),
            Phase::Open(ws) => ws.poll_timeout(),
            Phase::Ended => None,
        };
        let requests = self.requests.next_deadline();
        match (phase, requests) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

fn failed(id: BrokerRequestId, failure: RequestFailure) -> BrokerOutput {
    BrokerOutput::Event(BrokerEvent::Failed { id, failure })
}

/// Bytes a terminal may send after its upgrade request before it is accepted.
fn early_data_limit(config: &BrokerConfig) -> usize {
    config.handshake.max_request_bytes.saturating_mul(2)
}

fn is_get_counter(tx: &Transaction) -> bool {
    tx.function_type == FunctionType::Admin && tx.command == Command::GetCounter
}

fn upgrade_info(request: &handshake::UpgradeRequest<'_>) -> UpgradeInfo {
    UpgradeInfo {
        path: request.path().to_owned(),
        host: request.host().to_owned(),
        origin: request.origin().map(str::to_owned),
        pinpad_id: request.pinpad_id().map(str::to_owned),
        protocols: request.protocols().map(str::to_owned).collect(),
        headers: request
            .headers()
            .iter()
            .map(|h| (h.name.to_owned(), h.value.to_owned()))
            .collect(),
    }
}
