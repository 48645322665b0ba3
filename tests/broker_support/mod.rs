//! Helpers shared by the broker's integration tests: the seed's bytes, a drain loop, and a
//! terminal-side WebSocket peer that writes masked frames and reads the broker's frames.
#![allow(dead_code, unreachable_pub)] // each test file uses a different subset

use std::sync::Arc;
use std::time::{Duration, Instant};

use sca_ws::{
    broker::{Config as BrokerConfig, Event as BrokerEvent, Link, Output as BrokerOutput},
    ws::{Config as WsConfig, Connection, Event, Output, Role},
    xml::{Response, Transaction},
};

/// The seed's upgrade request, byte for byte (note `x-vfi-pinpad-id : 1`).
pub const SEED_REQUEST: &[u8] = b"GET / HTTP/1.1\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
Host: 192.168.29.207\r\n\
Origin: http://192.168.29.207\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: CujtCKpQPzowD1oV4qp+hQ==\r\n\
Sec-WebSocket-Protocol: sci\r\n\
Sec-WebSocket-Version: 13\r\n\
x-vfi-pinpad-id : 1\r\n\r\n";

/// The accept value for the seed's key, as the seed's broker answered.
pub const SEED_ACCEPT: &str = "Y2nXMyfwdnd360ikQgJzX7r3Gak=";

/// The seed's SESSION START request.
pub const SEED_SESSION_START: &str = "<TRANSACTION>\n<FUNCTION_TYPE>SESSION</FUNCTION_TYPE>\n\
<COMMAND>START</COMMAND>\n<BUSINESSDATE>20210709</BUSINESSDATE>\n<SWIPE_AHEAD>1</SWIPE_AHEAD>\n\
<TRAINING_MODE>0</TRAINING_MODE>\n<INVOICE>123456</INVOICE>\n</TRANSACTION>";

/// The seed's answer to it.
pub const SEED_SESSION_STARTED: &str = "<RESPONSE>\n<RESPONSE_TEXT>Session Started</RESPONSE_TEXT>\n\
<RESULT>OK</RESULT>\n<RESULT_CODE>-1</RESULT_CODE>\n\
<TERMINATION_STATUS>SUCCESS</TERMINATION_STATUS>\n<TRAINING_MODE>OFF</TRAINING_MODE>\n</RESPONSE>";

/// A broker configuration without keepalive pings, so tests see only what they cause.
pub fn quiet_config() -> BrokerConfig {
    BrokerConfig {
        ws: WsConfig {
            ping_interval: None,
            ..WsConfig::default()
        },
        ..BrokerConfig::default()
    }
}

/// What one drain of a link produced.
#[derive(Debug, Default)]
pub struct Drained {
    /// Every `Transmit`, concatenated.
    pub bytes: Vec<u8>,
    /// Every event, in order.
    pub events: Vec<BrokerEvent>,
    /// Whether `CloseTransport` came.
    pub close_transport: bool,
}

/// Drains `link` until `None` (bounded).
pub fn drain(link: &mut Link) -> Drained {
    let mut d = Drained::default();
    for _ in 0..10_000 {
        match link.poll_output() {
            Some(BrokerOutput::Transmit(b)) => d.bytes.extend_from_slice(&b),
            Some(BrokerOutput::Event(e)) => d.events.push(e),
            Some(BrokerOutput::CloseTransport) => d.close_transport = true,
            None => return d,
            Some(_) => {}
        }
    }
    panic!("poll_output never returned None");
}

/// A transaction from its XML text.
pub fn tx(xml: &str) -> Transaction {
    Transaction::decode(xml.as_bytes()).expect("test transaction parses")
}

/// A terminal-side WebSocket (client role) to talk to a link in memory.
pub struct Peer {
    pub ws: Connection,
    /// Bytes the peer produced while reading (pongs, close replies), for `take_bytes`.
    outbox: Vec<u8>,
}

/// What the peer read from the broker.
#[derive(Debug, Default)]
pub struct Received {
    /// Text messages, in order.
    pub texts: Vec<String>,
    /// Other events (pings, close, failures).
    pub other: Vec<Event>,
}

impl Peer {
    pub fn new(now: Instant) -> Self {
        let config = WsConfig {
            ping_interval: None,
            ..WsConfig::default()
        };
        Self {
            ws: Connection::new(Role::Client, config, now, 99),
            outbox: Vec::new(),
        }
    }

    /// The masked frame bytes of one text message.
    pub fn frame(&mut self, now: Instant, text: &str) -> Vec<u8> {
        self.ws.send_text(now, text).expect("peer can send");
        self.take_bytes()
    }

    /// Whatever the peer wants to write (pongs, close replies).
    pub fn take_bytes(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.outbox);
        for _ in 0..1000 {
            match self.ws.poll_output() {
                Some(Output::Transmit(b)) => out.extend_from_slice(&b),
                Some(_) => {}
                None => break,
            }
        }
        out
    }

    /// Reads broker bytes (after the 101 head).
    pub fn read(&mut self, now: Instant, bytes: &[u8]) -> Received {
        self.ws.handle_input(now, bytes);
        let mut r = Received::default();
        for _ in 0..1000 {
            match self.ws.poll_output() {
                Some(Output::Event(Event::Text(t))) => r.texts.push(t.as_str().to_owned()),
                Some(Output::Event(e)) => r.other.push(e),
                Some(Output::Transmit(b)) => self.outbox.extend_from_slice(&b),
                Some(_) => {}
                None => break,
            }
        }
        r
    }
}

/// Splits the 101 head off the first bytes a link wrote; the rest are frames.
pub fn split_head(bytes: &[u8]) -> (String, &[u8]) {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head")
        + 4;
    (
        String::from_utf8_lossy(&bytes[..end]).into_owned(),
        &bytes[end..],
    )
}

/// An open link (the seed's request accepted with `sci`) and its terminal peer.
pub fn open_link(now: Instant, config: BrokerConfig) -> (Link, Peer) {
    let mut link = Link::new(Arc::new(config), now, 7);
    link.handle_input(now, SEED_REQUEST);
    let d = drain(&mut link);
    assert!(
        matches!(d.events[..], [BrokerEvent::UpgradeRequested(_)]),
        "{d:?}"
    );
    link.accept(now, Some("sci")).expect("accept");
    let d = drain(&mut link);
    assert!(d.bytes.starts_with(b"HTTP/1.1 101 "), "{d:?}");
    assert!(matches!(d.events[..], [BrokerEvent::Open]), "{d:?}");
    (link, Peer::new(now))
}

/// Submits `xml` and returns the id and the text the terminal received.
pub fn submit_and_read(
    link: &mut Link,
    peer: &mut Peer,
    now: Instant,
    xml: &str,
) -> (sca_ws::broker::RequestId, Vec<String>) {
    let id = link.submit(now, tx(xml)).expect("submit");
    let d = drain(link);
    assert!(d.events.is_empty(), "{d:?}");
    (id, peer.read(now, &d.bytes).texts)
}

/// The terminal answers with `xml`; returns the link's events.
pub fn answer(link: &mut Link, peer: &mut Peer, now: Instant, xml: &str) -> Vec<BrokerEvent> {
    let frame = peer.frame(now, xml);
    link.handle_input(now, &frame);
    drain(link).events
}

/// A RESPONSE document with these leading fields.
pub fn response_xml(code: i64, counter: Option<u32>, recon: Option<&str>) -> String {
    let mut r = if code == -1 {
        Response::success("OK")
    } else {
        Response::failure(sca_ws::xml::ResultCode(code), "FAILED", "failed")
    };
    if let Some(c) = counter.and_then(sca_ws::xml::Counter::new) {
        r = r.with_counter(c);
    }
    if let Some(p) = recon {
        r.push_field("POS_RECON", p).expect("field");
    }
    let mut out = bytes::BytesMut::new();
    r.encode(&mut out);
    String::from_utf8(out.to_vec()).expect("utf-8")
}

/// The value of `<NAME>` in an XML text, if present.
pub fn field<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Drives `link` over a real TCP stream until the link ends or `limit` passes; every event
/// goes to `on_event`, which may call the link. Returns the events seen.
#[allow(clippy::disallowed_methods)] // tests read the wall clock; the library never does
pub fn serve_tcp(
    mut stream: std::net::TcpStream,
    link: &mut Link,
    limit: Duration,
    mut on_event: impl FnMut(&mut Link, Instant, &BrokerEvent),
) -> Vec<BrokerEvent> {
    use std::io::{Read, Write};
    let start = Instant::now();
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let now = Instant::now();
        assert!(
            now - start < limit,
            "link did not end in {limit:?}; events: {seen:?}"
        );
        link.handle_timeout(now);
        let mut close = false;
        // Bounded: the link's outputs are finite for one input.
        for _ in 0..10_000 {
            match link.poll_output() {
                Some(BrokerOutput::Transmit(b)) => stream.write_all(&b).expect("write"),
                Some(BrokerOutput::Event(e)) => {
                    on_event(link, Instant::now(), &e);
                    seen.push(e);
                }
                Some(BrokerOutput::CloseTransport) => close = true,
                None => break,
                Some(_) => {}
            }
        }
        if close {
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return seen;
        }
        let wait = link
            .poll_timeout()
            .map(|t| t.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_millis(100))
            .clamp(Duration::from_millis(1), Duration::from_millis(100));
        stream.set_read_timeout(Some(wait)).expect("timeout");
        match stream.read(&mut buf) {
            Ok(0) => link.handle_eof(Instant::now()),
            Ok(n) => link.handle_input(Instant::now(), &buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => link.handle_eof(Instant::now()),
        }
    }
}
