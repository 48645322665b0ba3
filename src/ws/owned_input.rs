//! The owned receive path: the driver hands over the buffer it read into, whole single-frame
//! messages are unmasked in place and split out of it as zero-copy `Bytes`, so each payload
//! byte is copied once (by the socket read) instead of twice. Everything else goes through
//! the general path, so both paths produce the same events.

use std::time::Instant;

use bytes::{Buf, BytesMut};

use super::{Connection, Event, Role, Utf8Bytes};
use crate::frame::apply_mask;

/// What the front of the owned input holds.
enum Front {
    /// A whole single-frame data message: its header length, payload length and key.
    Whole {
        text: bool,
        header: usize,
        len: usize,
        key: Option<[u8; 4]>,
    },
    /// The start of a single-frame binary message within the limits: worth holding until
    /// the rest arrives (binary only, so text keeps failing fast on bad UTF-8); the whole
    /// frame's length once the header is in.
    Cut(Option<usize>),
    /// Anything else (control frame, fragment, broken rule): the general path's business.
    Other,
}

/// Classifies the front of `input` by the same rules as the borrowed fast path (RFC 6455
/// §5.1 masking, §5.2 header layout).
fn front(input: &[u8], server: bool, limit: u64) -> Front {
    let (text, b1) = match *input {
        [0x81, b1, ..] => (true, b1),
        [0x82, b1, ..] => (false, b1),
        [0x82] => return Front::Cut(None),
        _ => return Front::Other,
    };
    if (b1 & 0x80 != 0) != server {
        return Front::Other;
    }
    let cut = |end| if text { Front::Other } else { Front::Cut(end) };
    let (len, mut header) = match b1 & 0x7F {
        126 => match input.get(2..4) {
            Some(&[hi, lo]) => (u64::from(u16::from_be_bytes([hi, lo])), 4),
            _ => return cut(None),
        },
        127 => match input.get(2..10).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            Some(word) => (u64::from_be_bytes(word), 10),
            None => return cut(None),
        },
        n => (u64::from(n), 2),
    };
    if len > limit || len >> 63 != 0 {
        return Front::Other;
    }
    let Ok(len) = usize::try_from(len) else {
        return Front::Other;
    };
    let key = if server {
        let Some(&[k0, k1, k2, k3]) = input.get(header..header + 4) else {
            return cut(None);
        };
        header += 4;
        Some([k0, k1, k2, k3])
    } else {
        None
    };
    match header.checked_add(len) {
        Some(end) if end <= input.len() => Front::Whole {
            text,
            header,
            len,
            key,
        },
        end => cut(end),
    }
}

impl Connection {
    /// Bytes arrived from the transport, in a buffer the driver hands over: whole
    /// single-frame messages are unmasked in place (RFC 6455 §5.3) and split out as
    /// zero-copy `Bytes`, so each byte is copied once, by the socket read. Same events as
    /// [`handle_input`](Self::handle_input) for any split; a cut single-frame binary message
    /// is held (masked, at most one header plus `max_frame_payload`) until the rest arrives.
    ///
    /// Reading into the spare capacity of one `BytesMut` and passing `buf.split()` keeps the
    /// pieces of a held message contiguous, so joining them costs no copy.
    pub fn handle_input_buf(&mut self, now: Instant, mut bytes: BytesMut) {
        if !self.is_reading() {
            self.pending = BytesMut::new();
            return;
        }
        if !self.pending.is_empty() {
            let mut joined = std::mem::take(&mut self.pending);
            joined.unsplit(bytes);
            bytes = joined;
        }
        let server = self.role == Role::Server;
        let limit = self
            .config
            .max_frame_payload
            .min(self.config.max_message_size);
        while !bytes.is_empty() && self.is_reading() && self.between_messages() {
            match front(&bytes, server, limit) {
                Front::Whole {
                    text,
                    header,
                    len,
                    key,
                } => {
                    if !self.split_message(&mut bytes, text, header, len, key) {
                        break;
                    }
                }
                Front::Cut(end) => {
                    self.pending_missing = end.map_or(0, |end| end.saturating_sub(bytes.len()));
                    self.pending = bytes;
                    return;
                }
                Front::Other => break,
            }
        }
        if !bytes.is_empty() {
            self.handle_borrowed_input(now, &bytes);
        }
    }

    /// How many more bytes complete the message [`handle_input_buf`](Self::handle_input_buf)
    /// holds (0 when none is held or its length is not known yet). A driver that reserves
    /// this much in its read buffer gets the rest in the same allocation, so the pieces join
    /// without a copy.
    pub fn held_input_missing(&self) -> usize {
        if self.pending.is_empty() {
            0
        } else {
            self.pending_missing
        }
    }

    /// No frame, header or message in progress: the next byte starts a frame.
    fn between_messages(&self) -> bool {
        self.frame.is_none()
            && self.header_len == 0
            && self.message_kind.is_none()
            && self.message.is_empty()
    }

    /// Unmasks one whole message in place and splits it off the front of `bytes`; false
    /// (with `bytes` restored) for text that is not UTF-8, which the general path reports.
    fn split_message(
        &mut self,
        bytes: &mut BytesMut,
        text: bool,
        header: usize,
        len: usize,
        key: Option<[u8; 4]>,
    ) -> bool {
        let Some(payload) = header
            .checked_add(len)
            .and_then(|end| bytes.get_mut(header..end))
        else {
            return false;
        };
        if let Some(key) = key {
            apply_mask(payload, key, 0);
        }
        if text && simdutf8::basic::from_utf8(payload).is_err() {
            if let Some(key) = key {
                apply_mask(payload, key, 0);
            }
            return false;
        }
        bytes.advance(header); // a pointer bump, no reference count to touch
        let data = bytes.split_to(len).freeze();
        self.events.push_back(if text {
            Event::Text(Utf8Bytes::from_validated(data))
        } else {
            Event::Binary(data)
        });
        true
    }
}
