//! The frame opcode (RFC 6455 §5.2, §11.8).

/// What a frame carries (RFC 6455 §5.2). Reserved values (3–7, 11–15) are rejected by
/// [`FrameHeader::decode`](super::FrameHeader::decode), so they have no variant here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpCode {
    /// `0x0`: a later fragment of a data message (§5.4).
    Continuation,
    /// `0x1`: the first frame of a UTF-8 text message (§5.6).
    Text,
    /// `0x2`: the first frame of a binary message (§5.6).
    Binary,
    /// `0x8`: the closing handshake (§5.5.1).
    Close,
    /// `0x9`: a keepalive or liveness probe (§5.5.2).
    Ping,
    /// `0xA`: the answer to a ping, or an unsolicited heartbeat (§5.5.3).
    Pong,
}

impl OpCode {
    /// The opcode for a 4-bit value, or `None` when RFC 6455 reserves it.
    pub fn from_u8(value: u8) -> Option<Self> {
        match value {
            0x0 => Some(Self::Continuation),
            0x1 => Some(Self::Text),
            0x2 => Some(Self::Binary),
            0x8 => Some(Self::Close),
            0x9 => Some(Self::Ping),
            0xA => Some(Self::Pong),
            _ => None,
        }
    }

    /// The 4-bit wire value.
    pub fn as_u8(self) -> u8 {
        match self {
            Self::Continuation => 0x0,
            Self::Text => 0x1,
            Self::Binary => 0x2,
            Self::Close => 0x8,
            Self::Ping => 0x9,
            Self::Pong => 0xA,
        }
    }

    /// Control frames (close, ping, pong) have the high opcode bit set (§5.5): at most 125
    /// bytes of payload, never fragmented, and allowed between fragments of a message.
    pub fn is_control(self) -> bool {
        self.as_u8() & 0x8 != 0
    }
}

#[cfg(test)]
mod tests {
    use super::OpCode;

    #[test]
    fn every_nibble_maps_to_an_opcode_or_is_reserved() {
        for v in 0u8..16 {
            match OpCode::from_u8(v) {
                Some(op) => assert_eq!(op.as_u8(), v),
                None => assert!(matches!(v, 3..=7 | 11..=15)),
            }
        }
        assert!(OpCode::Ping.is_control());
        assert!(!OpCode::Binary.is_control());
    }
}
