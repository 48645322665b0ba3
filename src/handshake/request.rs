//! The server side's reading of the opening request: parse, then validate per RFC 6455 §4.2.1,
//! keeping borrowed views of what the broker needs (path, Host, Origin, pinpad id, key,
//! offered subprotocols, all header fields).

use bytes::BytesMut;

use super::accept_key::is_valid_key;
use super::error::HandshakeError;
use super::head::{HeadLimits, RequestHead, parse_request_head};
use super::headers::{
    HttpHeader, is_ows, is_token, list_items, name, require_token, required, unique, values,
    write_header,
};

/// Limits for reading an opening request (every growing input has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHandshakeConfig {
    /// Largest request head in bytes, closing empty line included. Default 8192 (what common
    /// servers allow per head line; a terminal's request is about 330 bytes).
    pub max_request_bytes: usize,
    /// Largest number of header lines. Default 32 (the seed's request has 10).
    pub max_headers: usize,
    /// Accept whitespace between a header name and its colon, as in the seed's
    /// `x-vfi-pinpad-id : 1` that real SCA terminals send. Default `true`. Bodies and duplicate
    /// singleton fields are refused either way, so this leniency cannot smuggle a request.
    pub allow_space_before_colon: bool,
}

impl Default for ServerHandshakeConfig {
    fn default() -> Self {
        Self {
            max_request_bytes: 8192,
            max_headers: 32,
            allow_space_before_colon: true,
        }
    }
}

/// A valid opening request (RFC 6455 §4.2.1), borrowing the caller's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeRequest<'b> {
    path: &'b str,
    http_version: (u8, u8),
    headers: Vec<HttpHeader<'b>>,
    host: &'b str,
    key: &'b str,
    origin: Option<&'b str>,
    pinpad_id: Option<&'b str>,
}

/// Parses and validates an opening request at the start of `buf`.
///
/// `Ok(None)`: the head is not complete yet (call again with more bytes); nothing is consumed.
/// `Ok(Some((request, used)))`: the head is the first `used` bytes; what follows are the
/// client's first frames. `Err`: the request is malformed, over a limit, or not a valid
/// WebSocket upgrade; [`HandshakeError::response_status`] gives the status to answer with.
pub fn decode_request<'b>(
    buf: &'b [u8],
    config: &ServerHandshakeConfig,
) -> Result<Option<(UpgradeRequest<'b>, usize)>, HandshakeError> {
    let limits = HeadLimits {
        max_bytes: config.max_request_bytes,
        max_headers: config.max_headers,
        allow_space_before_colon: config.allow_space_before_colon,
    };
    let Some(head) = parse_request_head(buf, &limits)? else {
        return Ok(None);
    };
    let len = head.len;
    Ok(Some((validate(head)?, len)))
}

/// The checks of RFC 6455 §4.2.1, in its order, plus refusing a body.
fn validate(head: RequestHead<'_>) -> Result<UpgradeRequest<'_>, HandshakeError> {
    if head.method != "GET" {
        return Err(HandshakeError::MethodNotGet {
            method: head.method.to_owned(),
        });
    }
    if !head.version.at_least_1_1() {
        return Err(HandshakeError::UnsupportedHttpVersion {
            major: head.version.major,
            minor: head.version.minor,
        });
    }
    if !head.target.starts_with('/') {
        return Err(HandshakeError::InvalidRequestTarget);
    }
    let headers = head.headers;
    refuse_body(&headers)?;

    let host = required(&headers, name::HOST)?;
    if host.is_empty() || host.bytes().any(is_ows) {
        return Err(HandshakeError::InvalidHeader { name: name::HOST });
    }
    require_token(
        &headers,
        name::UPGRADE,
        "websocket",
        HandshakeError::NotWebSocketUpgrade,
    )?;
    require_token(
        &headers,
        name::CONNECTION,
        "upgrade",
        HandshakeError::ConnectionNotUpgrade,
    )?;
    let key = required(&headers, name::KEY)?;
    if !is_valid_key(key) {
        return Err(HandshakeError::InvalidKey);
    }
    let version = required(&headers, name::VERSION)?;
    if version != "13" {
        return Err(HandshakeError::UnsupportedVersion {
            version: version.to_owned(),
        });
    }
    let origin = unique(&headers, name::ORIGIN)?;
    let pinpad_id = unique(&headers, name::PINPAD_ID)?;
    if !values(&headers, name::PROTOCOL)
        .flat_map(list_items)
        .all(is_token)
    {
        return Err(HandshakeError::InvalidHeader {
            name: name::PROTOCOL,
        });
    }
    Ok(UpgradeRequest {
        path: head.target,
        http_version: (head.version.major, head.version.minor),
        headers,
        host,
        key,
        origin,
        pinpad_id,
    })
}

/// A GET upgrade has no body: anything after the head is frames. A request that announces a
/// body would be framed differently by an intermediary that reads it, so it is refused.
fn refuse_body(headers: &[HttpHeader<'_>]) -> Result<(), HandshakeError> {
    if values(headers, name::TRANSFER_ENCODING).next().is_some() {
        return Err(HandshakeError::BodyNotAllowed);
    }
    match unique(headers, name::CONTENT_LENGTH)? {
        Some(length) if length != "0" => Err(HandshakeError::BodyNotAllowed),
        _ => Ok(()),
    }
}

impl<'b> UpgradeRequest<'b> {
    /// The request target, e.g. `/` (origin form: path and optional query).
    pub fn path(&self) -> &'b str {
        self.path
    }

    /// `(major, minor)` of the request's HTTP version (1.1 or later).
    pub fn http_version(&self) -> (u8, u8) {
        self.http_version
    }

    /// The `Host` value (RFC 6455 §4.2.1 item 2).
    pub fn host(&self) -> &'b str {
        self.host
    }

    /// The `Origin` value, if sent (RFC 6455 §4.2.1 item 7; the seed's terminal sends one).
    pub fn origin(&self) -> Option<&'b str> {
        self.origin
    }

    /// The terminal's `x-vfi-pinpad-id`, if sent (seed; `1` in the seed's request).
    pub fn pinpad_id(&self) -> Option<&'b str> {
        self.pinpad_id
    }

    /// The `Sec-WebSocket-Key` text, already checked to decode to 16 bytes.
    pub fn key(&self) -> &'b str {
        self.key
    }

    /// The subprotocols offered in `Sec-WebSocket-Protocol`, in the client's order of preference
    /// (RFC 6455 §4.2.1 item 8). SCA terminals offer `sci`.
    pub fn protocols(&self) -> impl Iterator<Item = &'b str> + '_ {
        values(&self.headers, name::PROTOCOL).flat_map(list_items)
    }

    /// Whether the client offered `protocol` (compared exactly: subprotocol names are tokens
    /// compared as sent, RFC 6455 §11.3.4).
    pub fn offers_protocol(&self, protocol: &str) -> bool {
        self.protocols().any(|p| p == protocol)
    }

    /// Every header field in order, names as sent.
    pub fn headers(&self) -> &[HttpHeader<'b>] {
        &self.headers
    }

    /// The first value of header `field` (case-insensitive).
    pub fn header(&self, field: &str) -> Option<&'b str> {
        values(&self.headers, field).next()
    }

    /// Writes this request back in canonical form (`name: value`, CRLF): what a conformant
    /// terminal would have sent. Parsing the output gives an equal request.
    pub fn encode(&self, out: &mut BytesMut) {
        let (major, minor) = self.http_version;
        out.extend_from_slice(b"GET ");
        out.extend_from_slice(self.path.as_bytes());
        out.extend_from_slice(format!(" HTTP/{major}.{minor}\r\n").as_bytes());
        for h in &self.headers {
            write_header(out, h.name, h.value);
        }
        out.extend_from_slice(b"\r\n");
    }

    /// An owned copy, for state machines that keep the request after the buffer is gone.
    pub fn into_owned(self) -> OwnedUpgradeRequest {
        OwnedUpgradeRequest {
            path: self.path.to_owned(),
            http_version: self.http_version,
            headers: self
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), h.value.to_owned()))
                .collect(),
            host: self.host.to_owned(),
            key: self.key.to_owned(),
            origin: self.origin.map(str::to_owned),
            pinpad_id: self.pinpad_id.map(str::to_owned),
        }
    }
}

/// An [`UpgradeRequest`] that owns its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedUpgradeRequest {
    path: String,
    http_version: (u8, u8),
    headers: Vec<(String, String)>,
    host: String,
    key: String,
    origin: Option<String>,
    pinpad_id: Option<String>,
}

impl OwnedUpgradeRequest {
    /// The borrowed view, with every accessor of [`UpgradeRequest`] (and usable with
    /// [`encode_accept`](super::encode_accept)).
    pub fn as_request(&self) -> UpgradeRequest<'_> {
        UpgradeRequest {
            path: &self.path,
            http_version: self.http_version,
            headers: self
                .headers
                .iter()
                .map(|(name, value)| HttpHeader { name, value })
                .collect(),
            host: &self.host,
            key: &self.key,
            origin: self.origin.as_deref(),
            pinpad_id: self.pinpad_id.as_deref(),
        }
    }

    /// The request target.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The `Host` value.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The terminal's `x-vfi-pinpad-id`, if sent.
    pub fn pinpad_id(&self) -> Option<&str> {
        self.pinpad_id.as_deref()
    }

    /// The `Origin` value, if sent.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's request, byte for byte (PROTOCOL.md §2).
    const SEED_REQUEST: &[u8] = b"GET / HTTP/1.1\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
Host: 192.168.29.207\r\n\
Origin: http://192.168.29.207\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: CujtCKpQPzowD1oV4qp+hQ==\r\n\
Sec-WebSocket-Protocol: sci\r\n\
Sec-WebSocket-Version: 13\r\n\
x-vfi-pinpad-id : 1\r\n\r\n";

    #[test]
    fn seed_request_parses_with_pinpad_id_1() {
        let mut buf = SEED_REQUEST.to_vec();
        buf.extend_from_slice(&[0x81, 0x80]);
        let (req, used) = decode_request(&buf, &ServerHandshakeConfig::default())
            .unwrap()
            .unwrap();
        assert_eq!(used, SEED_REQUEST.len());
        assert_eq!(req.path(), "/");
        assert_eq!(req.host(), "192.168.29.207");
        assert_eq!(req.origin(), Some("http://192.168.29.207"));
        assert_eq!(req.pinpad_id(), Some("1"));
        assert_eq!(req.key(), "CujtCKpQPzowD1oV4qp+hQ==");
        assert_eq!(req.protocols().collect::<Vec<_>>(), ["sci"]);
        assert_eq!(req.headers().len(), 10);
        assert_eq!(req.header("pragma"), Some("no-cache"));
    }

    #[test]
    fn strict_config_refuses_the_seed_pinpad_line() {
        let strict = ServerHandshakeConfig {
            allow_space_before_colon: false,
            ..ServerHandshakeConfig::default()
        };
        assert!(matches!(
            decode_request(SEED_REQUEST, &strict),
            Err(HandshakeError::UnexpectedByte { byte: b' ', .. })
        ));
    }

    #[test]
    fn canonical_encoding_reparses_equal_and_owned_view_matches() {
        let config = ServerHandshakeConfig::default();
        let (req, _) = decode_request(SEED_REQUEST, &config).unwrap().unwrap();
        let mut out = BytesMut::new();
        req.encode(&mut out);
        assert!(out.windows(19).any(|w| w == b"x-vfi-pinpad-id: 1\r"));
        let (again, used) = decode_request(&out, &config).unwrap().unwrap();
        assert_eq!(used, out.len());
        assert_eq!(again, req);
        let owned = req.clone().into_owned();
        assert_eq!(owned.as_request(), req);
        assert_eq!(owned.pinpad_id(), Some("1"));
    }
}
