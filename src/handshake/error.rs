//! The handshake layer's one error type: peer faults found while parsing or validating the
//! Upgrade exchange (RFC 6455 §4.1, §4.2.1), and caller misuse of the builders.

use std::fmt;

/// Which part of an HTTP/1.1 message head held an unexpected byte (RFC 9112 §2–§5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeadPart {
    /// The request line: `method SP request-target SP HTTP-version` (RFC 9112 §3).
    RequestLine,
    /// The status line: `HTTP-version SP status-code SP [reason-phrase]` (RFC 9112 §4).
    StatusLine,
    /// A field name, or the colon after it (RFC 9112 §5.1).
    HeaderName,
    /// A field value (RFC 9110 §5.5): no NUL, bare CR, bare LF or other control byte.
    HeaderValue,
    /// A line ending other than CRLF, or the empty line that ends the head.
    LineEnding,
}

impl fmt::Display for HeadPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RequestLine => "request line",
            Self::StatusLine => "status line",
            Self::HeaderName => "header name",
            Self::HeaderValue => "header value",
            Self::LineEnding => "line ending",
        })
    }
}

/// Why an opening handshake could not go on.
///
/// Peer faults (a bad request or response) and caller misuse (a builder given text that would
/// inject headers) share this enum; [`HandshakeError::response_status`] tells a server which
/// HTTP status to answer a bad request with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The head did not end within the configured byte limit.
    HeadTooLarge {
        /// The limit in bytes, head included up to its closing empty line.
        limit: usize,
    },
    /// The head carries more header lines than the configured limit.
    TooManyHeaders {
        /// The largest number of header lines accepted.
        limit: usize,
    },
    /// A byte that the HTTP/1.1 grammar does not allow where it stands (this is how a NUL, a bare
    /// CR or LF, obsolete line folding or a malformed start line are refused).
    UnexpectedByte {
        /// The offending byte.
        byte: u8,
        /// Its offset from the start of the buffer.
        offset: usize,
        /// The part of the head it was found in.
        part: HeadPart,
    },
    /// The request method is not `GET` (RFC 6455 §4.2.1 item 1).
    MethodNotGet {
        /// The method received.
        method: String,
    },
    /// The HTTP version is older than 1.1 (RFC 6455 §4.2.1 item 1, §4.1).
    UnsupportedHttpVersion {
        /// Major version digit.
        major: u8,
        /// Minor version digit.
        minor: u8,
    },
    /// The request target is not in origin form (`/path?query`), RFC 6455 §3.
    InvalidRequestTarget,
    /// A header field that the handshake needs is absent.
    MissingHeader {
        /// Canonical spelling of the field name.
        name: &'static str,
    },
    /// A header field that may appear once appears more than once (a smuggling vector).
    DuplicateHeader {
        /// Canonical spelling of the field name.
        name: &'static str,
    },
    /// A header field has a value the handshake cannot use (empty Host, a list with a bad token).
    InvalidHeader {
        /// Canonical spelling of the field name.
        name: &'static str,
    },
    /// `Upgrade` does not name `websocket` (RFC 6455 §4.2.1 item 3, §4.1 item 2).
    NotWebSocketUpgrade,
    /// `Connection` does not list `upgrade` (RFC 6455 §4.2.1 item 4, §4.1 item 3).
    ConnectionNotUpgrade,
    /// `Sec-WebSocket-Key` is not base64 of exactly 16 bytes (RFC 6455 §4.2.1 item 5).
    InvalidKey,
    /// `Sec-WebSocket-Version` is not 13 (RFC 6455 §4.2.1 item 6); answer 426 (§4.4).
    UnsupportedVersion {
        /// The version text received.
        version: String,
    },
    /// The request announces a body (`Transfer-Encoding`, or a non-zero `Content-Length`): the
    /// bytes after the head would be read as frames by us and as a body by an intermediary.
    BodyNotAllowed,
    /// The server answered with a status other than 101: a refusal (RFC 6455 §4.1 item 1).
    Rejected {
        /// The HTTP status code.
        status: u16,
        /// The reason phrase.
        reason: String,
        /// Every header field of the answer, in order.
        headers: Vec<(String, String)>,
    },
    /// `Sec-WebSocket-Accept` is not the value derived from our key (RFC 6455 §4.1 item 4).
    AcceptMismatch {
        /// The value received.
        received: String,
    },
    /// The server selected a subprotocol the client did not offer (RFC 6455 §4.1 item 6).
    UnrequestedProtocol {
        /// The protocol the server named.
        protocol: String,
    },
    /// The server enabled an extension the client did not offer (RFC 6455 §4.1 item 5).
    UnrequestedExtension {
        /// The extension header value received.
        extension: String,
    },
    /// Caller misuse: a configuration value would break or inject into the head.
    InvalidConfig {
        /// The configuration field at fault.
        field: &'static str,
    },
    /// Caller misuse: an extra header has a bad name or value, or one the builder writes itself.
    InvalidExtraHeader {
        /// The header name given.
        name: String,
    },
    /// Caller misuse: the server selected a subprotocol the client did not offer (RFC 6455
    /// §4.2.2 item 5.4 allows only offered ones).
    ProtocolNotOffered {
        /// The protocol given.
        protocol: String,
    },
    /// Caller misuse: a rejection must carry a 4xx or 5xx status.
    InvalidRejectionStatus {
        /// The status given.
        status: u16,
    },
}

impl HandshakeError {
    /// The HTTP status a server should answer a request that failed with this error, or `None`
    /// for errors that are not about a received request.
    ///
    /// 426 with `Sec-WebSocket-Version: 13` for a version other than 13 (RFC 6455 §4.4), 431 for
    /// an oversize head (RFC 6585 §5), 400 for the rest (RFC 6455 §4.2.1).
    pub fn response_status(&self) -> Option<u16> {
        match self {
            Self::UnsupportedVersion { .. } => Some(426),
            Self::HeadTooLarge { .. } | Self::TooManyHeaders { .. } => Some(431),
            Self::UnexpectedByte { .. }
            | Self::MethodNotGet { .. }
            | Self::UnsupportedHttpVersion { .. }
            | Self::InvalidRequestTarget
            | Self::MissingHeader { .. }
            | Self::DuplicateHeader { .. }
            | Self::InvalidHeader { .. }
            | Self::NotWebSocketUpgrade
            | Self::ConnectionNotUpgrade
            | Self::InvalidKey
            | Self::BodyNotAllowed => Some(400),
            Self::Rejected { .. }
            | Self::AcceptMismatch { .. }
            | Self::UnrequestedProtocol { .. }
            | Self::UnrequestedExtension { .. }
            | Self::InvalidConfig { .. }
            | Self::InvalidExtraHeader { .. }
            | Self::ProtocolNotOffered { .. }
            | Self::InvalidRejectionStatus { .. } => None,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HeadTooLarge { limit } => write!(f, "http head longer than {limit} bytes"),
            Self::TooManyHeaders { limit } => write!(f, "more than {limit} header lines"),
            Self::UnexpectedByte { byte, offset, part } => {
                write!(
                    f,
                    "unexpected byte 0x{byte:02x} in {part} at offset {offset}"
                )
            }
            Self::MethodNotGet { method } => write!(f, "method {method:?} is not GET"),
            Self::UnsupportedHttpVersion { major, minor } => {
                write!(f, "http version {major}.{minor} is older than 1.1")
            }
            Self::InvalidRequestTarget => f.write_str("request target is not an absolute path"),
            Self::MissingHeader { name } => write!(f, "missing header {name}"),
            Self::DuplicateHeader { name } => write!(f, "header {name} appears more than once"),
            Self::InvalidHeader { name } => write!(f, "invalid value for header {name}"),
            Self::NotWebSocketUpgrade => f.write_str("upgrade header does not name websocket"),
            Self::ConnectionNotUpgrade => f.write_str("connection header does not list upgrade"),
            Self::InvalidKey => f.write_str("sec-websocket-key is not base64 of 16 bytes"),
            Self::UnsupportedVersion { version } => {
                write!(f, "sec-websocket-version {version:?} is not 13")
            }
            Self::BodyNotAllowed => f.write_str("upgrade request announces a body"),
            Self::Rejected { status, reason, .. } => {
                write!(f, "server refused the upgrade: {status} {reason}")
            }
            Self::AcceptMismatch { received } => {
                write!(
                    f,
                    "sec-websocket-accept {received:?} does not match the key"
                )
            }
            Self::UnrequestedProtocol { protocol } => {
                write!(
                    f,
                    "server selected subprotocol {protocol:?} that was not offered"
                )
            }
            Self::UnrequestedExtension { extension } => {
                write!(
                    f,
                    "server enabled extension {extension:?} that was not offered"
                )
            }
            Self::InvalidConfig { field } => write!(f, "invalid handshake config field {field}"),
            Self::InvalidExtraHeader { name } => write!(f, "invalid extra header {name:?}"),
            Self::ProtocolNotOffered { protocol } => {
                write!(f, "subprotocol {protocol:?} was not offered by the client")
            }
            Self::InvalidRejectionStatus { status } => {
                write!(f, "status {status} is not a 4xx or 5xx rejection")
            }
        }
    }
}

impl std::error::Error for HandshakeError {}
