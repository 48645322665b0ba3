//! Keepalive pings go out at the configured interval through the ws connection; 0 = none.

mod common;

use std::time::Duration;

use common::Pair;

#[test]
fn pings_every_interval_and_the_link_stays_up() {
    let mut config = Pair::skip_auth_config();
    config.ping_interval = Some(Duration::from_secs(45));
    let mut pair = Pair::new(config);
    pair.connect_within(Duration::from_secs(1));
    pair.advance(Duration::from_secs(44));
    assert_eq!(pair.pings, 0);
    pair.advance(Duration::from_secs(2));
    assert_eq!(pair.pings, 1);
    pair.advance(Duration::from_secs(45 * 4));
    assert_eq!(pair.pings, 5);
    assert!(pair.terminal.is_connected());
    assert_eq!(pair.connects.len(), 1);
}

#[test]
fn interval_zero_sends_no_pings() {
    let config = sca_ws::terminal::Config {
        ping_interval: None,
        ..Pair::skip_auth_config()
    };
    let mut pair = Pair::new(config);
    pair.connect_within(Duration::from_secs(1));
    pair.advance(Duration::from_secs(600));
    assert_eq!(pair.pings, 0);
    assert!(pair.terminal.is_connected());
}
