//! Echo server: every text or binary message comes back unchanged. Blocking `std::net`, one
//! thread per connection: the smallest runtime that embeds the sans-IO `Connection`.
//!
//! ```text
//! cargo run --release --example echo_server -- --port 9002
//! ```

use std::hash::BuildHasher;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use sca_ws::{
    handshake::{
        ServerConfig as ServerHandshakeConfig, decode_request, encode_accept, encode_error_response,
    },
    ws::{Config as WsConfig, Connection, Event, Output, Role},
};

/// The I/O layer owns the clock; the library only ever receives `now`.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut port = 9002u16;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--port", Some(value)) => port = value.parse().map_err(io::Error::other)?,
            _ => return Err(io::Error::other("usage: echo_server --port <port>")),
        }
    }
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    eprintln!("echo server on ws://127.0.0.1:{port}");
    for stream in listener.incoming() {
        let stream = stream?;
        // Masking-key entropy for the connection: the OS-seeded hasher is enough for a demo.
        let seed = std::collections::hash_map::RandomState::new().hash_one(0u8);
        std::thread::spawn(move || {
            if let Err(e) = serve(stream, seed) {
                eprintln!("connection ended: {e}");
            }
        });
    }
    Ok(())
}

fn serve(mut stream: TcpStream, seed: u64) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let leftover = accept_upgrade(&mut stream)?;
    let config = WsConfig {
        ping_interval: None,
        ..WsConfig::default()
    };
    let mut conn = Connection::new(Role::Server, config, now(), seed);
    // The read buffer the connection decodes in (`handle_input_buf`): each payload is
    // unmasked where the read put it and handed out without another copy.
    let mut buf = BytesMut::from(&leftover[..]);
    conn.handle_input_buf(now(), &mut buf);
    loop {
        // Drain everything the connection wants done. Queued bytes are written straight
        // from the connection's buffer (no `Bytes` per write); what a call queues after that
        // is written on the next turn.
        loop {
            write_pending(&mut conn, &mut stream)?;
            let Some(output) = conn.poll_output() else {
                break;
            };
            match output {
                Output::Transmit(bytes) => stream.write_all(&bytes)?,
                Output::Event(Event::Text(text)) => echo(conn.send_text(now(), text.as_str())),
                Output::Event(Event::Binary(data)) => echo(conn.send_binary(now(), &data)),
                Output::Event(_) => {}
                Output::CloseTransport => return linger_close(stream),
                _ => {}
            }
        }
        // Wait for bytes or the next timer.
        let wait = conn.poll_timeout().map(|at| {
            at.saturating_duration_since(now())
                .max(Duration::from_millis(1))
        });
        stream.set_read_timeout(wait)?;
        let max = conn.reserve_input_buf(&mut buf);
        let start = buf.len();
        buf.resize(start + max, 0); // std's `Read` reads into initialised bytes only
        let read = stream.read(&mut buf[start..]);
        buf.truncate(start + *read.as_ref().unwrap_or(&0));
        match read {
            Ok(0) => conn.handle_eof(now()),
            Ok(_) => conn.handle_input_buf(now(), &mut buf),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                conn.handle_timeout(now())
            }
            Err(e) => return Err(e),
        }
    }
}

/// Outbound bytes are written before the next event is read, so the queue never fills here.
fn echo(result: Result<(), sca_ws::ws::SendError>) {
    if let Err(e) = result {
        eprintln!("echo refused: {e}");
    }
}

/// Close TCP without losing the close frame: stop writing, let the peer read what we sent and
/// close its side, then drop the socket (a close with unread input would send a reset).
fn linger_close(mut stream: TcpStream) -> io::Result<()> {
    stream.shutdown(Shutdown::Write)?;
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    let mut sink = [0u8; 4096];
    for _ in 0..1024 {
        if matches!(stream.read(&mut sink), Ok(0) | Err(_)) {
            break;
        }
    }
    Ok(())
}

/// The RFC 6455 §4.2 server handshake through the crate's `handshake` module: reads until
/// the request head is complete, answers 101 (or the refusal status), returns the bytes that
/// followed the request (the client's first frames).
fn accept_upgrade(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let config = ServerHandshakeConfig::default();
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::other("no complete upgrade request"));
        }
        request.extend_from_slice(&chunk[..n]);
        let mut reply = BytesMut::new();
        match decode_request(&request, &config) {
            Ok(None) => continue,
            Ok(Some((upgrade, used))) => {
                encode_accept(&upgrade, None, &[], &mut reply).map_err(io::Error::other)?;
                stream.write_all(&reply)?;
                return Ok(request.split_off(used));
            }
            Err(error) => {
                encode_error_response(&error, &mut reply);
                stream.write_all(&reply)?;
                return Err(io::Error::other(error));
            }
        }
    }
}

/// Writes the connection's queued bytes from its own buffer and reports them written: the
/// send path that hands out no `Bytes` (see docs/performance.md).
fn write_pending(conn: &mut Connection, stream: &mut TcpStream) -> io::Result<()> {
    let pending = conn.pending_transmit();
    if !pending.is_empty() {
        stream.write_all(pending)?;
        let written = pending.len();
        conn.transmitted(written);
    }
    Ok(())
}
