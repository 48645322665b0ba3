//! SIGTERM stops `pos_broker` gracefully: the terminals get a close frame (1001, going
//! away) rather than a cut connection, the open event stream ends, and the process exits
//! 0 within the grace period.

mod support;

use std::io::Read;
use std::time::Duration;

use support::http::stream;
use support::process::{Lines, broker, terminal};

#[test]
fn sigterm_closes_links_with_1001_and_exits_zero() {
    let mut lines = Lines::default();
    let mut pos = broker(
        &mut lines,
        &["--http", "127.0.0.1:0", "--shutdown-grace", "5"],
        false,
    );
    let (_, mut events) = stream(pos.api.unwrap(), "/events", &[]);
    let _term = terminal(&mut lines, &pos.url, "3", &[]);
    lines.expect("pos", "connected 3");
    lines.expect("term", "status: connected");

    pos.child.terminate();
    let status = pos.child.wait_for_exit(Duration::from_secs(15));
    assert!(
        status.is_some_and(|s| s.success()),
        "pos_broker: {status:?}; {:#?}",
        lines.seen
    );
    lines.expect("pos-err", "SIGTERM");
    lines.expect("pos-err", "stopped");
    // The terminal was told why: the close frame's code, not a lost connection.
    lines.expect("term", "1001");
    // The event stream ended instead of holding the shutdown.
    let mut rest = Vec::new();
    let _ = events.read_to_end(&mut rest);
}
