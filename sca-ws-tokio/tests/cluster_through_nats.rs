//! Broker nodes joined through a real `nats-server` (skipped, saying so, where it is not
//! installed): a request on one node answered by a terminal on another, the cluster-wide
//! listing and event stream, one link per pinpad id across nodes, a dead node's terminals
//! reported not connected in time, and a node that loses NATS serving its own terminals and
//! rejoining.

#![cfg(feature = "nats")]

#[path = "support/nats.rs"]
mod nats;
mod support;

use std::time::Duration;

use tokio::time::Instant;

use nats::{Nats, Node, eventually};
use sca_ws::broker::CLOSE_REPLACED;
use sca_ws_tokio::broker::{ServerConfig, SubmitError};
use sca_ws_tokio::cluster::{Cluster, NodeEvent};
use sca_ws_tokio::terminal::Client;
use support::{Answer, payment, raw_connect, session_start, terminal_config};

/// A terminal that answers at once, dialling `node`.
fn terminal(node: &Node, id: &str) -> sca_ws_tokio::terminal::Handle {
    let (handle, _task) = Client::spawn(
        terminal_config(node.addr, id),
        Answer {
            delay: Some(Duration::ZERO),
        },
    );
    handle
}

/// Waits until `via` gets an answer from terminal `id` (subscriptions travel to the NATS
/// server asynchronously); returns the answer's text.
async fn reachable(via: &Cluster, id: &str) -> String {
    eventually(Duration::from_secs(10), || async {
        via.submit(id, session_start())
            .await
            .ok()
            .and_then(|r| r.response_text.map(|t| t.into_owned()))
    })
    .await
    .unwrap_or_else(|| panic!("{id} reachable through {} within 10 s", via.node_id()))
}

/// Waits until node A serves MUTE and node B lists it.
async fn reachable_mute(b: &Cluster, a: &Cluster) {
    eventually(Duration::from_secs(10), || async {
        let on_a = a.handle().terminals().iter().any(|t| t.pinpad_id == "MUTE");
        let listed = b.terminals().await.iter().any(|t| t.pinpad_id == "MUTE");
        (on_a && listed && a.served_count() == 2).then_some(())
    })
    .await
    .expect("MUTE held by node A");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_on_node_b_is_answered_by_the_terminal_on_node_a() {
    let Some(nats) = Nats::start() else { return };
    let a = Node::start(&nats.url(), "node-a", ServerConfig::default());
    let b = Node::start(&nats.url(), "node-b", ServerConfig::default());
    let mut events_on_b = b.cluster.subscribe();
    let _t = terminal(&a, "T-A");

    assert_eq!(reachable(&b.cluster, "T-A").await, "done Start");
    // A second request, a payment, goes the same way and is the terminal's answer.
    let answer = b.cluster.submit("T-A", payment()).await.expect("answered");
    assert_eq!(answer.response_text.as_deref(), Some("done Capture"));

    // Node A's events reach node B's subscribers, named after node A (T-A2 connects once
    // both nodes surely listen).
    let _t2 = terminal(&a, "T-A2");
    let event = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let event = events_on_b.recv().await.expect("event");
            if matches!(&event.kind, NodeEvent::Connected { pinpad_id, .. } if pinpad_id == "T-A2")
            {
                return event;
            }
        }
    })
    .await
    .expect("node A's event on node B");
    assert_eq!(event.node, "node-a");

    // No node holds "NOPE": no responders, answered at once, not after a deadline.
    let started = Instant::now();
    assert_eq!(
        b.cluster.submit("NOPE", session_start()).await,
        Err(SubmitError::NotConnected)
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_that_are_no_subject_token_reach_their_terminal_and_no_other() {
    let Some(nats) = Nats::start() else { return };
    let a = Node::start(&nats.url(), "node-a", ServerConfig::default());
    let b = Node::start(&nats.url(), "node-b", ServerConfig::default());
    // Pasted raw, "a.>" would subscribe to every subject under "sca.terminal.a".
    let _hostile = terminal(&a, "a.>");
    let _dots = terminal(&a, "x.y");
    let _plain = terminal(&a, "x_2Ey");
    reachable(&b.cluster, "a.>").await;
    reachable(&b.cluster, "x.y").await;
    reachable(&b.cluster, "x_2Ey").await;
    for nobody in ["a.b", "a.b.c", "a", "a.*", "x.*", "x.>", "*", ">"] {
        assert_eq!(
            b.cluster.submit(nobody, session_start()).await,
            Err(SubmitError::NotConnected),
            "{nobody:?} is held by no node"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_lists_every_nodes_terminals() {
    let Some(nats) = Nats::start() else { return };
    let a = Node::start(&nats.url(), "node-a", ServerConfig::default());
    let b = Node::start(&nats.url(), "node-b", ServerConfig::default());
    let _ta = [terminal(&a, "A-1"), terminal(&a, "A-2")];
    let _tb = terminal(&b, "B-1");
    reachable(&b.cluster, "A-2").await;
    reachable(&a.cluster, "B-1").await;
    let want = vec![
        ("A-1".to_owned(), "node-a".to_owned()),
        ("A-2".to_owned(), "node-a".to_owned()),
        ("B-1".to_owned(), "node-b".to_owned()),
    ];
    for node in [&a, &b] {
        let listed: Vec<(String, String)> = node
            .cluster
            .terminals()
            .await
            .into_iter()
            .map(|t| (t.pinpad_id, t.node))
            .collect();
        assert_eq!(listed, want, "as {} lists them", node.cluster.node_id());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_link_on_node_b_closes_the_older_one_on_node_a() {
    let Some(nats) = Nats::start() else { return };
    let a = Node::start(&nats.url(), "node-a", ServerConfig::default());
    let b = Node::start(&nats.url(), "node-b", ServerConfig::default());
    let mut older = raw_connect(a.addr, "X").await;
    assert_eq!(older.status, 101);
    eventually(Duration::from_secs(5), || async {
        (a.cluster.served_count() == 1).then_some(())
    })
    .await
    .expect("node A serves X");

    let mut newer = raw_connect(b.addr, "X").await;
    assert_eq!(newer.status, 101);
    assert_eq!(
        older.read_close_code(Duration::from_secs(5)).await,
        Some(CLOSE_REPLACED.0),
        "node A closes its older link with the replaced code"
    );
    drop(older);

    // Node A no longer answers for X: a request on A now reaches the newer link on B.
    let listed = eventually(Duration::from_secs(5), || async {
        let all = a.cluster.terminals().await;
        (all.len() == 1 && all[0].node == "node-b").then_some(all)
    })
    .await;
    assert!(listed.is_some(), "X listed once, on node B");
    let via_a = a.cluster.clone();
    let _request = tokio::spawn(async move { via_a.submit("X", payment()).await });
    let (opcode, payload) = newer
        .read_frame(Duration::from_secs(5))
        .await
        .expect("the newer link gets the request sent on node A");
    assert_eq!(opcode, 0x1);
    assert!(String::from_utf8_lossy(&payload).contains("CAPTURE"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_node_a_dies_node_b_answers_not_connected_within_5_s() {
    let Some(nats) = Nats::start() else { return };
    let mut a = Node::start(&nats.url(), "node-a", ServerConfig::default());
    let b = Node::start(&nats.url(), "node-b", ServerConfig::default());
    let _t = terminal(&a, "T-A");
    reachable(&b.cluster, "T-A").await;
    // A terminal that never answers holds a request from B in flight when A dies.
    let (_mute, _task) = Client::spawn(terminal_config(a.addr, "MUTE"), Answer { delay: None });
    reachable_mute(&b.cluster, &a.cluster).await;
    // Until node A's subscription for MUTE reaches the NATS server, B hears "not
    // connected"; then the request stays in flight (the terminal never answers).
    let mut in_flight = None;
    for _ in 0..50 {
        let via_b = b.cluster.clone();
        let request = tokio::spawn(async move { via_b.submit("MUTE", session_start()).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        if !request.is_finished() {
            in_flight = Some(request);
            break;
        }
        let early = request.await.expect("task");
        assert_eq!(early, Err(SubmitError::NotConnected));
    }
    let in_flight = in_flight.expect("a request in flight to the mute terminal on A");

    a.kill();
    let killed = Instant::now();
    let answer = eventually(Duration::from_secs(5), || async {
        let result = tokio::time::timeout(
            Duration::from_secs(1),
            b.cluster.submit("T-A", session_start()),
        )
        .await;
        matches!(result, Ok(Err(SubmitError::NotConnected))).then_some(())
    })
    .await;
    assert!(answer.is_some(), "NotConnected for A's terminal within 5 s");
    assert!(
        killed.elapsed() < Duration::from_secs(5),
        "{:?}",
        killed.elapsed()
    );
    assert!(b.cluster.terminals().await.is_empty());
    // The request in flight on A does not wait for its 300 s deadline: B notices that no
    // node holds MUTE any more and ends it as a lost link.
    let ended = tokio::time::timeout(Duration::from_secs(5), in_flight)
        .await
        .expect("the in-flight request ends within 5 s of the kill")
        .expect("task");
    assert_eq!(ended, Err(SubmitError::LinkLost));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_loses_nats_serves_its_own_terminals_and_rejoins() {
    let Some(mut nats) = Nats::start() else {
        return;
    };
    let a = Node::start(&nats.url(), "node-a", ServerConfig::default());
    let b = Node::start(&nats.url(), "node-b", ServerConfig::default());
    let mut status_a = a.cluster.nats_status();
    let _t = terminal(&a, "T-A");
    reachable(&b.cluster, "T-A").await;
    tokio::time::timeout(Duration::from_secs(5), status_a.wait_for(|up| *up))
        .await
        .expect("node A's status says connected")
        .expect("status");

    nats.kill();
    tokio::time::timeout(Duration::from_secs(10), status_a.wait_for(|up| !*up))
        .await
        .expect("node A notices NATS is gone")
        .expect("status");
    assert!(!a.cluster.nats_connected());
    assert!(a.cluster.nats_disconnects() >= 1);

    // Node A serves its own terminals without NATS, also one that connects meanwhile.
    let answer = a.cluster.submit("T-A", payment()).await;
    assert_eq!(
        answer.expect("served locally").response_text.as_deref(),
        Some("done Capture")
    );
    let _late = terminal(&a, "LATE");
    reachable(&a.cluster, "LATE").await;
    // Node B cannot reach them, and says so at once rather than queueing the request.
    eventually(Duration::from_secs(10), || async {
        (!b.cluster.nats_connected()).then_some(())
    })
    .await
    .expect("node B notices too");
    let started = Instant::now();
    assert_eq!(
        b.cluster.submit("T-A", session_start()).await,
        Err(SubmitError::NotConnected)
    );
    assert!(started.elapsed() < Duration::from_secs(1));

    // Split brain: while the nodes cannot see each other, id D connects to both, to A
    // first. When NATS is back, the claims settle it: the older link, on A, is replaced.
    let mut older = raw_connect(a.addr, "D").await;
    assert_eq!(older.status, 101);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let newer = raw_connect(b.addr, "D").await;
    assert_eq!(newer.status, 101);

    nats.restart();
    tokio::time::timeout(Duration::from_secs(10), status_a.wait_for(|up| *up))
        .await
        .expect("node A rejoins")
        .expect("status");
    // A request round-trips from B to both of A's terminals, the one that came during the
    // outage included: A subscribed again.
    // (T-A's session is open by now: the terminal itself says so, which is its answer.)
    assert_eq!(reachable(&b.cluster, "T-A").await, "SESSION in progress");
    assert_eq!(reachable(&b.cluster, "LATE").await, "SESSION in progress");
    assert_eq!(
        older.read_close_code(Duration::from_secs(10)).await,
        Some(CLOSE_REPLACED.0),
        "the older of the two links for D is closed once the nodes see each other"
    );
    drop(newer);
}
