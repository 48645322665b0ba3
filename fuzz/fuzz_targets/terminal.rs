//! Arbitrary sequences of transport events, bytes and time steps against the terminal.
//!
//! Invariants: no panic; outputs drain in bounded steps; request ids are never reused; each
//! delivered request ends once (answered or abandoned); pending requests stay within the bound;
//! `respond` for an abandoned request is `LinkGone`; the authentication state never changes
//! without an `AuthChanged` event in the same step, and a COUNTER accepted once is never
//! accepted again for its label.
//!
//! With `keyed`, the terminal starts with label P_1 installed (restored state) and requests
//! may be signed with its key, so TEST_MAC, UNREGISTER, UNREGISTERALL and REGISTER traffic
//! reaches the SECURITY code with keys present.
#![no_main]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use sca_ws::{handshake::{ServerConfig as ServerHandshakeConfig, decode_request, encode_accept}, mac::compute_mac, terminal::{AuthState, Config as TerminalConfig, Error as TerminalError, Event as TerminalEvent, LabelState, Output as TerminalOutput, PairingSecret, RequestId, Terminal}, xml::Response, TransportFailure};

const KEY: [u8; 16] = *b"fuzz-mac-key-16b";

/// A fixed RSA-2048 public key (SubjectPublicKeyInfo, base64) so REGISTER gets past its checks.
const POS_KEY: &str = include_str!("../pos_key.b64");

const COMMANDS: [(&str, &str); 13] = [
    ("DEVICE", "VERSION"),
    ("SESSION", "START"),
    ("SESSION", "FINISH"),
    ("PAYMENT", "CAPTURE"),
    ("SECONDARYPORT", "CANCEL"),
    ("ADMIN", "GET_COUNTER"),
    ("SECURITY", "REGISTER"),
    ("ADMIN", "LANE_CLOSED"),
    ("SECURITY", "TEST_MAC"),
    ("SECURITY", "UNREGISTER"),
    ("SECURITY", "UNREGISTERALL"),
    ("SECURITY", "REGISTER_ENCRYPTION"),
    ("SECURITY", "REGISTER"),
];

#[derive(Arbitrary, Debug)]
enum Step {
    Connected,
    /// Answer the last upgrade request correctly.
    AcceptUpgrade,
    Input(Vec<u8>),
    /// One unmasked server text frame around a TRANSACTION.
    /// `sign`: MAC_LABEL P_1 and the MAC of `counter` under its key (0: a wrong MAC);
    /// `pairing`: KEY (a real RSA-2048 key), ENTRY_CODE and REG_VER fields.
    Request { command: u8, counter: Option<u32>, recon: bool, sign: Option<bool>, pairing: Option<(bool, u8)> },
    /// Answer the nth pairing request with this code (or refuse it).
    Pair { nth: u8, code: Option<u16>, key: [u8; 16] },
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
    keyed: bool,
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
    if input.keyed {
        let state = AuthState {
            labels: vec![LabelState::new("P_1", KEY, Some(0))],
            last_counter: None,
        };
        terminal.restore_auth_state(&state).expect("one label fits");
    }
    let mut state = terminal.auth_state();
    let mut pairings: Vec<RequestId> = Vec::new();
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
            Step::Request { command, counter, recon, sign, pairing } => {
                let (ft, cmd) = COMMANDS[usize::from(*command) % COMMANDS.len()];
                let mut xml = format!(
                    "<TRANSACTION><FUNCTION_TYPE>{ft}</FUNCTION_TYPE><COMMAND>{cmd}</COMMAND>"
                );
                if let Some(c) = counter {
                    xml.push_str(&format!("<COUNTER>{c}</COUNTER>"));
                }
                if let Some(good) = sign {
                    let mac = compute_mac(&KEY, if *good { counter.unwrap_or(0) } else { 0 });
                    xml.push_str(&format!("<MAC_LABEL>P_1</MAC_LABEL><MAC>{mac}</MAC>"));
                }
                if let Some((with_code, ver)) = pairing {
                    xml.push_str(&format!("<KEY>{}</KEY>", POS_KEY.trim()));
                    if *with_code {
                        xml.push_str("<ENTRY_CODE>1234</ENTRY_CODE>");
                    }
                    xml.push_str(&format!("<REG_VER>{}</REG_VER>", ver % 4));
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
            Step::Pair { nth, code, key } => {
                if !pairings.is_empty() {
                    let id = pairings[usize::from(*nth) % pairings.len()];
                    let result = match code {
                        Some(code) => terminal.answer_pairing(
                            now,
                            id,
                            &format!("{:04}", code % 10_000),
                            PairingSecret::new(*key, [*nth; 32]),
                        ),
                        None => terminal.refuse_pairing(now, id),
                    };
                    match result {
                        Ok(()) => {
                            fates.insert(id, false);
                            pairings.retain(|p| *p != id);
                        }
                        Err(TerminalError::Backpressure { .. }) => {}
                        Err(TerminalError::LinkGone { .. } | TerminalError::AlreadyAnswered { .. }) => {
                            pairings.retain(|p| *p != id);
                        }
                        Err(other) => panic!("pairing {id} refused: {other}"),
                    }
                }
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
                        Err(TerminalError::IsPairing { .. }) => {
                            assert!(pairings.contains(&id), "{id} is no pairing");
                        }
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
        let mut auth_reported = false;
        while let Some(output) = terminal.poll_output() {
            drained += 1;
            assert!(drained < 100_000, "outputs never end");
            match output {
                TerminalOutput::Transmit(bytes) => upgrade.extend_from_slice(&bytes),
                TerminalOutput::Event(TerminalEvent::Request { id, .. }) => {
                    assert!(fates.insert(id, true).is_none(), "id reused");
                }
                TerminalOutput::Event(TerminalEvent::PairingRequested { id, .. }) => {
                    assert!(fates.insert(id, true).is_none(), "id reused");
                    pairings.push(id);
                }
                TerminalOutput::Event(TerminalEvent::AuthChanged) => auth_reported = true,
                TerminalOutput::Event(TerminalEvent::RequestAbandoned { id }) => {
                    assert_eq!(fates.insert(id, false), Some(true), "ended twice");
                    abandoned.push(id);
                }
                _ => {}
            }
        }
        let after = terminal.auth_state();
        if after != state {
            assert!(auth_reported, "auth state changed without AuthChanged: {state:?} -> {after:?}");
            for label in &after.labels {
                let before = state.label(&label.label).and_then(|l| l.last_counter);
                // A label's counter only rises, unless REGISTER restarted it at 0.
                if let (Some(b), Some(a)) = (before, label.last_counter) {
                    assert!(a >= b || a == 0, "counter of {} went back {b} -> {a}", label.label);
                }
            }
        }
        state = after;
        assert!(terminal.pending_requests() <= max_pending);
        assert_eq!(terminal.pending_requests(), fates.values().filter(|p| **p).count());
    }
});
