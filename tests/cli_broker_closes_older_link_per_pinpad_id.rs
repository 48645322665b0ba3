//! `pos_broker` as a process: a second link with pinpad id 1 connects while the first is up;
//! the broker closes the first with the "replaced" close code, prints `replaced 1` (never
//! `disconnected 1`), and a request typed on stdin reaches the newer link and is answered.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

mod broker_support;
#[allow(dead_code)] // shared helpers, partly used here
mod cli_support;
use broker_support::{SEED_REQUEST, field, response_xml};
use cli_support::{Killed, example, lines};
use sca_ws::broker::CLOSE_REPLACED;
use sca_ws::ws::{Config as WsConfig, Connection, Event, Output, Role};

/// Longest wait for any one line or frame.
const WAIT: Duration = Duration::from_secs(20);

/// A hand-written terminal: the seed's upgrade request, then a client-role connection.
struct RawTerminal {
    stream: TcpStream,
    ws: Connection,
}

#[allow(clippy::disallowed_methods)] // the test's clock
impl RawTerminal {
    fn connect(addr: &str) -> Self {
        let mut stream = TcpStream::connect(addr).expect("connect to pos_broker");
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        stream.write_all(SEED_REQUEST).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let start = Instant::now();
        let end = loop {
            assert!(start.elapsed() < WAIT, "no 101 from pos_broker");
            if let Ok(n) = stream.read(&mut buf) {
                assert!(n > 0, "pos_broker closed during the handshake");
                got.extend_from_slice(&buf[..n]);
            }
            if let Some(p) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
        };
        assert!(got.starts_with(b"HTTP/1.1 101 "));
        let config = WsConfig {
            ping_interval: None,
            ..WsConfig::default()
        };
        let mut ws = Connection::new(Role::Client, config, Instant::now(), 3);
        ws.handle_input(Instant::now(), &got[end..]);
        Self { stream, ws }
    }

    /// Reads until an event `want` accepts comes (writing whatever the connection answers,
    /// such as the close reply); returns it.
    fn wait_for(&mut self, want: impl Fn(&Event) -> bool) -> Event {
        let start = Instant::now();
        let mut buf = [0u8; 4096];
        while start.elapsed() < WAIT {
            while let Some(output) = self.ws.poll_output() {
                match output {
                    Output::Transmit(b) => {
                        let _ = self.stream.write_all(&b);
                    }
                    Output::Event(e) if want(&e) => return e,
                    _ => {}
                }
            }
            match self.stream.read(&mut buf) {
                Ok(0) => self.ws.handle_eof(Instant::now()),
                Ok(n) => self.ws.handle_input(Instant::now(), &buf[..n]),
                Err(_) => {}
            }
        }
        panic!("no awaited event within {WAIT:?}");
    }

    fn send(&mut self, text: &str) {
        self.ws.send_text(Instant::now(), text).unwrap();
        while let Some(output) = self.ws.poll_output() {
            if let Output::Transmit(b) = output {
                self.stream.write_all(&b).unwrap();
            }
        }
    }
}

/// Waits for a stdout line starting with `prefix`, keeping every line seen in `seen`.
fn expect(rx: &Receiver<(&'static str, String)>, seen: &mut Vec<String>, prefix: &str) {
    loop {
        let (tag, line) = rx
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("no line starting {prefix:?}; seen: {seen:#?}"));
        seen.push(format!("{tag}: {line}"));
        if tag == "pos" && line.starts_with(prefix) {
            return;
        }
    }
}

#[test]
fn pos_broker_closes_the_older_of_two_links_with_one_pinpad_id() {
    let (tx, rx) = mpsc::channel();
    let mut broker = Killed(
        Command::new(example("pos_broker"))
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pos_broker"),
    );
    lines(broker.0.stdout.take().unwrap(), "pos", tx.clone());
    lines(broker.0.stderr.take().unwrap(), "pos-err", tx);
    let mut stdin = broker.0.stdin.take().unwrap();
    let (_, listening) = rx.recv_timeout(WAIT).expect("listening line");
    let addr = listening
        .trim_start_matches("listening on ws://")
        .trim_end_matches('/')
        .to_owned();
    let mut seen = Vec::new();

    let mut older = RawTerminal::connect(&addr);
    expect(&rx, &mut seen, "connected 1");
    let mut newer = RawTerminal::connect(&addr);
    expect(&rx, &mut seen, "connected 1");

    let close = older.wait_for(|e| matches!(e, Event::Close { .. }));
    let Event::Close { code, .. } = close else {
        unreachable!()
    };
    assert_eq!(code, CLOSE_REPLACED, "the older link is closed as replaced");
    expect(&rx, &mut seen, "replaced 1");

    writeln!(
        stdin,
        "1 <TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND>\
<INVOICE>5</INVOICE></TRANSACTION>"
    )
    .unwrap();
    let request = newer.wait_for(|e| matches!(e, Event::Text(_)));
    let Event::Text(text) = request else {
        unreachable!()
    };
    assert_eq!(field(text.as_str(), "INVOICE"), Some("5"));
    let recon = field(text.as_str(), "POS_RECON");
    newer.send(&response_xml(-1, None, recon));
    expect(&rx, &mut seen, "response 1");
    assert!(
        !seen.iter().any(|l| l.starts_with("pos: disconnected 1")),
        "the id was reported disconnected while its newer link was up: {seen:#?}"
    );
}
