//! A reference model of the session, COUNTER and busy rules, run against the real machine on
//! random sequences of POS requests and application answers (proptest).

mod common;

use std::time::Duration;

use common::{KEY, LABEL, Pair, code, transaction};
use proptest::prelude::*;
use sca_ws::{
    mac::compute_mac,
    terminal::{Channel, RequestId},
    xml::Response,
};

const COMMANDS: [(&str, &str); 8] = [
    ("DEVICE", "VERSION"),
    ("SESSION", "START"),
    ("SESSION", "FINISH"),
    ("PAYMENT", "CAPTURE"),
    ("LINE_ITEM", "ADD"),
    ("SECONDARYPORT", "STATUS"),
    ("ADMIN", "GET_COUNTER"),
    ("ADMIN", "LANE_CLOSED"),
];
const MAX_PENDING: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    /// The POS sends command `cmd` with COUNTER = last + `step` (0 = replay), a good or bad MAC.
    Send {
        cmd: usize,
        step: u32,
        good_mac: bool,
    },
    /// The application answers the `nth` pending request, with success or failure.
    Answer { nth: usize, success: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..COMMANDS.len(), 0u32..3, prop::bool::weighted(0.9)).prop_map(
            |(cmd, step, good_mac)| Op::Send {
                cmd,
                step,
                good_mac
            }
        ),
        (0usize..4, prop::bool::weighted(0.8))
            .prop_map(|(nth, success)| Op::Answer { nth, success }),
    ]
}

/// What the model expects for one request.
#[derive(Debug, PartialEq, Eq)]
enum Expect {
    Deliver(Channel),
    Code(i64),
    Counter(u32),
}

#[derive(Debug, Default)]
struct Model {
    session_open: bool,
    primary: Option<usize>,
    /// Pending requests: (model id, command index).
    pending: Vec<(usize, usize)>,
    last_counter: Option<u32>,
    next: usize,
}

impl Model {
    fn send(&mut self, cmd: usize, counter: u32, good_mac: bool) -> Expect {
        let (ft, name) = COMMANDS[cmd];
        let exempt = ft == "SECONDARYPORT" || (ft, name) == ("ADMIN", "GET_COUNTER");
        if !exempt {
            if !good_mac {
                return Expect::Code(40007);
            }
            if self.last_counter.is_some_and(|last| counter <= last) {
                return Expect::Code(40007);
            }
            self.last_counter = Some(counter);
        }
        if (ft, name) == ("ADMIN", "GET_COUNTER") {
            return Expect::Counter(self.last_counter.unwrap_or(1));
        }
        if self.pending.len() >= MAX_PENDING {
            return Expect::Code(59002);
        }
        if ft == "SECONDARYPORT" {
            self.deliver(cmd, false);
            return Expect::Deliver(Channel::Secondary);
        }
        if self.primary.is_some() {
            return Expect::Code(59002);
        }
        match (ft, name) {
            ("PAYMENT" | "LINE_ITEM", _) if !self.session_open => return Expect::Code(59004),
            ("SESSION", "START") if self.session_open => return Expect::Code(59003),
            _ => {}
        }
        self.deliver(cmd, true);
        Expect::Deliver(Channel::Primary)
    }

    fn deliver(&mut self, cmd: usize, primary: bool) {
        if primary {
            self.primary = Some(self.next);
        }
        self.pending.push((self.next, cmd));
        self.next += 1;
    }

    fn answer(&mut self, nth: usize, success: bool) -> Option<usize> {
        if self.pending.is_empty() {
            return None;
        }
        let (id, cmd) = self.pending.remove(nth % self.pending.len());
        if self.primary == Some(id) {
            self.primary = None;
        }
        if success {
            match COMMANDS[cmd] {
                ("SESSION", "START") => self.session_open = true,
                ("SESSION", "FINISH") | ("ADMIN", "LANE_CLOSED") => self.session_open = false,
                _ => {}
            }
        }
        Some(id)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn machine_follows_the_reference_model(ops in prop::collection::vec(op(), 1..40)) {
        let mut config = Pair::auth_config();
        config.max_pending_requests = MAX_PENDING;
        let mut pair = Pair::new(config).with_mac_key();
        pair.connect_within(Duration::from_secs(1));
        let mut model = Model::default();
        // Model id -> machine id, in delivery order.
        let mut ids: Vec<(usize, RequestId)> = Vec::new();
        let mut counter = 0u32;

        for op in ops {
            match op {
                Op::Send { cmd, step, good_mac } => {
                    counter += step;
                    let c = counter.max(1);
                    let (ft, name) = COMMANDS[cmd];
                    let mac = if good_mac { compute_mac(&KEY, c) } else { compute_mac(b"wrong", c) };
                    let cs = c.to_string();
                    pair.send_or_inject(&transaction(ft, name, &[("MAC_LABEL", LABEL), ("COUNTER", &cs), ("MAC", &mac)]));
                    let expected = model.send(cmd, c, good_mac);
                    let requests = pair.take_requests();
                    let responses = pair.take_responses();
                    match expected {
                        Expect::Deliver(channel) => {
                            prop_assert_eq!(requests.len(), 1);
                            prop_assert_eq!(requests[0].1, channel);
                            prop_assert!(responses.is_empty());
                            ids.push((model.next - 1, requests[0].0));
                        }
                        Expect::Code(want) => {
                            prop_assert!(requests.is_empty());
                            prop_assert_eq!(responses.len(), 1);
                            prop_assert_eq!(code(&responses[0]), want);
                        }
                        Expect::Counter(want) => {
                            prop_assert!(requests.is_empty());
                            prop_assert_eq!(responses.len(), 1);
                            prop_assert_eq!(responses[0].counter.map(|c| c.get()), Some(want));
                        }
                    }
                }
                Op::Answer { nth, success } => {
                    if let Some(model_id) = model.answer(nth, success) {
                        let index = ids.iter().position(|(m, _)| *m == model_id).unwrap();
                        let (_, id) = ids.remove(index);
                        let response = if success { Response::success("ok") } else { Response::cancelled() };
                        pair.respond(id, response);
                        prop_assert_eq!(pair.take_responses().len(), 1);
                    }
                }
            }
            prop_assert_eq!(pair.terminal.is_session_open(), model.session_open);
            prop_assert_eq!(pair.terminal.pending_requests(), model.pending.len());
        }
    }
}
