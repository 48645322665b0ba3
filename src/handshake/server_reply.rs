//! The server side's answers: the 101 that completes the handshake (RFC 6455 §4.2.2) and the
//! refusals (400, 426 with the supported version per §4.4, ...).

use bytes::BytesMut;

use super::accept_key::accept_key_bytes;
use super::error::HandshakeError;
use super::headers::{check_extra_headers, is_token, name, write_header};
use super::request::UpgradeRequest;

/// The subprotocol SCA terminals offer (seed: `Sec-WebSocket-Protocol: sci`).
pub const SCA_PROTOCOL: &str = "sci";

/// Headers [`encode_accept`] writes itself, so the caller may not add them.
const ACCEPT_RESERVED: &[&str] = &[
    name::UPGRADE,
    name::CONNECTION,
    name::ACCEPT,
    name::PROTOCOL,
    name::EXTENSIONS,
    name::CONTENT_LENGTH,
    name::TRANSFER_ENCODING,
];

/// The first of the server's `supported` subprotocols (in the server's order of preference)
/// that the client offered, or `None`. `select_protocol(&request, &[SCA_PROTOCOL])` is the
/// usual broker choice.
pub fn select_protocol<'s>(request: &UpgradeRequest<'_>, supported: &[&'s str]) -> Option<&'s str> {
    supported
        .iter()
        .copied()
        .find(|p| request.offers_protocol(p))
}

/// Writes the `101 Switching Protocols` answer to `request` (RFC 6455 §4.2.2 item 5): Upgrade,
/// Connection, the Accept value, the selected subprotocol if any, then `extra_headers`.
///
/// `Err` (nothing written) if `protocol` was not offered by the client, or an extra header is
/// malformed or one this function writes itself.
pub fn encode_accept(
    request: &UpgradeRequest<'_>,
    protocol: Option<&str>,
    extra_headers: &[(&str, &str)],
    out: &mut BytesMut,
) -> Result<(), HandshakeError> {
    if let Some(p) = protocol
        && (!is_token(p) || !request.offers_protocol(p))
    {
        return Err(HandshakeError::ProtocolNotOffered {
            protocol: p.to_owned(),
        });
    }
    check_extra_headers(extra_headers.iter().copied(), ACCEPT_RESERVED)?;
    let accept = accept_key_bytes(request.key().as_bytes());
    out.reserve(160);
    out.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\n");
    write_header(out, name::UPGRADE, "websocket");
    write_header(out, name::CONNECTION, "Upgrade");
    out.extend_from_slice(name::ACCEPT.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(&accept);
    out.extend_from_slice(b"\r\n");
    if let Some(p) = protocol {
        write_header(out, name::PROTOCOL, p);
    }
    for (field, value) in extra_headers {
        write_header(out, field, value);
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// Writes a refusal: `status` with `reason` as a plain-text body, `Connection: close`.
///
/// A 426 also carries `Upgrade: websocket` and `Sec-WebSocket-Version: 13`, the version this
/// server speaks (RFC 6455 §4.4, RFC 9110 §15.5.22). The reason travels in the body, framed
/// by `Content-Length`, so no text in it can reach the head. `Err` (nothing written) unless
/// `status` is 4xx or 5xx.
pub fn encode_rejection(
    status: u16,
    reason: &str,
    out: &mut BytesMut,
) -> Result<(), HandshakeError> {
    if !(400..=599).contains(&status) {
        return Err(HandshakeError::InvalidRejectionStatus { status });
    }
    out.reserve(160 + reason.len());
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status)).as_bytes());
    if status == 426 {
        write_header(out, name::UPGRADE, "websocket");
        write_header(out, name::VERSION, "13");
    }
    write_header(out, "Content-Type", "text/plain; charset=utf-8");
    write_header(out, name::CONTENT_LENGTH, &(reason.len() + 1).to_string());
    write_header(out, name::CONNECTION, "close");
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(reason.as_bytes());
    out.extend_from_slice(b"\n");
    Ok(())
}

/// Writes the refusal for a request that failed with `error`: its
/// [`response_status`](HandshakeError::response_status) (400 when it has none) and its message.
pub fn encode_error_response(error: &HandshakeError, out: &mut BytesMut) {
    let status = error.response_status().unwrap_or(400);
    // The status is 4xx by construction, so this cannot fail.
    let _ = encode_rejection(status, &error.to_string(), out);
}

/// Standard reason phrases (RFC 9110 §15) for the statuses a broker is likely to send.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ if status < 500 => "Client Error",
        _ => "Server Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::request::{ServerHandshakeConfig, decode_request};

    const RFC_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\n\
Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";

    fn rfc_request() -> UpgradeRequest<'static> {
        decode_request(RFC_REQUEST, &ServerHandshakeConfig::default())
            .unwrap()
            .unwrap()
            .0
    }

    #[test]
    fn rfc_6455_section_1_3_answer() {
        let req = rfc_request();
        assert_eq!(
            select_protocol(&req, &["superchat", "chat"]),
            Some("superchat")
        );
        let mut out = BytesMut::new();
        encode_accept(&req, Some("chat"), &[("Server", "sca-ws")], &mut out).unwrap();
        assert_eq!(
            &out[..],
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\
Server: sca-ws\r\n\r\n"
        );
    }

    #[test]
    fn accept_refuses_misuse_without_writing() {
        let req = rfc_request();
        let mut out = BytesMut::new();
        assert_eq!(
            encode_accept(&req, Some(SCA_PROTOCOL), &[], &mut out),
            Err(HandshakeError::ProtocolNotOffered {
                protocol: "sci".into()
            })
        );
        assert_eq!(
            encode_accept(&req, None, &[("X-A", "1\r\nSet-Cookie: x")], &mut out),
            Err(HandshakeError::InvalidExtraHeader { name: "X-A".into() })
        );
        assert_eq!(
            encode_accept(&req, None, &[("sec-websocket-accept", "x")], &mut out),
            Err(HandshakeError::InvalidExtraHeader {
                name: "sec-websocket-accept".into()
            })
        );
        assert!(out.is_empty());
    }

    #[test]
    fn rejection_426_names_version_13() {
        let mut out = BytesMut::new();
        encode_rejection(426, "unsupported version", &mut out).unwrap();
        let text = std::str::from_utf8(&out).unwrap();
        assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        assert!(text.contains("\r\nSec-WebSocket-Version: 13\r\n"));
        assert!(text.ends_with("\r\n\r\nunsupported version\n"));
        assert!(text.contains("\r\nContent-Length: 20\r\n"));
    }

    #[test]
    fn rejection_400_and_bad_status() {
        let mut out = BytesMut::new();
        encode_error_response(&HandshakeError::InvalidKey, &mut out);
        assert!(out.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
        assert!(!out.windows(21).any(|w| w == b"Sec-WebSocket-Version"));
        let mut out = BytesMut::new();
        assert_eq!(
            encode_rejection(200, "ok", &mut out),
            Err(HandshakeError::InvalidRejectionStatus { status: 200 })
        );
        assert!(out.is_empty());
    }
}
