//! One connection of a std driver, plain TCP or TLS, behind the same three operations:
//! start it with a callback for what arrives, write to it, shut it down.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

use rustls::Connection;

use super::tls::{self, TlsPipe};

/// What arrives on a connection, in order; `Eof` or `Failed` comes last.
pub enum Chunk {
    /// Plaintext bytes from the peer.
    Bytes(Vec<u8>),
    /// The connection ended (closed by the peer, reset, or shut down here).
    Eof,
    /// The TLS layer refused the peer (a bad alert, record or certificate).
    Failed(String),
}

/// A started connection.
pub struct Conn {
    /// Kept for writes (plain) and for shutting the socket down (both kinds).
    socket: TcpStream,
    tls: Option<TlsPipe>,
}

impl Conn {
    /// Starts reading `socket` on its own thread (through `tls` once it is handshaken, if
    /// given), handing each chunk to `deliver` until it returns `false` or the connection
    /// ends.
    pub fn start(
        socket: TcpStream,
        tls: Option<Connection>,
        deliver: impl FnMut(Chunk) -> bool + Send + 'static,
    ) -> io::Result<Self> {
        let io = socket.try_clone()?;
        let tls = match tls {
            Some(conn) => Some(tls::spawn(conn, io, deliver)),
            None => {
                spawn_plain_reader(io, deliver);
                None
            }
        };
        Ok(Self { socket, tls })
    }

    /// Sends `bytes` (TLS: queues them for the I/O thread).
    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &self.tls {
            Some(pipe) => pipe.write(bytes),
            None => self.socket.write_all(bytes),
        }
    }

    /// Cuts the connection; the reading side then reports `Eof`.
    pub fn shutdown(&self) {
        let _ = self.socket.shutdown(Shutdown::Both);
    }
}

fn spawn_plain_reader(
    mut reader: TcpStream,
    mut deliver: impl FnMut(Chunk) -> bool + Send + 'static,
) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => {
                    deliver(Chunk::Eof);
                    return;
                }
                Ok(n) if !deliver(Chunk::Bytes(buf[..n].to_vec())) => return,
                Ok(_) => {}
            }
        }
    });
}
