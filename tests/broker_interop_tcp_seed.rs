//! Over loopback TCP, a client sends the seed's exact upgrade request bytes and answers the
//! seed's SESSION START with the seed's RESPONSE; the broker link serves it.

mod broker_support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use broker_support::*;
use sca_ws::{
    broker::{CloseReason, Event as BrokerEvent, Link},
    ws::{Config as WsConfig, Connection, Event, Output, Role},
};

/// The terminal side, written by hand around a client-role `Connection`.
#[allow(clippy::disallowed_methods)] // the test's clock
fn seed_terminal(port: u16) -> (String, Vec<String>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(SEED_REQUEST).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "broker closed during the handshake");
        got.extend_from_slice(&buf[..n]);
        if let Some(p) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        assert!(got.len() < 4096);
    };
    let head = String::from_utf8_lossy(&got[..head_end]).into_owned();
    let config = WsConfig {
        ping_interval: None,
        ..WsConfig::default()
    };
    let mut ws = Connection::new(Role::Client, config, Instant::now(), 5);
    ws.handle_input(Instant::now(), &got[head_end..]);
    let mut texts = Vec::new();
    for _ in 0..100 {
        let mut out = Vec::new();
        let mut closed = false;
        while let Some(o) = ws.poll_output() {
            match o {
                Output::Transmit(b) => out.extend_from_slice(&b),
                Output::Event(Event::Text(t)) => {
                    texts.push(t.as_str().to_owned());
                    ws.send_text(Instant::now(), SEED_SESSION_STARTED).unwrap();
                }
                Output::Event(_) => {}
                Output::CloseTransport => closed = true,
                _ => {}
            }
        }
        s.write_all(&out).unwrap();
        if closed {
            break;
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => ws.handle_eof(Instant::now()),
            Ok(n) => ws.handle_input(Instant::now(), &buf[..n]),
        }
    }
    (head, texts)
}

#[test]
fn seed_bytes_over_loopback_tcp() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let terminal = std::thread::spawn(move || seed_terminal(port));
    let (stream, _) = listener.accept().unwrap();
    #[allow(clippy::disallowed_methods)]
    let mut link = Link::new(Arc::new(quiet_config()), Instant::now(), 3);
    let events = serve_tcp(
        stream,
        &mut link,
        Duration::from_secs(20),
        |link, now, e| match e {
            BrokerEvent::UpgradeRequested(info) => {
                assert_eq!(info.pinpad_id.as_deref(), Some("1"));
                link.accept(now, Some("sci")).unwrap();
            }
            BrokerEvent::Open => {
                link.submit(now, tx(SEED_SESSION_START)).unwrap();
            }
            BrokerEvent::Answered { .. } => {
                link.close(now, sca_ws::CloseCode(1000), "done").unwrap()
            }
            _ => {}
        },
    );
    let (head, texts) = terminal.join().unwrap();
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    assert!(
        head.contains(&format!("Sec-WebSocket-Accept: {SEED_ACCEPT}")),
        "{head}"
    );
    assert_eq!(texts.len(), 1);
    assert_eq!(field(&texts[0], "BUSINESSDATE"), Some("20210709"));
    let answered: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            BrokerEvent::Answered { response, .. } => response.response_text.as_deref(),
            _ => None,
        })
        .collect();
    assert_eq!(answered, ["Session Started"]);
    assert!(
        matches!(events.last(), Some(BrokerEvent::Closed(CloseReason::Closed { code, .. })) if code.0 == 1000),
        "{events:?}"
    );
}
