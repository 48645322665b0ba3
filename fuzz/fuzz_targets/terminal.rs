//! Arbitrary sequences of transport events, bytes and time steps against the terminal.
//!
//! Invariants: no panic; outputs drain in bounded steps; request ids are never reused; each
//! delivered request ends once (answered or abandoned); pending requests stay within the bound;
//! `respond` for an abandoned request is `LinkGone`.
#![no_main]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use sca_ws::{handshake::{ServerConfig as ServerHandshakeConfig, decode_request, encode_accept}, terminal::{Config as TerminalConfig, Error as TerminalError, Event as TerminalEvent, Output as TerminalOutput, RequestId, Terminal}, xml::Response, TransportFailure};

const COMMANDS: [(&str, &str); 8] = [
    ("DEVICE", "VERSION"),
    ("SESSION", "START"),
    ("SESSION", "FINISH"),
    ("PAYMENT", "CAPTURE"),
    ("SECONDARYPORT", "CANCEL"),
    ("ADMIN", "GET_COUNTER"),
    ("SECURITY", "REGISTER"),
    ("ADMIN", "LANE_CLOSED"),
];

#[derive(Arbitrary, Debug)]
enum Step {
    Connected,
    /// Answer the last upgrade request correctly.
    AcceptUpgrade,
    Input(Vec<u8>),
    /// One unmasked server text frame around a TRANSACTION.
    Request { command: u8, counter: Option<u32>, recon: bool },
    /// One unmasked server frame with arbitrary opcode byte and payload.
    Frame { first: u8, payload: Vec<u8> },
    Closed,
    Failed,
    Advance { millis: u16 },
    Respond { nth: u8, success: bool },
}

#[derive(Arbitrary, Debug)]
struct Input {
    skip_auth: bool,
    seed: u64,
    steps: Vec<Step>,
}

fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    match payload.len() {
        n if n < 126 => out.push(n as u8),
        n if n <= 0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}

fuzz_target!(|input: Input| {
    // Virtual time: one reading as the origin, then only steps from the input.
    let mut now = Instant::now();
    let config = TerminalConfig {
        skip_pos_auth: input.skip_auth,
        tls: false,
        max_pending_requests: 4,
        ..TerminalConfig::default()
    };
    let max_pending = config.max_pending_requests;
    let mut terminal = Terminal::new(config, now, input.seed);
    let mut upgrade = BytesMut::new();
    let mut fates: BTreeMap<RequestId, bool> = BTreeMap::new(); // true = still pending
    let mut abandoned: Vec<RequestId> = Vec::new();

    for step in input.steps.iter().take(200) {
        match step {
            Step::Connected => {
                upgrade.clear();
                terminal.handle_connected(now);
            }
            Step::AcceptUpgrade => {
                if let Ok(Some((request, _))) =
                    decode_request(&upgrade, &ServerHandshakeConfig::default())
                {
                    let mut accept = BytesMut::new();
                    if encode_accept(&request, Some("sci"), &[], &mut accept).is_ok() {
                        terminal.handle_input(now, &accept);
                    }
                }
            }
            Step::Input(bytes) => terminal.handle_input(now, bytes),
            Step::Request { command, counter, recon } => {
                let (ft, cmd) = COMMANDS[usize::from(*command) % COMMANDS.len()];
                let mut xml = format!(
                    "<TRANSACTION><FUNCTION_TYPE>{ft}</FUNCTION_TYPE><COMMAND>{cmd}</COMMAND>"
                );
                if let Some(c) = counter {
                    xml.push_str(&format!("<COUNTER>{c}</COUNTER>"));
                }
                if *recon {
                    xml.push_str("<POS_RECON>r</POS_RECON>");
                }
                xml.push_str("</TRANSACTION>");
                terminal.handle_input(now, &frame(0x81, xml.as_bytes()));
            }
            Step::Frame { first, payload } => terminal.handle_input(now, &frame(*first, payload)),
            Step::Closed => terminal.handle_eof(now),
            Step::Failed => terminal.handle_transport_failed(now, TransportFailure::Refused),
            Step::Advance { millis } => {
                now += Duration::from_millis(u64::from(*millis) * 10);
                terminal.handle_timeout(now);
            }
            Step::Respond { nth, success } => {
                let pending: Vec<RequestId> =
                    fates.iter().filter(|(_, p)| **p).map(|(id, _)| *id).collect();
                if !pending.is_empty() {
                    let id = pending[usize::from(*nth) % pending.len()];
                    let response =
                        if *success { Response::success("ok") } else { Response::cancelled() };
                    match terminal.respond(now, id, response) {
                        Ok(()) => {
                            fates.insert(id, false);
                        }
                        Err(TerminalError::Backpressure { .. }) => {}
                        Err(other) => panic!("pending {id} refused: {other}"),
                    }
                }
                if let Some(id) = abandoned.first() {
                    assert_eq!(
                        terminal.respond(now, *id, Response::success("late")),
                        Err(TerminalError::LinkGone { id: *id })
                    );
                }
            }
        }
        let mut drained = 0;
        while let Some(output) = terminal.poll_output() {
            drained += 1;
            assert!(drained < 100_000, "outputs never end");
            match output {
                TerminalOutput::Transmit(bytes) => upgrade.extend_from_slice(&bytes),
                TerminalOutput::Event(TerminalEvent::Request { id, .. }) => {
                    assert!(fates.insert(id, true).is_none(), "id reused");
                }
                TerminalOutput::Event(TerminalEvent::RequestAbandoned { id }) => {
                    assert_eq!(fates.insert(id, false), Some(true), "ended twice");
                    abandoned.push(id);
                }
                _ => {}
            }
        }
        assert!(terminal.pending_requests() <= max_pending);
        assert_eq!(terminal.pending_requests(), fates.values().filter(|p| **p).count());
    }
});
