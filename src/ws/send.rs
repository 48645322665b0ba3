//! The send path: whole messages, fragments, pings, pongs and the close frame, each refused
//! with a [`SendError`] rather than queued past the high-water mark or after close.

use std::time::Instant;

use super::connection::Phase;
use super::{Connection, DataKind, SendError};
use crate::frame::{CloseCode, ClosePayload, OpCode};

impl Connection {
    /// Sends a text message in one frame.
    pub fn send_text(&mut self, now: Instant, text: &str) -> Result<(), SendError> {
        self.send_data(now, DataKind::Text, text.as_bytes())
    }

    /// Sends a binary message in one frame.
    pub fn send_binary(&mut self, now: Instant, data: &[u8]) -> Result<(), SendError> {
        self.send_data(now, DataKind::Binary, data)
    }

    /// Sends one fragment of a message (RFC 6455 §5.4): the first call opens a message of
    /// `kind`, later calls continue it with the same `kind`, `fin` ends it. Text fragments may
    /// cut a code point; together they must be UTF-8.
    pub fn send_fragment(
        &mut self,
        _now: Instant,
        kind: DataKind,
        payload: &[u8],
        fin: bool,
    ) -> Result<(), SendError> {
        self.check_open()?;
        let opcode = match self.send_kind {
            None => match kind {
                DataKind::Text => OpCode::Text,
                DataKind::Binary => OpCode::Binary,
            },
            Some(open) if open == kind => OpCode::Continuation,
            Some(_) => return Err(SendError::FragmentKindMismatch),
        };
        self.check_room(payload.len())?;
        if kind == DataKind::Text {
            if opcode == OpCode::Text {
                self.send_utf8.reset();
            }
            let mut check = self.send_utf8.clone();
            if check.feed(payload).is_err() || (fin && !check.is_complete()) {
                return Err(SendError::InvalidUtf8);
            }
            self.send_utf8 = check;
        }
        self.send_kind = if fin { None } else { Some(kind) };
        self.queue_frame(fin, opcode, payload);
        Ok(())
    }

    /// Sends a ping (§5.5.2); at most 125 bytes.
    pub fn send_ping(&mut self, _now: Instant, payload: &[u8]) -> Result<(), SendError> {
        self.send_control(OpCode::Ping, payload)
    }

    /// Sends an unsolicited pong (§5.5.3, a one-way heartbeat); at most 125 bytes. Pings are
    /// answered automatically.
    pub fn send_pong(&mut self, _now: Instant, payload: &[u8]) -> Result<(), SendError> {
        self.send_control(OpCode::Pong, payload)
    }

    /// Starts the close handshake (§7.1.2): sends a close frame and waits for the peer's, at
    /// most `close_timeout`. [`CloseCode::NO_STATUS`] sends a close frame without a code.
    pub fn close(&mut self, now: Instant, code: CloseCode, reason: &str) -> Result<(), SendError> {
        self.check_open()?;
        if code != CloseCode::NO_STATUS && !code.is_valid_on_wire() {
            return Err(SendError::InvalidCloseCode { code: code.0 });
        }
        if reason.len() > ClosePayload::MAX_REASON_LEN {
            return Err(SendError::CloseReasonTooLong { len: reason.len() });
        }
        self.queue_close(code, reason);
        self.phase = Phase::CloseSent;
        self.send_kind = None;
        self.next_ping = None;
        self.pong_deadline = None;
        self.close_deadline = Some(now + self.config.close_timeout);
        Ok(())
    }

    #[inline]
    fn send_data(
        &mut self,
        _now: Instant,
        kind: DataKind,
        payload: &[u8],
    ) -> Result<(), SendError> {
        self.check_open()?;
        if self.send_kind.is_some() {
            return Err(SendError::MessageInProgress);
        }
        self.check_room(payload.len())?;
        let opcode = match kind {
            DataKind::Text => OpCode::Text,
            DataKind::Binary => OpCode::Binary,
        };
        self.queue_frame(true, opcode, payload);
        Ok(())
    }

    fn send_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), SendError> {
        self.check_open()?;
        if payload.len() > 125 {
            return Err(SendError::ControlTooLong { len: payload.len() });
        }
        self.check_room(payload.len())?;
        self.queue_frame(true, opcode, payload);
        Ok(())
    }

    #[inline]
    fn check_open(&self) -> Result<(), SendError> {
        if self.phase == Phase::Open {
            Ok(())
        } else {
            Err(SendError::Closed)
        }
    }

    /// The high-water mark: refuse when queued bytes plus this frame would pass it, unless
    /// nothing is queued (a lone message always goes, or it could never be sent).
    #[inline]
    fn check_room(&self, payload_len: usize) -> Result<(), SendError> {
        let queued = self.tx.len();
        let limit = self.config.max_outbound_bytes;
        if queued > 0 && queued.saturating_add(payload_len).saturating_add(14) > limit {
            return Err(SendError::Backpressure { queued, limit });
        }
        Ok(())
    }
}
