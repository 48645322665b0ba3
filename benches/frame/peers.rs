//! The same workloads through tungstenite and fastwebsockets, each used the way its docs show.

use super::streams::{Replay, Sink};
use super::{Kind, Workload};
use bytes::Bytes;
use std::hint::black_box;

/// tungstenite, server side: `WebSocket::read` over a replayed stream of masked frames.
pub(crate) struct TungsteniteReader {
    ws: tungstenite::WebSocket<Replay>,
    frames: usize,
}

fn tungstenite_config() -> tungstenite::protocol::WebSocketConfig {
    tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(64 << 20))
}

impl TungsteniteReader {
    pub(crate) fn new(w: &Workload) -> Self {
        let ws = tungstenite::WebSocket::from_raw_socket(
            Replay::new(w.wire.clone()),
            tungstenite::protocol::Role::Server,
            Some(tungstenite_config()),
        );
        Self {
            ws,
            frames: w.frames,
        }
    }

    /// Reads one batch of messages; every payload comes out unmasked (and text checked).
    pub(crate) fn run(&mut self) {
        for _ in 0..self.frames {
            match self.ws.read().expect("tungstenite read") {
                tungstenite::Message::Binary(b) => {
                    black_box(b);
                }
                tungstenite::Message::Text(t) => {
                    black_box(t);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

/// tungstenite, client side: `write` each message (masked), then one `flush` into the sink.
pub(crate) struct TungsteniteWriter {
    ws: tungstenite::WebSocket<Sink>,
    payload: Bytes,
    kind: Kind,
    frames: usize,
}

impl TungsteniteWriter {
    pub(crate) fn new(w: &Workload) -> Self {
        let ws = tungstenite::WebSocket::from_raw_socket(
            Sink::default(),
            tungstenite::protocol::Role::Client,
            Some(tungstenite_config()),
        );
        Self {
            ws,
            payload: Bytes::from(w.payload.clone()),
            kind: w.kind,
            frames: w.frames,
        }
    }

    pub(crate) fn run(&mut self) {
        for _ in 0..self.frames {
            let message = match self.kind {
                Kind::Binary => tungstenite::Message::Binary(self.payload.clone()),
                Kind::Text => tungstenite::Message::Text(
                    tungstenite::Utf8Bytes::try_from(self.payload.clone()).expect("utf-8"),
                ),
            };
            self.ws.write(message).expect("tungstenite write");
        }
        self.ws.flush().expect("tungstenite flush");
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime")
}

/// fastwebsockets, server side: `read_frame` over the replayed stream (unmasks, checks text).
pub(crate) struct FastReader {
    rt: tokio::runtime::Runtime,
    ws: fastwebsockets::WebSocket<Replay>,
    frames: usize,
}

impl FastReader {
    pub(crate) fn new(w: &Workload) -> Self {
        let mut ws = fastwebsockets::WebSocket::after_handshake(
            Replay::new(w.wire.clone()),
            fastwebsockets::Role::Server,
        );
        ws.set_max_message_size(64 << 20);
        Self {
            rt: runtime(),
            ws,
            frames: w.frames,
        }
    }

    pub(crate) fn run(&mut self) {
        let (ws, frames) = (&mut self.ws, self.frames);
        self.rt.block_on(async move {
            for _ in 0..frames {
                let frame = ws.read_frame().await.expect("fastwebsockets read");
                black_box(&frame.payload[..]);
            }
        });
    }
}

/// fastwebsockets, client side: `write_frame` (masks; vectored writes above 1 KiB).
pub(crate) struct FastWriter {
    rt: tokio::runtime::Runtime,
    ws: fastwebsockets::WebSocket<Sink>,
    payload: Vec<u8>,
    kind: Kind,
    frames: usize,
}

impl FastWriter {
    pub(crate) fn new(w: &Workload) -> Self {
        let ws = fastwebsockets::WebSocket::after_handshake(
            Sink::default(),
            fastwebsockets::Role::Client,
        );
        Self {
            rt: runtime(),
            ws,
            payload: w.payload.clone(),
            kind: w.kind,
            frames: w.frames,
        }
    }

    pub(crate) fn run(&mut self) {
        let (ws, frames, payload, kind) = (&mut self.ws, self.frames, &self.payload, self.kind);
        self.rt.block_on(async move {
            for _ in 0..frames {
                let body = fastwebsockets::Payload::Borrowed(payload);
                let frame = match kind {
                    Kind::Binary => fastwebsockets::Frame::binary(body),
                    Kind::Text => fastwebsockets::Frame::text(body),
                };
                ws.write_frame(frame).await.expect("fastwebsockets write");
            }
        });
    }
}
