//! `sca_terminal --ping-interval 5` against a broker that completes the upgrade and then goes
//! silent (reads nothing, answers no ping, keeps TCP open): the terminal declares the link
//! lost once the pong timeout (the interval, 5 s) runs out, shows it, and dials again within
//! 13 s. (Ported from the core's test of the example CLI.)

mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use support::http::answer_upgrade;
use support::process::{Lines, checking_terminal};

#[test]
fn sca_terminal_dials_again_within_13_s_after_the_broker_goes_silent() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let mut lines = Lines::default();
    let url = format!("ws://127.0.0.1:{port}/");
    let _term = checking_terminal(&mut lines, &url, "3", &["--ping-interval", "5"]);

    let (mut first, _) = listener.accept().expect("the first dial");
    answer_upgrade(&mut first);
    let silent_since = Instant::now();
    lines.expect("term", "status: connected");
    // `first` is held open and never read again: no pong, no close, no FIN.
    listener
        .set_nonblocking(true)
        .expect("poll the listener without blocking");
    let mut second = None;
    while second.is_none() && silent_since.elapsed() < Duration::from_secs(20) {
        match listener.accept() {
            Ok((stream, _)) => second = Some(stream),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let waited = silent_since.elapsed();
    assert!(second.is_some(), "no second dial within 20 s");
    assert!(
        waited < Duration::from_secs(13),
        "dialled again after {waited:?}"
    );
    assert!(
        waited >= Duration::from_secs(9),
        "dialled again after {waited:?}: before the pong timeout could run out"
    );

    // The icon and the reason were shown before the new dial.
    lines.expect_within("term", "status: disconnected", Duration::from_secs(5));
    let reason = lines.expect_within("term", "pong", Duration::from_secs(5));
    assert!(reason.starts_with("screen:"), "{reason}");
    drop(first);
}
