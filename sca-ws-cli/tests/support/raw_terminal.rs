//! A terminal written by hand over std TCP and the core's client-role connection, for
//! tests that need exact control of a link (two links with one id, the close code seen).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use sca_ws::ws::{Config, Connection, Event, Output, Role};

/// Longest wait for the upgrade answer or an awaited event.
const WAIT: Duration = Duration::from_secs(20);

/// A link opened with the upgrade request a real terminal sends.
pub struct RawTerminal {
    stream: TcpStream,
    ws: Connection,
}

#[allow(clippy::disallowed_methods)] // the test's clock
impl RawTerminal {
    /// Dials `addr` (`127.0.0.1:PORT`), upgrades with pinpad id `id`, panics without a 101.
    pub fn connect(addr: &str, id: &str) -> Self {
        let mut stream = TcpStream::connect(addr).expect("connect to pos_broker");
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("read timeout");
        let request = format!(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: CujtCKpQPzowD1oV4qp+hQ==\r\nSec-WebSocket-Protocol: sci\r\n\
             Sec-WebSocket-Version: 13\r\nx-vfi-pinpad-id: {id}\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).expect("write upgrade");
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let start = Instant::now();
        let end = loop {
            assert!(start.elapsed() < WAIT, "no answer to the upgrade");
            if let Ok(n) = stream.read(&mut buf) {
                assert!(n > 0, "the broker closed during the handshake");
                got.extend_from_slice(&buf[..n]);
            }
            if let Some(p) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
        };
        assert!(
            got.starts_with(b"HTTP/1.1 101 "),
            "{:?}",
            String::from_utf8_lossy(&got)
        );
        let config = Config {
            ping_interval: None,
            ..Config::default()
        };
        let mut ws = Connection::new(Role::Client, config, Instant::now(), 3);
        ws.handle_input(Instant::now(), &got[end..]);
        Self { stream, ws }
    }

    /// Reads until an event `want` accepts (answering what the connection answers on its
    /// own, the close reply included) and returns it; panics after [`WAIT`].
    pub fn wait_for(&mut self, want: impl Fn(&Event) -> bool) -> Event {
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

    /// Sends `text` as one text message.
    pub fn send(&mut self, text: &str) {
        self.ws.send_text(Instant::now(), text).expect("send");
        while let Some(output) = self.ws.poll_output() {
            if let Output::Transmit(b) = output {
                self.stream.write_all(&b).expect("write");
            }
        }
    }
}

/// The text of element `name` in `xml`, if present.
pub fn field<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}
