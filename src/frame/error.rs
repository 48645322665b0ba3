//! Errors of the frame codec: each maps to the close code RFC 6455 asks for.

use std::fmt;

use super::CloseCode;

/// A frame the peer should not have sent (RFC 6455 §5.2, §5.5, §7.4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// An opcode RFC 6455 reserves for future use (§5.2).
    ReservedOpcode {
        /// The 4-bit value received.
        opcode: u8,
    },
    /// RSV1–3 set although no extension was negotiated (§5.2).
    ReservedBits {
        /// The three RSV bits, RSV1 as the highest.
        rsv: u8,
    },
    /// A 64-bit payload length with the most significant bit set (§5.2).
    LengthTopBit,
    /// A control frame with more than 125 bytes of payload (§5.5).
    ControlFrameTooLong {
        /// The announced payload length.
        len: u64,
    },
    /// A control frame without FIN (§5.5: control frames are never fragmented).
    FragmentedControlFrame,
    /// A close payload of exactly one byte (§5.5.1: a code is two bytes).
    ClosePayloadTooShort,
    /// A close code that may not appear on the wire (§7.4).
    InvalidCloseCode {
        /// The code received.
        code: u16,
    },
    /// A close reason that is not UTF-8 (§5.5.1).
    InvalidCloseReason,
}

impl FrameError {
    /// The close code to answer with: 1007 for bad UTF-8 (§7.4.1), 1002 otherwise.
    pub fn close_code(&self) -> CloseCode {
        match self {
            Self::InvalidCloseReason => CloseCode::INVALID_PAYLOAD,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReservedOpcode { opcode } => write!(f, "reserved opcode {opcode:#x}"),
            Self::ReservedBits { rsv } => write!(f, "reserved bits set ({rsv:#05b})"),
            Self::LengthTopBit => f.write_str("64-bit payload length with the top bit set"),
            Self::ControlFrameTooLong { len } => {
                write!(f, "control frame payload of {len} bytes exceeds 125")
            }
            Self::FragmentedControlFrame => f.write_str("fragmented control frame"),
            Self::ClosePayloadTooShort => f.write_str("close payload of one byte"),
            Self::InvalidCloseCode { code } => write!(f, "invalid close code {code}"),
            Self::InvalidCloseReason => f.write_str("close reason is not utf-8"),
        }
    }
}

impl std::error::Error for FrameError {}
