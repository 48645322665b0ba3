//! At boot the terminal connects and keeps trying until it succeeds, with capped exponential
//! backoff, screen messages saying which retry and the last error, and the status icons.

mod common;

use std::time::Duration;

use common::{Accept, Pair};
use sca_ws::{
    TransportFailure,
    terminal::{Event as TerminalEvent, LinkError, ScreenMessage},
};

#[test]
fn retries_with_growing_delays_until_the_broker_answers() {
    let mut config = Pair::skip_auth_config();
    config.reconnect.jitter_percent = 0;
    let mut pair = Pair::new(config);
    pair.plan.extend([
        Accept::Refuse,
        Accept::Refuse,
        Accept::Refuse,
        Accept::Refuse,
    ]);
    pair.connect_within(Duration::from_secs(60));

    let secs: Vec<u64> = pair.connects.iter().map(|d| d.as_secs()).collect();
    // Tries at 0, then after 1, 2, 4 and 8 seconds.
    assert_eq!(secs, vec![0, 1, 3, 7, 15]);

    let screens: Vec<&ScreenMessage> = pair
        .events
        .iter()
        .filter_map(|e| match e {
            TerminalEvent::Screen(m) => Some(m),
            _ => None,
        })
        .collect();
    let retries: Vec<u32> = screens
        .iter()
        .filter_map(|m| match m {
            ScreenMessage::Connecting {
                retry,
                reconnecting,
                ..
            } => {
                assert!(!reconnecting);
                Some(*retry)
            }
            _ => None,
        })
        .collect();
    assert_eq!(retries, vec![0, 1, 2, 3, 4]);
    let failures = screens
        .iter()
        .filter(|m| {
            matches!(
                m,
                ScreenMessage::Failed {
                    error: LinkError::Transport(TransportFailure::Refused),
                    ..
                }
            )
        })
        .count();
    assert_eq!(failures, 4);
    assert!(matches!(
        screens.last(),
        Some(ScreenMessage::Connected { .. })
    ));
    assert!(
        screens[1].to_string().contains("connection refused"),
        "{}",
        screens[1]
    );
}

#[test]
fn status_icons_go_from_disconnected_to_connected() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.plan.push_back(Accept::Refuse);
    pair.connect_within(Duration::from_secs(10));
    let icons: Vec<(bool, String)> = pair
        .events
        .iter()
        .filter_map(|e| match e {
            TerminalEvent::Status(s) => Some((s.connected, s.icon_path.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        icons,
        vec![
            (
                false,
                "/home/usr1/flash/www/images/wbs_disconnected.png".to_owned()
            ),
            (
                true,
                "/home/usr1/flash/www/images/wbs_connected.png".to_owned()
            ),
        ]
    );
    assert_eq!(pair.pinpad_id(), Some("1"));
}

#[test]
fn delays_are_capped_and_jittered_within_bounds() {
    let mut config = Pair::skip_auth_config();
    config.reconnect.first = Duration::from_secs(1);
    config.reconnect.max = Duration::from_secs(5);
    config.reconnect.jitter_percent = 20;
    let mut pair = Pair::with_seed(config, 77);
    pair.plan.extend(std::iter::repeat_n(Accept::Refuse, 12));
    pair.connect_within(Duration::from_secs(120));
    let gaps: Vec<Duration> = pair.connects.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps.len(), 12);
    for (n, gap) in gaps.iter().enumerate() {
        let full = Duration::from_secs(1 << n.min(3)).min(Duration::from_secs(5));
        assert!(
            *gap <= full && *gap >= full.mul_f64(0.8),
            "gap {n}: {gap:?} vs {full:?}"
        );
    }
    assert!(gaps[8..].iter().all(|g| *g <= Duration::from_secs(5)));
}

#[test]
fn rejected_upgrade_is_a_failure_that_schedules_a_retry() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.plan.push_back(Accept::RejectUpgrade(503));
    pair.connect_within(Duration::from_secs(10));
    assert_eq!(pair.connects.len(), 2);
    assert!(pair.events.iter().any(|e| matches!(
        e,
        TerminalEvent::Screen(ScreenMessage::Failed {
            error: LinkError::HandshakeRejected { status: 503 },
            ..
        })
    )));
}
