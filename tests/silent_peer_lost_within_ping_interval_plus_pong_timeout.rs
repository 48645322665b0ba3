//! A peer that stops answering pings is declared lost within `ping_interval + pong_timeout`
//! of its last pong, for intervals below, at and above the pong timeout: later pings never
//! push out the deadline of an older unanswered one.
mod common;
use common::*;
use sca_ws::ws::{Config as WsConfig, Connection, Error as WsError, Event, Role};
use std::time::{Duration, Instant};

/// Runs `c` on its own timers until it fails or `limit` passes; returns when it failed.
fn run_until_failed(c: &mut Connection, start: Instant, limit: Duration) -> Option<Duration> {
    for _ in 0..10_000 {
        let next = c.poll_timeout()?;
        if next > start + limit {
            return None;
        }
        c.handle_timeout(next);
        let out = drain(c);
        if events(&out).contains(&Event::Failed(WsError::PongTimeout)) {
            assert!(closes_transport(&out));
            return Some(next - start);
        }
    }
    panic!("timers kept firing");
}

#[test]
fn silent_peer_is_lost_for_every_interval() {
    let secs = Duration::from_secs;
    // (ping interval, pong timeout): below, equal to and above each other.
    for (interval, timeout) in [(1, 30), (5, 10), (20, 30), (10, 10), (45, 30), (60, 5)] {
        let config = WsConfig {
            ping_interval: Some(secs(interval)),
            pong_timeout: Some(secs(timeout)),
            ..WsConfig::default()
        };
        for role in [Role::Client, Role::Server] {
            let now = t0();
            let mut c = Connection::new(role, config.clone(), now, 7);
            let lost = run_until_failed(&mut c, now, secs(interval + timeout) * 10);
            assert_eq!(
                lost,
                Some(secs(interval + timeout)),
                "interval {interval} s, pong timeout {timeout} s, {role:?}"
            );
        }
    }
}

#[test]
fn default_pong_timeout_is_the_interval_capped_at_30_s() {
    let secs = Duration::from_secs;
    for (interval, expected) in [(5, 5), (20, 20), (30, 30), (45, 30)] {
        let config = WsConfig {
            ping_interval: Some(secs(interval)),
            ..WsConfig::default()
        };
        assert_eq!(config.effective_pong_timeout(), secs(expected));
        let now = t0();
        let mut c = Connection::new(Role::Client, config, now, 7);
        let lost = run_until_failed(&mut c, now, secs(1000));
        assert_eq!(
            lost,
            Some(secs(interval + expected)),
            "interval {interval} s"
        );
    }
}

#[test]
fn a_pong_to_the_latest_ping_answers_the_older_ones_too() {
    let secs = Duration::from_secs;
    let config = WsConfig {
        ping_interval: Some(secs(5)),
        pong_timeout: Some(secs(12)),
        ..WsConfig::default()
    };
    let now = t0();
    let mut c = Connection::new(Role::Server, config, now, 7);
    let mut last_ping = Vec::new();
    // Pings at 5 and 10 go unanswered; at 11 the peer answers only the latest (RFC 6455
    // §5.5.3 allows it): the deadline of the first ping (17) no longer applies.
    for t in [5, 10] {
        c.handle_timeout(at(now, t));
        let out = drain(&mut c);
        let frames = server_frames(&transmitted(&out));
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].0, 0x89, "a ping at {t} s");
        last_ping = frames[0].1.clone();
    }
    c.handle_input(at(now, 11), &masked(0x8A, &last_ping, [1, 2, 3, 4]));
    assert!(matches!(&events(&drain(&mut c))[..], [Event::Pong(_)]));
    assert_eq!(
        c.poll_timeout(),
        Some(at(now, 15)),
        "no pong deadline left, next ping"
    );
    // The next unanswered ping (at 15) has its own deadline, 15 + 12, which the pings at 20
    // and 25 do not move.
    let lost = run_until_failed(&mut c, now, secs(100));
    assert_eq!(lost, Some(secs(27)));
}
