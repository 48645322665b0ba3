//! Helpers shared by the connection tests: frame builders and an output drain.
#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, Instant};

use sca_ws::ws::{Config as WsConfig, Connection, Event, Output, Role};

/// One fixed starting instant; tests move time by adding durations to it.
#[allow(clippy::disallowed_methods)]
pub fn t0() -> Instant {
    Instant::now()
}

/// Seconds after `t0`.
pub fn at(t0: Instant, secs: u64) -> Instant {
    t0 + Duration::from_secs(secs)
}

/// A config without keepalive, so only the test decides when pings happen.
pub fn quiet() -> WsConfig {
    WsConfig {
        ping_interval: None,
        ..WsConfig::default()
    }
}

pub fn server(now: Instant) -> Connection {
    Connection::new(Role::Server, quiet(), now, 1)
}

pub fn client(now: Instant) -> Connection {
    Connection::new(Role::Client, quiet(), now, 2)
}

/// A frame as a client sends it (masked with `key`).
pub fn masked(first_byte: u8, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let mut out = vec![first_byte];
    push_len(&mut out, 0x80, payload.len());
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

/// A frame as a server sends it (unmasked).
pub fn unmasked(first_byte: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![first_byte];
    push_len(&mut out, 0, payload.len());
    out.extend_from_slice(payload);
    out
}

fn push_len(out: &mut Vec<u8>, mask_bit: u8, len: usize) {
    if len <= 125 {
        out.push(mask_bit | len as u8);
    } else if len <= 0xFFFF {
        out.push(mask_bit | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// Everything the connection wants done right now.
pub fn drain(conn: &mut Connection) -> Vec<Output> {
    let mut out = Vec::new();
    for _ in 0..10_000 {
        match conn.poll_output() {
            Some(o) => out.push(o),
            None => return out,
        }
    }
    panic!("poll_output never returned None");
}

pub fn events(outputs: &[Output]) -> Vec<Event> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

/// All transmitted bytes, concatenated.
pub fn transmitted(outputs: &[Output]) -> Vec<u8> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Transmit(b) => Some(b.to_vec()),
            _ => None,
        })
        .flatten()
        .collect()
}

pub fn closes_transport(outputs: &[Output]) -> bool {
    outputs.last() == Some(&Output::CloseTransport)
}

/// Outputs reduced to what any read split must agree on: the events, all transmitted bytes
/// merged (different read sizes cut transmits differently), and whether the transport closes.
pub fn normalise(outputs: Vec<Output>) -> (Vec<Event>, Vec<u8>, bool) {
    (
        events(&outputs),
        transmitted(&outputs),
        closes_transport(&outputs),
    )
}

/// Decodes unmasked frames written by a server: (first byte, payload) pairs.
pub fn server_frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while let Ok(Some((header, used))) = sca_ws::frame::Header::decode(bytes) {
        let len = header.payload_len as usize;
        let first = bytes[0];
        let mut payload = bytes[used..used + len].to_vec();
        if let Some(key) = header.mask {
            sca_ws::frame::apply_mask(&mut payload, key, 0);
        }
        frames.push((first, payload));
        bytes = &bytes[used + len..];
    }
    frames
}

// The two-peer driver on virtual time (the terminal against the broker's link).
mod driver;
mod pairing;
mod rng;
#[allow(unused_imports)] // ws tests use only the helpers above
pub use driver::*;
#[allow(unused_imports)]
pub use pairing::*;
