//! The least decoder: the work any decoder fed by a socket read must do, and nothing else.
//! Each frame's payload is copied out of the wire as the stand-in kernel copies (the read),
//! unmasked with the crate's loop a piece at a time while the piece is still in the L1
//! cache, handed over as `Bytes`, and for text checked as UTF-8 with the crate's check. No
//! state machine, no limits, no partial headers: the frames' layout is known, and headers
//! are read where they lie instead of being copied. Its speed is about the most a decoder on
//! these loops can reach, so it tells which rows' goals a real decoder can still meet.

use super::{Kind, Workload};
use bytes::{Bytes, BytesMut};
use sca_ws::frame::{Header, apply_mask};
use sca_ws::ws::Utf8Bytes;
use std::hint::black_box;

/// Payload bytes copied, then unmasked, per step: small enough to stay in the L1 cache
/// between the copy and the unmasking (4, 16 and 64 KiB showed no consistent difference).
const PIECE: usize = 8 * 1024;

pub(crate) struct LeastDecoder {
    wire: Vec<u8>,
    kind: Kind,
    buf: BytesMut,
}

impl LeastDecoder {
    /// Panics unless the first frame decodes to the workload's payload, so the routine
    /// measured is known to do the whole job.
    pub(crate) fn new(w: &Workload) -> Self {
        let mut decoder = Self {
            wire: w.wire.clone(),
            kind: w.kind,
            buf: BytesMut::with_capacity(w.size),
        };
        let (first, _) = decoder.decode_at(0);
        assert_eq!(first, w.payload, "least decoder output");
        decoder
    }

    pub(crate) fn run(&mut self) {
        let mut pos = 0;
        while pos < self.wire.len() {
            let (payload, next) = self.decode_at(pos);
            black_box(payload);
            pos = next;
        }
    }

    /// The payload of the frame at `pos` (checked, for text), and where the next one starts.
    #[inline]
    fn decode_at(&mut self, mut pos: usize) -> (Bytes, usize) {
        let (header, used) = Header::decode(&self.wire[pos..])
            .expect("bench frame")
            .expect("whole header");
        pos += used;
        let len = header.payload_len as usize;
        let key = header.mask.expect("client frames are masked");
        self.buf.reserve(len);
        for (i, piece) in self.wire[pos..pos + len].chunks(PIECE).enumerate() {
            let start = self.buf.len();
            super::streams::kernel_extend(&mut self.buf, piece);
            apply_mask(&mut self.buf[start..], key, i * PIECE);
        }
        let payload = self.buf.split().freeze();
        let payload = match self.kind {
            Kind::Binary => payload,
            Kind::Text => Utf8Bytes::from_bytes(payload)
                .expect("bench text")
                .into_bytes(),
        };
        (payload, pos + len)
    }
}
