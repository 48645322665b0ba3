//! A deterministic two-peer driver on virtual time: a [`Terminal`] against the crate's own
//! broker [`Link`], wired in memory.
//!
//! Time only moves when a test says so; the driver jumps to the earliest `poll_timeout` of
//! either peer. Bytes can be delivered whole, or cut and glued at random (seeded) to show that
//! read boundaries do not matter. Every loop is bounded.
//!
//! POS requests normally go through the link ([`Pair::send`], [`Pair::submit`]), which
//! assigns COUNTER and MAC when the broker holds the key ([`Pair::with_broker_key`]) and
//! passes the caller's fields through unchanged when it holds none. What the link would never
//! send (malformed XML, a second primary while one is in flight, ...) goes on the wire as a
//! raw text frame with [`Pair::inject`]; the link sees the answers to those as unsolicited.
#![allow(dead_code, unreachable_pub)] // each test file uses a different part of the driver

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sca_ws::{
    TransportFailure,
    broker::{
        Config as BrokerConfig, CounterBook, Error as BrokerError, Event as BrokerEvent, Link,
        Output as BrokerOutput, RequestFailure, RequestId as BrokerRequestId, SubmitOptions,
        UpgradeInfo, WhenBusy,
    },
    frame::Header as FrameHeader,
    mac::compute_mac,
    terminal::{
        Channel, Config as TerminalConfig, Event as TerminalEvent, Output as TerminalOutput,
        RequestId,
    },
    ws::Config as WsConfig,
    xml::{Response, Transaction},
};

pub use sca_ws::terminal::Terminal;

/// Key of the label `P_1` registered in [`Pair::with_mac_key`].
pub const KEY: [u8; 16] = *b"0123456789abcdef";
/// The label under which [`KEY`] is registered.
pub const LABEL: &str = "P_1";

/// Bound of every settle / drain loop: far above what any test exchanges at one instant.
const STEPS: usize = 100_000;

pub use super::rng::TestRng;

/// How the broker treats the next connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Accept TCP and the upgrade (selecting `sci`).
    Yes,
    /// Refuse TCP.
    Refuse,
    /// Accept TCP, reject the upgrade with this status.
    RejectUpgrade(u16),
    /// Accept TCP, never decide on the upgrade.
    Silent,
}

/// How a document reached the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Through the link, as this request.
    Link(BrokerRequestId),
    /// As a raw text frame the link knows nothing about.
    Raw,
}

/// Counts the WebSocket pings in the terminal's byte stream (the link answers them itself
/// and reports nothing).
#[derive(Debug, Default)]
struct PingTap {
    buf: Vec<u8>,
    upgraded: bool,
}

impl PingTap {
    fn feed(&mut self, bytes: &[u8]) -> usize {
        self.buf.extend_from_slice(bytes);
        if !self.upgraded {
            let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                return 0;
            };
            self.buf.drain(..end + 4);
            self.upgraded = true;
        }
        let mut pings = 0;
        for _ in 0..STEPS {
            let Ok(Some((header, used))) = FrameHeader::decode(&self.buf) else {
                break;
            };
            let total = used + header.payload_len as usize;
            if self.buf.len() < total {
                break;
            }
            if self.buf[0] & 0x0F == 0x9 {
                pings += 1;
            }
            self.buf.drain(..total);
        }
        pings
    }
}

/// Terminal + broker link + the wire between them, on virtual time.
#[derive(Debug)]
pub struct Pair {
    pub start: Instant,
    pub now: Instant,
    pub terminal: Terminal,
    /// The broker's link for the current transport (`None` before the first connect, after a
    /// refused one, or once the broker went silent).
    pub link: Option<Link>,
    /// Shared by every link.
    pub broker_config: Arc<BrokerConfig>,
    /// The terminal's MAC labels as the broker knows them, carried from link to link.
    pub counters: CounterBook,
    /// Whether a transport is currently up between the two.
    pub wire_up: bool,
    /// Terminal application events, in order.
    pub events: Vec<TerminalEvent>,
    /// Broker application events (all links), in order; upgrade requests are answered by
    /// the driver and kept in `upgrades` instead.
    pub broker_events: Vec<BrokerEvent>,
    /// Every RESPONSE the broker received, answered or unsolicited, in order.
    pub responses: Vec<Response>,
    /// Upgrade requests the broker saw, in order.
    pub upgrades: Vec<UpgradeInfo>,
    /// Links that reached `Open`.
    pub links_opened: usize,
    /// Pings the terminal sent on the current transport.
    pub pings: usize,
    /// `Connect` directives seen, with the virtual time of each.
    pub connects: Vec<Duration>,
    /// How the next connections are treated (front first; then `Accept::Yes`).
    pub plan: VecDeque<Accept>,
    /// Splits and merges reads at random when set.
    pub chop: Option<TestRng>,
    accept: Accept,
    tap: PingTap,
    to_terminal: Vec<u8>,
    to_broker: Vec<u8>,
    seed: u64,
}

impl Pair {
    /// A terminal (checks as its config says) against a broker link without keys.
    pub fn new(config: TerminalConfig) -> Self {
        Self::with_seed(config, 1)
    }

    pub fn with_seed(config: TerminalConfig, seed: u64) -> Self {
        // Virtual time needs an origin; the clock is read once here and never again.
        #[allow(clippy::disallowed_methods)]
        let start = Instant::now();
        let terminal = Terminal::new(config, start, seed);
        let broker_config = BrokerConfig {
            ws: WsConfig {
                ping_interval: None,
                ..WsConfig::default()
            },
            ..BrokerConfig::default()
        };
        Self {
            start,
            now: start,
            terminal,
            link: None,
            broker_config: Arc::new(broker_config),
            counters: CounterBook::new(),
            wire_up: false,
            events: Vec::new(),
            broker_events: Vec::new(),
            responses: Vec::new(),
            upgrades: Vec::new(),
            links_opened: 0,
            pings: 0,
            connects: Vec::new(),
            plan: VecDeque::new(),
            chop: None,
            accept: Accept::Yes,
            tap: PingTap::default(),
            to_terminal: Vec::new(),
            to_broker: Vec::new(),
            seed,
        }
    }

    /// A config with short retry delays and plain ws, checks skipped.
    pub fn skip_auth_config() -> TerminalConfig {
        TerminalConfig {
            host: "broker.test".into(),
            port: 8080,
            tls: false,
            pinpad_id: Some("1".into()),
            skip_pos_auth: true,
            ..TerminalConfig::default()
        }
    }

    /// A config with full MAC checks.
    pub fn auth_config() -> TerminalConfig {
        let mut c = Self::skip_auth_config();
        c.skip_pos_auth = false;
        c
    }

    /// Registers [`LABEL`] with [`KEY`] in the terminal's key store.
    pub fn with_mac_key(mut self) -> Self {
        self.terminal.key_store_mut().insert(LABEL, KEY);
        self
    }

    /// Gives the broker [`LABEL`] / [`KEY`] (last COUNTER 0): its links then sign requests.
    pub fn with_broker_key(mut self) -> Self {
        self.counters
            .insert(LABEL, &KEY, 0)
            .expect("broker key registered");
        self
    }

    /// Whether the broker's link is open (requests can be submitted).
    pub fn link_open(&self) -> bool {
        self.link.as_ref().is_some_and(Link::is_open)
    }

    /// The current link (panics when there is none: tests want one).
    pub fn link_mut(&mut self) -> &mut Link {
        self.link.as_mut().expect("a broker link")
    }

    /// The pinpad id of the last upgrade request the broker saw.
    pub fn pinpad_id(&self) -> Option<&str> {
        self.upgrades.last().and_then(|u| u.pinpad_id.as_deref())
    }

    // ----- running -----

    /// Runs both peers until nothing moves, without letting time pass.
    pub fn settle(&mut self) {
        for _ in 0..STEPS {
            let mut moved = self.drain_terminal();
            if self.wire_up && !self.to_broker.is_empty() {
                moved = true;
                self.flush_to_broker(false);
            }
            moved |= self.drain_link();
            if self.wire_up && !self.to_terminal.is_empty() {
                moved = true;
                self.flush_to_terminal();
            }
            if !moved {
                return;
            }
        }
        panic!("peers kept talking without time passing");
    }

    fn drain_terminal(&mut self) -> bool {
        let mut moved = false;
        for _ in 0..STEPS {
            let Some(output) = self.terminal.poll_output() else {
                return moved;
            };
            moved = true;
            match output {
                TerminalOutput::Connect(_) => self.connect(),
                TerminalOutput::Transmit(bytes) if self.wire_up => {
                    self.pings += self.tap.feed(&bytes);
                    self.to_broker.extend_from_slice(&bytes);
                }
                TerminalOutput::CloseTransport if self.wire_up => {
                    self.wire_up = false;
                    self.flush_to_broker(true);
                    if let Some(link) = self.link.as_mut() {
                        link.handle_eof(self.now);
                    }
                    self.to_terminal.clear();
                }
                TerminalOutput::Event(event) => self.events.push(event),
                _ => {}
            }
        }
        panic!("terminal kept producing output");
    }

    fn drain_link(&mut self) -> bool {
        let mut moved = false;
        for _ in 0..STEPS {
            let Some(link) = self.link.as_mut() else {
                return moved;
            };
            let Some(output) = link.poll_output() else {
                return moved;
            };
            moved = true;
            match output {
                BrokerOutput::Transmit(bytes) if self.wire_up => {
                    self.to_terminal.extend_from_slice(&bytes);
                }
                BrokerOutput::CloseTransport if self.wire_up => {
                    self.wire_up = false;
                    self.flush_to_terminal();
                    self.to_broker.clear();
                    self.terminal.handle_eof(self.now);
                }
                BrokerOutput::Event(event) => self.on_broker_event(event),
                _ => {}
            }
        }
        panic!("broker link kept producing output");
    }

    fn on_broker_event(&mut self, event: BrokerEvent) {
        let now = self.now;
        let Some(link) = self.link.as_mut() else {
            return;
        };
        match event {
            BrokerEvent::UpgradeRequested(info) => {
                match self.accept {
                    Accept::Yes => link.accept(now, Some("sci")).expect("accept"),
                    Accept::RejectUpgrade(status) => {
                        link.reject(now, status, "go away").expect("reject");
                    }
                    Accept::Silent | Accept::Refuse => {}
                }
                self.upgrades.push(info);
            }
            BrokerEvent::Open => {
                self.links_opened += 1;
                link.set_counters(std::mem::take(&mut self.counters));
                self.broker_events.push(BrokerEvent::Open);
            }
            BrokerEvent::Closed(reason) => {
                // Only a link that opened holds the book; an empty one changes nothing.
                let book = link.take_counters();
                if !book.is_empty() {
                    self.counters = book;
                }
                self.broker_events.push(BrokerEvent::Closed(reason));
            }
            BrokerEvent::Answered { id, response } => {
                self.responses.push(response.clone());
                self.broker_events
                    .push(BrokerEvent::Answered { id, response });
            }
            BrokerEvent::Unsolicited(response) => {
                self.responses.push(response.clone());
                self.broker_events.push(BrokerEvent::Unsolicited(response));
            }
            BrokerEvent::BadMessage(error) => panic!("terminal sent a bad response: {error}"),
            other => self.broker_events.push(other),
        }
    }

    fn connect(&mut self) {
        self.connects.push(self.now - self.start);
        let accept = self.plan.pop_front().unwrap_or(Accept::Yes);
        if accept == Accept::Refuse {
            self.terminal
                .handle_transport_failed(self.now, TransportFailure::Refused);
            return;
        }
        self.retire_link();
        self.seed = self.seed.wrapping_add(1);
        self.link = Some(Link::new(self.broker_config.clone(), self.now, self.seed));
        self.accept = accept;
        self.tap = PingTap::default();
        self.pings = 0;
        self.wire_up = true;
        self.to_broker.clear();
        self.to_terminal.clear();
        self.terminal.handle_connected(self.now);
    }

    /// Ends the previous link, if any is still around, so its requests and book are not lost.
    fn retire_link(&mut self) {
        if let Some(link) = self.link.as_mut()
            && !link.is_ended()
        {
            link.handle_eof(self.now);
        }
        let wire = std::mem::replace(&mut self.wire_up, false);
        self.drain_link();
        self.wire_up = wire;
        self.link = None;
    }

    /// Cuts `bytes` into random pieces when chopping, else one piece.
    fn pieces(chop: &mut Option<TestRng>, bytes: &[u8]) -> Vec<(usize, usize)> {
        let Some(rng) = chop else {
            return vec![(0, bytes.len())];
        };
        let mut cuts = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let len = 1 + rng.below((bytes.len() - at).min(64) as u64) as usize;
            cuts.push((at, at + len));
            at += len;
        }
        cuts
    }

    fn flush_to_broker(&mut self, all: bool) {
        // When chopping, sometimes hold bytes back so they merge with the next write.
        if !all
            && let Some(rng) = &mut self.chop
            && rng.chance(30)
        {
            return;
        }
        let bytes = std::mem::take(&mut self.to_broker);
        let Some(link) = self.link.as_mut() else {
            return;
        };
        for (a, b) in Self::pieces(&mut self.chop, &bytes) {
            link.handle_input(self.now, &bytes[a..b]);
        }
    }

    fn flush_to_terminal(&mut self) {
        let bytes = std::mem::take(&mut self.to_terminal);
        for (a, b) in Self::pieces(&mut self.chop, &bytes) {
            self.terminal.handle_input(self.now, &bytes[a..b]);
        }
    }

    fn wake(&mut self) {
        self.terminal.handle_timeout(self.now);
        if let Some(link) = self.link.as_mut() {
            link.handle_timeout(self.now);
        }
        self.settle();
    }

    /// Lets `d` of virtual time pass, waking each peer at its deadlines.
    pub fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        self.settle();
        for _ in 0..STEPS {
            let next = [
                self.terminal.poll_timeout(),
                self.link.as_ref().and_then(Link::poll_timeout),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(t) if t <= target => {
                    self.now = self.now.max(t);
                    self.wake();
                }
                _ => {
                    self.now = target;
                    self.wake();
                    return;
                }
            }
        }
        panic!("timers kept firing without reaching the target");
    }

    /// Settles, then lets time pass until the link is up (at most `limit`).
    pub fn connect_within(&mut self, limit: Duration) {
        let end = self.now + limit;
        self.settle();
        for _ in 0..10_000 {
            if self.terminal.is_connected() || self.now >= end {
                break;
            }
            self.advance(Duration::from_millis(100).min(end - self.now));
        }
        assert!(self.terminal.is_connected(), "no link within {limit:?}");
    }

    // ----- the broker's side -----

    /// Submits `xml` through the link (queued behind a primary in flight, as the link does by
    /// default) and lets it travel.
    pub fn submit(&mut self, xml: &str) -> BrokerRequestId {
        let tx = Transaction::decode(xml.as_bytes()).expect("a TRANSACTION");
        let now = self.now;
        let id = self.link_mut().submit(now, tx).expect("link takes it");
        self.settle();
        id
    }

    /// Sends `xml` through the link at once (panics if the link would make it wait: use
    /// [`Pair::inject`] for what the link would not send).
    pub fn send(&mut self, xml: &str) -> BrokerRequestId {
        match self.try_send(xml) {
            Ok(id) => id,
            Err(why) => panic!("the link does not send {xml:?} now: {why:?}"),
        }
    }

    /// Through the link when it sends `xml` at once, else as a raw frame (for random tests
    /// whose requests the link would hold back or could not parse).
    pub fn send_or_inject(&mut self, xml: &str) -> Via {
        match self.try_send(xml) {
            Ok(id) => Via::Link(id),
            Err(_) => {
                self.inject(xml);
                Via::Raw
            }
        }
    }

    fn try_send(&mut self, xml: &str) -> Result<BrokerRequestId, Option<BrokerError>> {
        let tx = Transaction::decode(xml.as_bytes()).map_err(|_| None)?;
        let now = self.now;
        let refuse = SubmitOptions {
            when_busy: WhenBusy::Refuse,
            ..SubmitOptions::default()
        };
        let link = self.link.as_mut().ok_or(None)?;
        let id = link.submit_with(now, tx, refuse).map_err(Some)?;
        self.settle();
        Ok(id)
    }

    /// Puts `text` on the wire as one unmasked text frame from the broker, between the link's
    /// own frames; the link does not know it was sent.
    pub fn inject(&mut self, text: &str) {
        self.settle();
        assert!(self.link_open(), "broker link not open");
        let payload = text.as_bytes();
        let mut frame = vec![0x81];
        if payload.len() <= 125 {
            frame.push(payload.len() as u8);
        } else if payload.len() <= 0xFFFF {
            frame.push(126);
            frame.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        } else {
            frame.push(127);
            frame.extend_from_slice(&(payload.len() as u64).to_be_bytes());
        }
        frame.extend_from_slice(payload);
        self.to_terminal.extend_from_slice(&frame);
        self.settle();
    }

    /// The broker closes the WebSocket with `code`.
    pub fn broker_close(&mut self, code: u16) {
        let now = self.now;
        self.link_mut()
            .close(now, sca_ws::CloseCode(code), "bye")
            .expect("broker close");
        self.settle();
    }

    /// The transport breaks under both peers at once (a reset).
    pub fn cut_wire(&mut self) {
        self.end_transport(Some(TransportFailure::Io("reset".into())));
    }

    /// The transport ends cleanly under both peers at once (TCP FIN both ways, no close
    /// handshake): the link fails what is in flight, the terminal abandons its requests.
    pub fn drop_link(&mut self) {
        self.end_transport(None);
    }

    /// Both peers learn at once that the transport is gone: as a failure, or a clean end.
    fn end_transport(&mut self, failure: Option<TransportFailure>) {
        if !self.wire_up {
            return;
        }
        self.wire_up = false;
        self.to_broker.clear();
        self.to_terminal.clear();
        if let Some(link) = self.link.as_mut() {
            link.handle_eof(self.now);
        }
        match failure {
            Some(failure) => self.terminal.handle_transport_failed(self.now, failure),
            None => self.terminal.handle_eof(self.now),
        }
        self.settle();
    }

    /// The broker stops reading and answering (pings included) without closing: its link is
    /// ended on the broker's side only, the terminal's transport stays up.
    pub fn broker_goes_silent(&mut self) {
        self.retire_link();
        self.to_broker.clear();
        self.to_terminal.clear();
    }

    /// Broker events since the last call, removed.
    pub fn take_broker_events(&mut self) -> Vec<BrokerEvent> {
        std::mem::take(&mut self.broker_events)
    }

    /// The answer the broker matched to `id`, if any yet.
    pub fn answered(&self, id: BrokerRequestId) -> Option<&Response> {
        self.broker_events.iter().find_map(|e| match e {
            BrokerEvent::Answered { id: i, response } if *i == id => Some(response),
            _ => None,
        })
    }

    /// How `id` failed at the broker, if it did.
    pub fn failed(&self, id: BrokerRequestId) -> Option<&RequestFailure> {
        self.broker_events.iter().find_map(|e| match e {
            BrokerEvent::Failed { id: i, failure } if *i == id => Some(failure),
            _ => None,
        })
    }

    /// RESPONSEs the broker took as unsolicited, in order.
    pub fn unsolicited(&self) -> Vec<&Response> {
        self.broker_events
            .iter()
            .filter_map(|e| match e {
                BrokerEvent::Unsolicited(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    // ----- the terminal's side -----

    /// Requests delivered since the last call, removed from `events`.
    pub fn take_requests(&mut self) -> Vec<(RequestId, Channel, Transaction)> {
        let mut requests = Vec::new();
        self.events.retain(|event| match event {
            TerminalEvent::Request {
                id,
                channel,
                transaction,
            } => {
                requests.push((*id, *channel, transaction.clone()));
                false
            }
            _ => true,
        });
        requests
    }

    /// The single request delivered since the last call.
    pub fn one_request(&mut self) -> (RequestId, Channel, Transaction) {
        let mut requests = self.take_requests();
        assert_eq!(requests.len(), 1, "expected one request, got {requests:?}");
        requests.remove(0)
    }

    /// Answers `id` and lets the answer reach the broker.
    pub fn respond(&mut self, id: RequestId, response: Response) {
        self.terminal
            .respond(self.now, id, response)
            .expect("respond");
        self.settle();
    }

    /// The terminal sends `notification` unsolicited and lets it reach the broker.
    pub fn notify(&mut self, notification: &Response) {
        self.terminal
            .notify(self.now, notification)
            .expect("notify");
        self.settle();
    }

    /// The responses the broker received since the last call.
    pub fn take_responses(&mut self) -> Vec<Response> {
        std::mem::take(&mut self.responses)
    }

    /// The single response received since the last call.
    pub fn one_response(&mut self) -> Response {
        let mut responses = self.take_responses();
        assert_eq!(
            responses.len(),
            1,
            "expected one response, got {responses:?}"
        );
        responses.remove(0)
    }
}

/// A TRANSACTION document with the given fields.
pub fn transaction(function_type: &str, command: &str, fields: &[(&str, &str)]) -> String {
    let mut xml = format!(
        "<TRANSACTION>\n<FUNCTION_TYPE>{function_type}</FUNCTION_TYPE>\n<COMMAND>{command}</COMMAND>\n"
    );
    for (name, value) in fields {
        xml.push_str(&format!("<{name}>{value}</{name}>\n"));
    }
    xml.push_str("</TRANSACTION>");
    xml
}

/// A TRANSACTION carrying MAC_LABEL [`LABEL`], `counter` and its MAC under [`KEY`].
pub fn signed(function_type: &str, command: &str, counter: u32, fields: &[(&str, &str)]) -> String {
    let mac = compute_mac(&KEY, counter);
    let counter = counter.to_string();
    let mut all = vec![
        ("MAC_LABEL", LABEL),
        ("COUNTER", counter.as_str()),
        ("MAC", mac.as_str()),
    ];
    all.extend_from_slice(fields);
    transaction(function_type, command, &all)
}

/// RESULT_CODE of a response as a number (panics when missing: tests want it).
pub fn code(response: &Response) -> i64 {
    response.result_code.expect("RESULT_CODE").0
}
