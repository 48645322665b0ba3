//! The simulation's world on virtual time: several terminals, one broker that serves every
//! link through `broker::Registry` (as the example drivers do), and the wires between them.
//!
//! The world only wires and records; what the terminals' and the POS's applications do, and
//! the properties, live in `tests/simulation.rs`. Each connection the broker takes is treated
//! as its [`Accept`] plan says, so a run can face refused, silent, rejecting and flapping
//! brokers; a wire can also go dark later (the broker stops reading and answering, the TCP
//! connection stays up). Every loop is bounded.
#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sca_ws::{
    TransportFailure,
    broker::{
        Config as BrokerConfig, CounterBook, Event as BrokerEvent, Link, Output as BrokerOutput,
        Registry,
    },
    frame::Header as FrameHeader,
    terminal::{AuthState, Event as TerminalEvent, Output as TerminalOutput, Terminal},
};

/// Bound of every settle loop: far above what a run exchanges at one instant.
const STEPS: usize = 100_000;

#[path = "../common/rng.rs"]
mod rng;
/// The simulation's random choices: the tests' shared SplitMix64.
pub use rng::TestRng as Rng;

/// How the broker treats one incoming connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Accept TCP and the upgrade.
    Yes,
    /// Refuse TCP.
    Refuse,
    /// Accept TCP, answer the upgrade with this HTTP status.
    Reject(u16),
    /// Accept TCP, read the upgrade request, never answer it.
    Silent,
    /// Accept the upgrade, then drop the TCP connection after this long.
    Flap(Duration),
}

/// Reads the broker's frames on their way to the terminal and notes close codes.
#[derive(Debug, Default)]
struct FrameTap {
    buf: Vec<u8>,
    upgraded: bool,
}

impl FrameTap {
    fn feed(&mut self, bytes: &[u8], closes: &mut Vec<u16>) {
        self.buf.extend_from_slice(bytes);
        if !self.upgraded {
            let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                return;
            };
            self.buf.drain(..end + 4);
            self.upgraded = true;
        }
        for _ in 0..STEPS {
            let Ok(Some((header, used))) = FrameHeader::decode(&self.buf) else {
                return;
            };
            let total = used + header.payload_len as usize;
            if self.buf.len() < total {
                return;
            }
            if self.buf[0] & 0x0F == 0x8 && header.payload_len >= 2 {
                closes.push(u16::from_be_bytes([self.buf[used], self.buf[used + 1]]));
            }
            self.buf.drain(..total);
        }
    }
}

/// One broker link and the wire to its terminal.
#[derive(Debug)]
pub struct Slot {
    pub link: Link,
    /// Index of the terminal at the other end.
    pub terminal: usize,
    /// Whether the transport is still up (for both ends, or for the terminal alone once the
    /// broker side ended).
    pub up: bool,
    /// The broker neither reads nor writes this wire any more; TCP stays up.
    pub dark: bool,
    /// When a flapping broker drops it.
    pub drop_at: Option<Instant>,
    /// The broker ended it with `close_replaced` (a newer link took its pinpad id).
    pub replaced: bool,
    /// The pinpad id it was accepted for.
    pub pinpad_id: Option<String>,
    /// It was replaced while open, its terminal on it and the wire clean: its close frame
    /// must reach the terminal.
    pub replaced_clean: bool,
    /// Close codes of the close frames the terminal received on it.
    pub closes_received: Vec<u16>,
    tap: FrameTap,
    plan: Accept,
    to_broker: Vec<u8>,
    to_terminal: Vec<u8>,
}

/// A terminal and the wire it is on.
#[derive(Debug)]
pub struct Node {
    pub terminal: Terminal,
    /// The broker link serial of its current transport.
    pub wire: Option<u64>,
    /// Its events since the application last looked.
    pub events: Vec<TerminalEvent>,
    /// The authentication state as a driver would have saved it: encoded on every
    /// `AuthChanged`, before any output queued after it leaves (the durable-before-answer rule).
    pub saved_auth: Option<String>,
}

/// Everything on both sides.
#[derive(Debug)]
pub struct World {
    pub start: Instant,
    pub now: Instant,
    pub nodes: Vec<Node>,
    /// Broker links by serial; ended ones stay for inspection.
    pub slots: BTreeMap<u64, Slot>,
    pub registry: Registry<u64>,
    pub broker_config: Arc<BrokerConfig>,
    /// The broker's COUNTER book per pinpad id, lent to the id's open link.
    pub books: BTreeMap<String, CounterBook>,
    /// Broker events in order (upgrades are handled here): the link's serial, whether the
    /// link had been replaced when the event came, the event.
    pub broker_events: Vec<(u64, bool, BrokerEvent)>,
    /// The broker reported a pinpad id disconnected: when, which id, and the serials of
    /// the id's other links that were open at that instant (must be none).
    pub disconnected: Vec<(Instant, String, Vec<u64>)>,
    /// How the next connections are treated (front first; then `Accept::Yes`).
    pub plan: VecDeque<Accept>,
    /// Cuts and glues reads at random when set.
    pub chop: Option<Rng>,
    serial: u64,
    seed: u64,
}

impl World {
    pub fn new(broker_config: BrokerConfig, seed: u64) -> Self {
        // Virtual time needs an origin; the clock is read once here and never again.
        #[allow(clippy::disallowed_methods)]
        let start = Instant::now();
        Self {
            start,
            now: start,
            nodes: Vec::new(),
            slots: BTreeMap::new(),
            registry: Registry::new(),
            broker_config: Arc::new(broker_config),
            books: BTreeMap::new(),
            broker_events: Vec::new(),
            disconnected: Vec::new(),
            plan: VecDeque::new(),
            chop: None,
            serial: 0,
            seed,
        }
    }

    /// Adds a terminal; returns its index.
    pub fn add(&mut self, terminal: Terminal) -> usize {
        self.nodes.push(Node {
            terminal,
            wire: None,
            events: Vec::new(),
            saved_auth: None,
        });
        self.nodes.len() - 1
    }

    /// Replaces terminal `n` by a fresh machine (a power cycle): its transport drops. With
    /// `saved` the new machine first restores that authentication state, as a driver that
    /// persisted it would.
    pub fn restart(&mut self, n: usize, mut terminal: Terminal, saved: Option<&str>) {
        if let Some(serial) = self.nodes[n].wire.take() {
            self.end_wire(serial, false);
        }
        if let Some(text) = saved {
            let state = AuthState::decode(text).expect("a saved state decodes");
            terminal
                .restore_auth_state(&state)
                .expect("a saved state restores");
        }
        self.nodes[n].saved_auth = saved.map(str::to_owned);
        self.nodes[n].terminal = terminal;
        self.settle();
    }

    /// Seconds since the start, for messages.
    pub fn t(&self) -> f64 {
        (self.now - self.start).as_secs_f64()
    }

    /// The open link that reaches `pinpad_id`, if the registry names one.
    pub fn reachable(&self, pinpad_id: &str) -> Option<u64> {
        let serial = *self.registry.link(pinpad_id)?;
        self.slots
            .get(&serial)
            .is_some_and(|s| s.link.is_open())
            .then_some(serial)
    }

    pub fn link_mut(&mut self, serial: u64) -> &mut Link {
        &mut self.slots.get_mut(&serial).expect("a known link").link
    }

    // ----- running -----

    /// Runs every peer until nothing moves, without letting time pass.
    pub fn settle(&mut self) {
        for _ in 0..STEPS {
            let mut moved = false;
            for n in 0..self.nodes.len() {
                moved |= self.drain_terminal(n);
            }
            let serials: Vec<u64> = self.slots.keys().copied().collect();
            for serial in serials {
                moved |= self.flush_to_broker(serial);
                moved |= self.drain_link(serial);
                moved |= self.flush_to_terminal(serial);
            }
            if !moved {
                return;
            }
        }
        panic!("peers kept talking without time passing");
    }

    fn drain_terminal(&mut self, n: usize) -> bool {
        let mut moved = false;
        for _ in 0..STEPS {
            let Some(output) = self.nodes[n].terminal.poll_output() else {
                return moved;
            };
            moved = true;
            match output {
                TerminalOutput::Connect(_) => self.connect(n),
                TerminalOutput::Transmit(bytes) => {
                    if let Some(slot) = self.nodes[n].wire.and_then(|s| self.slots.get_mut(&s))
                        && slot.up
                        && !slot.dark
                    {
                        slot.to_broker.extend_from_slice(&bytes);
                    }
                }
                TerminalOutput::CloseTransport => {
                    if let Some(serial) = self.nodes[n].wire.take() {
                        self.end_wire(serial, true);
                    }
                }
                TerminalOutput::Event(event) => {
                    if matches!(event, TerminalEvent::AuthChanged) {
                        let node = &mut self.nodes[n];
                        node.saved_auth = Some(node.terminal.auth_state().encode());
                    }
                    self.nodes[n].events.push(event);
                }
                _ => {}
            }
        }
        panic!("terminal kept producing output");
    }

    /// The terminal closed its transport: the broker reads what was sent, then the end.
    fn end_wire(&mut self, serial: u64, flush: bool) {
        let Some(slot) = self.slots.get_mut(&serial) else {
            return;
        };
        if !slot.up {
            return;
        }
        slot.up = false;
        slot.to_terminal.clear();
        let bytes = std::mem::take(&mut slot.to_broker);
        if !slot.dark && !slot.link.is_ended() {
            // Into the dark the end is lost too: the broker's link learns nothing.
            if flush {
                slot.link.handle_input(self.now, &bytes);
            }
            slot.link.handle_eof(self.now);
        }
    }

    fn drain_link(&mut self, serial: u64) -> bool {
        let mut moved = false;
        for _ in 0..STEPS {
            let slot = self.slots.get_mut(&serial).expect("known link");
            let Some(output) = slot.link.poll_output() else {
                return moved;
            };
            moved = true;
            match output {
                // Into the dark the bytes, and even the end, are lost.
                BrokerOutput::Transmit(bytes) if slot.up && !slot.dark => {
                    slot.to_terminal.extend_from_slice(&bytes);
                }
                BrokerOutput::CloseTransport if slot.up && !slot.dark => {
                    slot.up = false;
                    slot.to_broker.clear();
                    let bytes = std::mem::take(&mut slot.to_terminal);
                    let n = slot.terminal;
                    if self.nodes[n].wire == Some(serial) {
                        self.nodes[n].wire = None;
                        slot.tap.feed(&bytes, &mut slot.closes_received);
                        self.nodes[n].terminal.handle_input(self.now, &bytes);
                        self.nodes[n].terminal.handle_eof(self.now);
                    }
                }
                BrokerOutput::Event(event) => self.on_broker_event(serial, event),
                _ => {}
            }
        }
        panic!("broker link kept producing output");
    }

    fn on_broker_event(&mut self, serial: u64, event: BrokerEvent) {
        let now = self.now;
        let replaced = self.slots[&serial].replaced;
        match event {
            BrokerEvent::UpgradeRequested(info) => {
                let slot = self.slots.get_mut(&serial).expect("known link");
                match slot.plan {
                    Accept::Yes | Accept::Flap(_) => {
                        slot.link.accept(now, Some("sci")).expect("accept");
                        let id = info.pinpad_id.clone().unwrap_or_default();
                        slot.pinpad_id = Some(id.clone());
                        if let Accept::Flap(after) = slot.plan {
                            slot.drop_at = Some(now + after);
                        }
                        if let Some(older) = self.registry.accepted(&id, serial) {
                            self.replace(older.link, &id);
                        }
                    }
                    Accept::Reject(status) => {
                        slot.link.reject(now, status, "go away").expect("reject");
                    }
                    Accept::Silent | Accept::Refuse => {}
                }
            }
            BrokerEvent::Open => {
                let slot = self.slots.get_mut(&serial).expect("known link");
                let id = slot.pinpad_id.clone().unwrap_or_default();
                if let Some(book) = self.books.remove(&id) {
                    slot.link.set_counters(book);
                }
                self.broker_events
                    .push((serial, replaced, BrokerEvent::Open));
            }
            BrokerEvent::Closed(reason) => {
                self.return_book(serial);
                if let Some(id) = self.registry.ended(&serial) {
                    let others_open = self
                        .slots
                        .iter()
                        .filter(|(s, slot)| {
                            **s != serial
                                && slot.pinpad_id.as_deref() == Some(id.as_str())
                                && slot.link.is_open()
                        })
                        .map(|(s, _)| *s)
                        .collect();
                    self.disconnected.push((now, id, others_open));
                }
                self.broker_events
                    .push((serial, replaced, BrokerEvent::Closed(reason)));
            }
            other => self.broker_events.push((serial, replaced, other)),
        }
    }

    /// A newer link took `pinpad_id` from `older`: close it as replaced, hand its book on.
    fn replace(&mut self, older: u64, pinpad_id: &str) {
        let now = self.now;
        let Some(slot) = self.slots.get_mut(&older) else {
            return;
        };
        slot.replaced = true;
        if slot.link.is_ended() {
            return;
        }
        let n = slot.terminal;
        let node = &self.nodes[n];
        if slot.up && !slot.dark && node.wire == Some(older) && node.terminal.is_connected() {
            slot.replaced_clean = true;
        }
        slot.link
            .close_replaced(now)
            .expect("an unended link closes");
        let book = slot.link.take_counters();
        if !book.is_empty() {
            self.books.insert(pinpad_id.to_owned(), book);
        }
        // The close frame and the Replaced failures come out on the next drain.
    }

    /// Gives a link's COUNTER book back to its pinpad id when the link ends.
    fn return_book(&mut self, serial: u64) {
        let slot = self.slots.get_mut(&serial).expect("known link");
        let book = slot.link.take_counters();
        if book.is_empty() {
            return;
        }
        let id = slot.pinpad_id.clone().unwrap_or_default();
        // The id's newest link may be open already (this one was replaced): hand it there.
        match self.registry.link(&id).copied() {
            Some(newer) if newer != serial => {
                let newer = &mut self.slots.get_mut(&newer).expect("known link").link;
                if newer.counters().is_empty() {
                    newer.set_counters(book);
                }
            }
            _ => {
                self.books.insert(id, book);
            }
        }
    }

    fn connect(&mut self, n: usize) {
        let accept = self.plan.pop_front().unwrap_or(Accept::Yes);
        if accept == Accept::Refuse {
            self.nodes[n]
                .terminal
                .handle_transport_failed(self.now, TransportFailure::Refused);
            return;
        }
        if let Some(old) = self.nodes[n].wire.take() {
            self.end_wire(old, false);
        }
        self.serial += 1;
        let serial = self.serial;
        let link = Link::new(
            self.broker_config.clone(),
            self.now,
            self.seed.wrapping_mul(1000).wrapping_add(serial),
        );
        self.slots.insert(
            serial,
            Slot {
                link,
                terminal: n,
                up: true,
                dark: false,
                drop_at: None,
                replaced: false,
                pinpad_id: None,
                replaced_clean: false,
                closes_received: Vec::new(),
                tap: FrameTap::default(),
                plan: accept,
                to_broker: Vec::new(),
                to_terminal: Vec::new(),
            },
        );
        self.nodes[n].wire = Some(serial);
        self.nodes[n].terminal.handle_connected(self.now);
    }

    /// Cuts `len` bytes into random pieces when chopping, else one piece.
    fn pieces(chop: &mut Option<Rng>, len: usize) -> Vec<(usize, usize)> {
        let Some(rng) = chop else {
            return vec![(0, len)];
        };
        let mut cuts = Vec::new();
        let mut at = 0;
        while at < len {
            let step = 1 + rng.below((len - at).min(64) as u64) as usize;
            cuts.push((at, at + step));
            at += step;
        }
        cuts
    }

    fn flush_to_broker(&mut self, serial: u64) -> bool {
        let slot = self.slots.get_mut(&serial).expect("known link");
        if !slot.up || slot.dark || slot.to_broker.is_empty() {
            return false;
        }
        let bytes = std::mem::take(&mut slot.to_broker);
        if bytes.is_empty() {
            return false;
        }
        for (a, b) in Self::pieces(&mut self.chop, bytes.len()) {
            slot.link.handle_input(self.now, &bytes[a..b]);
        }
        true
    }

    fn flush_to_terminal(&mut self, serial: u64) -> bool {
        let slot = self.slots.get_mut(&serial).expect("known link");
        if !slot.up || slot.to_terminal.is_empty() {
            return false;
        }
        let n = slot.terminal;
        let bytes = std::mem::take(&mut slot.to_terminal);
        if self.nodes[n].wire != Some(serial) {
            return false;
        }
        slot.tap.feed(&bytes, &mut slot.closes_received);
        for (a, b) in Self::pieces(&mut self.chop, bytes.len()) {
            self.nodes[n].terminal.handle_input(self.now, &bytes[a..b]);
        }
        true
    }

    /// Puts `text` on wire `serial` as one unmasked text frame from the broker, unknown to
    /// the link (a replay by whoever sits on the path).
    pub fn inject(&mut self, serial: u64, text: &str) {
        self.settle();
        let Some(slot) = self.slots.get_mut(&serial) else {
            return;
        };
        if !slot.up || !slot.link.is_open() {
            return;
        }
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
        slot.to_terminal.extend_from_slice(&frame);
        self.settle();
    }

    fn wake(&mut self) {
        let now = self.now;
        for node in &mut self.nodes {
            node.terminal.handle_timeout(now);
        }
        let serials: Vec<u64> = self.slots.keys().copied().collect();
        for serial in serials {
            let slot = self.slots.get_mut(&serial).expect("known link");
            if slot.drop_at.is_some_and(|at| now >= at) {
                slot.drop_at = None;
                self.cut(serial);
                continue;
            }
            if !slot.link.is_ended() {
                slot.link.handle_timeout(now);
            }
        }
        self.settle();
    }

    /// The earliest deadline of any peer.
    fn next_deadline(&self) -> Option<Instant> {
        let terminals = self.nodes.iter().filter_map(|n| n.terminal.poll_timeout());
        let links = self.slots.values().flat_map(|s| {
            let link = (!s.link.is_ended())
                .then(|| s.link.poll_timeout())
                .flatten();
            [link, s.drop_at]
        });
        terminals.chain(links.flatten()).min()
    }

    /// Lets `d` of virtual time pass, waking each peer at its deadlines.
    pub fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        self.settle();
        for _ in 0..STEPS {
            match self.next_deadline() {
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

    // ----- faults -----

    /// The transport of `serial` breaks under both ends at once (a reset).
    pub fn cut(&mut self, serial: u64) {
        let now = self.now;
        let Some(slot) = self.slots.get_mut(&serial) else {
            return;
        };
        if !slot.up {
            return;
        }
        slot.up = false;
        slot.to_broker.clear();
        slot.to_terminal.clear();
        if !slot.link.is_ended() {
            slot.link
                .handle_transport_failed(now, TransportFailure::Io("reset".into()));
        }
        let n = slot.terminal;
        if self.nodes[n].wire == Some(serial) {
            self.nodes[n].wire = None;
            self.nodes[n]
                .terminal
                .handle_transport_failed(now, TransportFailure::Io("reset".into()));
        }
        self.settle();
    }

    /// The broker stops reading and answering on `serial` (pings included); TCP stays up.
    pub fn go_dark(&mut self, serial: u64) {
        self.settle();
        if let Some(slot) = self.slots.get_mut(&serial) {
            slot.dark = true;
            slot.to_broker.clear();
            slot.to_terminal.clear();
        }
    }

    /// Every transport still up is reset (dark ones too: both ends learn of it).
    pub fn cut_all(&mut self) {
        let serials: Vec<u64> = self.slots.keys().copied().collect();
        for serial in serials {
            let slot = self.slots.get_mut(&serial).expect("known link");
            if slot.dark {
                slot.dark = false;
                slot.up = true;
            }
            self.cut(serial);
        }
        self.settle();
    }
}
