//! The in-place send path (`pending_transmit` + `transmitted`) writes the same bytes as
//! `Output::Transmit`, copes with short writes and mixes with `poll_output`. That it
//! allocates nothing is tests/steady_state_send_in_place_allocates_nothing.rs.
use std::time::Instant;

use sca_ws::ws::{Config as WsConfig, Connection, Output, Role};

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
fn same_bytes_as_output_transmit_even_with_short_writes() {
    let now = now();
    let (mut by_output, mut in_place) = (client(now), client(now));
    let (mut want, mut got) = (Vec::new(), Vec::new());
    for round in 0..5 {
        send_some(&mut by_output, now, round);
        send_some(&mut in_place, now, round);
        while let Some(output) = by_output.poll_output() {
            if let Output::Transmit(bytes) = output {
                want.extend_from_slice(&bytes);
            }
        }
        // A socket taking at most 7 bytes per write.
        while !in_place.pending_transmit().is_empty() {
            let pending = in_place.pending_transmit();
            let n = pending.len().min(7);
            got.extend_from_slice(&pending[..n]);
            in_place.transmitted(n);
        }
        assert!(in_place.poll_output().is_none());
    }
    assert!(!want.is_empty());
    assert_eq!(got, want);
}

#[test]
fn what_was_not_written_still_comes_out_of_poll_output() {
    let now = now();
    let mut conn = client(now);
    send_some(&mut conn, now, 0);
    let all = conn.pending_transmit().to_vec();
    conn.transmitted(10);
    assert_eq!(conn.queued_bytes(), all.len() - 10);
    let Some(Output::Transmit(rest)) = conn.poll_output() else {
        panic!("the unwritten bytes should come out as a transmit");
    };
    assert_eq!(&rest[..], &all[10..]);
    // Reporting more than is queued counts as all of it.
    send_some(&mut conn, now, 1);
    conn.transmitted(usize::MAX);
    assert!(conn.pending_transmit().is_empty());
    assert!(conn.poll_output().is_none());
}
