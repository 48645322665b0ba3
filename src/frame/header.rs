//! The frame header (RFC 6455 §5.2) in its three length forms: 7-bit, 16-bit and 64-bit.

use bytes::BytesMut;

use super::{FrameError, OpCode};

/// One frame header as it appears on the wire (RFC 6455 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// FIN: this is the last frame of its message.
    pub fin: bool,
    /// RSV1–3 as the three low bits (RSV1 highest). Must be 0 without extensions.
    pub rsv: u8,
    /// What the frame carries.
    pub opcode: OpCode,
    /// The masking key: present on every client-to-server frame (§5.3).
    pub mask: Option<[u8; 4]>,
    /// Payload length in bytes.
    pub payload_len: u64,
}

impl FrameHeader {
    /// The longest header: 2 bytes, 8 bytes of extended length, 4 bytes of mask.
    pub const MAX_LEN: usize = 14;

    /// Parses a header from the start of `buf`.
    ///
    /// Returns `Ok(None)` while more bytes are needed, or the header and how many bytes it
    /// used. Fails as early as the first two bytes allow: reserved opcodes, RSV bits, a
    /// fragmented or oversized control frame, a 64-bit length with the top bit set (§5.2,
    /// §5.5).
    #[inline]
    pub fn decode(buf: &[u8]) -> Result<Option<(Self, usize)>, FrameError> {
        let (b0, b1) = match buf {
            [b0, b1, ..] => (*b0, *b1),
            _ => return Ok(None),
        };
        let fin = b0 & 0x80 != 0;
        let rsv = (b0 >> 4) & 0x7;
        if rsv != 0 {
            return Err(FrameError::ReservedBits { rsv });
        }
        let opcode =
            OpCode::from_u8(b0 & 0x0F).ok_or(FrameError::ReservedOpcode { opcode: b0 & 0x0F })?;
        let masked = b1 & 0x80 != 0;
        let len7 = b1 & 0x7F;
        if opcode.is_control() {
            if !fin {
                return Err(FrameError::FragmentedControlFrame);
            }
            if len7 > 125 {
                return Err(FrameError::ControlFrameTooLong {
                    len: u64::from(len7),
                });
            }
        }
        let (payload_len, mut used) = match len7 {
            126 => match buf.get(2..4) {
                Some(&[a, b]) => (u64::from(u16::from_be_bytes([a, b])), 4),
                _ => return Ok(None),
            },
            127 => match buf.get(2..10) {
                Some(bytes) => {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(bytes);
                    let len = u64::from_be_bytes(word);
                    if len >> 63 != 0 {
                        return Err(FrameError::LengthTopBit);
                    }
                    (len, 10)
                }
                None => return Ok(None),
            },
            n => (u64::from(n), 2),
        };
        let mask = if masked {
            match buf.get(used..used + 4) {
                Some(&[a, b, c, d]) => {
                    used += 4;
                    Some([a, b, c, d])
                }
                _ => return Ok(None),
            }
        } else {
            None
        };
        let header = Self {
            fin,
            rsv,
            opcode,
            mask,
            payload_len,
        };
        Ok(Some((header, used)))
    }

    /// How many bytes [`encode`](Self::encode) writes: the shortest length form (§5.2).
    pub fn encoded_len(&self) -> usize {
        let len_bytes = match self.payload_len {
            0..=125 => 0,
            126..=0xFFFF => 2,
            _ => 8,
        };
        2 + len_bytes + if self.mask.is_some() { 4 } else { 0 }
    }

    /// Writes the header into `out[..n]` and returns `n`; uses the shortest length form.
    pub fn write_to(&self, out: &mut [u8; Self::MAX_LEN]) -> usize {
        out[0] = (u8::from(self.fin) << 7) | ((self.rsv & 0x7) << 4) | self.opcode.as_u8();
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut used = match self.payload_len {
            len @ 0..=125 => {
                out[1] = mask_bit | len as u8;
                2
            }
            len @ 126..=0xFFFF => {
                out[1] = mask_bit | 126;
                out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
                4
            }
            len => {
                out[1] = mask_bit | 127;
                out[2..10].copy_from_slice(&len.to_be_bytes());
                10
            }
        };
        if let Some(key) = self.mask {
            out[used..used + 4].copy_from_slice(&key);
            used += 4;
        }
        used
    }

    /// Appends the header to `out` (the payload is the caller's to append after it).
    #[inline]
    pub fn encode(&self, out: &mut BytesMut) {
        let mut bytes = [0u8; Self::MAX_LEN];
        let n = self.write_to(&mut bytes);
        out.extend_from_slice(&bytes[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(opcode: OpCode, mask: Option<[u8; 4]>, payload_len: u64) -> FrameHeader {
        FrameHeader {
            fin: true,
            rsv: 0,
            opcode,
            mask,
            payload_len,
        }
    }

    #[test]
    fn rfc6455_5_7_single_frame_unmasked_text() {
        let wire = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
        let (h, n) = FrameHeader::decode(&wire).unwrap().unwrap();
        assert_eq!((h, n), (header(OpCode::Text, None, 5), 2));
        assert_eq!(&wire[n..], b"Hello");
    }

    #[test]
    fn rfc6455_5_7_single_frame_masked_text() {
        let mut wire = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let (h, n) = FrameHeader::decode(&wire).unwrap().unwrap();
        assert_eq!(n, 6);
        assert_eq!(h, header(OpCode::Text, Some([0x37, 0xfa, 0x21, 0x3d]), 5));
        crate::frame::apply_mask(&mut wire[n..], [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(&wire[n..], b"Hello");
    }

    #[test]
    fn rfc6455_5_7_fragmented_unmasked_text() {
        let first = [0x01, 0x03, 0x48, 0x65, 0x6c];
        let last = [0x80, 0x02, 0x6c, 0x6f];
        let (h1, _) = FrameHeader::decode(&first).unwrap().unwrap();
        let (h2, _) = FrameHeader::decode(&last).unwrap().unwrap();
        assert!(!h1.fin && h1.opcode == OpCode::Text);
        assert!(h2.fin && h2.opcode == OpCode::Continuation);
    }

    #[test]
    fn rfc6455_5_7_ping_and_pong() {
        let ping = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
        let pong = [
            0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        assert_eq!(
            FrameHeader::decode(&ping).unwrap().unwrap().0,
            header(OpCode::Ping, None, 5)
        );
        assert_eq!(
            FrameHeader::decode(&pong).unwrap().unwrap().0,
            header(OpCode::Pong, Some([0x37, 0xfa, 0x21, 0x3d]), 5)
        );
    }

    #[test]
    fn rfc6455_5_7_binary_256_and_65536_bytes() {
        let h256 = [0x82, 0x7E, 0x01, 0x00];
        let h64k = [0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00];
        assert_eq!(
            FrameHeader::decode(&h256).unwrap().unwrap(),
            (header(OpCode::Binary, None, 256), 4)
        );
        assert_eq!(
            FrameHeader::decode(&h64k).unwrap().unwrap(),
            (header(OpCode::Binary, None, 65536), 10)
        );
        let mut out = BytesMut::new();
        header(OpCode::Binary, None, 256).encode(&mut out);
        header(OpCode::Binary, None, 65536).encode(&mut out);
        assert_eq!(&out[..4], &h256);
        assert_eq!(&out[4..], &h64k);
    }

    #[test]
    fn incomplete_headers_need_more() {
        let full = [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4];
        for cut in 0..full.len() {
            assert_eq!(FrameHeader::decode(&full[..cut]), Ok(None), "cut at {cut}");
        }
        assert!(FrameHeader::decode(&full).unwrap().is_some());
    }

    #[test]
    fn rejects_what_section_5_2_forbids() {
        assert_eq!(
            FrameHeader::decode(&[0xC1, 0x00]),
            Err(FrameError::ReservedBits { rsv: 4 })
        );
        assert_eq!(
            FrameHeader::decode(&[0x83, 0x00]),
            Err(FrameError::ReservedOpcode { opcode: 3 })
        );
        assert_eq!(
            FrameHeader::decode(&[0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            Err(FrameError::LengthTopBit)
        );
        assert_eq!(
            FrameHeader::decode(&[0x09, 0x00]),
            Err(FrameError::FragmentedControlFrame)
        );
        assert_eq!(
            FrameHeader::decode(&[0x89, 0x7E]),
            Err(FrameError::ControlFrameTooLong { len: 126 })
        );
    }
}
