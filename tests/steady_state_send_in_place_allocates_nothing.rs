//! Steady-state sending through the in-place path (`pending_transmit` + `transmitted`)
//! allocates nothing: the queue's buffer is reused, no `Bytes` is handed out per write. Alone
//! in its file, since the counting allocator sees every thread of the test process.
use std::alloc::System;
use std::time::Instant;

use sca_ws::ws::{Config as WsConfig, Connection, Role};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

fn client(now: Instant) -> Connection {
    let config = WsConfig {
        ping_interval: None,
        ..WsConfig::default()
    };
    Connection::new(Role::Client, config, now, 99)
}

/// Queues the same mix of messages on a connection (the payload varies with the round).
fn send_some(conn: &mut Connection, now: Instant, round: usize) {
    let mut payload = [0u8; 300];
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte = (i * 7 + round) as u8;
    }
    conn.send_binary(now, &payload[..16]).expect("binary");
    conn.send_text(now, "Zahlung genehmigt ✓").expect("text");
    conn.send_binary(now, &payload).expect("binary");
    conn.send_ping(now, b"p").expect("ping");
}

#[test]
fn steady_state_sending_in_place_allocates_nothing() {
    let now = now();
    let mut conn = client(now);
    let mut socket = vec![0u8; 64 * 1024];
    let mut cycle = |conn: &mut Connection| {
        for round in 0..64 {
            send_some(conn, now, round);
        }
        let pending = conn.pending_transmit();
        let n = pending.len();
        socket[..n].copy_from_slice(pending);
        conn.transmitted(n);
        n
    };
    for _ in 0..4 {
        cycle(&mut conn);
    }
    // The counter is process-wide, so the test harness's own threads can land a stray
    // allocation in a window; a send path that allocated would do so in every window, so
    // one clean window out of three is the proof.
    let mut windows = Vec::new();
    for _ in 0..3 {
        let region = Region::new(GLOBAL);
        let mut sent = 0;
        for _ in 0..100 {
            sent += cycle(&mut conn);
        }
        let change = region.change();
        assert!(sent > 100 * 64 * 300);
        windows.push(change.allocations + change.reallocations);
        if windows.last() == Some(&0) {
            return;
        }
    }
    panic!("allocations in each window of 6 400 sends: {windows:?}");
}
