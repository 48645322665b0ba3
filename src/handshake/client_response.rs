//! The client side's check of the server's answer (RFC 6455 §4.1, "the client MUST validate
//! the server's response as follows").

use super::accept_key::ACCEPT_LEN;
use super::error::HandshakeError;
use super::head::ResponseHead;
use super::headers::{HttpHeader, list_items, name, require_token, unique, values};

/// A `101 Switching Protocols` answer that passed every check: the WebSocket is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeResponse {
    protocol: Option<String>,
    headers: Vec<(String, String)>,
}

impl HandshakeResponse {
    /// The subprotocol the server selected, if any (RFC 6455 §4.1 item 6). The seed's broker
    /// selects none.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// Every header field of the answer, in order (`Date`, `Server`, ...).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first value of header `field` (case-insensitive).
    pub fn header(&self, field: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(field))
            .map(|(_, v)| v.as_str())
    }
}

fn owned_headers(headers: &[HttpHeader<'_>]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|h| (h.name.to_owned(), h.value.to_owned()))
        .collect()
}

/// Applies RFC 6455 §4.1's checks, in its order.
pub(crate) fn check_response(
    head: ResponseHead<'_>,
    expected_accept: &[u8; ACCEPT_LEN],
    offered: &[String],
) -> Result<HandshakeResponse, HandshakeError> {
    let headers = &head.headers;
    if head.status != 101 {
        return Err(HandshakeError::Rejected {
            status: head.status,
            reason: head.reason.to_owned(),
            headers: owned_headers(headers),
        });
    }
    if !head.version.at_least_1_1() {
        return Err(HandshakeError::UnsupportedHttpVersion {
            major: head.version.major,
            minor: head.version.minor,
        });
    }
    require_token(
        headers,
        name::UPGRADE,
        "websocket",
        HandshakeError::NotWebSocketUpgrade,
    )?;
    require_token(
        headers,
        name::CONNECTION,
        "upgrade",
        HandshakeError::ConnectionNotUpgrade,
    )?;

    let accept = unique(headers, name::ACCEPT)?
        .ok_or(HandshakeError::MissingHeader { name: name::ACCEPT })?;
    if accept.as_bytes() != expected_accept {
        return Err(HandshakeError::AcceptMismatch {
            received: accept.to_owned(),
        });
    }
    // This client offers no extension, so any enabled one is unrequested (§4.1 item 5).
    if let Some(extension) =
        values(headers, name::EXTENSIONS).find(|v| list_items(v).next().is_some())
    {
        return Err(HandshakeError::UnrequestedExtension {
            extension: extension.to_owned(),
        });
    }
    let protocol = unique(headers, name::PROTOCOL)?;
    if let Some(p) = protocol
        && !offered.iter().any(|o| o == p)
    {
        return Err(HandshakeError::UnrequestedProtocol {
            protocol: p.to_owned(),
        });
    }
    Ok(HandshakeResponse {
        protocol: protocol.map(str::to_owned),
        headers: owned_headers(headers),
    })
}

#[cfg(test)]
mod tests {
    use crate::handshake::client::{ClientHandshake, ClientHandshakeConfig};
    use crate::handshake::error::HandshakeError;

    /// The seed's answer, byte for byte (PROTOCOL.md §2).
    const SEED_RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Accept: Y2nXMyfwdnd360ikQgJzX7r3Gak=\r\n\
Date: Tue, 12 Apr 2022 07:14:07 GMT\r\n\
Server: Python/3.10 websockets/10.2\r\n\r\n";

    const SEED_KEY_NONCE: [u8; 16] = [
        0x0a, 0xe8, 0xed, 0x08, 0xaa, 0x50, 0x3f, 0x3a, 0x30, 0x0f, 0x5a, 0x15, 0xe2, 0xaa, 0x7e,
        0x85,
    ];

    fn seed_client() -> ClientHandshake {
        ClientHandshake::new(
            ClientHandshakeConfig::for_host("192.168.29.207"),
            SEED_KEY_NONCE,
        )
        .unwrap()
    }

    #[test]
    fn seed_response_is_accepted_without_subprotocol() {
        let mut buf = SEED_RESPONSE.to_vec();
        buf.extend_from_slice(b"\x81\x05hello");
        let (resp, used) = seed_client().decode_response(&buf).unwrap().unwrap();
        assert_eq!(used, SEED_RESPONSE.len());
        assert_eq!(resp.protocol(), None);
        assert_eq!(resp.header("server"), Some("Python/3.10 websockets/10.2"));
        assert_eq!(resp.headers().len(), 5);
    }

    #[test]
    fn non_101_is_a_typed_rejection_with_headers() {
        let buf = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(
            seed_client().decode_response(buf),
            Err(HandshakeError::Rejected {
                status: 403,
                reason: "Forbidden".into(),
                headers: vec![("Content-Length".into(), "0".into())],
            })
        );
    }
}
