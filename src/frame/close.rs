//! The close frame payload (RFC 6455 §5.5.1) and its status codes (§7.4).

use std::fmt;

use bytes::BytesMut;

use super::FrameError;

/// A close status code (RFC 6455 §7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: the purpose of the connection is fulfilled.
    pub const NORMAL: Self = Self(1000);
    /// 1001: the endpoint is going away (shutdown, or here: the peer stopped answering pings).
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: the peer broke the protocol.
    pub const PROTOCOL_ERROR: Self = Self(1002);
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED_DATA: Self = Self(1003);
    /// 1005: reported locally when a close frame had no code; never sent (§7.4.1).
    pub const NO_STATUS: Self = Self(1005);
    /// 1006: reported locally when the transport closed without a close frame; never sent.
    pub const ABNORMAL: Self = Self(1006);
    /// 1007: a text message or close reason that is not UTF-8.
    pub const INVALID_PAYLOAD: Self = Self(1007);
    /// 1008: a message that violates the endpoint's policy.
    pub const POLICY_VIOLATION: Self = Self(1008);
    /// 1009: a frame or message above the configured limits.
    pub const MESSAGE_TOO_BIG: Self = Self(1009);
    /// 1010: the client needed an extension the server did not negotiate.
    pub const MANDATORY_EXTENSION: Self = Self(1010);
    /// 1011: the server hit an unexpected condition.
    pub const INTERNAL_ERROR: Self = Self(1011);

    /// Whether the code may appear in a close frame (§7.4.1, §7.4.2 and the IANA registry):
    /// 1000–1003, 1007–1014 and the application ranges 3000–4999. Codes below 1000, the
    /// local-only 1005/1006, the reserved 1004 and 1015, and unassigned values are not.
    pub fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> Self {
        Self(code)
    }
}

/// The payload of a close frame: an optional code and a UTF-8 reason (RFC 6455 §5.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosePayload<'a> {
    /// The status code; [`CloseCode::NO_STATUS`] when the payload was empty.
    pub code: CloseCode,
    /// Why the peer closed; for people, not machines.
    pub reason: &'a str,
}

impl<'a> ClosePayload<'a> {
    /// The longest reason that fits a control frame: 125 bytes minus the code.
    pub const MAX_REASON_LEN: usize = 123;

    /// Parses and validates a close payload: empty, or a valid code (§7.4) and a UTF-8
    /// reason.
    pub fn decode(payload: &'a [u8]) -> Result<Self, FrameError> {
        match payload {
            [] => Ok(Self {
                code: CloseCode::NO_STATUS,
                reason: "",
            }),
            [_] => Err(FrameError::ClosePayloadTooShort),
            [hi, lo, reason @ ..] => {
                let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
                if !code.is_valid_on_wire() {
                    return Err(FrameError::InvalidCloseCode { code: code.0 });
                }
                let reason =
                    std::str::from_utf8(reason).map_err(|_| FrameError::InvalidCloseReason)?;
                Ok(Self { code, reason })
            }
        }
    }

    /// Appends the payload: nothing for [`CloseCode::NO_STATUS`], else the code and reason.
    /// The caller keeps the reason within [`MAX_REASON_LEN`](Self::MAX_REASON_LEN).
    pub fn encode(&self, out: &mut BytesMut) {
        if self.code == CloseCode::NO_STATUS {
            return;
        }
        out.extend_from_slice(&self.code.0.to_be_bytes());
        out.extend_from_slice(self.reason.as_bytes());
    }

    /// How many bytes [`encode`](Self::encode) writes.
    pub fn encoded_len(&self) -> usize {
        if self.code == CloseCode::NO_STATUS {
            0
        } else {
            2 + self.reason.len()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_7_4_code_ranges() {
        for ok in [
            1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999,
        ] {
            assert!(CloseCode(ok).is_valid_on_wire(), "{ok}");
        }
        for bad in [
            0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
        ] {
            assert!(!CloseCode(bad).is_valid_on_wire(), "{bad}");
        }
    }

    #[test]
    fn decodes_empty_code_only_and_code_with_reason() {
        assert_eq!(
            ClosePayload::decode(&[]).unwrap().code,
            CloseCode::NO_STATUS
        );
        let p = ClosePayload::decode(&[0x03, 0xE8, b'b', b'y', b'e']).unwrap();
        assert_eq!((p.code, p.reason), (CloseCode::NORMAL, "bye"));
        assert_eq!(
            ClosePayload::decode(&[0x03]),
            Err(FrameError::ClosePayloadTooShort)
        );
        assert_eq!(
            ClosePayload::decode(&[0x03, 0xED]),
            Err(FrameError::InvalidCloseCode { code: 1005 })
        );
        assert_eq!(
            ClosePayload::decode(&[0x03, 0xE8, 0xFF]),
            Err(FrameError::InvalidCloseReason)
        );
    }

    #[test]
    fn encode_then_decode_is_identity() {
        let p = ClosePayload {
            code: CloseCode(4000),
            reason: "κόσμε",
        };
        let mut out = BytesMut::new();
        p.encode(&mut out);
        assert_eq!(out.len(), p.encoded_len());
        assert_eq!(ClosePayload::decode(&out).unwrap(), p);
    }
}
