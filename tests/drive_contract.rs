//! The drive contract (crate docs, `drive` module): every state machine is driven through the
//! one `Drive` trait here, by the same generic code. A machine whose method names or argument
//! order drift from the others stops compiling this file; the checks below say what each input
//! means the same way for all three.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sca_ws::broker::{self, Link};
use sca_ws::terminal::{self, Terminal};
use sca_ws::ws::{self, Connection, Role};
use sca_ws::{Drive, Response, Transaction, TransportFailure};

/// What the generic driver needs to read off any machine's outputs.
trait Wired: Drive {
    fn transmit(output: &Self::Output) -> Option<&[u8]>;
    fn closes_transport(output: &Self::Output) -> bool;
}

impl Wired for Connection {
    fn transmit(output: &ws::Output) -> Option<&[u8]> {
        match output {
            ws::Output::Transmit(bytes) => Some(bytes),
            _ => None,
        }
    }
    fn closes_transport(output: &ws::Output) -> bool {
        matches!(output, ws::Output::CloseTransport)
    }
}

impl Wired for Link {
    fn transmit(output: &broker::Output) -> Option<&[u8]> {
        match output {
            broker::Output::Transmit(bytes) => Some(bytes),
            _ => None,
        }
    }
    fn closes_transport(output: &broker::Output) -> bool {
        matches!(output, broker::Output::CloseTransport)
    }
}

impl Wired for Terminal {
    fn transmit(output: &terminal::Output) -> Option<&[u8]> {
        match output {
            terminal::Output::Transmit(bytes) => Some(bytes),
            _ => None,
        }
    }
    fn closes_transport(output: &terminal::Output) -> bool {
        matches!(output, terminal::Output::CloseTransport)
    }
}

/// Virtual time's origin: the clock is read once per test, never by the machines.
#[allow(clippy::disallowed_methods)]
fn origin() -> Instant {
    Instant::now()
}

/// Drains `machine`, bounded.
fn drain<M: Drive>(machine: &mut M) -> Vec<M::Output> {
    let outputs: Vec<_> = std::iter::from_fn(|| machine.poll_output())
        .take(10_000)
        .collect();
    assert!(outputs.len() < 10_000, "poll_output never returned None");
    outputs
}

/// Moves bytes both ways until neither side writes; returns every output each side made.
fn exchange<A: Wired, B: Wired>(
    now: Instant,
    a: &mut A,
    b: &mut B,
) -> (Vec<A::Output>, Vec<B::Output>) {
    let (mut seen_a, mut seen_b) = (Vec::new(), Vec::new());
    for _ in 0..100 {
        let from_a = drain(a);
        let from_b = drain(b);
        let quiet = from_a.is_empty() && from_b.is_empty();
        for out in &from_a {
            if let Some(bytes) = A::transmit(out) {
                b.handle_input(now, bytes);
            }
        }
        for out in &from_b {
            if let Some(bytes) = B::transmit(out) {
                a.handle_input(now, bytes);
            }
        }
        seen_a.extend(from_a);
        seen_b.extend(from_b);
        if quiet {
            return (seen_a, seen_b);
        }
    }
    panic!("the two machines kept talking");
}

/// `handle_timeout` before `poll_timeout`'s instant changes nothing.
fn early_timeout_does_nothing<M: Drive>(machine: &mut M, now: Instant) {
    let Some(at) = machine.poll_timeout() else {
        return;
    };
    let early = now.max(at.checked_sub(Duration::from_millis(1)).unwrap_or(now));
    if early < at {
        machine.handle_timeout(early);
        assert_eq!(drain(machine).len(), 0, "an early timeout produced output");
        assert_eq!(
            machine.poll_timeout(),
            Some(at),
            "an early timeout moved the timer"
        );
    }
}

/// After the transport is reported broken nothing more is written to it.
fn nothing_written_after_failure<M: Wired>(machine: &mut M, now: Instant) -> Vec<M::Output> {
    machine.handle_transport_failed(now, TransportFailure::Io("reset by peer".into()));
    let outputs = drain(machine);
    assert!(
        outputs.iter().all(|o| M::transmit(o).is_none()),
        "bytes written to a transport reported broken"
    );
    outputs
}

/// After end of stream before any close handshake, nothing more is written and the
/// transport is released (`CloseTransport`), unless the machine never had one open.
fn nothing_written_after_eof<M: Wired>(machine: &mut M, now: Instant) -> Vec<M::Output> {
    machine.handle_eof(now);
    let outputs = drain(machine);
    assert!(outputs.iter().all(|o| M::transmit(o).is_none()));
    outputs
}

fn ws_pair(now: Instant) -> (Connection, Connection) {
    let config = ws::Config {
        ping_interval: Some(Duration::from_secs(10)),
        ..ws::Config::default()
    };
    (
        Connection::new(Role::Client, config.clone(), now, 1),
        Connection::new(Role::Server, config, now, 2),
    )
}

fn broker_config() -> Arc<broker::Config> {
    Arc::new(broker::Config::default())
}

/// A terminal and a broker link after the upgrade, connected through `exchange`.
fn terminal_and_link(now: Instant) -> (Terminal, Link) {
    let config = terminal::Config::parse("SKIPPOSAUTH=1\nPOSCONNECTALLOW=WEBSOCKETS")
        .unwrap()
        .config;
    let mut terminal = Terminal::new(config, now, 3);
    let mut link = Link::new(broker_config(), now, 4);
    let boot = drain(&mut terminal);
    assert!(
        boot.iter()
            .any(|o| matches!(o, terminal::Output::Connect(_)))
    );
    terminal.handle_connected(now);
    let (_, from_link) = exchange(now, &mut terminal, &mut link);
    assert!(
        from_link
            .iter()
            .any(|o| matches!(o, broker::Output::Event(broker::Event::UpgradeRequested(_))))
    );
    link.accept(now, Some("sci")).unwrap();
    exchange(now, &mut terminal, &mut link);
    assert!(terminal.is_connected() && link.is_open());
    (terminal, link)
}

#[test]
fn ws_connection_follows_the_contract() {
    let now = origin();
    let (mut client, mut server) = ws_pair(now);
    client.send_text(now, "hello").unwrap();
    let (_, at_server) = exchange(now, &mut client, &mut server);
    assert!(
        at_server
            .iter()
            .any(|o| matches!(o, ws::Output::Event(ws::Event::Text(t)) if &**t == "hello"))
    );
    early_timeout_does_nothing(&mut client, now);

    let outputs = nothing_written_after_failure(&mut client, now);
    assert!(outputs.iter().any(|o| matches!(
        o,
        ws::Output::Event(ws::Event::Failed(ws::Error::TransportFailed(_)))
    )));
    assert!(outputs.iter().any(Connection::closes_transport));
    assert_eq!(
        client.poll_timeout(),
        None,
        "no timer for a dead connection"
    );

    let outputs = nothing_written_after_eof(&mut server, now);
    assert!(outputs.iter().any(|o| matches!(
        o,
        ws::Output::Event(ws::Event::Failed(ws::Error::TransportClosed))
    )));
    assert!(outputs.iter().any(Connection::closes_transport));
}

#[test]
fn terminal_and_broker_link_follow_the_contract() {
    let now = origin();
    let (mut terminal, mut link) = terminal_and_link(now);
    early_timeout_does_nothing(&mut terminal, now);
    early_timeout_does_nothing(&mut link, now);

    let start = Transaction::decode(
        b"<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND></TRANSACTION>",
    )
    .unwrap();
    let id = link.submit(now, start).unwrap();
    let (at_terminal, _) = exchange(now, &mut terminal, &mut link);
    let request = at_terminal.iter().find_map(|o| match o {
        terminal::Output::Event(terminal::Event::Request { id, .. }) => Some(*id),
        _ => None,
    });
    terminal
        .respond(now, request.expect("delivered"), Response::success("ok"))
        .unwrap();
    let (_, at_link) = exchange(now, &mut terminal, &mut link);
    assert!(at_link.iter().any(|o| matches!(
        o,
        broker::Output::Event(broker::Event::Answered { id: answered, .. }) if *answered == id
    )));
}

#[test]
fn transport_failure_ends_the_link_on_both_sides() {
    let now = origin();
    let (mut terminal, mut link) = terminal_and_link(now);
    let payment = Transaction::decode(
        b"<TRANSACTION><FUNCTION_TYPE>DEVICE</FUNCTION_TYPE><COMMAND>VERSION</COMMAND></TRANSACTION>",
    )
    .unwrap();
    let id = link.submit(now, payment).unwrap();
    exchange(now, &mut terminal, &mut link);

    let at_link = nothing_written_after_failure(&mut link, now);
    assert!(at_link.iter().any(|o| matches!(
        o,
        broker::Output::Event(broker::Event::Failed { id: failed, .. }) if *failed == id
    )));
    assert!(at_link.iter().any(|o| matches!(
        o,
        broker::Output::Event(broker::Event::Closed(broker::CloseReason::Failed(
            ws::Error::TransportFailed(TransportFailure::Io(_))
        )))
    )));
    assert!(link.is_ended());

    let at_terminal = nothing_written_after_failure(&mut terminal, now);
    assert!(at_terminal.iter().any(|o| matches!(
        o,
        terminal::Output::Event(terminal::Event::RequestAbandoned { .. })
    )));
    assert!(!terminal.is_connected());
    // The terminal dials again when its retry timer fires.
    let retry_at = terminal.poll_timeout().expect("a retry is scheduled");
    terminal.handle_timeout(retry_at);
    assert!(
        drain(&mut terminal)
            .iter()
            .any(|o| matches!(o, terminal::Output::Connect(_)))
    );
}

#[test]
fn end_of_stream_before_the_upgrade_ends_a_broker_link() {
    let now = origin();
    let mut link = Link::new(broker_config(), now, 9);
    link.handle_input(now, b"GET / HTTP/1.1\r\nHost: x\r\n");
    let outputs = nothing_written_after_eof(&mut link, now);
    assert!(outputs.iter().any(|o| matches!(
        o,
        broker::Output::Event(broker::Event::Closed(broker::CloseReason::TransportLost))
    )));
    assert!(outputs.iter().any(Link::closes_transport));
    assert_eq!(link.poll_timeout(), None);
}
