//! Shared pieces of the companion crate's tests: a running server, terminal configs, a
//! handler, a raw WebSocket peer for bytes no conforming client would send, and bounded
//! waits. Everything listens on 127.0.0.1.

#![allow(dead_code, unreachable_pub)]

pub mod pairing;

use std::net::SocketAddr;
use std::time::Duration;

use sca_ws::{Response, Transaction};
use sca_ws_tokio::broker::{Event, Handle, Server, ServerConfig};
use sca_ws_tokio::terminal::{ClientConfig, Handler, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast;

/// Starts a server on a free loopback port; returns its handle and address.
pub fn start_server(mut config: ServerConfig) -> (Handle, SocketAddr) {
    config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    let server = Server::bind(config).expect("bind");
    let addr = server.local_addr().expect("addr");
    let handle = server.handle();
    tokio::spawn(server.run());
    (handle, addr)
}

/// A plain-ws terminal configuration for `addr` with pinpad id `id`, quick to retry.
pub fn terminal_config(addr: SocketAddr, id: &str) -> ClientConfig {
    let text = format!(
        "WEBSOCKETADDRESS=127.0.0.1\nWEBSOCKETPORT={}\nWEBSOCKETTLS=0\nWEBSOCKETPINPADID={id}\n\
         SKIPPOSAUTH=1\nWEBSOCKETRECONNECTFIRST_MS=100\nWEBSOCKETRECONNECTMAX_MS=300\n\
         WEBSOCKETCONNECTTIMEOUT_MS=5000",
        addr.port()
    );
    let terminal = sca_ws::terminal::Config::parse(&text)
        .expect("config")
        .config;
    let mut config = ClientConfig::new(terminal);
    config.seed = id
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
    config
}

/// Answers every request with success, its text naming the command; waits `delay` first
/// (`None`: never answers).
pub struct Answer {
    pub delay: Option<Duration>,
}

impl Handler for Answer {
    async fn request(&self, request: Request) -> Response {
        match self.delay {
            Some(delay) => tokio::time::sleep(delay).await,
            None => std::future::pending::<()>().await,
        }
        let text = format!("done {:?}", request.transaction.command);
        Response::success(text)
    }
}

/// SESSION START.
pub fn session_start() -> Transaction {
    Transaction::decode(
        b"<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND></TRANSACTION>",
    )
    .expect("session start")
}

/// A PAYMENT CAPTURE.
pub fn payment() -> Transaction {
    Transaction::decode(
        b"<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND>\
          <TRANS_AMOUNT>1.00</TRANS_AMOUNT></TRANSACTION>",
    )
    .expect("payment")
}

/// The next event matching `want`, within `limit` (panics otherwise).
pub async fn next_event(
    events: &mut broadcast::Receiver<Event>,
    limit: Duration,
    want: impl Fn(&Event) -> bool,
) -> Event {
    tokio::time::timeout(limit, async {
        loop {
            match events.recv().await {
                Ok(event) if want(&event) => return event,
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("event stream closed"),
            }
        }
    })
    .await
    .expect("the event within the limit")
}

/// Waits until `id` is connected.
pub async fn connected(events: &mut broadcast::Receiver<Event>, id: &str) -> Event {
    next_event(
        events,
        Duration::from_secs(10),
        |e| matches!(e, Event::Connected { pinpad_id, .. } if pinpad_id == id),
    )
    .await
}

/// A raw WebSocket client: the upgrade by hand, masked frames with a zero key, a small
/// reader of the server's frames.
pub struct Raw {
    pub stream: TcpStream,
    pub status: u16,
}

/// Dials `addr` and sends an upgrade with pinpad id `id`; reads the answer head.
pub async fn raw_connect(addr: SocketAddr, id: &str) -> Raw {
    let stream = TcpStream::connect(addr).await.expect("connect");
    raw_upgrade(stream, id).await
}

/// Sends the upgrade on `stream`; reads the status line and headers.
pub async fn raw_upgrade(mut stream: TcpStream, id: &str) -> Raw {
    let request = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: sci\r\nx-vfi-pinpad-id: {id}\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write upgrade");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 4096 {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte))
            .await
            .expect("answer head in time")
            .unwrap_or(0); // reset: no answer
        if n == 0 {
            break;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Raw { stream, status }
}

/// A masked client frame (zero mask key) with `opcode` and `payload` (≤ 125 bytes).
pub fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() <= 125);
    let mut frame = vec![0x80 | opcode, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(payload);
    frame
}

impl Raw {
    /// Reads one server frame: (opcode, payload), within `limit`; `None` at end of stream.
    pub async fn read_frame(&mut self, limit: Duration) -> Option<(u8, Vec<u8>)> {
        tokio::time::timeout(limit, async {
            let mut head = [0u8; 2];
            self.stream.read_exact(&mut head).await.ok()?;
            let mut len = u64::from(head[1] & 0x7f);
            if len == 126 {
                let mut ext = [0u8; 2];
                self.stream.read_exact(&mut ext).await.ok()?;
                len = u16::from_be_bytes(ext).into();
            } else if len == 127 {
                let mut ext = [0u8; 8];
                self.stream.read_exact(&mut ext).await.ok()?;
                len = u64::from_be_bytes(ext);
            }
            assert!(len < 1 << 20, "a frame this test can hold");
            let mut payload = vec![0u8; len as usize];
            self.stream.read_exact(&mut payload).await.ok()?;
            Some((head[0] & 0x0f, payload))
        })
        .await
        .expect("a frame within the limit")
    }

    /// Reads frames until a close frame; returns its code (`None` if the stream ended).
    pub async fn read_close_code(&mut self, limit: Duration) -> Option<u16> {
        for _ in 0..64 {
            let (opcode, payload) = self.read_frame(limit).await?;
            if opcode == 0x8 {
                return Some(u16::from_be_bytes([payload[0], payload[1]]));
            }
        }
        None
    }
}

/// 127.0.0.1 with a free port.
pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}
