//! Seeded simulation of terminals and a broker over a bad network, in process on virtual
//! time (`tests/sim_support`). `SIM_SEEDS=<n>` runs more seeds (default 300), `SIM_SEED=<s>`
//! replays one.
//!
//! Each run draws ping intervals and pong timeouts on both sides of each other (1–60 s), a
//! broker that refuses, rejects, never answers the upgrade or accepts and drops, wires that
//! go dark under an open link (the broker stops reading and answering, TCP stays up), one
//! terminal or two (with distinct pinpad ids, or with the same one against the broker's
//! `Registry`), replays of requests the terminal accepted, notifications while requests are
//! in flight, power cycles, and reads cut at random. Chaos comes in phases; after each the
//! network heals and liveness is proved by a request that round-trips over the link the
//! registry names, so a zombie link fails the run.
//!
//! Properties checked after every step:
//! - every request the POS submitted ends in exactly one `Answered` or one `Failed`, before
//!   its link's `Closed`; every request delivered to a terminal ends in one answer or one
//!   `RequestAbandoned`, after which `respond` is `LinkGone`;
//! - an answer goes to the request it answers (its tag), and a notification is never taken
//!   as an answer (save the documented limit for requests that may be answered without
//!   evidence, counted separately);
//! - no COUNTER is ever accepted twice by a terminal (replays are refused), and each label's
//!   accepted COUNTERs rise, also across power cycles whose machine restored the
//!   authentication state its driver saved on every `AuthChanged`;
//! - a link that goes dark is declared lost within `ping_interval + pong_timeout`;
//! - a link replaced by a newer one with its pinpad id is closed with the "replaced" code,
//!   its requests fail as `Replaced`, and the id is never reported disconnected while a
//!   newer link of it is up;
//! - pending requests stay within the configured bound.

mod sim_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use sca_ws::{
    broker::{
        ANSWERED_WITHOUT_ECHO, CLOSE_REPLACED, CloseReason, Config as BrokerConfig,
        Event as BrokerEvent, RequestFailure, RequestId as BrokerRequestId, SubmitOptions,
        WhenBusy,
    },
    terminal::{
        Config as TerminalConfig, Error as TerminalError, Event as TerminalEvent, RequestId,
        Terminal,
    },
    ws::Config as WsConfig,
    xml::{Response, Transaction},
};
use sim_support::{Accept, Rng, World};

/// The MAC label both sides know in authenticated runs, and its key.
const LABEL: &str = "P_1";
const KEY: [u8; 16] = *b"0123456789abcdef";

/// Commands the POS sends (function type, command).
const CATALOGUE: [(&str, &str); 8] = [
    ("DEVICE", "VERSION"),
    ("SESSION", "START"),
    ("SESSION", "FINISH"),
    ("PAYMENT", "CAPTURE"),
    ("LINE_ITEM", "ADD"),
    ("SECONDARYPORT", "STATUS"),
    ("ADMIN", "GET_COUNTER"),
    ("ADMIN", "LANE_CLOSED"),
];

/// What the POS knows about one request it submitted.
#[derive(Debug)]
struct PosRequest {
    tag: String,
    /// The matching rule lets a response without evidence answer it (documented limit).
    may_lack_evidence: bool,
    ended: bool,
    answered: bool,
}

/// What a terminal's application knows about one request delivered to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// To answer at this instant (`None`: never, until the link goes).
    Pending(Option<Instant>),
    Answered,
    Abandoned,
}

/// The application on one terminal, and the run's record of it.
#[derive(Debug, Default)]
struct App {
    fates: BTreeMap<RequestId, (Fate, String)>,
    /// (label, COUNTER) pairs this machine accepted.
    accepted: BTreeSet<(String, u32)>,
    /// Accepted signed requests, for replays.
    signed: Vec<String>,
    /// Last GET COUNTER value seen.
    last_get_counter: u32,
    /// The dark wire and the instant by which the terminal must have declared it lost.
    lost_by: Option<(u64, Instant)>,
}

/// Figures that show the network really was bad.
#[derive(Debug, Default)]
struct Tally {
    answered: usize,
    failed: usize,
    replaced: usize,
    replaced_links: usize,
    abandoned: usize,
    probes: usize,
    darks: usize,
    flaps: usize,
    replays: usize,
    notifications: usize,
    notification_answers_allowed: usize,
    restarts: usize,
    /// Restarts whose machine restored the saved authentication state.
    restored_restarts: usize,
}

struct Sim {
    seed: u64,
    rng: Rng,
    world: World,
    auth: bool,
    config: TerminalConfig,
    pinpads: Vec<String>,
    apps: Vec<App>,
    pos: BTreeMap<(u64, BrokerRequestId), PosRequest>,
    next_tag: u64,
    /// How many broker events and disconnections were checked.
    seen_events: usize,
    seen_disconnects: usize,
    heal: bool,
    tally: Tally,
}

impl Sim {
    fn new(seed: u64) -> Self {
        let mut rng = Rng(seed);
        let auth = rng.chance(50);
        let mut config = TerminalConfig {
            host: "broker.test".into(),
            port: 8080,
            tls: false,
            skip_pos_auth: !auth,
            ..TerminalConfig::default()
        };
        config.reconnect.first = Duration::from_millis(200 + rng.below(800));
        config.reconnect.max = Duration::from_secs(5);
        config.reconnect.stable_after = rng.secs(1, 40);
        config.connect_timeout = Duration::from_secs(3);
        // Both sides of the pong timeout, and no keepalive at all sometimes.
        config.ping_interval = rng.chance(90).then(|| rng.secs(1, 60));
        config.pong_timeout = rng.chance(60).then(|| rng.secs(1, 60));
        config.max_pending_requests = 1 + rng.below(6) as usize;
        let broker_config = BrokerConfig {
            ws: WsConfig {
                ping_interval: rng.chance(40).then(|| rng.secs(5, 60)),
                ..WsConfig::default()
            },
            request_timeout: rng.secs(10, 120),
            ..BrokerConfig::default()
        };
        let mut world = World::new(broker_config, seed);
        if rng.chance(50) {
            world.chop = Some(Rng(seed ^ 0xC0FF_EE00));
        }
        let pinpads: Vec<String> = match rng.below(100) {
            0..=59 => vec!["1".into()],
            60..=84 => vec!["1".into(), "1".into()],
            _ => vec!["1".into(), "2".into()],
        };
        let mut sim = Self {
            seed,
            rng,
            world,
            auth,
            config,
            pinpads: pinpads.clone(),
            apps: Vec::new(),
            pos: BTreeMap::new(),
            next_tag: 0,
            seen_events: 0,
            seen_disconnects: 0,
            heal: false,
            tally: Tally::default(),
        };
        for n in 0..pinpads.len() {
            let terminal = sim.fresh_terminal(n);
            sim.world.add(terminal);
            sim.apps.push(App::default());
        }
        if auth {
            let mut ids: Vec<&String> = pinpads.iter().collect();
            ids.dedup();
            for id in ids {
                let mut book = sca_ws::broker::CounterBook::new();
                book.insert(LABEL, &KEY, 0).expect("broker key");
                sim.world.books.insert(id.clone(), book);
            }
        }
        sim
    }

    fn fresh_terminal(&mut self, n: usize) -> Terminal {
        let mut config = self.config.clone();
        config.pinpad_id = Some(self.pinpads[n].clone());
        let seed = self.seed.wrapping_mul(31).wrapping_add(self.rng.next());
        let mut terminal = Terminal::new(config, self.world.now, seed);
        if self.auth {
            terminal.key_store_mut().insert(LABEL, KEY);
        }
        terminal
    }

    fn run(&mut self) {
        for _phase in 0..3 {
            self.heal = false;
            for _ in 0..self.rng.below(4) {
                let accept = match self.rng.below(4) {
                    0 => Accept::Refuse,
                    1 => Accept::Silent,
                    2 => Accept::Reject(503),
                    _ => Accept::Flap(Duration::from_millis(self.rng.below(3000))),
                };
                self.world.plan.push_back(accept);
            }
            for _ in 0..30 {
                self.step();
                self.check();
            }
            self.recover();
        }
        self.finish();
    }

    fn step(&mut self) {
        let n = self.rng.below(self.apps.len() as u64) as usize;
        match self.rng.below(14) {
            0..=3 => self.submit(n),
            4 => self.notify(n),
            5 => self.replay(n),
            6 => self.fault(n),
            _ => {
                // Timer skew: sometimes a spurious early wake-up, then a jump of odd length.
                if self.rng.chance(30) {
                    let now = self.world.now;
                    self.world.nodes[n].terminal.handle_timeout(now);
                }
                let d = Duration::from_millis(self.rng.below(8_000));
                self.advance(d);
            }
        }
    }

    /// Lets time pass in pieces, so each terminal answers its requests when they are due.
    fn advance(&mut self, d: Duration) {
        let end = self.world.now + d;
        for _ in 0..1000 {
            let due = self
                .apps
                .iter()
                .flat_map(|a| a.fates.values())
                .filter_map(|(f, _)| match f {
                    Fate::Pending(Some(at)) => Some(*at),
                    _ => None,
                })
                .filter(|at| *at <= end)
                .min();
            let to = due.unwrap_or(end).max(self.world.now);
            self.world.advance(to - self.world.now);
            self.absorb();
            if self.world.now >= end {
                return;
            }
        }
        panic!("seed {}: too many answers due in one step", self.seed);
    }

    fn submit(&mut self, n: usize) {
        let pinpad = self.pinpads[n].clone();
        let Some(serial) = self.world.reachable(&pinpad) else {
            return;
        };
        let (ft, cmd) = CATALOGUE[self.rng.below(CATALOGUE.len() as u64) as usize];
        let pos_recon = self.rng.chance(30);
        self.submit_tagged(serial, ft, cmd, pos_recon, None);
    }

    /// Submits one tagged request on `serial`; returns its key when the link took it.
    fn submit_tagged(
        &mut self,
        serial: u64,
        ft: &str,
        cmd: &str,
        pos_recon: bool,
        deadline: Option<Instant>,
    ) -> Option<(u64, BrokerRequestId)> {
        self.next_tag += 1;
        let tag = format!("t{}", self.next_tag);
        let mut tx = Transaction::decode(
            format!(
                "<TRANSACTION><FUNCTION_TYPE>{ft}</FUNCTION_TYPE><COMMAND>{cmd}</COMMAND>\
                 <INVOICE>{tag}</INVOICE></TRANSACTION>"
            )
            .as_bytes(),
        )
        .expect("a TRANSACTION");
        if pos_recon {
            tx.set_pos_recon(&format!("pos-{tag}")).expect("recon");
        }
        let options = SubmitOptions {
            when_busy: if self.rng.chance(50) {
                WhenBusy::Refuse
            } else {
                WhenBusy::default()
            },
            deadline,
            ..SubmitOptions::default()
        };
        let now = self.world.now;
        let signed = !self.world.link_mut(serial).counters().is_empty();
        let id = self
            .world
            .link_mut(serial)
            .submit_with(now, tx, options)
            .ok()?;
        let may_lack_evidence = !signed && !pos_recon && ANSWERED_WITHOUT_ECHO.contains(&(ft, cmd));
        let key = (serial, id);
        let fresh = self.pos.insert(
            key,
            PosRequest {
                tag,
                may_lack_evidence,
                ended: false,
                answered: false,
            },
        );
        assert!(
            fresh.is_none(),
            "seed {}: broker request id reused",
            self.seed
        );
        self.world.settle();
        self.absorb();
        Some(key)
    }

    /// The terminal sends a notification (a RESPONSE with no evidence), ideally while a
    /// request is in flight.
    fn notify(&mut self, n: usize) {
        let now = self.world.now;
        let note = Response::success(format!("note {}", self.tally.notifications));
        if self.world.nodes[n].terminal.notify(now, &note).is_ok() {
            self.tally.notifications += 1;
        }
        self.world.settle();
        self.absorb();
    }

    /// Whoever sits on the path replays a signed request this terminal accepted before.
    fn replay(&mut self, n: usize) {
        let app = &self.apps[n];
        if app.signed.is_empty() {
            return;
        }
        let text = app.signed[self.rng.below(app.signed.len() as u64) as usize].clone();
        if let Some(serial) = self.world.nodes[n].wire {
            self.world.inject(serial, &text);
            self.tally.replays += 1;
            self.absorb();
        }
    }

    fn fault(&mut self, n: usize) {
        let Some(serial) = self.world.nodes[n].wire else {
            return;
        };
        match self.rng.below(10) {
            0..=2 => self.world.cut(serial),
            3..=4 => {
                let slot = &self.world.slots[&serial];
                if slot.link.is_open() {
                    let now = self.world.now;
                    let _ = self.world.link_mut(serial).close(
                        now,
                        sca_ws::CloseCode(1001),
                        "going away",
                    );
                    self.world.settle();
                }
            }
            5..=7 if self.config.ping_interval.is_some() => self.go_dark(n, serial),
            8 => {
                self.world.plan.push_back(Accept::Flap(self.rng.secs(0, 3)));
                self.tally.flaps += 1;
            }
            9 if self.rng.chance(30) => self.restart(n),
            _ => {}
        }
        self.absorb();
    }

    fn go_dark(&mut self, n: usize, serial: u64) {
        let open = self.world.nodes[n].terminal.is_connected();
        self.world.go_dark(serial);
        self.tally.darks += 1;
        if open {
            let ws = WsConfig {
                ping_interval: self.config.ping_interval,
                pong_timeout: self.config.pong_timeout,
                ..WsConfig::default()
            };
            let interval = self.config.ping_interval.expect("keepalive on");
            let by = self.world.now + interval + ws.effective_pong_timeout();
            self.apps[n].lost_by = Some((serial, by));
        }
    }

    /// A power cycle. Mostly the new machine restores the authentication state its driver
    /// saved on every `AuthChanged`: then every COUNTER accepted before the restart must still
    /// be refused after it, so the accepted set and the replay material carry over. Sometimes
    /// the store is lost (a factory reset): the key is installed again and the old COUNTERs
    /// may be accepted anew, as on a real reset terminal.
    fn restart(&mut self, n: usize) {
        let terminal = self.fresh_terminal(n);
        let restore = self.auth && self.rng.chance(80);
        let saved = if restore {
            self.world.nodes[n].saved_auth.clone()
        } else {
            None
        };
        self.world.restart(n, terminal, saved.as_deref());
        self.tally.restarts += 1;
        let old = std::mem::take(&mut self.apps[n]);
        if saved.is_some() {
            self.tally.restored_restarts += 1;
            self.apps[n].accepted = old.accepted;
            self.apps[n].signed = old.signed;
            self.apps[n].last_get_counter = old.last_get_counter;
        }
        self.absorb();
    }

    /// Takes in what the terminals and the broker reported, answers what is due now.
    fn absorb(&mut self) {
        for _ in 0..1000 {
            let mut moved = false;
            for n in 0..self.apps.len() {
                moved |= self.absorb_terminal(n);
            }
            moved |= self.absorb_broker();
            if !moved {
                return;
            }
        }
        panic!("seed {}: absorb kept moving", self.seed);
    }

    fn absorb_terminal(&mut self, n: usize) -> bool {
        let seed = self.seed;
        let now = self.world.now;
        let events = std::mem::take(&mut self.world.nodes[n].events);
        let mut moved = !events.is_empty();
        for event in events {
            match event {
                TerminalEvent::Request {
                    id, transaction, ..
                } => self.delivered(n, id, &transaction),
                TerminalEvent::RequestAbandoned { id } => {
                    let app = &mut self.apps[n];
                    let (fate, _) = app.fates.get_mut(&id).expect("abandoned id was delivered");
                    assert!(
                        matches!(fate, Fate::Pending(_)),
                        "seed {seed}: {id} ended twice"
                    );
                    *fate = Fate::Abandoned;
                    self.tally.abandoned += 1;
                    let late =
                        self.world.nodes[n]
                            .terminal
                            .respond(now, id, Response::success("late"));
                    assert_eq!(late, Err(TerminalError::LinkGone { id }), "seed {seed}");
                }
                TerminalEvent::Cancel { id } => {
                    assert!(
                        matches!(self.apps[n].fates.get(&id), Some((Fate::Pending(_), _))),
                        "seed {seed}: cancel of a request not pending"
                    );
                }
                _ => {}
            }
        }
        // Answer what is due.
        let due: Vec<(RequestId, String)> = self.apps[n]
            .fates
            .iter()
            .filter_map(|(id, (f, tag))| match f {
                Fate::Pending(Some(at)) if *at <= now => Some((*id, tag.clone())),
                Fate::Pending(None) if self.heal => Some((*id, tag.clone())),
                _ => None,
            })
            .collect();
        for (id, tag) in due {
            moved = true;
            let answer = Response::success(format!("answer {tag}"));
            let result = self.world.nodes[n].terminal.respond(now, id, answer);
            assert_eq!(result, Ok(()), "seed {seed}: respond to pending {id}");
            let again = self.world.nodes[n]
                .terminal
                .respond(now, id, Response::success("again"));
            assert!(again.is_err(), "seed {seed}: a second answer was taken");
            self.apps[n].fates.get_mut(&id).expect("pending").0 = Fate::Answered;
            self.world.settle();
        }
        moved
    }

    /// A request reached terminal `n`'s application.
    fn delivered(&mut self, n: usize, id: RequestId, transaction: &Transaction) {
        let seed = self.seed;
        let now = self.world.now;
        if self.auth
            && let (Some(label), Some(Ok(counter))) =
                (transaction.mac_label(), transaction.counter())
        {
            let app = &mut self.apps[n];
            let fresh = app.accepted.insert((label.to_owned(), counter.get()));
            assert!(
                fresh,
                "seed {seed}: COUNTER {} accepted twice by terminal {n}",
                counter.get()
            );
            let highest = app
                .accepted
                .iter()
                .filter(|(l, _)| l == label)
                .map(|(_, c)| *c)
                .max();
            assert_eq!(
                highest,
                Some(counter.get()),
                "seed {seed}: COUNTER went back"
            );
            let mut text = String::new();
            transaction.encode_to_string(&mut text);
            app.signed.push(text);
        }
        let tag = transaction
            .fields()
            .get("INVOICE")
            .unwrap_or("untagged")
            .to_owned();
        let when = match self.rng.below(100) {
            _ if self.heal => Some(now),
            0..=49 => Some(now),
            50..=84 => Some(now + Duration::from_millis(self.rng.below(8_000))),
            _ => None,
        };
        let previous = self.apps[n].fates.insert(id, (Fate::Pending(when), tag));
        assert!(
            previous.is_none(),
            "seed {seed}: terminal request id reused"
        );
    }

    fn absorb_broker(&mut self) -> bool {
        let seed = self.seed;
        let events = self.world.broker_events[self.seen_events..].to_vec();
        self.seen_events = self.world.broker_events.len();
        let moved = !events.is_empty();
        for (serial, replaced, event) in events {
            match event {
                BrokerEvent::Answered { id, response } => {
                    let request = self
                        .pos
                        .get_mut(&(serial, id))
                        .expect("a submitted request");
                    assert!(!request.ended, "seed {seed}: request {id:?} ended twice");
                    request.ended = true;
                    request.answered = true;
                    self.tally.answered += 1;
                    let text = response.response_text.as_deref().unwrap_or("");
                    if text.starts_with("note ") {
                        assert!(
                            request.may_lack_evidence,
                            "seed {seed}: notification {text:?} taken as the answer of {}",
                            request.tag
                        );
                        self.tally.notification_answers_allowed += 1;
                    }
                    if let Some(tag) = text.strip_prefix("answer ") {
                        assert_eq!(
                            tag, request.tag,
                            "seed {seed}: the answer to {tag} went to {}",
                            request.tag
                        );
                    }
                    if text == "Counter" {
                        let n = self.world.slots[&serial].terminal;
                        let value = response.counter.map_or(0, |c| c.get());
                        let app = &mut self.apps[n];
                        assert!(
                            value >= app.last_get_counter,
                            "seed {seed}: GET COUNTER went back"
                        );
                        app.last_get_counter = value;
                    }
                }
                BrokerEvent::Failed { id, failure } => {
                    let request = self
                        .pos
                        .get_mut(&(serial, id))
                        .expect("a submitted request");
                    assert!(!request.ended, "seed {seed}: request {id:?} ended twice");
                    request.ended = true;
                    self.tally.failed += 1;
                    if replaced {
                        assert!(
                            matches!(failure, RequestFailure::Replaced { .. }),
                            "seed {seed}: a replaced link's request failed as {failure:?}"
                        );
                        self.tally.replaced += 1;
                    } else {
                        assert!(
                            !matches!(failure, RequestFailure::Replaced { .. }),
                            "seed {seed}: Replaced on a link nobody replaced"
                        );
                    }
                }
                BrokerEvent::Closed(reason) => {
                    assert_eq!(
                        reason == CloseReason::Replaced,
                        replaced,
                        "seed {seed}: link {serial} closed as {reason:?}"
                    );
                    let open = self
                        .pos
                        .iter()
                        .filter(|((s, _), r)| *s == serial && !r.ended)
                        .count();
                    assert_eq!(open, 0, "seed {seed}: requests outlived their link");
                }
                _ => {}
            }
        }
        moved
    }

    /// The properties that hold after every step.
    fn check(&mut self) {
        let seed = self.seed;
        let now = self.world.now;
        for (n, app) in self.apps.iter().enumerate() {
            let terminal = &self.world.nodes[n].terminal;
            assert!(
                terminal.pending_requests() <= self.config.max_pending_requests,
                "seed {seed}"
            );
            let open = app
                .fates
                .values()
                .filter(|(f, _)| matches!(f, Fate::Pending(_)))
                .count();
            assert_eq!(open, terminal.pending_requests(), "seed {seed}");
            if let Some((serial, by)) = app.lost_by {
                let still_on_it =
                    self.world.nodes[n].wire == Some(serial) && terminal.is_connected();
                assert!(
                    !(still_on_it && now >= by),
                    "seed {seed}: terminal {n} still on a dark link at {:.1} s (lost by {:.1} s)",
                    self.world.t(),
                    (by - self.world.start).as_secs_f64()
                );
            }
        }
        for (at, pinpad, others_open) in &self.world.disconnected[self.seen_disconnects..] {
            assert!(
                others_open.is_empty(),
                "seed {seed}: pinpad {pinpad} reported disconnected at {:?} while links \
                 {others_open:?} of it are up",
                *at - self.world.start
            );
        }
        self.seen_disconnects = self.world.disconnected.len();
    }

    /// The network heals: the terminals answer at once, every pinpad id must get a request
    /// round-tripped over the link the registry names for it.
    fn recover(&mut self) {
        self.heal = true;
        self.world.plan.clear();
        let mut ids = self.pinpads.clone();
        ids.dedup();
        let limit = Duration::from_secs(200);
        for id in ids {
            let end = self.world.now + limit;
            let mut probe: Option<(u64, BrokerRequestId)> = None;
            let mut answered = false;
            for _ in 0..2000 {
                if let Some(key) = probe {
                    let request = &self.pos[&key];
                    if request.ended {
                        answered = request.answered;
                        if answered {
                            break;
                        }
                        probe = None;
                    }
                }
                if probe.is_none()
                    && let Some(serial) = self.world.reachable(&id)
                {
                    let deadline = Some(self.world.now + Duration::from_secs(20));
                    probe = self.submit_tagged(serial, "DEVICE", "VERSION", false, deadline);
                    self.tally.probes += 1;
                    if probe.is_some() {
                        continue;
                    }
                }
                if self.world.now >= end {
                    break;
                }
                self.advance(Duration::from_millis(250));
                self.check();
            }
            assert!(
                answered,
                "seed {}: no request round-trips for pinpad {id} within {limit:?} of healing \
                 (t = {:.1} s; a zombie link?)",
                self.seed,
                self.world.t()
            );
        }
    }

    /// Everything is torn down; every request must have ended once.
    fn finish(&mut self) {
        self.world.cut_all();
        self.absorb();
        self.advance(Duration::from_secs(10));
        self.world.cut_all();
        self.absorb();
        self.check();
        let seed = self.seed;
        let open: Vec<&String> = self
            .pos
            .values()
            .filter(|r| !r.ended)
            .map(|r| &r.tag)
            .collect();
        assert!(
            open.is_empty(),
            "seed {seed}: requests never ended: {open:?}"
        );
        for (n, app) in self.apps.iter().enumerate() {
            assert!(
                app.fates
                    .values()
                    .all(|(f, _)| !matches!(f, Fate::Pending(_))),
                "seed {seed}: terminal {n} kept a request after every link went"
            );
        }
        for (serial, slot) in &self.world.slots {
            if slot.replaced_clean {
                self.tally.replaced_links += 1;
                assert_eq!(
                    slot.closes_received.first(),
                    Some(&CLOSE_REPLACED.0),
                    "seed {seed}: replaced link {serial} did not close with the replaced code"
                );
            }
        }
    }
}

#[test]
fn random_networks_keep_the_invariants() {
    if let Some(seed) = std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()) {
        let mut sim = Sim::new(seed);
        sim.run();
        eprintln!("simulation: seed {seed}, {:?}", sim.tally);
        return;
    }
    let seeds: u64 = std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let mut total = Tally::default();
    for seed in 0..seeds {
        let mut sim = Sim::new(seed);
        sim.run();
        let t = sim.tally;
        total.answered += t.answered;
        total.failed += t.failed;
        total.replaced += t.replaced;
        total.replaced_links += t.replaced_links;
        total.abandoned += t.abandoned;
        total.probes += t.probes;
        total.darks += t.darks;
        total.flaps += t.flaps;
        total.replays += t.replays;
        total.notifications += t.notifications;
        total.notification_answers_allowed += t.notification_answers_allowed;
        total.restarts += t.restarts;
        total.restored_restarts += t.restored_restarts;
    }
    if seeds >= 100 {
        // The run really met each fault it claims to cover.
        assert!(
            total.answered > 0
                && total.failed > 0
                && total.replaced > 0
                && total.replaced_links > 0
                && total.abandoned > 0
                && total.darks > 0
                && total.flaps > 0
                && total.replays > 0
                && total.notifications > 0,
            "{total:?}"
        );
    }
    eprintln!("simulation: {seeds} seeds, {total:?}");
}
