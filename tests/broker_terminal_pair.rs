//! The crate's own terminal (`Terminal`) against the broker (`Link`), wired in memory on
//! virtual time: session start, payment, CANCEL during a payment, GET COUNTER, busy,
//! reconnect with a request in flight, skip-auth and MAC modes.
#![allow(clippy::disallowed_methods)] // virtual time starts at one wall-clock reading

use std::sync::Arc;
use std::time::{Duration, Instant};

use sca_ws::{
    BrokerConfig, BrokerError, BrokerEvent, BrokerOutput, BrokerRequestId, Channel, CounterBook,
    Link, RequestFailure, RequestId, Response, SubmitOptions, Terminal, TerminalConfig,
    TerminalEvent, TerminalOutput, Transaction, WhenBusy, WsConfig,
};

const KEY: [u8; 16] = *b"0123456789abcdef";
const LABEL: &str = "P_1";

struct Pair {
    now: Instant,
    terminal: Terminal,
    link: Option<Link>,
    config: Arc<BrokerConfig>,
    /// The terminal's MAC labels as the broker knows them, carried across links.
    counters: CounterBook,
    wire_up: bool,
    broker_events: Vec<BrokerEvent>,
    terminal_events: Vec<TerminalEvent>,
    links_opened: usize,
}

impl Pair {
    fn new(mac: bool) -> Self {
        let now = Instant::now();
        let config = TerminalConfig {
            host: "broker.test".into(),
            port: 8080,
            tls: false,
            pinpad_id: Some("1".into()),
            skip_pos_auth: !mac,
            ping_interval: None,
            ..TerminalConfig::default()
        };
        let mut terminal = Terminal::new(config, now, 5);
        let mut counters = CounterBook::new();
        if mac {
            terminal.key_store_mut().insert(LABEL, KEY);
            counters.insert(LABEL, &KEY, 0).unwrap();
        }
        let broker = BrokerConfig {
            ws: WsConfig {
                ping_interval: None,
                ..WsConfig::default()
            },
            ..BrokerConfig::default()
        };
        let mut pair = Self {
            now,
            terminal,
            link: None,
            config: Arc::new(broker),
            counters,
            wire_up: false,
            broker_events: Vec::new(),
            terminal_events: Vec::new(),
            links_opened: 0,
        };
        pair.settle();
        assert!(
            pair.link.as_ref().is_some_and(Link::is_open),
            "link opens at boot"
        );
        pair
    }

    fn settle(&mut self) {
        for _ in 0..10_000 {
            let mut moved = false;
            while let Some(o) = self.terminal.poll_output() {
                moved = true;
                match o {
                    TerminalOutput::Connect(_) => {
                        self.link = Some(Link::new(self.now, self.config.clone(), 9));
                        self.wire_up = true;
                        self.terminal.handle_connected(self.now);
                    }
                    TerminalOutput::Transmit(b) => {
                        if let (true, Some(link)) = (self.wire_up, self.link.as_mut()) {
                            link.handle_input(self.now, &b);
                        }
                    }
                    TerminalOutput::CloseTransport if self.wire_up => {
                        self.wire_up = false;
                        if let Some(link) = self.link.as_mut() {
                            link.handle_eof(self.now);
                        }
                    }
                    TerminalOutput::CloseTransport => {}
                    TerminalOutput::Event(e) => self.terminal_events.push(e),
                }
            }
            if let Some(link) = self.link.as_mut() {
                while let Some(o) = link.poll_output() {
                    moved = true;
                    match o {
                        BrokerOutput::Transmit(b) => {
                            if self.wire_up {
                                self.terminal.handle_input(self.now, &b);
                            }
                        }
                        BrokerOutput::Event(BrokerEvent::UpgradeRequested(info)) => {
                            assert_eq!(info.pinpad_id.as_deref(), Some("1"));
                            link.accept(self.now, Some("sci")).unwrap();
                        }
                        BrokerOutput::Event(BrokerEvent::Open) => {
                            self.links_opened += 1;
                            link.set_counters(std::mem::take(&mut self.counters));
                        }
                        BrokerOutput::Event(e) => {
                            if matches!(e, BrokerEvent::Closed(_)) {
                                self.counters = link.take_counters();
                            }
                            self.broker_events.push(e);
                        }
                        BrokerOutput::CloseTransport => {
                            if self.wire_up {
                                self.wire_up = false;
                                self.terminal.handle_transport_closed(self.now);
                            }
                        }
                    }
                }
            }
            if !moved {
                return;
            }
        }
        panic!("peers never settled");
    }

    fn advance(&mut self, by: Duration) {
        let target = self.now + by;
        for _ in 0..10_000 {
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
                    self.terminal.handle_timeout(self.now);
                    if let Some(link) = self.link.as_mut() {
                        link.handle_timeout(self.now);
                    }
                    self.settle();
                }
                _ => break,
            }
        }
        self.now = target;
        self.settle();
    }

    fn submit(&mut self, xml: &str) -> BrokerRequestId {
        let tx = Transaction::decode(xml.as_bytes()).unwrap();
        let id = self.link.as_mut().unwrap().submit(self.now, tx).unwrap();
        self.settle();
        id
    }

    /// The requests the terminal application was asked to run since the last call.
    fn take_requests(&mut self) -> Vec<(RequestId, Channel, Transaction)> {
        let mut out = Vec::new();
        self.terminal_events.retain(|e| match e {
            TerminalEvent::Request {
                id,
                channel,
                transaction,
            } => {
                out.push((*id, *channel, transaction.clone()));
                false
            }
            _ => true,
        });
        out
    }

    fn respond(&mut self, id: RequestId, response: Response) {
        self.terminal.respond(self.now, id, response).unwrap();
        self.settle();
    }

    fn answered(&self, id: BrokerRequestId) -> Option<&Response> {
        self.broker_events.iter().find_map(|e| match e {
            BrokerEvent::Answered { id: i, response } if *i == id => Some(response),
            _ => None,
        })
    }

    fn failed(&self, id: BrokerRequestId) -> Option<&RequestFailure> {
        self.broker_events.iter().find_map(|e| match e {
            BrokerEvent::Failed { id: i, failure } if *i == id => Some(failure),
            _ => None,
        })
    }
}

const START: &str = "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND>\
<INVOICE>1</INVOICE></TRANSACTION>";
const PAYMENT: &str = "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND>\
<TRANS_AMOUNT>5.00</TRANS_AMOUNT><POS_RECON>pay-1</POS_RECON></TRANSACTION>";
const CANCEL: &str = "<TRANSACTION><FUNCTION_TYPE>SECONDARYPORT</FUNCTION_TYPE><COMMAND>CANCEL</COMMAND></TRANSACTION>";
const GET_COUNTER: &str = "<TRANSACTION><FUNCTION_TYPE>ADMIN</FUNCTION_TYPE><COMMAND>GET_COUNTER</COMMAND>\
<MAC_LABEL>P_1</MAC_LABEL></TRANSACTION>";

/// Starts a session (the terminal application approves it).
fn start_session(p: &mut Pair) {
    let id = p.submit(START);
    let [(rid, Channel::Primary, _)] = p.take_requests()[..] else {
        panic!("{:?}", p.terminal_events);
    };
    p.respond(rid, Response::success("Session Started"));
    assert!(
        p.answered(id).is_some_and(Response::is_success),
        "{:?}",
        p.broker_events
    );
    assert!(p.terminal.is_session_open());
}

#[test]
fn session_and_payment_in_both_auth_modes() {
    for mac in [false, true] {
        let mut p = Pair::new(mac);
        start_session(&mut p);
        let pay = p.submit(PAYMENT);
        let [(rid, _, tx)] = &p.take_requests()[..] else {
            panic!()
        };
        assert_eq!(tx.pos_recon(), Some("pay-1"));
        assert_eq!(tx.counter().is_some(), mac, "COUNTER only with MAC");
        p.respond(*rid, Response::success("APPROVED"));
        let r = p.answered(pay).expect("payment answered");
        assert_eq!(r.pos_recon(), Some("pay-1"));
        assert_eq!(r.counter.is_some(), mac);
        assert!(
            p.broker_events
                .iter()
                .all(|e| !matches!(e, BrokerEvent::Failed { .. }))
        );
    }
}

#[test]
fn cancel_during_payment() {
    for mac in [false, true] {
        let mut p = Pair::new(mac);
        start_session(&mut p);
        let pay = p.submit(PAYMENT);
        let [(pay_rid, Channel::Primary, _)] = p.take_requests()[..] else {
            panic!()
        };
        let cancel = p.submit(CANCEL);
        let [(cancel_rid, Channel::Secondary, _)] = p.take_requests()[..] else {
            panic!("{:?}", p.terminal_events)
        };
        assert!(
            p.terminal_events
                .iter()
                .any(|e| matches!(e, TerminalEvent::Cancel { id } if *id == pay_rid))
        );
        p.respond(cancel_rid, Response::success("Cancel accepted"));
        p.respond(pay_rid, Response::cancelled());
        assert_eq!(
            p.answered(cancel).and_then(|r| r.result_code).map(|c| c.0),
            Some(-1)
        );
        assert_eq!(
            p.answered(pay).and_then(|r| r.result_code).map(|c| c.0),
            Some(59001)
        );
    }
}

#[test]
fn get_counter_is_answered_by_the_terminal_and_synchronises_the_broker() {
    let mut p = Pair::new(true);
    start_session(&mut p);
    let id = p.submit(GET_COUNTER);
    assert!(
        p.take_requests().is_empty(),
        "the terminal answers GET COUNTER itself"
    );
    let r = p.answered(id).expect("answered");
    assert_eq!(r.counter.map(|c| c.get()), Some(1));
    assert_eq!(
        p.link.as_ref().unwrap().counters().last_counter(LABEL),
        Some(1)
    );
}

#[test]
fn busy_primary_is_queued_or_refused_at_the_broker() {
    let mut p = Pair::new(false);
    start_session(&mut p);
    let first = p.submit(PAYMENT);
    let link = p.link.as_mut().unwrap();
    let refuse = SubmitOptions {
        when_busy: WhenBusy::Refuse,
        ..SubmitOptions::default()
    };
    let tx = Transaction::decode(PAYMENT.as_bytes()).unwrap();
    assert_eq!(link.submit_with(p.now, tx, refuse), Err(BrokerError::Busy));
    let second = p.submit(PAYMENT);
    let reqs = p.take_requests();
    assert_eq!(
        reqs.len(),
        1,
        "the terminal never sees two primaries at once"
    );
    p.respond(reqs[0].0, Response::success("APPROVED"));
    assert!(p.answered(first).is_some());
    let reqs = p.take_requests();
    assert_eq!(
        reqs.len(),
        1,
        "the queued primary went out after the answer"
    );
    p.respond(reqs[0].0, Response::success("APPROVED"));
    assert!(p.answered(second).is_some());
}

#[test]
fn reconnect_while_a_request_is_in_flight() {
    let mut p = Pair::new(true);
    start_session(&mut p);
    let pay = p.submit(PAYMENT);
    let [(rid, _, _)] = p.take_requests()[..] else {
        panic!()
    };
    // The transport drops under both peers.
    p.wire_up = false;
    p.link.as_mut().unwrap().handle_eof(p.now);
    p.terminal.handle_transport_closed(p.now);
    p.settle();
    assert_eq!(
        p.failed(pay),
        Some(&RequestFailure::LinkLost { sent: true })
    );
    assert!(
        p.terminal_events
            .iter()
            .any(|e| matches!(e, TerminalEvent::RequestAbandoned { id } if *id == rid))
    );
    p.advance(Duration::from_secs(60));
    assert_eq!(p.links_opened, 2, "the terminal reconnected");
    assert!(
        p.terminal.is_session_open(),
        "the session survives a reconnect"
    );
    // The counters moved to the new link: the next request is accepted by the terminal.
    let again = p.submit(PAYMENT);
    let [(rid, _, tx)] = &p.take_requests()[..] else {
        panic!("{:?}", p.broker_events)
    };
    assert_eq!(tx.counter().and_then(Result::ok).map(|c| c.get()), Some(3));
    p.respond(*rid, Response::success("APPROVED"));
    assert!(p.answered(again).is_some_and(Response::is_success));
}

#[test]
fn unanswered_request_times_out_at_the_broker() {
    let mut p = Pair::new(false);
    start_session(&mut p);
    let pay = p.submit(PAYMENT);
    assert_eq!(p.take_requests().len(), 1);
    p.advance(Duration::from_secs(301));
    assert_eq!(
        p.failed(pay),
        Some(&RequestFailure::TimedOut { sent: true })
    );
}
