//! The client (terminal) side: build the opening request from a configuration and 16
//! caller-supplied random bytes (RFC 6455 §4.1), in the seed's header order and spelling.

use bytes::BytesMut;

use super::accept_key::{ACCEPT_LEN, accept_key_bytes, key_from_nonce};
use super::client_response::{HandshakeResponse, check_response};
use super::error::HandshakeError;
use super::head::{HeadLimits, parse_response_head};
use super::headers::{check_extra_headers, is_safe_value, is_token, name, write_header};
use super::server_reply::SCA_PROTOCOL;

/// What the terminal puts in its opening request, and limits for reading the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHandshakeConfig {
    /// `Host` value: the broker's host, with `:port` when not the scheme's default.
    /// Default `dev-poscloud.vficloud.net` (SCA's WEBSOCKETADDRESS default, PROTOCOL.md §5).
    pub host: String,
    /// Request target. Default `/` (the seed's).
    pub path: String,
    /// `Origin` value; `None` sends no Origin. Default `None`;
    /// [`ClientHandshakeConfig::for_host`] sets `http://<host>` as the seed's terminal does.
    pub origin: Option<String>,
    /// `x-vfi-pinpad-id` value; `None` omits the header. Default `None`.
    pub pinpad_id: Option<String>,
    /// Subprotocols offered, in order of preference. Default `["sci"]` (the seed's).
    pub protocols: Vec<String>,
    /// Further header fields, written after the standard ones. Default none.
    pub extra_headers: Vec<(String, String)>,
    /// Write the pinpad header exactly as the seed's terminal does, `x-vfi-pinpad-id : 1`
    /// (space before the colon, which RFC 9112 §5.1 forbids). Default `false`: conformant
    /// `x-vfi-pinpad-id: 1`.
    pub seed_pinpad_spacing: bool,
    /// Largest response head accepted, in bytes. Default 8192.
    pub max_response_bytes: usize,
    /// Largest number of header lines accepted in the response. Default 32.
    pub max_response_headers: usize,
}

impl Default for ClientHandshakeConfig {
    fn default() -> Self {
        Self {
            host: "dev-poscloud.vficloud.net".to_owned(),
            path: "/".to_owned(),
            origin: None,
            pinpad_id: None,
            protocols: vec![SCA_PROTOCOL.to_owned()],
            extra_headers: Vec::new(),
            seed_pinpad_spacing: false,
            max_response_bytes: 8192,
            max_response_headers: 32,
        }
    }
}

impl ClientHandshakeConfig {
    /// Defaults for `host`, with `Origin: http://<host>` as the seed's terminal sends.
    pub fn for_host(host: impl Into<String>) -> Self {
        let host = host.into();
        Self {
            origin: Some(format!("http://{host}")),
            host,
            ..Self::default()
        }
    }
}

/// Headers the builder writes itself, so `extra_headers` may not repeat them.
const REQUEST_RESERVED: &[&str] = &[
    name::HOST,
    name::ORIGIN,
    name::UPGRADE,
    name::CONNECTION,
    name::KEY,
    name::VERSION,
    name::PROTOCOL,
    name::EXTENSIONS,
    name::PINPAD_ID,
    name::PRAGMA,
    name::CACHE_CONTROL,
    name::CONTENT_LENGTH,
    name::TRANSFER_ENCODING,
];

/// One opening handshake from the client side: the request to send and the check of the
/// answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHandshake {
    config: ClientHandshakeConfig,
    key: String,
    expected_accept: [u8; ACCEPT_LEN],
}

impl ClientHandshake {
    /// Prepares a handshake; `key_nonce` must be 16 fresh random bytes from the caller
    /// (RFC 6455 §4.1 item 7: the library draws no randomness).
    ///
    /// `Err(InvalidConfig | InvalidExtraHeader)` if a configured value would break the request
    /// or inject header lines (CR, LF, NUL, a host with spaces, a path not starting with `/`,
    /// a protocol that is not a token, an extra header the builder writes itself).
    pub fn new(config: ClientHandshakeConfig, key_nonce: [u8; 16]) -> Result<Self, HandshakeError> {
        check_config(&config)?;
        let key = key_from_nonce(&key_nonce);
        let expected_accept = accept_key_bytes(key.as_bytes());
        Ok(Self {
            config,
            key,
            expected_accept,
        })
    }

    /// The configuration this handshake was built from.
    pub fn config(&self) -> &ClientHandshakeConfig {
        &self.config
    }

    /// The `Sec-WebSocket-Key` sent.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Writes the opening request, headers in the seed's order: Pragma, Cache-Control, Host,
    /// Origin, Upgrade, Connection, Sec-WebSocket-Key, Sec-WebSocket-Protocol,
    /// Sec-WebSocket-Version, x-vfi-pinpad-id, then the extra headers.
    pub fn encode_request(&self, out: &mut BytesMut) {
        let c = &self.config;
        out.reserve(320);
        out.extend_from_slice(b"GET ");
        out.extend_from_slice(c.path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        write_header(out, name::PRAGMA, "no-cache");
        write_header(out, name::CACHE_CONTROL, "no-cache");
        write_header(out, name::HOST, &c.host);
        if let Some(origin) = &c.origin {
            write_header(out, name::ORIGIN, origin);
        }
        write_header(out, name::UPGRADE, "websocket");
        write_header(out, name::CONNECTION, "Upgrade");
        write_header(out, name::KEY, &self.key);
        if !c.protocols.is_empty() {
            write_header(out, name::PROTOCOL, &c.protocols.join(", "));
        }
        write_header(out, name::VERSION, "13");
        if let Some(id) = &c.pinpad_id {
            if c.seed_pinpad_spacing {
                out.extend_from_slice(b"x-vfi-pinpad-id : ");
                out.extend_from_slice(id.as_bytes());
                out.extend_from_slice(b"\r\n");
            } else {
                write_header(out, name::PINPAD_ID, id);
            }
        }
        for (field, value) in &c.extra_headers {
            write_header(out, field, value);
        }
        out.extend_from_slice(b"\r\n");
    }

    /// Reads and checks the server's answer at the start of `buf` (RFC 6455 §4.1, client
    /// requirements 1–6).
    ///
    /// `Ok(None)`: the head is not complete yet. `Ok(Some((response, used)))`: the upgrade is
    /// accepted; the bytes after `used` are the server's first frames. A status other than 101
    /// is `Err(HandshakeError::Rejected { status, reason, headers })`; a 101 that fails a check
    /// is the matching error. No subprotocol in the answer is accepted (the seed's broker sends
    /// none); one that was not offered is refused.
    pub fn decode_response(
        &self,
        buf: &[u8],
    ) -> Result<Option<(HandshakeResponse, usize)>, HandshakeError> {
        let limits = HeadLimits {
            max_bytes: self.config.max_response_bytes,
            max_headers: self.config.max_response_headers,
            allow_space_before_colon: false,
        };
        let Some(head) = parse_response_head(buf, &limits)? else {
            return Ok(None);
        };
        let len = head.len;
        let response = check_response(head, &self.expected_accept, &self.config.protocols)?;
        Ok(Some((response, len)))
    }
}

/// Refuses configured text that cannot be written as-is into the head.
fn check_config(c: &ClientHandshakeConfig) -> Result<(), HandshakeError> {
    let invalid = |field| Err(HandshakeError::InvalidConfig { field });
    if c.host.is_empty() || !c.host.bytes().all(|b| b.is_ascii_graphic()) {
        return invalid("host");
    }
    if !c.path.starts_with('/') || !c.path.bytes().all(|b| b.is_ascii_graphic()) {
        return invalid("path");
    }
    if c.origin
        .as_deref()
        .is_some_and(|o| o.is_empty() || !is_safe_value(o))
    {
        return invalid("origin");
    }
    if c.pinpad_id
        .as_deref()
        .is_some_and(|p| p.is_empty() || !is_safe_value(p))
    {
        return invalid("pinpad_id");
    }
    if !c.protocols.iter().all(|p| is_token(p)) {
        return invalid("protocols");
    }
    check_extra_headers(
        c.extra_headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str())),
        REQUEST_RESERVED,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_KEY_NONCE: [u8; 16] = [
        0x0a, 0xe8, 0xed, 0x08, 0xaa, 0x50, 0x3f, 0x3a, 0x30, 0x0f, 0x5a, 0x15, 0xe2, 0xaa, 0x7e,
        0x85,
    ];

    fn seed_config() -> ClientHandshakeConfig {
        ClientHandshakeConfig {
            pinpad_id: Some("1".into()),
            ..ClientHandshakeConfig::for_host("192.168.29.207")
        }
    }

    #[test]
    fn seed_nonce_gives_seed_key() {
        let hs = ClientHandshake::new(seed_config(), SEED_KEY_NONCE).unwrap();
        assert_eq!(hs.key(), "CujtCKpQPzowD1oV4qp+hQ==");
    }

    #[test]
    fn conformant_pinpad_line_unless_seed_spacing_asked() {
        let mut out = BytesMut::new();
        ClientHandshake::new(seed_config(), SEED_KEY_NONCE)
            .unwrap()
            .encode_request(&mut out);
        assert!(out.ends_with(b"\r\nx-vfi-pinpad-id: 1\r\n\r\n"));
        let literal = ClientHandshakeConfig {
            seed_pinpad_spacing: true,
            ..seed_config()
        };
        let mut out = BytesMut::new();
        ClientHandshake::new(literal, SEED_KEY_NONCE)
            .unwrap()
            .encode_request(&mut out);
        assert!(out.ends_with(b"\r\nx-vfi-pinpad-id : 1\r\n\r\n"));
    }

    #[test]
    fn config_that_would_inject_is_refused() {
        let cases = [
            (
                ClientHandshakeConfig {
                    host: "a\r\nX: y".into(),
                    ..seed_config()
                },
                HandshakeError::InvalidConfig { field: "host" },
            ),
            (
                ClientHandshakeConfig {
                    path: "/a b".into(),
                    ..seed_config()
                },
                HandshakeError::InvalidConfig { field: "path" },
            ),
            (
                ClientHandshakeConfig {
                    origin: Some("http://a\nX: y".into()),
                    ..seed_config()
                },
                HandshakeError::InvalidConfig { field: "origin" },
            ),
            (
                ClientHandshakeConfig {
                    pinpad_id: Some("1\0".into()),
                    ..seed_config()
                },
                HandshakeError::InvalidConfig { field: "pinpad_id" },
            ),
            (
                ClientHandshakeConfig {
                    protocols: vec!["s ci".into()],
                    ..seed_config()
                },
                HandshakeError::InvalidConfig { field: "protocols" },
            ),
            (
                ClientHandshakeConfig {
                    extra_headers: vec![("Host".into(), "evil".into())],
                    ..seed_config()
                },
                HandshakeError::InvalidExtraHeader {
                    name: "Host".into(),
                },
            ),
        ];
        for (config, want) in cases {
            assert_eq!(ClientHandshake::new(config, [0; 16]), Err(want));
        }
    }
}
