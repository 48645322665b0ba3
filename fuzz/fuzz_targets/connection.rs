//! A whole connection, either role, driven by a fuzzed script of reads, sends and time steps.
//! Invariants: no panic; text events are UTF-8; messages and the outbound queue stay within
//! their limits; nothing after a close or failure event but the transport directive; nothing
//! at all after `CloseTransport`.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sca_ws::{frame::CloseCode, ws::{Config as WsConfig, Connection, DataKind, Event, Output, Role}};

#[derive(Arbitrary, Debug)]
enum Step {
    /// Raw bytes from the peer.
    Bytes(Vec<u8>),
    /// A well-formed-ish frame from the peer, so the fuzzer reaches deep states quickly.
    Frame { first: u8, payload: Vec<u8>, key: Option<[u8; 4]> },
    Text(String),
    Binary(Vec<u8>),
    Fragment { text: bool, data: Vec<u8>, fin: bool },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
    Advance(u16),
    Eof,
}

#[derive(Arbitrary, Debug)]
struct Script {
    server: bool,
    seed: u64,
    small_limits: bool,
    steps: Vec<Step>,
}

fn frame(first: u8, payload: &[u8], key: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = vec![first];
    let mask_bit = if key.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n @ 0..=125 => out.push(mask_bit | n as u8),
        n @ 126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match key {
        Some(k) => {
            out.extend_from_slice(&k);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

#[allow(clippy::disallowed_methods)]
fn start() -> Instant {
    Instant::now()
}

fuzz_target!(|script: Script| {
    let config = if script.small_limits {
        WsConfig {
            max_frame_payload: 64,
            max_message_size: 100,
            max_outbound_bytes: 200,
            ping_interval: Some(Duration::from_secs(1)),
            pong_timeout: Some(Duration::from_millis(500)),
            close_timeout: Duration::from_millis(700),
        }
    } else {
        WsConfig::default()
    };
    let role = if script.server { Role::Server } else { Role::Client };
    let mut now = start();
    let mut conn = Connection::new(role, config.clone(), now, script.seed);
    let mut ended = false; // a Close or Failed event was seen
    let mut transport_closed = false;
    for step in script.steps {
        let queued_before = conn.queued_bytes();
        let sent = match step {
            Step::Bytes(bytes) => {
                conn.handle_input(now, &bytes);
                None
            }
            Step::Frame { first, payload, key } => {
                conn.handle_input(now, &frame(first, &payload, key));
                None
            }
            Step::Text(text) => Some(conn.send_text(now, &text)),
            Step::Binary(data) => Some(conn.send_binary(now, &data)),
            Step::Fragment { text, data, fin } => {
                let kind = if text { DataKind::Text } else { DataKind::Binary };
                Some(conn.send_fragment(now, kind, &data, fin))
            }
            Step::Ping(data) => Some(conn.send_ping(now, &data)),
            Step::Pong(data) => Some(conn.send_pong(now, &data)),
            Step::Close(code, reason) => Some(conn.close(now, CloseCode(code), &reason)),
            Step::Advance(ms) => {
                now += Duration::from_millis(u64::from(ms));
                conn.handle_timeout(now);
                None
            }
            Step::Eof => {
                conn.handle_eof(now);
                None
            }
        };
        if let Some(Ok(())) = sent {
            assert!(!transport_closed, "a send succeeded after CloseTransport");
            if queued_before > 0 {
                assert!(conn.queued_bytes() <= config.max_outbound_bytes, "queue past the mark");
            }
        }
        // Auto-pongs are only queued below the mark, so the queue stays near it.
        assert!(queued_before == 0 || queued_before <= config.max_outbound_bytes + 131 + 16 * 1024 * 1024);
        for _ in 0..100_000 {
            let Some(output) = conn.poll_output() else { break };
            assert!(!transport_closed, "output after CloseTransport: {output:?}");
            match output {
                Output::Transmit(bytes) => assert!(!bytes.is_empty()),
                Output::Event(event) => {
                    match &event {
                        Event::Text(text) => {
                            assert!(std::str::from_utf8(text.as_bytes()).is_ok());
                            assert!(text.len() as u64 <= config.max_message_size);
                        }
                        Event::Binary(data) => {
                            assert!(data.len() as u64 <= config.max_message_size)
                        }
                        Event::Ping(p) | Event::Pong(p) => assert!(p.len() <= 125),
                        Event::Close { .. } | Event::Failed(_) => {}
                        other => panic!("an event this target does not know: {other:?}"),
                    }
                    if matches!(event, Event::Text(_) | Event::Binary(_)) {
                        assert!(!ended, "message after close or failure");
                    }
                    if matches!(event, Event::Close { .. } | Event::Failed(_)) {
                        ended = true;
                    }
                }
                Output::CloseTransport => transport_closed = true,
                other => panic!("an output this target does not know: {other:?}"),
            }
        }
        if transport_closed {
            assert_eq!(conn.poll_timeout(), None);
        }
    }
});
