//! A deterministic two-peer driver on virtual time: a [`Terminal`] against a broker stub built
//! from the handshake (server side) and ws (server role) modules.
//!
//! Time only moves when a test says so; the driver jumps to the earliest `poll_timeout` of
//! either peer. Bytes can be delivered whole, or cut and glued at random (seeded) to show that
//! read boundaries do not matter. Every loop is bounded.
#![allow(dead_code, unreachable_pub)] // each test file uses a different part of the driver

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use sca_ws::{
    Channel, Connection, RequestId, Response, Role, ServerHandshakeConfig, TerminalConfig,
    TerminalEvent, TerminalOutput, Transaction, TransportFailure, WsConfig, compute_mac,
    decode_request, encode_accept, encode_rejection,
};
use sca_ws::{Event as WsEvent, Output as WsOutput};

pub use sca_ws::Terminal;

/// Key of the label `P_1` registered in [`Pair::with_mac_key`].
pub const KEY: [u8; 16] = *b"0123456789abcdef";
/// The label under which [`KEY`] is registered.
pub const LABEL: &str = "P_1";

/// SplitMix64, for the driver's own choices (the crate's generator is private).
#[derive(Debug, Clone)]
pub struct TestRng(pub u64);

impl TestRng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
        }
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// How the broker stub treats the next connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Accept TCP and the upgrade.
    Yes,
    /// Refuse TCP.
    Refuse,
    /// Accept TCP, answer the upgrade with this status.
    RejectUpgrade(u16),
    /// Accept TCP, never answer.
    Silent,
}

/// The POS cloud side, minimal: accept the upgrade, send requests, collect responses.
#[derive(Debug)]
pub struct Broker {
    state: BrokerState,
    /// Responses received, decoded, in order.
    pub responses: Vec<Response>,
    /// Pinpad id the terminal sent, if any.
    pub pinpad_id: Option<String>,
    /// Bytes to deliver to the terminal.
    out: VecDeque<u8>,
    /// The broker wants the transport closed.
    close_transport: bool,
    /// Pings seen as broker (the ws connection answers them itself).
    pub pings: usize,
    /// Close code received from the terminal, if any.
    pub close_code: Option<u16>,
    seed: u64,
}

#[derive(Debug)]
enum BrokerState {
    Upgrading(BytesMut, Accept),
    Open(Box<Connection>),
    Done,
}

impl Broker {
    fn new(accept: Accept, seed: u64) -> Self {
        Self {
            state: BrokerState::Upgrading(BytesMut::new(), accept),
            responses: Vec::new(),
            pinpad_id: None,
            out: VecDeque::new(),
            close_transport: false,
            pings: 0,
            close_code: None,
            seed,
        }
    }

    fn ws_config() -> WsConfig {
        WsConfig {
            ping_interval: None,
            ..WsConfig::default()
        }
    }

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        match &mut self.state {
            BrokerState::Upgrading(buf, accept) => {
                buf.extend_from_slice(bytes);
                let accept = *accept;
                let config = ServerHandshakeConfig::default();
                let (reply, used, pinpad) = match decode_request(buf, &config) {
                    Ok(None) => return,
                    Ok(Some((request, used))) => {
                        let mut reply = BytesMut::new();
                        match accept {
                            Accept::Yes => {
                                encode_accept(&request, Some("sci"), &[], &mut reply)
                                    .expect("accept");
                            }
                            Accept::RejectUpgrade(status) => {
                                encode_rejection(status, "go away", &mut reply).expect("reject");
                            }
                            Accept::Silent | Accept::Refuse => {}
                        }
                        (reply, used, request.pinpad_id().map(str::to_owned))
                    }
                    Err(error) => panic!("terminal sent a bad upgrade: {error}"),
                };
                self.pinpad_id = pinpad;
                self.out.extend(reply.iter());
                let rest = buf.split_off(used);
                match accept {
                    Accept::Yes => {
                        let mut ws =
                            Connection::new(Role::Server, Self::ws_config(), now, self.seed);
                        ws.handle_input(now, &rest);
                        self.state = BrokerState::Open(Box::new(ws));
                        self.drain(now);
                    }
                    Accept::RejectUpgrade(_) => {
                        self.state = BrokerState::Done;
                        self.close_transport = true;
                    }
                    Accept::Silent | Accept::Refuse => self.state = BrokerState::Done,
                }
            }
            BrokerState::Open(ws) => {
                ws.handle_input(now, bytes);
                self.drain(now);
            }
            BrokerState::Done => {}
        }
    }

    fn handle_eof(&mut self, now: Instant) {
        if let BrokerState::Open(ws) = &mut self.state {
            ws.handle_eof(now);
            self.drain(now);
        }
        self.state = BrokerState::Done;
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let BrokerState::Open(ws) = &mut self.state {
            ws.handle_timeout(now);
            self.drain(now);
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match &self.state {
            BrokerState::Open(ws) => ws.poll_timeout(),
            _ => None,
        }
    }

    fn drain(&mut self, _now: Instant) {
        let BrokerState::Open(ws) = &mut self.state else {
            return;
        };
        for _ in 0..100_000 {
            let Some(output) = ws.poll_output() else {
                return;
            };
            match output {
                WsOutput::Transmit(bytes) => self.out.extend(bytes.iter()),
                WsOutput::Event(WsEvent::Text(text)) => {
                    let response = Response::decode(text.as_bytes())
                        .unwrap_or_else(|e| panic!("terminal sent a bad response: {e}"));
                    self.responses.push(response);
                }
                WsOutput::Event(WsEvent::Ping(_)) => self.pings += 1,
                WsOutput::Event(WsEvent::Close { code, .. }) => self.close_code = Some(code.0),
                WsOutput::Event(_) => {}
                WsOutput::CloseTransport => {
                    self.close_transport = true;
                    self.state = BrokerState::Done;
                    return;
                }
            }
        }
        panic!("broker connection kept producing output");
    }

    /// Whether the upgrade was accepted and the link is open on this side.
    pub fn is_open(&self) -> bool {
        matches!(self.state, BrokerState::Open(_))
    }
}

/// Terminal + broker + the wire between them, on virtual time.
#[derive(Debug)]
pub struct Pair {
    pub start: Instant,
    pub now: Instant,
    pub terminal: Terminal,
    pub broker: Broker,
    /// Whether a transport is currently up between the two.
    pub wire_up: bool,
    /// Application events, in order.
    pub events: Vec<TerminalEvent>,
    /// `Connect` directives seen, with the virtual time of each.
    pub connects: Vec<Duration>,
    /// How the next connections are treated (front first; then `Accept::Yes`).
    pub plan: VecDeque<Accept>,
    /// Splits and merges reads at random when set.
    pub chop: Option<TestRng>,
    to_terminal: Vec<u8>,
    to_broker: Vec<u8>,
    seed: u64,
}

impl Pair {
    /// A terminal (checks skipped unless the config says otherwise) with the broker at once.
    pub fn new(config: TerminalConfig) -> Self {
        Self::with_seed(config, 1)
    }

    pub fn with_seed(config: TerminalConfig, seed: u64) -> Self {
        // Virtual time needs an origin; the clock is read once here and never again.
        #[allow(clippy::disallowed_methods)]
        let start = Instant::now();
        let terminal = Terminal::new(config, start, seed);
        Self {
            start,
            now: start,
            terminal,
            broker: Broker::new(Accept::Silent, seed),
            wire_up: false,
            events: Vec::new(),
            connects: Vec::new(),
            plan: VecDeque::new(),
            chop: None,
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

    /// Runs both peers until nothing moves, without letting time pass.
    pub fn settle(&mut self) {
        for _ in 0..100_000 {
            let mut moved = false;
            while let Some(output) = self.terminal.poll_output() {
                moved = true;
                match output {
                    TerminalOutput::Connect(_) => self.connect(),
                    TerminalOutput::Transmit(bytes) => {
                        if self.wire_up {
                            self.to_broker.extend_from_slice(&bytes);
                        }
                    }
                    TerminalOutput::CloseTransport => {
                        if self.wire_up {
                            self.wire_up = false;
                            self.flush_to_broker(true);
                            self.broker.handle_eof(self.now);
                            self.to_terminal.clear();
                            self.broker.out.clear();
                        }
                    }
                    TerminalOutput::Event(event) => self.events.push(event),
                }
            }
            if self.wire_up && !self.to_broker.is_empty() {
                moved = true;
                self.flush_to_broker(false);
            }
            if self.wire_up && !self.broker.out.is_empty() {
                moved = true;
                self.to_terminal.extend(self.broker.out.drain(..));
                self.flush_to_terminal();
            }
            if self.wire_up && self.broker.close_transport && self.broker.out.is_empty() {
                moved = true;
                self.wire_up = false;
                self.broker.close_transport = false;
                self.terminal.handle_transport_closed(self.now);
            }
            if !moved {
                return;
            }
        }
        panic!("peers kept talking without time passing");
    }

    fn connect(&mut self) {
        self.connects.push(self.now - self.start);
        let accept = self.plan.pop_front().unwrap_or(Accept::Yes);
        if accept == Accept::Refuse {
            self.terminal
                .handle_transport_failed(self.now, TransportFailure::Refused);
            return;
        }
        self.seed = self.seed.wrapping_add(1);
        self.broker = Broker::new(accept, self.seed);
        self.wire_up = true;
        self.to_broker.clear();
        self.to_terminal.clear();
        self.terminal.handle_connected(self.now);
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
        if !all {
            if let Some(rng) = &mut self.chop {
                if rng.chance(30) {
                    return;
                }
            }
        }
        let bytes = std::mem::take(&mut self.to_broker);
        for (a, b) in Self::pieces(&mut self.chop, &bytes) {
            self.broker.handle_input(self.now, &bytes[a..b]);
        }
    }

    fn flush_to_terminal(&mut self) {
        let bytes = std::mem::take(&mut self.to_terminal);
        for (a, b) in Self::pieces(&mut self.chop, &bytes) {
            if !self.wire_up {
                return;
            }
            self.terminal.handle_input(self.now, &bytes[a..b]);
        }
    }

    /// Lets `d` of virtual time pass, waking each peer at its deadlines.
    pub fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        self.settle();
        for _ in 0..100_000 {
            let next = [self.terminal.poll_timeout(), self.broker.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= target => {
                    self.now = self.now.max(t);
                    self.terminal.handle_timeout(self.now);
                    self.broker.handle_timeout(self.now);
                    self.settle();
                }
                _ => {
                    self.now = target;
                    self.terminal.handle_timeout(self.now);
                    self.broker.handle_timeout(self.now);
                    self.settle();
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

    /// The broker sends `xml` as one text message.
    pub fn send(&mut self, xml: &str) {
        let BrokerState::Open(ws) = &mut self.broker.state else {
            panic!("broker link not open");
        };
        ws.send_text(self.now, xml).expect("broker send");
        self.broker.drain(self.now);
        self.settle();
    }

    /// The broker closes the WebSocket with `code`.
    pub fn broker_close(&mut self, code: u16) {
        let BrokerState::Open(ws) = &mut self.broker.state else {
            panic!("broker link not open");
        };
        ws.close(self.now, code.into(), "bye")
            .expect("broker close");
        self.broker.drain(self.now);
        self.settle();
    }

    /// The transport breaks under both peers at once (a reset).
    pub fn cut_wire(&mut self) {
        if !self.wire_up {
            return;
        }
        self.wire_up = false;
        self.to_broker.clear();
        self.to_terminal.clear();
        self.broker.out.clear();
        self.broker.state = BrokerState::Done;
        self.terminal
            .handle_transport_failed(self.now, TransportFailure::Io("reset".into()));
        self.settle();
    }

    /// The broker stops reading and answering (pings included) without closing.
    pub fn broker_goes_silent(&mut self) {
        self.broker.state = BrokerState::Done;
    }

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

    /// The responses the broker received since the last call.
    pub fn take_responses(&mut self) -> Vec<Response> {
        std::mem::take(&mut self.broker.responses)
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
