//! A broker that goes silent (no pongs, no close) is declared lost within
//! `ping_interval + pong_timeout`, for intervals below and above the 30 s cap of the default
//! pong timeout: the terminal shows the loss (icon and screen) and dials again, and a request
//! round-trips over the new link.

mod common;

use std::time::Duration;

use common::{Pair, code, transaction};
use sca_ws::terminal::{Event as TerminalEvent, LinkError, ScreenMessage};
use sca_ws::ws::Error as WsError;
use sca_ws::xml::Response;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Connects, lets the broker go silent, and checks when the terminal gives the link up.
fn silent_broker_is_left(ping: u64, pong_timeout: Option<u64>, lost_after: u64) {
    let mut config = Pair::skip_auth_config();
    config.ping_interval = Some(secs(ping));
    config.pong_timeout = pong_timeout.map(secs);
    let mut pair = Pair::new(config.clone());
    pair.connect_within(secs(1));
    let up_at = pair.now;
    pair.broker_goes_silent();
    pair.events.clear();

    pair.advance(secs(lost_after) - Duration::from_millis(1));
    assert!(
        pair.terminal.is_connected(),
        "lost too early (ping {ping} s)"
    );
    assert_eq!(pair.connects.len(), 1);
    pair.advance(Duration::from_millis(1));
    assert!(
        !pair.terminal.is_connected(),
        "still up at ping + pong timeout"
    );
    assert_eq!(pair.now - up_at, secs(lost_after));

    // The loss is shown: the disconnected icon, and the reason on screen.
    assert!(pair.events.iter().any(|e| matches!(
        e,
        TerminalEvent::Status(s) if !s.connected && s.icon_path == config.icon_disconnected
    )));
    assert!(pair.events.iter().any(|e| matches!(
        e,
        TerminalEvent::Screen(ScreenMessage::Failed {
            error: LinkError::Protocol(WsError::PongTimeout),
            ..
        })
    )));

    // It dials again after the first backoff step (1 s at most) ...
    pair.advance(secs(1));
    assert_eq!(pair.connects.len(), 2, "no new dial (ping {ping} s)");
    pair.connect_within(secs(1));
    // ... and the new link carries a request both ways.
    pair.send(&transaction("SESSION", "START", &[("INVOICE", "7")]));
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("Session Started"));
    assert_eq!(code(&pair.one_response()), -1);
}

#[test]
fn interval_under_the_pong_timeout_20_s() {
    // The case: WEBSOCKETPINGINTERVAL_1=20, default pong timeout = 20 s.
    silent_broker_is_left(20, None, 40);
}

#[test]
fn interval_5_s_is_left_within_10_s() {
    silent_broker_is_left(5, None, 10);
}

#[test]
fn interval_above_the_cap_uses_30_s() {
    silent_broker_is_left(45, None, 75);
}

#[test]
fn configured_pong_timeout_longer_than_the_interval() {
    silent_broker_is_left(5, Some(12), 17);
}

#[test]
fn pong_timeout_key_is_read_from_the_terminal_config() {
    let parsed =
        sca_ws::terminal::Config::parse("WEBSOCKETPINGINTERVAL_1=5\nWEBSOCKETPONGTIMEOUT_MS=12000")
            .unwrap();
    assert_eq!(parsed.config.ping_interval, Some(secs(5)));
    assert_eq!(parsed.config.pong_timeout, Some(secs(12)));
}
