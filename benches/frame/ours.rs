//! The same workloads through sca-ws's sans-IO `Connection`, driven as an I/O loop would.

use super::streams::{Replay, Sink};
use super::{Kind, Workload};
use bytes::BytesMut;
use sca_ws::ws::{Config as WsConfig, Connection, Event, Output, Role};
use std::hint::black_box;
use std::io::Read;
use std::time::Instant;

fn config() -> WsConfig {
    WsConfig {
        max_frame_payload: 64 << 20,
        max_message_size: 64 << 20,
        max_outbound_bytes: 64 << 20,
        ping_interval: None,
        ..WsConfig::default()
    }
}

/// Drains the messages a read completed, as the application would take them; how many.
fn take_messages(conn: &mut Connection) -> usize {
    let mut taken = 0;
    while let Some(output) = conn.poll_output() {
        match output {
            Output::Event(Event::Binary(b)) => {
                black_box(b);
            }
            Output::Event(Event::Text(t)) => {
                black_box(t);
            }
            other => panic!("unexpected {other:?}"),
        }
        taken += 1;
    }
    taken
}

/// Server side: read from the replayed stream into a buffer (the socket read), feed it to
/// `handle_input`, drain `poll_output` for the messages.
pub(crate) struct Reader {
    conn: Connection,
    stream: Replay,
    buf: Vec<u8>,
    now: Instant,
    frames: usize,
}

impl Reader {
    pub(crate) fn new(w: &Workload, now: Instant) -> Self {
        Self {
            conn: Connection::new(Role::Server, config(), now, 1),
            stream: Replay::new(w.wire.clone()),
            buf: vec![0; DRIVER_BUF],
            now,
            frames: w.frames,
        }
    }

    pub(crate) fn run(&mut self) {
        let mut seen = 0;
        while seen < self.frames {
            let n = self.stream.read(&mut self.buf).expect("replay read");
            self.conn.handle_input(self.now, &self.buf[..n]);
            seen += take_messages(&mut self.conn);
        }
    }
}

/// Server side through the owned input: `reserve_input_buf`, read at most what it returns into
/// the spare capacity of one `BytesMut` (the socket read, the only copy), then
/// `handle_input_buf` on that buffer, which unmasks in place and splits the messages out.
pub(crate) struct OwnedReader {
    conn: Connection,
    stream: Replay,
    buf: BytesMut,
    now: Instant,
    frames: usize,
}

impl OwnedReader {
    pub(crate) fn new(w: &Workload, now: Instant) -> Self {
        Self {
            conn: Connection::new(Role::Server, config(), now, 1),
            stream: Replay::new(w.wire.clone()),
            buf: BytesMut::new(),
            now,
            frames: w.frames,
        }
    }

    pub(crate) fn run(&mut self) {
        let mut seen = 0;
        while seen < self.frames {
            let max = self.conn.reserve_input_buf(&mut self.buf);
            self.stream.read_into(&mut self.buf, max);
            self.conn.handle_input_buf(self.now, &mut self.buf);
            seen += take_messages(&mut self.conn);
        }
    }
}

/// The read buffer of the borrowed-input driver, and the queued bytes at which the writer
/// drains into the sink (one socket write): 16 KiB as in the crate's example drivers, so a
/// read or a batch of writes stays in the L1 cache between the copy and its use.
const DRIVER_BUF: usize = 16 * 1024;
const WRITE_CHUNK: usize = DRIVER_BUF;

/// Client side: `send_*` each message (masked with keys from the seed), writing the queued
/// transmits into the sink whenever `WRITE_CHUNK` bytes wait, and at the end.
pub(crate) struct Writer {
    conn: Connection,
    sink: Sink,
    payload: Vec<u8>,
    /// The payload as a `&str` source, checked once here, not per message.
    text: String,
    kind: Kind,
    now: Instant,
    frames: usize,
    /// Write from the connection's own buffer (`pending_transmit` + `transmitted`) instead
    /// of draining `Output::Transmit` values.
    in_place: bool,
}

impl Writer {
    /// Drains through `Output::Transmit`.
    pub(crate) fn new(w: &Workload, now: Instant) -> Self {
        Self::with_path(w, now, false)
    }

    /// Writes in place: `pending_transmit`, then `transmitted`.
    pub(crate) fn in_place(w: &Workload, now: Instant) -> Self {
        Self::with_path(w, now, true)
    }

    fn with_path(w: &Workload, now: Instant, in_place: bool) -> Self {
        Self {
            conn: Connection::new(Role::Client, config(), now, 1),
            sink: Sink::default(),
            payload: w.payload.clone(),
            text: String::from_utf8_lossy(&w.payload).into_owned(),
            kind: w.kind,
            now,
            frames: w.frames,
            in_place,
        }
    }

    pub(crate) fn run(&mut self) {
        for _ in 0..self.frames {
            match self.kind {
                Kind::Binary => self.conn.send_binary(self.now, &self.payload),
                Kind::Text => self.conn.send_text(self.now, &self.text),
            }
            .expect("sca-ws send");
            // Write out once a socket-write's worth is queued (tungstenite's write buffer does
            // the same at 128 KiB): small frames share one write, large ones go out while hot.
            if self.conn.queued_bytes() >= WRITE_CHUNK {
                self.drain();
            }
        }
        self.drain();
    }

    fn drain(&mut self) {
        if self.in_place {
            let pending = self.conn.pending_transmit();
            self.sink.write_all(pending);
            let written = pending.len();
            self.conn.transmitted(written);
        }
        while let Some(output) = self.conn.poll_output() {
            match output {
                Output::Transmit(bytes) => self.sink.write_all(&bytes),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}
