//! Code shared by the examples (and the tests that run them): the blocking std drivers for
//! both peers, a simulated payment engine and the demo scenario. Each example takes what it
//! needs, so not every item is used by every example.
// Items are `pub` for the examples and tests that include this module as their own.
#![allow(dead_code, unreachable_pub)]

pub mod engine;
pub mod key_store;
pub mod pairing;
pub mod scenario;
pub mod std_broker;
pub mod std_terminal;
pub mod tls;
pub mod transport;

use std::time::Instant;

/// The clock. The crate never reads one (clippy bans it there); its drivers do, once per
/// input, and pass `now` in.
#[allow(clippy::disallowed_methods)]
pub fn now() -> Instant {
    Instant::now()
}

/// A document on one line, as the CLIs print it.
pub fn one_line(xml: &[u8]) -> String {
    String::from_utf8_lossy(xml)
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .concat()
}

/// A RESPONSE on one line.
pub fn response_line(response: &sca_ws::xml::Response) -> String {
    let mut out = bytes::BytesMut::new();
    response.encode(&mut out);
    one_line(&out)
}
