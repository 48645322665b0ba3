//! The same workloads through tungstenite, fastwebsockets and tokio-websockets, each used the
//! way its docs show, each reading and writing through its own stream type.

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
    /// The payload as tungstenite text, checked once here, not per message.
    text: tungstenite::Utf8Bytes,
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
        let payload = Bytes::from(w.payload.clone());
        let text = tungstenite::Utf8Bytes::try_from(payload.clone())
            .unwrap_or_else(|_| tungstenite::Utf8Bytes::from_static(""));
        Self {
            ws,
            payload,
            text,
            kind: w.kind,
            frames: w.frames,
        }
    }

    pub(crate) fn run(&mut self) {
        for _ in 0..self.frames {
            let message = match self.kind {
                Kind::Binary => tungstenite::Message::Binary(self.payload.clone()),
                Kind::Text => tungstenite::Message::Text(self.text.clone()),
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

fn tokio_websockets_limits() -> tokio_websockets::Limits {
    tokio_websockets::Limits::default().max_payload_len(Some(64 << 20))
}

/// tokio-websockets, server side: its `WebSocketStream` (a `Stream` of messages) over the
/// replayed stream; it reads into its own buffer, unmasks in place and checks text.
pub(crate) struct TokioWsReader {
    rt: tokio::runtime::Runtime,
    ws: tokio_websockets::WebSocketStream<Replay>,
    frames: usize,
}

impl TokioWsReader {
    pub(crate) fn new(w: &Workload) -> Self {
        let ws = tokio_websockets::ServerBuilder::new()
            .limits(tokio_websockets_limits())
            .serve(Replay::new(w.wire.clone()));
        Self {
            rt: runtime(),
            ws,
            frames: w.frames,
        }
    }

    pub(crate) fn run(&mut self) {
        use futures_util::StreamExt;
        let (ws, frames) = (&mut self.ws, self.frames);
        self.rt.block_on(async move {
            for _ in 0..frames {
                let message = ws
                    .next()
                    .await
                    .expect("tokio-websockets stream ended")
                    .expect("tokio-websockets read");
                black_box(message.into_payload());
            }
        });
    }
}

/// tokio-websockets, client side: `feed` each message into its `Sink` (masks; writes out past
/// its flush threshold), then one `flush`.
pub(crate) struct TokioWsWriter {
    rt: tokio::runtime::Runtime,
    ws: tokio_websockets::WebSocketStream<Sink>,
    payload: Bytes,
    kind: Kind,
    frames: usize,
}

impl TokioWsWriter {
    pub(crate) fn new(w: &Workload) -> Self {
        let ws = tokio_websockets::ClientBuilder::new().take_over(Sink::default());
        Self {
            rt: runtime(),
            ws,
            payload: Bytes::from(w.payload.clone()),
            kind: w.kind,
            frames: w.frames,
        }
    }

    pub(crate) fn run(&mut self) {
        use futures_util::SinkExt;
        let (ws, frames, payload, kind) = (&mut self.ws, self.frames, &self.payload, self.kind);
        self.rt.block_on(async move {
            for _ in 0..frames {
                let message = match kind {
                    Kind::Binary => tokio_websockets::Message::binary(payload.clone()),
                    Kind::Text => tokio_websockets::Message::text(payload.clone()),
                };
                ws.feed(message).await.expect("tokio-websockets write");
            }
            ws.flush().await.expect("tokio-websockets flush");
        });
    }
}
