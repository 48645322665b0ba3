//! Differential: any bytes, cut anywhere, give the same outputs through `handle_input_buf`
//! (the driver's read buffer, unmasked in place) as through `handle_input` (borrowed,
//! copied), in either role, with reads sized by `reserve_input_buf` or appended as they come.
#![no_main]

use std::time::Instant;

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use sca_ws::ws::{Config as WsConfig, Connection, Output, Role};

/// Most outputs drained per call; the connection never has more for one input.
const MAX_OUTPUTS: usize = 1 << 16;

fn config() -> WsConfig {
    WsConfig {
        max_frame_payload: 4096,
        max_message_size: 8192,
        ..WsConfig::default()
    }
}

fn drain(conn: &mut Connection, out: &mut Vec<Output>) {
    for _ in 0..MAX_OUTPUTS {
        match conn.poll_output() {
            Some(output) => out.push(output),
            None => return,
        }
    }
    panic!("poll_output never returned None");
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some((&cut_count, rest)) = rest.split_first() else {
        return;
    };
    let cut_bytes = usize::from(cut_count % 16) * 2;
    let (cut_data, stream) = rest.split_at(cut_bytes.min(rest.len()));
    let mut cuts: Vec<usize> = cut_data
        .chunks_exact(2)
        .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])) % (stream.len() + 1))
        .collect();
    cuts.sort_unstable();
    cuts.push(stream.len());

    let role = if mode & 1 == 0 { Role::Server } else { Role::Client };
    let reserved = mode & 2 != 0;
    let now = Instant::now();
    let mut borrowed = Connection::new(role, config(), now, 1);
    let mut owned = Connection::new(role, config(), now, 1);
    let (mut expected, mut actual) = (Vec::new(), Vec::new());
    let mut read_buf = BytesMut::new();
    let mut start = 0;
    for &cut in &cuts {
        let chunk = &stream[start..cut];
        start = cut;
        borrowed.handle_input(now, chunk);
        if reserved {
            let mut rest = chunk;
            // Each read takes at most what the reservation offers; bounded by the chunk.
            for _ in 0..=chunk.len() {
                let max = owned.reserve_input_buf(&mut read_buf);
                assert!(max > 0, "a read of 0 bytes would look like the end of the stream");
                let (read, later) = rest.split_at(max.min(rest.len()));
                read_buf.extend_from_slice(read);
                owned.handle_input_buf(now, &mut read_buf);
                rest = later;
                if rest.is_empty() {
                    break;
                }
            }
        } else {
            read_buf.extend_from_slice(chunk);
            owned.handle_input_buf(now, &mut read_buf);
        }
        drain(&mut borrowed, &mut expected);
        drain(&mut owned, &mut actual);
        assert_eq!(expected, actual, "outputs differ after {cut} bytes");
    }
    borrowed.handle_eof(now);
    owned.handle_eof(now);
    drain(&mut borrowed, &mut expected);
    drain(&mut owned, &mut actual);
    assert_eq!(expected, actual, "outputs differ at end of stream");
});
