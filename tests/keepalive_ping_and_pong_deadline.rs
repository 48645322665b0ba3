//! SCA keepalive: a ping every `ping_interval`; a missing pong fails the connection.
mod common;
use common::*;
use sca_ws::ws::{Config as WsConfig, Connection, Error as WsError, Event, Role};
use std::time::Duration;

fn keepalive() -> WsConfig {
    WsConfig {
        ping_interval: Some(Duration::from_secs(45)),
        pong_timeout: Some(Duration::from_secs(10)),
        ..WsConfig::default()
    }
}

#[test]
fn pings_on_schedule_and_pong_clears_the_deadline() {
    let now = t0();
    let mut c = Connection::new(Role::Server, keepalive(), now, 4);
    assert_eq!(c.poll_timeout(), Some(at(now, 45)));
    c.handle_timeout(at(now, 44));
    assert!(drain(&mut c).is_empty());
    c.handle_timeout(at(now, 45));
    let ping = server_frames(&transmitted(&drain(&mut c)));
    assert_eq!(ping.len(), 1);
    assert_eq!(ping[0].0, 0x89);
    assert_eq!(c.poll_timeout(), Some(at(now, 55)), "pong deadline");
    c.handle_input(at(now, 50), &masked(0x8A, &ping[0].1, [3, 3, 3, 3]));
    assert!(matches!(&events(&drain(&mut c))[..], [Event::Pong(_)]));
    assert_eq!(c.poll_timeout(), Some(at(now, 90)), "next ping");
    c.handle_timeout(at(now, 60));
    assert!(c.is_open());
}

#[test]
fn missing_pong_fails_the_connection() {
    let now = t0();
    let mut c = Connection::new(Role::Client, keepalive(), now, 4);
    c.handle_timeout(at(now, 45));
    drain(&mut c);
    c.handle_input(at(now, 50), &unmasked(0x8A, b"unrelated"));
    drain(&mut c);
    c.handle_timeout(at(now, 55));
    let out = drain(&mut c);
    assert_eq!(events(&out), [Event::Failed(WsError::PongTimeout)]);
    assert!(closes_transport(&out));
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn no_interval_means_no_timer() {
    let now = t0();
    let c = Connection::new(Role::Client, quiet(), now, 4);
    assert_eq!(c.poll_timeout(), None);
}
