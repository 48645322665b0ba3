//! Steady-state decoding through the driver's read buffer (`reserve_input_buf` +
//! `handle_input_buf`, the path the examples use) allocates nothing per frame: once the
//! delivered payloads are dropped, the next reserve reuses their block.
use std::alloc::System;

use bytes::BytesMut;
use sca_ws::ws::{Connection, Output, Role};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

mod common;
use common::{masked, quiet, t0};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// `count` client frames (text or binary) with payloads of `payload_len` letters.
fn frames(count: usize, payload_len: usize, text: bool) -> Vec<u8> {
    let key = [0x12, 0x34, 0x56, 0x78];
    let first_byte = if text { 0x81 } else { 0x82 };
    (0..count)
        .flat_map(|i| {
            let payload: Vec<u8> = (0..payload_len)
                .map(|j| b'a' + ((i + j) % 26) as u8)
                .collect();
            masked(first_byte, &payload, key)
        })
        .collect()
}

#[test]
fn steady_state_decoding_in_the_read_buffer_allocates_nothing_per_frame() {
    let now = t0();
    let mut conn = Connection::new(Role::Server, quiet(), now, 7);
    // Small binary, small text, and 16 KiB binary frames held across reads.
    let mut wire = frames(64, 16, false);
    wire.extend(frames(64, 125, true));
    wire.extend(frames(8, 16 * 1024, false));
    let frames_per_pass = 64 + 64 + 8;
    let mut read_buf = BytesMut::new();
    let mut delivered = 0usize;
    let mut pass = |conn: &mut Connection, read_buf: &mut BytesMut| {
        let mut pos = 0;
        // Each read takes at most what `reserve_input_buf` allows and at most 1500 bytes, as a
        // socket delivering segments would; every read makes progress, so this ends.
        while pos < wire.len() {
            let max = conn.reserve_input_buf(read_buf);
            let n = max.min(1500).min(wire.len() - pos);
            assert!(n > 0, "reserve_input_buf returned 0");
            read_buf.extend_from_slice(&wire[pos..pos + n]);
            pos += n;
            conn.handle_input_buf(now, read_buf);
            while let Some(output) = conn.poll_output() {
                if matches!(output, Output::Event(_)) {
                    delivered += 1;
                }
            }
        }
    };
    for _ in 0..4 {
        pass(&mut conn, &mut read_buf);
    }
    let region = Region::new(GLOBAL);
    for _ in 0..50 {
        pass(&mut conn, &mut read_buf);
    }
    let allocated = region.change().allocations + region.change().reallocations;
    assert_eq!(delivered, 54 * frames_per_pass);
    assert_eq!(
        allocated,
        0,
        "allocations while decoding {} frames",
        50 * frames_per_pass
    );
}
