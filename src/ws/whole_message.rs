//! The receive fast path: single-frame text and binary messages that lie whole in the
//! caller's bytes go from header to event in one step, skipping the per-frame state machine
//! (which must exist for cut frames, fragments and control frames, but costs more than the
//! copy itself for small messages).

use super::receive::reserve_in_blocks;
use super::{Connection, Event, Role, Utf8Bytes};
use crate::frame::extend_masked;

impl Connection {
    /// Delivers every whole single-frame data message at the front of `input` and advances
    /// it past them. Stops, leaving the bytes to the general path, at anything else: a
    /// cut frame, a control frame, a fragment, a frame breaking a rule (the general path
    /// reports it) or text that is not UTF-8. Both paths produce the same events.
    #[inline]
    pub(super) fn take_whole_messages(&mut self, input: &mut &[u8]) {
        if self.frame.is_some() || self.header_len != 0 || self.message_kind.is_some() {
            return;
        }
        // The receive buffer holds only the message in progress, and there is none.
        if !self.message.is_empty() {
            return;
        }
        let server = self.role == Role::Server;
        let limit = self
            .config
            .max_frame_payload
            .min(self.config.max_message_size);
        while let Some(used) = self.take_whole_message(input, server, limit) {
            *input = input.get(used..).unwrap_or_default();
        }
    }

    /// One message from the front of `input`, or `None` (nothing consumed, nothing changed).
    #[inline(always)]
    fn take_whole_message(&mut self, input: &[u8], server: bool, limit: u64) -> Option<usize> {
        let [b0, b1, ..] = *input else {
            return None;
        };
        // FIN, no RSV bit, text (1) or binary (2): RFC 6455 §5.2.
        let text = match b0 {
            0x82 => false,
            0x81 => true,
            _ => return None,
        };
        // §5.1: only a client masks.
        if (b1 & 0x80 != 0) != server {
            return None;
        }
        let (len, mut at) = match b1 & 0x7F {
            126 => {
                let &[hi, lo] = input.get(2..4)? else {
                    return None;
                };
                (u64::from(u16::from_be_bytes([hi, lo])), 4)
            }
            127 => {
                let word: [u8; 8] = input.get(2..10)?.try_into().ok()?;
                (u64::from_be_bytes(word), 10)
            }
            n => (u64::from(n), 2),
        };
        if len > limit {
            return None;
        }
        let key = if server {
            let &[k0, k1, k2, k3] = input.get(at..at + 4)? else {
                return None;
            };
            at += 4;
            Some([k0, k1, k2, k3])
        } else {
            None
        };
        let end = at.checked_add(usize::try_from(len).ok()?)?;
        let payload = input.get(at..end)?;
        reserve_in_blocks(&mut self.message, payload.len());
        match key {
            Some(key) => extend_masked(&mut self.message, payload, key, 0),
            None => self.message.extend_from_slice(payload),
        }
        if text && !super::utf8_simd::is_utf8(&self.message) {
            // The general path fails the connection with the right close code.
            self.message.clear();
            return None;
        }
        let data = self.message.split().freeze();
        self.events.push_back(if text {
            Event::Text(Utf8Bytes::from_validated(data))
        } else {
            Event::Binary(data)
        });
        Some(end)
    }
}
