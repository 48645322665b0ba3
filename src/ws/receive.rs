//! The receive path: headers parsed straight from the caller's bytes, payloads unmasked while
//! they are copied into the message buffer, messages handed out as zero-copy `Bytes`.

use std::time::Instant;

use bytes::BytesMut;

use super::connection::{InFrame, Phase};
use super::{Connection, DataKind, Event, Role, Utf8Bytes, WsError};
use crate::frame::{ClosePayload, FrameHeader, OpCode, extend_masked};

/// Largest buffer reservation made from a frame header before the bytes arrive, so a peer
/// announcing a big frame cannot make us commit memory it never sends.
const MAX_RESERVE_AHEAD: u64 = 1 << 20;

/// Makes room for `needed` more bytes, growing by at least a block at a time so that small
/// frames share one allocation, and that allocation is reclaimed (not replaced) once the
/// application dropped the frames split from it.
#[inline]
pub(super) fn reserve_in_blocks(buf: &mut BytesMut, needed: usize) {
    if buf.capacity() - buf.len() < needed {
        buf.reserve(needed.max(BLOCK));
    }
}

/// The allocation unit of the receive and transmit buffers.
const BLOCK: usize = 64 * 1024;

/// Text is unmasked and UTF-8 checked this many bytes at a time (well inside L1).
pub(super) const TEXT_PIECE: usize = 8 * 1024;

impl Connection {
    /// Bytes arrived from the transport. Any split is fine: a header or a UTF-8 code point
    /// may be cut anywhere. Input after the connection failed or closed is ignored.
    pub fn handle_input(&mut self, now: Instant, input: &[u8]) {
        if self.held.is_some() && !input.is_empty() && self.is_reading() {
            // The message in progress lies in the driver's buffer: these bytes cannot join it.
            self.held = None;
            self.fail(now, WsError::InputBufferLost);
            return;
        }
        self.handle_borrowed_input(now, input);
    }

    /// [`handle_input`](Self::handle_input), also the general path of
    /// [`handle_input_buf`](Self::handle_input_buf).
    pub(super) fn handle_borrowed_input(&mut self, now: Instant, mut input: &[u8]) {
        if !self.is_reading() {
            return;
        }
        // Room for this read up front: if the application dropped the messages split from
        // the buffer, this reclaims it instead of allocating a new one mid-read.
        reserve_in_blocks(
            &mut self.message,
            input.len().min(MAX_RESERVE_AHEAD as usize),
        );
        while self.is_reading() {
            self.take_whole_messages(&mut input);
            let Some(frame) = self.frame else {
                match self.next_header(input) {
                    Ok(Some((header, used))) => {
                        input = input.get(used..).unwrap_or_default();
                        self.begin_frame(now, header);
                    }
                    Ok(None) => return,
                    Err(error) => self.fail(now, error),
                }
                continue;
            };
            if frame.remaining > 0 {
                if input.is_empty() {
                    return;
                }
                let take = usize::try_from(frame.remaining)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                let (chunk, rest) = input.split_at(take);
                input = rest;
                if !self.take_payload(now, frame, chunk) {
                    return;
                }
                if frame.remaining > take as u64 {
                    continue;
                }
            }
            self.frame = None;
            self.end_frame(now, frame);
        }
    }

    pub(super) fn is_reading(&self) -> bool {
        matches!(self.phase, Phase::Open | Phase::CloseSent) && self.deferred_failure.is_none()
    }

    /// The next header, from the caller's bytes directly or from a stashed partial header;
    /// the `usize` is how many bytes of `input` it used. Bytes of an incomplete header are
    /// stashed (at most 13).
    #[inline]
    fn next_header(&mut self, input: &[u8]) -> Result<Option<(FrameHeader, usize)>, WsError> {
        if self.header_len == 0 {
            let parsed = FrameHeader::decode(input)?;
            if parsed.is_none()
                && let Some(slot) = self.header_buf.get_mut(..input.len())
            {
                slot.copy_from_slice(input);
                self.header_len = input.len();
            }
            return Ok(parsed);
        }
        let old = self.header_len;
        let take = (FrameHeader::MAX_LEN - old).min(input.len());
        if let (Some(slot), Some(bytes)) =
            (self.header_buf.get_mut(old..old + take), input.get(..take))
        {
            slot.copy_from_slice(bytes);
        }
        self.header_len = old + take;
        let parsed =
            FrameHeader::decode(self.header_buf.get(..self.header_len).unwrap_or_default())?;
        Ok(parsed.map(|(header, used)| {
            self.header_len = 0;
            (header, used.saturating_sub(old))
        }))
    }

    /// Applies the rules a header alone decides (§5.1 masking, §5.4 fragmentation, §10.4
    /// limits) before any payload is buffered.
    #[inline]
    fn begin_frame(&mut self, now: Instant, header: FrameHeader) {
        match (self.role, header.mask.is_some()) {
            (Role::Server, false) => return self.fail(now, WsError::UnmaskedFrame),
            (Role::Client, true) => return self.fail(now, WsError::MaskedFrame),
            _ => {}
        }
        let len = header.payload_len;
        if len > self.config.max_frame_payload {
            let limit = self.config.max_frame_payload;
            return self.fail(now, WsError::FrameTooBig { len, limit });
        }
        match header.opcode {
            OpCode::Continuation if self.message_kind.is_none() => {
                return self.fail(now, WsError::UnexpectedContinuation);
            }
            OpCode::Text | OpCode::Binary if self.message_kind.is_some() => {
                return self.fail(now, WsError::ExpectedContinuation);
            }
            OpCode::Text => {
                self.message_kind = Some(DataKind::Text);
                self.utf8.reset();
            }
            OpCode::Binary => self.message_kind = Some(DataKind::Binary),
            _ => {}
        }
        if header.opcode.is_control() {
            self.control.clear();
        } else {
            let total = (self.message.len() as u64).saturating_add(len);
            if total > self.config.max_message_size {
                let limit = self.config.max_message_size;
                return self.fail(now, WsError::MessageTooBig { len: total, limit });
            }
            reserve_in_blocks(&mut self.message, len.min(MAX_RESERVE_AHEAD) as usize);
        }
        self.frame = Some(InFrame {
            fin: header.fin,
            opcode: header.opcode,
            mask: header.mask,
            remaining: len,
            received: 0,
        });
    }

    /// Unmasks `chunk` into the right buffer and validates new text at once (fail-fast UTF-8).
    /// Returns false when the connection failed.
    #[inline]
    fn take_payload(&mut self, now: Instant, frame: InFrame, chunk: &[u8]) -> bool {
        let text = !frame.opcode.is_control() && self.message_kind == Some(DataKind::Text);
        if let Some(current) = self.frame.as_mut() {
            current.remaining -= chunk.len() as u64;
            current.received = current.received.wrapping_add(chunk.len());
        }
        if !text {
            let buf = if frame.opcode.is_control() {
                &mut self.control
            } else {
                &mut self.message
            };
            match frame.mask {
                Some(key) => extend_masked(buf, chunk, key, frame.received),
                None => buf.extend_from_slice(chunk),
            }
            return true;
        }
        // Text is checked piece by piece right after each piece is unmasked, while it is
        // still in the L1 cache, instead of in a second pass over the whole chunk.
        let mut phase = frame.received;
        for piece in chunk.chunks(TEXT_PIECE) {
            let start = self.message.len();
            match frame.mask {
                Some(key) => extend_masked(&mut self.message, piece, key, phase),
                None => self.message.extend_from_slice(piece),
            }
            phase = phase.wrapping_add(piece.len());
            let fresh = self.message.get(start..).unwrap_or_default();
            if self.utf8.feed(fresh).is_err() {
                self.fail(now, WsError::InvalidUtf8);
                return false;
            }
        }
        true
    }

    /// A whole frame is in: deliver a message, answer a ping, or run the close handshake.
    #[inline]
    fn end_frame(&mut self, now: Instant, frame: InFrame) {
        match frame.opcode {
            OpCode::Ping => {
                let payload = self.control.split().freeze();
                if self.phase == Phase::Open && self.tx.len() < self.config.max_outbound_bytes {
                    self.queue_frame(true, OpCode::Pong, &payload);
                }
                self.events.push_back(Event::Ping(payload));
            }
            OpCode::Pong => {
                let payload = self.control.split().freeze();
                self.pong_received(&payload);
                self.events.push_back(Event::Pong(payload));
            }
            OpCode::Close => self.close_received(now),
            OpCode::Text | OpCode::Binary | OpCode::Continuation => {
                if !frame.fin {
                    return;
                }
                match self.message_kind.take() {
                    Some(DataKind::Text) if !self.utf8.is_complete() => {
                        self.fail(now, WsError::InvalidUtf8);
                    }
                    Some(DataKind::Text) => {
                        let text = Utf8Bytes::from_validated(self.message.split().freeze());
                        self.events.push_back(Event::Text(text));
                    }
                    Some(DataKind::Binary) => {
                        let data = self.message.split().freeze();
                        self.events.push_back(Event::Binary(data));
                    }
                    None => {}
                }
            }
        }
    }

    /// The peer's close frame (§5.5.1, §7.1.2): validate it, answer it if we did not close
    /// first, and end the handshake.
    fn close_received(&mut self, now: Instant) {
        let payload = self.control.split().freeze();
        let code = match ClosePayload::decode(&payload) {
            Ok(close) => close.code,
            Err(error) => return self.fail(now, error.into()),
        };
        if self.phase == Phase::Open {
            self.queue_close(code, "");
        }
        let reason = Utf8Bytes::from_validated(payload.slice(payload.len().min(2)..));
        self.events.push_back(Event::Close { code, reason });
        self.handshake_over(now);
    }
}
