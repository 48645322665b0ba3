//! A broker that accepts TCP but never answers the upgrade: after the connect timeout the
//! terminal closes the transport and retries.

mod common;

use std::time::Duration;

use common::{Accept, Pair};
use sca_ws::terminal::{Event as TerminalEvent, LinkError, ScreenMessage};

#[test]
fn silent_broker_times_out_and_the_terminal_retries() {
    let mut config = Pair::skip_auth_config();
    config.connect_timeout = Duration::from_secs(5);
    config.reconnect.jitter_percent = 0;
    let mut pair = Pair::new(config);
    pair.plan.push_back(Accept::Silent);
    pair.settle();
    assert!(pair.wire_up);
    pair.advance(Duration::from_millis(4_999));
    assert_eq!(pair.connects.len(), 1, "no retry before the timeout");
    pair.advance(Duration::from_millis(1));
    assert!(!pair.wire_up, "transport closed at the timeout");
    assert!(pair.events.iter().any(|e| matches!(
        e,
        TerminalEvent::Screen(ScreenMessage::Failed {
            error: LinkError::ConnectTimeout,
            ..
        })
    )));
    pair.connect_within(Duration::from_secs(2));
    assert_eq!(pair.connects.len(), 2);
    assert_eq!(pair.connects[1], Duration::from_secs(6));
}
