//! Client driver for the Autobahn TestSuite `fuzzingserver`: asks for the case count, runs
//! every case as an echo client, then asks the server to write its reports. Blocking
//! `std::net` around the sans-IO `Connection`.
//!
//! ```text
//! cargo run --release --example autobahn_client -- --url ws://127.0.0.1:9001
//! ```

use std::hash::BuildHasher;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use sca_ws::{
    handshake::{Client as ClientHandshake, ClientConfig as ClientHandshakeConfig},
    ws::{Config as WsConfig, Connection, Event, Output, Role},
};

const AGENT: &str = "sca-ws";

/// The I/O layer owns the clock; the library only ever receives `now`.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut url = String::from("ws://127.0.0.1:9001");
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--url", Some(value)) => url = value,
            _ => {
                return Err(io::Error::other(
                    "usage: autobahn_client --url ws://host:port",
                ));
            }
        }
    }
    let authority = url
        .strip_prefix("ws://")
        .ok_or_else(|| io::Error::other("only ws:// URLs"))?
        .trim_end_matches('/')
        .to_owned();
    let mut count = String::new();
    run(&authority, "/getCaseCount", |_, event| {
        if let Event::Text(text) = event {
            count = text.as_str().to_owned();
        }
    })?;
    let count: u32 = count.trim().parse().map_err(io::Error::other)?;
    eprintln!("{count} cases");
    for case in 1..=count {
        run(
            &authority,
            &format!("/runCase?case={case}&agent={AGENT}"),
            |conn, event| {
                let result = match event {
                    Event::Text(text) => conn.send_text(now(), text.as_str()),
                    Event::Binary(data) => conn.send_binary(now(), &data),
                    _ => Ok(()),
                };
                if let Err(e) = result {
                    eprintln!("case {case}: echo refused: {e}");
                }
            },
        )?;
    }
    run(
        &authority,
        &format!("/updateReports?agent={AGENT}"),
        |_, _| {},
    )?;
    eprintln!("reports updated");
    Ok(())
}

/// Opens one connection to `path`, hands every event to `on_event`, returns when the
/// connection says to close the transport.
fn run(
    authority: &str,
    path: &str,
    mut on_event: impl FnMut(&mut Connection, Event),
) -> io::Result<()> {
    let mut stream = TcpStream::connect(authority)?;
    stream.set_nodelay(true)?;
    let seed = std::collections::hash_map::RandomState::new().hash_one(path);
    let leftover = upgrade(&mut stream, authority, path, seed)?;
    let config = WsConfig {
        ping_interval: None,
        ..WsConfig::default()
    };
    let mut conn = Connection::new(Role::Client, config, now(), seed);
    // The read buffer the connection decodes in (`handle_input_buf`): each payload is
    // unmasked where the read put it and handed out without another copy.
    let mut buf = BytesMut::from(&leftover[..]);
    conn.handle_input_buf(now(), &mut buf);
    loop {
        loop {
            write_pending(&mut conn, &mut stream)?;
            let Some(output) = conn.poll_output() else {
                break;
            };
            match output {
                Output::Transmit(bytes) => stream.write_all(&bytes)?,
                Output::Event(event) => on_event(&mut conn, event),
                Output::CloseTransport => return Ok(()),
                _ => {}
            }
        }
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
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => conn.handle_eof(now()),
            Err(e) => return Err(e),
        }
    }
}

/// The RFC 6455 §4.1 client handshake through the crate's handshake module: returns the
/// bytes that followed the 101 response (the first frames, if the server sent any).
fn upgrade(stream: &mut TcpStream, host: &str, path: &str, seed: u64) -> io::Result<Vec<u8>> {
    let mut nonce = [0u8; 16];
    nonce[..8].copy_from_slice(&seed.to_le_bytes());
    nonce[8..].copy_from_slice(&seed.rotate_left(17).to_be_bytes());
    let config = ClientHandshakeConfig {
        host: host.to_owned(),
        path: path.to_owned(),
        protocols: Vec::new(),
        ..ClientHandshakeConfig::default()
    };
    let handshake = ClientHandshake::new(config, nonce).map_err(io::Error::other)?;
    let mut request = BytesMut::new();
    handshake.encode_request(&mut request);
    stream.write_all(&request)?;
    let mut response = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::other("connection closed during the upgrade"));
        }
        response.extend_from_slice(&chunk[..n]);
        // Partial input is `Ok(None)`; the size limit turns an endless head into an error.
        if let Some((_, used)) = handshake
            .decode_response(&response)
            .map_err(io::Error::other)?
        {
            return Ok(response.split_off(used));
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
