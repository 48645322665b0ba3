//! The owned receive path: the driver reads into one `BytesMut` it keeps, and the connection
//! decodes in it, the way a `tokio_util` `Decoder` works on its read buffer. Single-frame
//! messages are unmasked in place as their bytes arrive (each read is unmasked and, for text,
//! checked while it is still in the cache) and split out as zero-copy `Bytes`, so each payload
//! byte is copied once, by the socket read. Control frames and fragments go through the
//! general path, so both paths produce the same events.

use std::time::Instant;

use bytes::{Buf, BytesMut};

use super::receive::TEXT_PIECE;
use super::utf8_simd::is_utf8;
use super::{Connection, Event, Role, Utf8Bytes, WsError};
use crate::frame::{FrameHeader, OpCode, apply_mask};

/// Least room [`Connection::reserve_input_buf`] makes for a read.
const MIN_READ: usize = 16 * 1024;

/// Most room made ahead for a held message, so a peer announcing a big frame cannot make us
/// commit memory it never sends (the general path's cap, too).
const MAX_RESERVE_AHEAD: usize = 1 << 20;

/// A single-frame message being received in the driver's buffer: its header is consumed,
/// the buffer starts with its payload, of which `unmasked` bytes are already unmasked (and,
/// for text, checked).
#[derive(Debug, Clone, Copy)]
pub(super) struct HeldMessage {
    text: bool,
    len: usize,
    key: Option<[u8; 4]>,
    unmasked: usize,
    /// The first (up to 8) payload bytes, unmasked, as one word: a buffer that does not
    /// start with them is not the one the message was left in.
    front: u64,
}

impl HeldMessage {
    /// The first `min(unmasked, 8)` bytes of `buf` as a word, zero-padded. (A word compare,
    /// not a slice compare: this runs on every read of a held message.)
    #[inline]
    fn front_of(&self, buf: &[u8]) -> u64 {
        let n = self.unmasked.min(8);
        let mut word = [0u8; 8];
        match buf.first_chunk::<8>() {
            Some(first) if n == 8 => word = *first,
            _ => {
                for (slot, byte) in word.iter_mut().zip(buf.iter().take(n)) {
                    *slot = *byte;
                }
            }
        }
        u64::from_ne_bytes(word)
    }

    /// Whether `buf` still starts with what this call left in it.
    fn is_at_front_of(&self, buf: &[u8]) -> bool {
        buf.len() >= self.unmasked && self.front_of(buf) == self.front
    }
}

impl Connection {
    /// Decodes the bytes at the front of `buf`, the driver's read buffer: the socket read
    /// appends to it, this call consumes what it can. Same events as
    /// [`handle_input`](Self::handle_input) for any split of the stream.
    ///
    /// Contract (that of a `tokio_util` `Decoder`): pass the same buffer every time, append
    /// new bytes at its end, and leave what this call left in it alone; that is the message
    /// being received, already unmasked up to where the bytes ended. Before each read,
    /// [`reserve_input_buf`](Self::reserve_input_buf) makes room for it. A buffer found
    /// shorter than what was left in it fails the connection ([`WsError::InputBufferLost`]);
    /// so does [`handle_input`](Self::handle_input) while a message is left in the buffer.
    pub fn handle_input_buf(&mut self, now: Instant, buf: &mut BytesMut) {
        loop {
            if !self.is_reading() {
                self.held = None;
                buf.clear();
                return;
            }
            if let Some(held) = &self.held {
                if !held.is_at_front_of(buf) {
                    self.held = None;
                    buf.clear();
                    self.fail(now, WsError::InputBufferLost);
                    continue;
                }
                if !self.continue_held(now, buf) {
                    return;
                }
                continue;
            }
            if buf.is_empty() {
                return;
            }
            // A frame the general path is in the middle of gets the bytes up to its end.
            if let Some(frame) = self.frame {
                let take = usize::try_from(frame.remaining)
                    .unwrap_or(usize::MAX)
                    .min(buf.len());
                self.feed_general(now, buf, take);
                continue;
            }
            match FrameHeader::decode(buf) {
                // The general path fails the connection with the right code.
                Err(_) => self.feed_general(now, buf, buf.len()),
                // A cut header waits in the buffer for the rest of it.
                Ok(None) => return,
                Ok(Some((header, used))) => match self.holdable(&header) {
                    Some(len) => {
                        buf.advance(used);
                        let text = header.opcode == OpCode::Text;
                        if buf.len() >= len && (!text || len <= TEXT_PIECE) {
                            self.split_whole(now, buf, text, len, header.mask);
                            continue;
                        }
                        if text {
                            self.utf8.reset();
                        }
                        self.held = Some(HeldMessage {
                            text,
                            len,
                            key: header.mask,
                            unmasked: 0,
                            front: 0,
                        });
                    }
                    None => {
                        let whole = usize::try_from(header.payload_len)
                            .unwrap_or(usize::MAX)
                            .saturating_add(used);
                        self.feed_general(now, buf, whole.min(buf.len()));
                    }
                },
            }
        }
    }

    /// Makes room in `buf` for the next read and returns how many bytes that read should
    /// take at most (never 0). Called after the previous read's messages were drained (and
    /// dropped), it reuses their block instead of allocating.
    ///
    /// Between messages the block starts over at its front and a read takes at most 16 KiB
    /// with as much room again behind it, so a message that read starts usually completes in
    /// place. While a message is held, there is room for its whole rest (up to 1 MiB at a
    /// time) and the read stops at its end, so the next message starts a fresh block.
    pub fn reserve_input_buf(&self, buf: &mut BytesMut) -> usize {
        match self.held {
            // (A rest of 0, bytes appended but not yet handed over, takes the other arm: a
            // read of 0 bytes would look like the end of the stream.)
            Some(held) if held.len > buf.len() => {
                let rest = held.len - buf.len();
                let wanted = rest.min(MAX_RESERVE_AHEAD);
                if buf.capacity() - buf.len() < wanted {
                    buf.reserve(wanted);
                }
                (buf.capacity() - buf.len()).min(rest)
            }
            _ => {
                // Moves to the front only when nothing split from the block is still alive,
                // and never allocates.
                let _moved = buf.try_reclaim(buf.capacity() - buf.len() + 1);
                if buf.capacity() - buf.len() < 2 * MIN_READ {
                    buf.reserve(2 * MIN_READ);
                }
                (buf.capacity() - buf.len()).min(MIN_READ)
            }
        }
    }

    /// The length of a frame this path receives in place: a final text or binary frame that
    /// starts a message and breaks no rule its header shows (the general path takes the rest,
    /// and reports what is wrong).
    fn holdable(&self, header: &FrameHeader) -> Option<usize> {
        let data = matches!(header.opcode, OpCode::Text | OpCode::Binary);
        let masking_ok = header.mask.is_some() == (self.role == Role::Server);
        let limit = self
            .config
            .max_frame_payload
            .min(self.config.max_message_size);
        let between =
            self.header_len == 0 && self.message_kind.is_none() && self.message.is_empty();
        if !(header.fin && data && masking_ok && between && header.payload_len <= limit) {
            return None;
        }
        usize::try_from(header.payload_len).ok()
    }

    /// Unmasks (and checks, for text) the held message's newly read bytes; delivers it once
    /// whole. False when it waits for more bytes. The held state is updated where it lies
    /// (copied out and back, it stalled the next call's load on the store).
    fn continue_held(&mut self, now: Instant, buf: &mut BytesMut) -> bool {
        let Some(held) = self.held.as_mut() else {
            return true;
        };
        let end = held.len.min(buf.len());
        let Some(fresh) = buf.get_mut(held.unmasked..end) else {
            return false;
        };
        let mut utf8_ok = true;
        if held.text {
            for piece in fresh.chunks_mut(TEXT_PIECE) {
                if let Some(key) = held.key {
                    apply_mask(piece, key, held.unmasked);
                }
                held.unmasked += piece.len();
                if self.utf8.feed(piece).is_err() {
                    utf8_ok = false;
                    break;
                }
            }
        } else {
            if let Some(key) = held.key {
                apply_mask(fresh, key, held.unmasked);
            }
            held.unmasked = end;
        }
        if utf8_ok && held.unmasked < held.len {
            held.front = held.front_of(buf);
            return false;
        }
        let (text, len) = (held.text, held.len);
        self.held = None;
        if !utf8_ok || (text && !self.utf8.is_complete()) {
            buf.clear();
            self.fail(now, WsError::InvalidUtf8);
            return true;
        }
        let data = buf.split_to(len).freeze();
        self.events.push_back(if text {
            Event::Text(Utf8Bytes::from_validated(data))
        } else {
            Event::Binary(data)
        });
        true
    }

    /// A message already whole in `buf` (text no longer than a piece): unmasked, checked in
    /// one call and split out, skipping the held state's bookkeeping (it costs more than the
    /// bytes for small messages).
    fn split_whole(
        &mut self,
        now: Instant,
        buf: &mut BytesMut,
        text: bool,
        len: usize,
        key: Option<[u8; 4]>,
    ) {
        let Some(payload) = buf.get_mut(..len) else {
            return;
        };
        if let Some(key) = key {
            apply_mask(payload, key, 0);
        }
        if text && !is_utf8(payload) {
            buf.clear();
            self.fail(now, WsError::InvalidUtf8);
            return;
        }
        let data = buf.split_to(len).freeze();
        self.events.push_back(if text {
            Event::Text(Utf8Bytes::from_validated(data))
        } else {
            Event::Binary(data)
        });
    }

    /// Hands the first `take` bytes of `buf` to the general path.
    fn feed_general(&mut self, now: Instant, buf: &mut BytesMut, take: usize) {
        let take = take.min(buf.len());
        self.handle_borrowed_input(now, buf.get(..take).unwrap_or_default());
        buf.advance(take);
    }
}
