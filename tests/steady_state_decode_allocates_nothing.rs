//! Steady-state decoding allocates nothing per frame: frames are split out of one reused
//! buffer and events drained from a queue that has reached its size.
use std::alloc::System;
use std::time::Instant;

use sca_ws::ws::{Config as WsConfig, Connection, Output, Role};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn masked_frames(count: usize, payload_len: usize, text: bool) -> Vec<u8> {
    let key = [0x12, 0x34, 0x56, 0x78];
    let mut out = Vec::new();
    for i in 0..count {
        out.push(if text { 0x81 } else { 0x82 });
        out.push(0x80 | payload_len as u8);
        out.extend_from_slice(&key);
        out.extend((0..payload_len).map(|j| (b'a' + ((i + j) % 26) as u8) ^ key[j % 4]));
    }
    out
}

#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

#[test]
fn steady_state_decoding_allocates_nothing_per_frame() {
    let now = now();
    let config = WsConfig {
        ping_interval: None,
        ..WsConfig::default()
    };
    let mut conn = Connection::new(Role::Server, config, now, 7);
    let binary = masked_frames(256, 16, false);
    let text = masked_frames(256, 125, true);
    let mut delivered = 0usize;
    let mut feed = |conn: &mut Connection, bytes: &[u8]| {
        // Feed in uneven reads, as a socket would.
        for piece in bytes.chunks(1000) {
            conn.handle_input(now, piece);
            while let Some(output) = conn.poll_output() {
                if matches!(output, Output::Event(_)) {
                    delivered += 1;
                }
            }
        }
    };
    for _ in 0..4 {
        feed(&mut conn, &binary);
        feed(&mut conn, &text);
    }
    let region = Region::new(GLOBAL);
    for _ in 0..50 {
        feed(&mut conn, &binary);
        feed(&mut conn, &text);
    }
    let allocated = region.change().allocations + region.change().reallocations;
    assert_eq!(delivered, 54 * 512);
    assert_eq!(allocated, 0, "allocations while decoding 25600 frames");
}
