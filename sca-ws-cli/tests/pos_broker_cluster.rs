//! Two `pos_broker --nats URL --node-id NAME` processes and a real `nats-server` (skipped,
//! saying so, where it is not installed): a POST on node B answered by the terminal on node
//! A, node B's list naming node A, the NATS gauge, and 404 on B within 5 s once A is
//! killed; `ID close` typed on B for a terminal on A is refused, naming A.

#[path = "../../sca-ws-tokio/tests/support/nats.rs"]
mod nats;
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use nats::Nats;
use support::http::{Reply, request};
use support::process::{Lines, START, broker, terminal};

fn post(api: SocketAddr, id: &str) -> Reply {
    request(
        api,
        "POST",
        &format!("/terminals/{id}/transactions"),
        &[],
        START,
    )
}

/// Asks `probe` every 100 ms until it says yes, at most `limit`.
fn within(limit: Duration, mut probe: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    loop {
        if probe() {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_post_on_node_b_reaches_the_terminal_on_node_a_until_a_dies() {
    let Some(nats) = Nats::start() else { return };
    let url = nats.url();
    let mut lines = Lines::default();
    let node = |lines: &mut Lines, name: &str| {
        broker(
            lines,
            &["--http", "127.0.0.1:0", "--nats", &url, "--node-id", name],
            false,
        )
    };
    let mut a = node(&mut lines, "node-a");
    let b = node(&mut lines, "node-b");
    let api_b = b.api.expect("node B's API");
    lines.expect("pos-err", "node node-a joined the cluster");
    lines.expect("pos-err", "node node-b joined the cluster");
    let _terminal = terminal(&mut lines, &a.url, "7", &[]);
    lines.expect("pos", "connected 7");

    let mut last = None;
    let answered = within(Duration::from_secs(10), || {
        let reply = post(api_b, "7");
        let ok = reply.status == 200 && reply.body.contains("<RESPONSE>");
        last = Some(reply);
        ok
    });
    assert!(
        answered,
        "a POST on node B answered by the terminal on A: {last:?}"
    );

    let listed = within(Duration::from_secs(5), || {
        let reply = request(api_b, "GET", "/terminals", &[], "");
        reply.body.contains(r#""pinpad_id":"7""#) && reply.body.contains(r#""node":"node-a""#)
    });
    assert!(listed, "node B lists terminal 7 on node A");
    let metrics = request(api_b, "GET", "/metrics", &[], "");
    assert!(
        metrics.body.contains("sca_nats_connected 1"),
        "{}",
        metrics.body
    );

    // SIGKILL: node A says no goodbye; NATS drops its subscriptions with its connection.
    let _ = a.child.0.kill();
    let _ = a.child.0.wait();
    let killed = Instant::now();
    let refused = within(Duration::from_secs(5), || post(api_b, "7").status == 404);
    assert!(refused, "404 for A's terminal on node B within 5 s");
    assert!(killed.elapsed() < Duration::from_secs(5));
}

#[test]
fn close_on_another_node_names_the_node_that_holds_the_link() {
    use std::io::Write;
    let Some(nats) = Nats::start() else { return };
    let url = nats.url();
    let mut lines = Lines::default();
    let args = |name: &'static str| {
        vec![
            "--http".to_owned(),
            "127.0.0.1:0".to_owned(),
            "--nats".to_owned(),
            url.clone(),
            "--node-id".to_owned(),
            name.to_owned(),
        ]
    };
    let a_args = args("node-a");
    let a = broker(
        &mut lines,
        &a_args.iter().map(String::as_str).collect::<Vec<_>>(),
        false,
    );
    let b_args = args("node-b");
    let mut b = broker(
        &mut lines,
        &b_args.iter().map(String::as_str).collect::<Vec<_>>(),
        true,
    );
    lines.expect("pos-err", "node node-b joined the cluster");
    let _terminal = terminal(&mut lines, &a.url, "7", &[]);
    lines.expect("pos", "connected 7");
    let api_b = b.api.expect("node B's API");
    let listed = within(Duration::from_secs(5), || {
        let reply = request(api_b, "GET", "/terminals", &[], "");
        reply.body.contains(r#""node":"node-a""#)
    });
    assert!(listed, "node B sees terminal 7 on node A");

    let stdin = b.stdin.as_mut().expect("node B's stdin");
    writeln!(stdin, "7 close").unwrap();
    let refused = lines.expect("pos", "error 7");
    assert!(refused.contains("held by node node-a"), "{refused}");
    // The link on A is untouched: no disconnection, and B still reaches the terminal.
    assert!(!lines.arrives("pos", "disconnected 7", Duration::from_millis(300)));
    assert_eq!(post(api_b, "7").status, 200);
}
