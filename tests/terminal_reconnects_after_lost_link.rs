//! A lost link is re-established automatically. Icons always change; the reconnecting messages
//! reach the screen only when no session is open; the open session survives.

mod common;

use std::time::Duration;

use common::{Pair, transaction};
use sca_ws::{
    terminal::{Event as TerminalEvent, ScreenMessage},
    xml::Response,
};

fn screens(events: &[TerminalEvent]) -> Vec<ScreenMessage> {
    events
        .iter()
        .filter_map(|e| match e {
            TerminalEvent::Screen(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn icons(events: &[TerminalEvent]) -> Vec<bool> {
    events
        .iter()
        .filter_map(|e| match e {
            TerminalEvent::Status(s) => Some(s.connected),
            _ => None,
        })
        .collect()
}

fn open_session(pair: &mut Pair) {
    pair.send(&transaction("SESSION", "START", &[("INVOICE", "1")]));
    let (id, _, _) = pair.one_request();
    pair.respond(id, Response::success("Session Started"));
    assert!(pair.terminal.is_session_open());
    pair.take_responses();
}

#[test]
fn without_a_session_the_screen_shows_reconnecting() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    pair.events.clear();
    pair.cut_wire();
    pair.connect_within(Duration::from_secs(5));
    assert_eq!(icons(&pair.events), vec![false, true]);
    let screens = screens(&pair.events);
    assert!(
        matches!(screens[0], ScreenMessage::Failed { .. }),
        "{screens:?}"
    );
    assert!(screens.iter().any(|m| matches!(
        m,
        ScreenMessage::Connecting {
            reconnecting: true,
            retry: 1,
            ..
        }
    )));
    assert!(
        screens[1].to_string().starts_with("Reconnecting"),
        "{}",
        screens[1]
    );
    assert!(matches!(
        screens.last(),
        Some(ScreenMessage::Connected { .. })
    ));
}

#[test]
fn with_a_session_only_the_icons_change_and_the_session_survives() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    open_session(&mut pair);
    pair.events.clear();
    pair.broker_close(1001);
    pair.connect_within(Duration::from_secs(15));
    assert_eq!(icons(&pair.events), vec![false, true]);
    assert!(screens(&pair.events).is_empty(), "{:?}", pair.events);
    assert!(pair.terminal.is_session_open());
    // PAYMENT needs the session: it is still open on the new link.
    pair.send(&transaction(
        "PAYMENT",
        "CAPTURE",
        &[("TRANS_AMOUNT", "1.00")],
    ));
    let (_, _, t) = pair.one_request();
    assert_eq!(t.command.as_str(), "CAPTURE");
}

#[test]
fn pong_deadline_missed_is_a_lost_link() {
    let mut config = Pair::skip_auth_config();
    config.ping_interval = Some(Duration::from_secs(45));
    let mut pair = Pair::new(config);
    pair.connect_within(Duration::from_secs(1));
    pair.broker_goes_silent();
    pair.advance(Duration::from_secs(45 + 29));
    assert!(
        pair.terminal.is_connected(),
        "pong deadline not reached yet"
    );
    pair.advance(Duration::from_millis(1_500));
    assert!(!pair.events.is_empty());
    assert!(
        pair.events.iter().any(|e| matches!(
            e,
            TerminalEvent::Screen(ScreenMessage::Failed {
                error: sca_ws::terminal::LinkError::Protocol(_),
                ..
            })
        )),
        "{:?}",
        pair.events
    );
    pair.connect_within(Duration::from_secs(20));
    assert!(pair.connects.len() >= 2);
}
