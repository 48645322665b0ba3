//! Arbitrary bytes, decisions, submissions and time steps into one broker link.
//!
//! Invariants: no panic; `poll_output` always ends; every submitted request ends exactly once
//! (answered or failed) by the time the link has ended; `Closed` comes at most once; the
//! requests tracked never exceed the configured bounds; `close_replaced` ends every request
//! at once, each as `Replaced`.
//!
//! SECURITY traffic with keys installed: TEST_MAC / UNREGISTER / UNREGISTERALL / REGISTER
//! submissions (signed by the link once `Keys` installed a label), every answer read as a
//! REGISTER answer with the POS key (arbitrary MAC_KEY bytes must give an error, never a
//! panic), and arbitrary counter-book text (decode, then encode / decode round-trips).
#![no_main]

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use base64::Engine as _;
use sca_ws::{broker::{self, Config as BrokerConfig, CounterBook, Event as BrokerEvent, Link, Output as BrokerOutput, PosKey, RequestFailure, SubmitOptions, WhenBusy}, xml::{Response, Transaction}};

/// One POS key for the whole run (generation is slow).
fn pos_key() -> &'static PosKey {
    static KEY: OnceLock<PosKey> = OnceLock::new();
    KEY.get_or_init(|| PosKey::generate([42; 32]).expect("rsa key"))
}

fn security_request(which: u8) -> Transaction {
    match which % 5 {
        0 => broker::test_mac_request(None),
        1 => broker::unregister_request("L"),
        2 => broker::unregister_all_request(),
        3 => broker::get_counter_request(Some("L")),
        _ => pos_key().register_request("1234"),
    }
}

const SEED_REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: CujtCKpQPzowD1oV4qp+hQ==\r\nSec-WebSocket-Protocol: sci\r\n\
Sec-WebSocket-Version: 13\r\nx-vfi-pinpad-id : 1\r\n\r\n";

const REQUESTS: [&str; 4] = [
    "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND></TRANSACTION>",
    "<TRANSACTION><FUNCTION_TYPE>SECONDARYPORT</FUNCTION_TYPE><COMMAND>CANCEL</COMMAND></TRANSACTION>",
    "<TRANSACTION><FUNCTION_TYPE>ADMIN</FUNCTION_TYPE><COMMAND>GET_COUNTER</COMMAND></TRANSACTION>",
    "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND><POS_RECON>7</POS_RECON></TRANSACTION>",
];

#[derive(Arbitrary, Debug)]
enum Op {
    Bytes(Vec<u8>),
    /// The bytes of a masked client text frame carrying `text`.
    Frame { mask: [u8; 4], text: String },
    Accept(bool),
    Reject(u16),
    Submit { which: u8, refuse: bool, deadline_ms: Option<u16>, lack_echo: bool },
    Wait(u16),
    Close(u16),
    /// A newer link took this one's pinpad id (`broker::Registry`).
    CloseReplaced,
    Eof,
    Keys(u32),
    Security { which: u8 },
    /// A REGISTER answer with this label and MAC_KEY bytes (base64-encoded here).
    RegisterAnswer { label: String, wrapped: Vec<u8>, seed: u8 },
    BookText(String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    send_seed_request: bool,
    ops: Vec<Op>,
}

fn masked_frame(mask: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x81];
    match payload.len() {
        n if n < 126 => f.push(0x80 | n as u8),
        n if n <= 0xFFFF => {
            f.push(0x80 | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(0x80 | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(&mask);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

struct State {
    open: HashSet<u64>,
    ended: HashSet<u64>,
    closed: usize,
    /// Whether the last `Failed` since the last check was `Replaced` (`None`: none came).
    last_failure_replaced: Option<bool>,
}

fn drain(link: &mut Link, st: &mut State) {
    for _ in 0..100_000 {
        match link.poll_output() {
            None => return,
            Some(BrokerOutput::Event(BrokerEvent::Answered { id, response })) => {
                assert!(st.open.remove(&id.get()), "request {id} ended twice or never existed");
                st.ended.insert(id.get());
                if let Ok(registration) = pos_key().read_register_answer(&response, [1; 32]) {
                    let _ = registration.install(link.counters_mut());
                }
            }
            Some(BrokerOutput::Event(BrokerEvent::Failed { id, failure })) => {
                assert!(st.open.remove(&id.get()), "request {id} ended twice or never existed");
                st.ended.insert(id.get());
                let replaced = matches!(failure, RequestFailure::Replaced { .. });
                st.last_failure_replaced = Some(st.last_failure_replaced.unwrap_or(true) && replaced);
            }
            Some(BrokerOutput::Event(BrokerEvent::Closed(_))) => st.closed += 1,
            Some(_) => {}
        }
    }
    panic!("poll_output did not end");
}

fuzz_target!(|input: Input| {
    let config = BrokerConfig::default();
    let bound = 1 + config.max_secondaries_in_flight + config.max_waiting_requests;
    let t0 = Instant::now();
    let mut now = t0;
    let mut link = Link::new(Arc::new(config), now, 1);
    let mut st = State { open: HashSet::new(), ended: HashSet::new(), closed: 0, last_failure_replaced: None };
    if input.send_seed_request {
        link.handle_input(now, SEED_REQUEST);
    }
    for op in input.ops.into_iter().take(256) {
        match op {
            Op::Bytes(b) => link.handle_input(now, &b),
            Op::Frame { mask, text } => link.handle_input(now, &masked_frame(mask, text.as_bytes())),
            Op::Accept(sci) => {
                let _ = link.accept(now, sci.then_some("sci"));
            }
            Op::Reject(status) => {
                let _ = link.reject(now, status, "no");
            }
            Op::Submit { which, refuse, deadline_ms, lack_echo } => {
                let xml = REQUESTS[usize::from(which) % REQUESTS.len()];
                let Ok(tx) = Transaction::decode(xml.as_bytes()) else { continue };
                let options = SubmitOptions {
                    deadline: deadline_ms.map(|ms| now + Duration::from_millis(u64::from(ms))),
                    when_busy: if refuse { WhenBusy::Refuse } else { WhenBusy::Queue },
                    answer_may_lack_echo: lack_echo,
                };
                if let Ok(id) = link.submit_with(now, tx, options) {
                    assert!(st.open.insert(id.get()) && !st.ended.contains(&id.get()));
                }
            }
            Op::Wait(ms) => {
                now += Duration::from_millis(u64::from(ms) * 10);
                link.handle_timeout(now);
            }
            Op::Close(code) => {
                let _ = link.close(now, sca_ws::CloseCode(code), "bye");
            }
            Op::CloseReplaced => {
                let had_requests = !st.open.is_empty();
                if link.close_replaced(now).is_ok() {
                    // Every request ends at once, and as replaced.
                    drain(&mut link, &mut st);
                    assert!(st.open.is_empty(), "a replaced link kept requests: {:?}", st.open);
                    let expected = had_requests.then_some(true);
                    assert_eq!(st.last_failure_replaced, expected, "failed other than as replaced");
                }
            }
            Op::Eof => link.handle_eof(now),
            Op::Security { which } => {
                if let Ok(id) = link.submit(now, security_request(which)) {
                    assert!(st.open.insert(id.get()) && !st.ended.contains(&id.get()));
                }
            }
            Op::RegisterAnswer { label, wrapped, seed } => {
                let wrapped = base64::engine::general_purpose::STANDARD.encode(&wrapped);
                let response = Response::success("Registered")
                    .with_field("MAC_LABEL", &label)
                    .and_then(|r| r.with_field("MAC_KEY", &wrapped));
                if let Ok(response) = response {
                    if let Ok(registration) = pos_key().read_register_answer(&response, [seed; 32]) {
                        assert_eq!(registration.key().len(), 16);
                        let _ = registration.install(link.counters_mut());
                    }
                }
            }
            Op::BookText(text) => {
                if let Ok(book) = CounterBook::decode(&text) {
                    let again = CounterBook::decode(&book.encode()).expect("own text decodes");
                    assert_eq!(again.encode(), book.encode());
                }
            }
            Op::Keys(last) => {
                let mut book = CounterBook::new();
                let _ = book.insert("L", &[1; 16], last);
                link.set_counters(book);
            }
        }
        drain(&mut link, &mut st);
        st.last_failure_replaced = None;
        assert!(link.pending_requests() <= bound);
        assert_eq!(link.pending_requests(), st.open.len());
        assert!(st.closed <= 1);
        if let Some(t) = link.poll_timeout() {
            assert!(t >= t0);
        }
    }
    // Ending the transport ends every request.
    link.handle_eof(now);
    drain(&mut link, &mut st);
    now += Duration::from_secs(3600);
    link.handle_timeout(now);
    drain(&mut link, &mut st);
    assert!(st.open.is_empty(), "requests never ended: {:?}", st.open);
    assert_eq!(link.pending_requests(), 0);
});
