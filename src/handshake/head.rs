//! A strict, incremental, zero-copy tokenizer for HTTP/1.1 message heads (RFC 9112 §2–§5),
//! shared by the request (server) and response (client) parsers.
//!
//! Why not httparse: its request parser refuses (or, leniently, drops) a header line with
//! whitespace before the colon, and the SCA terminals send `x-vfi-pinpad-id : 1`. Normalising
//! the bytes first would copy them, and the header views are meant to borrow the caller's
//! buffer. So the head is read here, left to right, with one deliberate leniency:
//!
//! - **whitespace between a field name and its colon** is skipped when
//!   [`HeadLimits::allow_space_before_colon`] is set (RFC 9112 §5.1 tells servers to refuse it
//!   because intermediaries may disagree on such a name; we never forward, and the request
//!   validation refuses bodies and duplicate singleton fields, so a disagreement cannot smuggle
//!   anything through us).
//!
//! Everything else is strict: lines end in CRLF only (a bare CR or LF anywhere is refused),
//! no control byte (NUL, DEL...) in any name or value, no obsolete line folding, no whitespace
//! before the first header, field names are tokens, values valid UTF-8.
//!
//! The reader goes byte by byte and reports the first offending byte, so feeding any prefix of
//! the input gives either "need more" or the same error the whole input gives.

use super::error::{HandshakeError, HeadPart};
use super::headers::{HttpHeader, is_ows, is_tchar, is_value_byte};

/// Bounds on a head.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeadLimits {
    /// Largest head, in bytes, up to and including its closing empty line.
    pub(crate) max_bytes: usize,
    /// Largest number of header lines.
    pub(crate) max_headers: usize,
    /// Skip SP/HTAB between a field name and the colon (see the module docs).
    pub(crate) allow_space_before_colon: bool,
}

/// `HTTP/<major>.<minor>` (RFC 9112 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HttpVersion {
    pub(crate) major: u8,
    pub(crate) minor: u8,
}

impl HttpVersion {
    /// Whether this is HTTP/1.1 or a later version.
    pub(crate) fn at_least_1_1(self) -> bool {
        (self.major, self.minor) >= (1, 1)
    }
}

/// A request head (RFC 9112 §3).
#[derive(Debug)]
pub(crate) struct RequestHead<'b> {
    pub(crate) method: &'b str,
    pub(crate) target: &'b str,
    pub(crate) version: HttpVersion,
    pub(crate) headers: Vec<HttpHeader<'b>>,
    /// Bytes of the head, closing empty line included.
    pub(crate) len: usize,
}

/// A response head (RFC 9112 §4).
#[derive(Debug)]
pub(crate) struct ResponseHead<'b> {
    pub(crate) version: HttpVersion,
    pub(crate) status: u16,
    pub(crate) reason: &'b str,
    pub(crate) headers: Vec<HttpHeader<'b>>,
    /// Bytes of the head, closing empty line included.
    pub(crate) len: usize,
}

/// Reads a request head. `Ok(None)`: the head is not complete yet.
pub(crate) fn parse_request_head<'b>(
    buf: &'b [u8],
    limits: &HeadLimits,
) -> Result<Option<RequestHead<'b>>, HandshakeError> {
    run(buf, limits, |r| {
        let method = r.token_until_space(HeadPart::RequestLine)?;
        let target = r.target()?;
        let version = r.version(HeadPart::RequestLine)?;
        r.crlf(HeadPart::RequestLine)?;
        let headers = r.headers(limits)?;
        Ok(RequestHead {
            method,
            target,
            version,
            headers,
            len: r.pos,
        })
    })
}

/// Reads a response head. `Ok(None)`: the head is not complete yet.
pub(crate) fn parse_response_head<'b>(
    buf: &'b [u8],
    limits: &HeadLimits,
) -> Result<Option<ResponseHead<'b>>, HandshakeError> {
    run(buf, limits, |r| {
        let version = r.version(HeadPart::StatusLine)?;
        r.expect(b' ', HeadPart::StatusLine)?;
        let status = r.status_code()?;
        let reason = r.reason()?;
        let headers = r.headers(limits)?;
        Ok(ResponseHead {
            version,
            status,
            reason,
            headers,
            len: r.pos,
        })
    })
}

/// Why reading stopped early.
enum Stop {
    /// The input ended before the head did.
    Incomplete,
    /// The head is malformed or over a limit.
    Fail(HandshakeError),
}

impl From<HandshakeError> for Stop {
    fn from(e: HandshakeError) -> Self {
        Stop::Fail(e)
    }
}

/// Runs a reader over at most `max_bytes` of the buffer and maps running out of input to
/// "need more" or, once the limit is reached, to [`HandshakeError::HeadTooLarge`].
fn run<'b, T>(
    buf: &'b [u8],
    limits: &HeadLimits,
    read: impl FnOnce(&mut Reader<'b>) -> Result<T, Stop>,
) -> Result<Option<T>, HandshakeError> {
    let window = buf.get(..limits.max_bytes).unwrap_or(buf);
    let mut reader = Reader {
        buf: window,
        pos: 0,
    };
    match read(&mut reader) {
        Ok(head) => Ok(Some(head)),
        Err(Stop::Fail(e)) => Err(e),
        Err(Stop::Incomplete) if buf.len() >= limits.max_bytes => {
            Err(HandshakeError::HeadTooLarge {
                limit: limits.max_bytes,
            })
        }
        Err(Stop::Incomplete) => Ok(None),
    }
}

/// A cursor over the head bytes.
struct Reader<'b> {
    buf: &'b [u8],
    pos: usize,
}

impl<'b> Reader<'b> {
    fn next(&mut self) -> Result<u8, Stop> {
        let b = *self.buf.get(self.pos).ok_or(Stop::Incomplete)?;
        self.pos += 1;
        Ok(b)
    }

    fn peek(&self) -> Result<u8, Stop> {
        self.buf.get(self.pos).copied().ok_or(Stop::Incomplete)
    }

    /// The error for the byte just read by [`Reader::next`].
    fn unexpected(&self, byte: u8, part: HeadPart) -> Stop {
        Stop::Fail(HandshakeError::UnexpectedByte {
            byte,
            offset: self.pos.saturating_sub(1),
            part,
        })
    }

    fn slice(&self, from: usize, to: usize) -> &'b [u8] {
        self.buf.get(from..to).unwrap_or_default()
    }

    /// ASCII text between two offsets; only called on ranges already checked to be ASCII.
    fn ascii(&self, from: usize, to: usize, part: HeadPart) -> Result<&'b str, Stop> {
        std::str::from_utf8(self.slice(from, to)).map_err(|e| self.invalid_utf8(from, e, part))
    }

    fn invalid_utf8(&self, from: usize, e: std::str::Utf8Error, part: HeadPart) -> Stop {
        let offset = from + e.valid_up_to();
        Stop::Fail(HandshakeError::UnexpectedByte {
            byte: self.buf.get(offset).copied().unwrap_or_default(),
            offset,
            part,
        })
    }

    fn expect(&mut self, want: u8, part: HeadPart) -> Result<(), Stop> {
        let b = self.next()?;
        if b == want {
            Ok(())
        } else {
            Err(self.unexpected(b, part))
        }
    }

    fn crlf(&mut self, part: HeadPart) -> Result<(), Stop> {
        self.expect(b'\r', part)?;
        self.expect(b'\n', HeadPart::LineEnding)
    }

    fn digit(&mut self, part: HeadPart) -> Result<u8, Stop> {
        let b = self.next()?;
        if b.is_ascii_digit() {
            Ok(b - b'0')
        } else {
            Err(self.unexpected(b, part))
        }
    }

    /// `1*tchar SP` (the method).
    fn token_until_space(&mut self, part: HeadPart) -> Result<&'b str, Stop> {
        let start = self.pos;
        loop {
            let b = self.next()?;
            if b == b' ' && self.pos - 1 > start {
                return self.ascii(start, self.pos - 1, part);
            }
            if !is_tchar(b) {
                return Err(self.unexpected(b, part));
            }
        }
    }

    /// `1*VCHAR SP` (the request target; its form is checked by the request validation).
    fn target(&mut self) -> Result<&'b str, Stop> {
        let start = self.pos;
        loop {
            let b = self.next()?;
            if b == b' ' && self.pos - 1 > start {
                return self.ascii(start, self.pos - 1, HeadPart::RequestLine);
            }
            if !b.is_ascii_graphic() {
                return Err(self.unexpected(b, HeadPart::RequestLine));
            }
        }
    }

    /// `HTTP/DIGIT.DIGIT` (RFC 9112 §2.3; the name is case-sensitive).
    fn version(&mut self, part: HeadPart) -> Result<HttpVersion, Stop> {
        for &want in b"HTTP/" {
            self.expect(want, part)?;
        }
        let major = self.digit(part)?;
        self.expect(b'.', part)?;
        let minor = self.digit(part)?;
        Ok(HttpVersion { major, minor })
    }

    /// `3DIGIT` (RFC 9112 §4).
    fn status_code(&mut self) -> Result<u16, Stop> {
        let mut code = 0u16;
        for _ in 0..3 {
            code = code * 10 + u16::from(self.digit(HeadPart::StatusLine)?);
        }
        Ok(code)
    }

    /// `[SP reason-phrase] CRLF`; the space is optional when the phrase is empty.
    fn reason(&mut self) -> Result<&'b str, Stop> {
        let b = self.next()?;
        if b == b'\r' {
            self.expect(b'\n', HeadPart::LineEnding)?;
            return Ok("");
        }
        if b != b' ' {
            return Err(self.unexpected(b, HeadPart::StatusLine));
        }
        let start = self.pos;
        let mut b = self.next()?;
        while is_value_byte(b) {
            b = self.next()?;
        }
        if b != b'\r' {
            return Err(self.unexpected(b, HeadPart::StatusLine));
        }
        let end = self.pos - 1;
        self.expect(b'\n', HeadPart::LineEnding)?;
        std::str::from_utf8(self.slice(start, end))
            .map_err(|e| self.invalid_utf8(start, e, HeadPart::StatusLine))
    }

    /// Header lines up to and including the empty line that ends the head.
    fn headers(&mut self, limits: &HeadLimits) -> Result<Vec<HttpHeader<'b>>, Stop> {
        let mut headers = Vec::with_capacity(limits.max_headers.min(16));
        loop {
            if self.peek()? == b'\r' {
                self.pos += 1;
                self.expect(b'\n', HeadPart::LineEnding)?;
                return Ok(headers);
            }
            if headers.len() >= limits.max_headers {
                return Err(Stop::Fail(HandshakeError::TooManyHeaders {
                    limit: limits.max_headers,
                }));
            }
            headers.push(self.header_line(limits.allow_space_before_colon)?);
        }
    }

    /// `field-name [OWS if allowed] ":" OWS field-value OWS CRLF` (RFC 9112 §5).
    fn header_line(&mut self, allow_space_before_colon: bool) -> Result<HttpHeader<'b>, Stop> {
        let name_start = self.pos;
        let mut b = self.next()?;
        while is_tchar(b) {
            b = self.next()?;
        }
        let name_end = self.pos - 1;
        if name_end == name_start {
            // Covers obsolete line folding and whitespace before the first header too.
            return Err(self.unexpected(b, HeadPart::HeaderName));
        }
        if allow_space_before_colon {
            while is_ows(b) {
                b = self.next()?;
            }
        }
        if b != b':' {
            return Err(self.unexpected(b, HeadPart::HeaderName));
        }
        let name = self.ascii(name_start, name_end, HeadPart::HeaderName)?;

        let mut b = self.next()?;
        while is_ows(b) {
            b = self.next()?;
        }
        let value_start = self.pos - 1;
        let mut value_end = value_start;
        while is_value_byte(b) {
            if !is_ows(b) {
                value_end = self.pos;
            }
            b = self.next()?;
        }
        if b != b'\r' {
            return Err(self.unexpected(b, HeadPart::HeaderValue));
        }
        let lf = self.next()?;
        if lf != b'\n' {
            // A bare CR inside a value: report the CR itself.
            return Err(Stop::Fail(HandshakeError::UnexpectedByte {
                byte: b'\r',
                offset: self.pos - 2,
                part: HeadPart::HeaderValue,
            }));
        }
        let value = std::str::from_utf8(self.slice(value_start, value_end))
            .map_err(|e| self.invalid_utf8(value_start, e, HeadPart::HeaderValue))?;
        Ok(HttpHeader { name, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LENIENT: HeadLimits = HeadLimits {
        max_bytes: 1024,
        max_headers: 8,
        allow_space_before_colon: true,
    };
    const STRICT: HeadLimits = HeadLimits {
        allow_space_before_colon: false,
        ..LENIENT
    };

    fn unexpected(byte: u8, offset: usize, part: HeadPart) -> HandshakeError {
        HandshakeError::UnexpectedByte { byte, offset, part }
    }

    #[test]
    fn reads_a_request_head_and_reports_its_length() {
        let buf = b"GET /a?b HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Pad:  v  \r\n\r\nrest";
        let head = parse_request_head(buf, &STRICT).unwrap().unwrap();
        assert_eq!(head.method, "GET");
        assert_eq!(head.target, "/a?b");
        assert_eq!(head.version, HttpVersion { major: 1, minor: 1 });
        assert_eq!(head.len, buf.len() - 4);
        let pairs: Vec<(&str, &str)> = head.headers.iter().map(|h| (h.name, h.value)).collect();
        assert_eq!(pairs, [("Host", "x"), ("X-Empty", ""), ("X-Pad", "v")]);
    }

    #[test]
    fn space_before_colon_only_when_allowed() {
        let buf = b"GET / HTTP/1.1\r\nx-vfi-pinpad-id : 1\r\n\r\n";
        let head = parse_request_head(buf, &LENIENT).unwrap().unwrap();
        assert_eq!(head.headers[0].name, "x-vfi-pinpad-id");
        assert_eq!(head.headers[0].value, "1");
        assert_eq!(
            parse_request_head(buf, &STRICT).unwrap_err(),
            unexpected(b' ', 31, HeadPart::HeaderName)
        );
    }

    #[test]
    fn control_bytes_are_refused_where_they_stand() {
        let cases: &[(&[u8], HandshakeError)] = &[
            (
                b"GET / HTTP/1.1\r\nA: b\0c\r\n\r\n",
                unexpected(0, 20, HeadPart::HeaderValue),
            ),
            (
                b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
                unexpected(b'\r', 20, HeadPart::HeaderValue),
            ),
            (
                b"GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n",
                unexpected(b'\n', 20, HeadPart::HeaderValue),
            ),
            (
                b"GET / HTTP/1.1\r\nA\0: b\r\n\r\n",
                unexpected(0, 17, HeadPart::HeaderName),
            ),
            (
                b"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
                unexpected(b' ', 22, HeadPart::HeaderName),
            ),
            (
                b"GET / HTTP/1.1\nA: b\r\n\r\n",
                unexpected(b'\n', 14, HeadPart::RequestLine),
            ),
            (
                b"GET / HTTP/1.1\r\nA: b\r\n\n",
                unexpected(b'\n', 22, HeadPart::HeaderName),
            ),
            (
                b"GET  / HTTP/1.1\r\n\r\n",
                unexpected(b' ', 4, HeadPart::RequestLine),
            ),
            (
                b"GET / HTTP/1.1\r\n: b\r\n\r\n",
                unexpected(b':', 16, HeadPart::HeaderName),
            ),
            (
                b"GET / HTTP/1.1\r\nA: \xff\r\n\r\n",
                unexpected(0xff, 19, HeadPart::HeaderValue),
            ),
        ];
        for (buf, want) in cases {
            assert_eq!(
                parse_request_head(buf, &LENIENT).unwrap_err(),
                *want,
                "{:?}",
                String::from_utf8_lossy(buf)
            );
        }
    }

    #[test]
    fn limits_on_size_and_header_count() {
        let buf = b"GET / HTTP/1.1\r\nA: b\r\nC: d\r\n\r\n";
        let tight = HeadLimits {
            max_bytes: buf.len() - 1,
            ..STRICT
        };
        assert_eq!(
            parse_request_head(buf, &tight).unwrap_err(),
            HandshakeError::HeadTooLarge {
                limit: buf.len() - 1
            }
        );
        let exact = HeadLimits {
            max_bytes: buf.len(),
            ..STRICT
        };
        assert!(parse_request_head(buf, &exact).unwrap().is_some());
        let one = HeadLimits {
            max_headers: 1,
            ..STRICT
        };
        assert_eq!(
            parse_request_head(buf, &one).unwrap_err(),
            HandshakeError::TooManyHeaders { limit: 1 }
        );
    }

    #[test]
    fn every_prefix_needs_more() {
        let buf = b"GET / HTTP/1.1\r\nA: b\r\n\r\n";
        for end in 0..buf.len() {
            assert!(
                parse_request_head(&buf[..end], &STRICT).unwrap().is_none(),
                "prefix of {end} bytes"
            );
        }
    }

    #[test]
    fn reads_a_status_line_with_or_without_reason() {
        let head = parse_response_head(b"HTTP/1.1 101 Switching Protocols\r\n\r\n", &STRICT)
            .unwrap()
            .unwrap();
        assert_eq!((head.status, head.reason), (101, "Switching Protocols"));
        let head = parse_response_head(b"HTTP/1.1 400\r\nA: b\r\n\r\n", &STRICT)
            .unwrap()
            .unwrap();
        assert_eq!((head.status, head.reason, head.headers.len()), (400, "", 1));
        assert_eq!(
            parse_response_head(b"HTTP/1.1 1x1 OK\r\n\r\n", &STRICT).unwrap_err(),
            unexpected(b'x', 10, HeadPart::StatusLine)
        );
    }
}
