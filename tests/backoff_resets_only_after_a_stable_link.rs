//! A broker that accepts and drops every link is dialled ever more slowly, and the screen's
//! retry count keeps counting: the backoff starts over only once a link has stayed up for
//! `ReconnectConfig::stable_after` (default 30 s).

mod common;

use std::time::Duration;

use common::Pair;
use sca_ws::terminal::{Event as TerminalEvent, ScreenMessage};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The retry numbers of the Connecting messages shown since the events were last cleared.
fn retries_shown(pair: &Pair) -> Vec<u32> {
    pair.events
        .iter()
        .filter_map(|e| match e {
            TerminalEvent::Screen(ScreenMessage::Connecting { retry, .. }) => Some(*retry),
            _ => None,
        })
        .collect()
}

/// Lets the link come up (within `limit`), keeps it `up_for`, then drops it.
fn up_then_dropped(pair: &mut Pair, limit: Duration, up_for: Duration) {
    pair.connect_within(limit);
    pair.advance(up_for);
    assert!(pair.terminal.is_connected());
    pair.drop_link();
}

#[test]
fn accept_and_drop_doubles_the_delay_and_counts_on() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    up_then_dropped(&mut pair, secs(1), Duration::ZERO);
    for _ in 0..6 {
        up_then_dropped(&mut pair, secs(120), Duration::ZERO);
    }
    assert_eq!(retries_shown(&pair), [0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(pair.terminal.retries(), 6);
    let gaps: Vec<Duration> = pair.connects.windows(2).map(|w| w[1] - w[0]).collect();
    // 1, 2, 4, 8, 16, 32 s, each less up to 20 % jitter: every gap longer than the one before.
    assert_eq!(gaps.len(), 6);
    for pair_of_gaps in gaps.windows(2) {
        assert!(pair_of_gaps[1] > pair_of_gaps[0], "{gaps:?}");
    }
    assert!(gaps[5] >= secs(32).mul_f64(0.8), "{gaps:?}");
}

#[test]
fn a_link_shorter_than_the_stable_period_does_not_reset() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    up_then_dropped(&mut pair, secs(1), Duration::ZERO);
    up_then_dropped(&mut pair, secs(120), Duration::ZERO);
    // Up for 29 s: not stable yet.
    up_then_dropped(&mut pair, secs(120), secs(29));
    pair.connect_within(secs(120));
    assert_eq!(retries_shown(&pair), [0, 1, 2, 3]);
    let last_gap = pair.connects[3] - pair.connects[2];
    assert!(last_gap >= secs(29) + secs(4).mul_f64(0.8), "{last_gap:?}");
}

#[test]
fn a_stable_link_starts_the_schedule_over() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    up_then_dropped(&mut pair, secs(1), Duration::ZERO);
    up_then_dropped(&mut pair, secs(120), Duration::ZERO);
    up_then_dropped(&mut pair, secs(120), Duration::ZERO);
    assert_eq!(pair.terminal.retries(), 2);
    // This one stays up for the stable period: the count and the delay start over.
    pair.connect_within(secs(120));
    pair.advance(secs(30));
    assert_eq!(
        pair.terminal.retries(),
        0,
        "reset once stable, while still up"
    );
    pair.drop_link();
    let dropped_at = pair.now - pair.start;
    pair.connect_within(secs(2));
    assert_eq!(retries_shown(&pair), [0, 1, 2, 3, 1]);
    let gap = *pair.connects.last().unwrap() - dropped_at;
    assert!(gap <= secs(1), "{gap:?}");
}

#[test]
fn the_stable_period_is_configurable() {
    let parsed = sca_ws::terminal::Config::parse("WEBSOCKETRECONNECTSTABLE_MS=5000").unwrap();
    assert_eq!(parsed.config.reconnect.stable_after, secs(5));
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let mut config = Pair::skip_auth_config();
    config.reconnect.stable_after = secs(5);
    let mut pair = Pair::new(config);
    up_then_dropped(&mut pair, secs(1), Duration::ZERO);
    up_then_dropped(&mut pair, secs(120), secs(4));
    up_then_dropped(&mut pair, secs(120), secs(5));
    pair.connect_within(secs(2));
    assert_eq!(retries_shown(&pair), [0, 1, 2, 1]);
}
