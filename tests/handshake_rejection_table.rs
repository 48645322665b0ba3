//! One named case per rule: each malformed or invalid request and response, and the error it
//! gets. Requests are the seed's request with one line changed.

use sca_ws::handshake::{
    Client as ClientHandshake, ClientConfig as ClientHandshakeConfig, Error as HandshakeError,
    HeadPart, ServerConfig as ServerHandshakeConfig, decode_request,
};

const SEED_LINES: &[&str] = &[
    "GET / HTTP/1.1",
    "Pragma: no-cache",
    "Cache-Control: no-cache",
    "Host: 192.168.29.207",
    "Origin: http://192.168.29.207",
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: CujtCKpQPzowD1oV4qp+hQ==",
    "Sec-WebSocket-Protocol: sci",
    "Sec-WebSocket-Version: 13",
    "x-vfi-pinpad-id : 1",
];

/// The seed's request with every line starting with `prefix` replaced by `with` (several
/// lines, one, or none to drop it).
fn request(prefix: &str, with: &[&str]) -> Vec<u8> {
    let mut text = String::new();
    for line in SEED_LINES {
        if line.starts_with(prefix) {
            for replacement in with {
                text.push_str(replacement);
                text.push_str("\r\n");
            }
        } else {
            text.push_str(line);
            text.push_str("\r\n");
        }
    }
    text.push_str("\r\n");
    text.into_bytes()
}

/// The seed's request with `line` added before the end.
fn request_plus(line: &str) -> Vec<u8> {
    request("x-vfi-pinpad-id", &["x-vfi-pinpad-id : 1", line])
}

fn byte_at(buf: &[u8], needle: &[u8], byte: u8, part: HeadPart) -> HandshakeError {
    let offset = buf
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle in request");
    HandshakeError::UnexpectedByte { byte, offset, part }
}

#[test]
fn rejected_requests() {
    let config = ServerHandshakeConfig::default();
    let nul = request_plus("X-A: b\0c");
    let bare_cr = request_plus("X-A: b\rc");
    let injected = request("x-vfi-pinpad-id", &["x-vfi-pinpad-id: 1\nHost: evil"]);
    let folded = request_plus(" folded");
    let strict_colon = request("Host", &["Host : 192.168.29.207"]);
    let many: Vec<String> = (0..40).map(|i| format!("X-{i}: v")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let big = format!("X-Big: {}", "a".repeat(9000));

    let cases: Vec<(&str, Vec<u8>, HandshakeError)> = vec![
        (
            "missing key",
            request("Sec-WebSocket-Key", &[]),
            HandshakeError::MissingHeader {
                name: "Sec-WebSocket-Key",
            },
        ),
        (
            "key of 15 bytes",
            request(
                "Sec-WebSocket-Key",
                &["Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA"],
            ),
            HandshakeError::InvalidKey,
        ),
        (
            "key of 17 bytes",
            request(
                "Sec-WebSocket-Key",
                &["Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAA="],
            ),
            HandshakeError::InvalidKey,
        ),
        (
            "key not base64",
            request(
                "Sec-WebSocket-Key",
                &["Sec-WebSocket-Key: CujtCKpQPzowD1oV4qp+h!=="],
            ),
            HandshakeError::InvalidKey,
        ),
        (
            "duplicate key",
            request(
                "Sec-WebSocket-Key",
                &[
                    "Sec-WebSocket-Key: CujtCKpQPzowD1oV4qp+hQ==",
                    "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==",
                ],
            ),
            HandshakeError::DuplicateHeader {
                name: "Sec-WebSocket-Key",
            },
        ),
        (
            "version 8",
            request("Sec-WebSocket-Version", &["Sec-WebSocket-Version: 8"]),
            HandshakeError::UnsupportedVersion {
                version: "8".into(),
            },
        ),
        (
            "missing version",
            request("Sec-WebSocket-Version", &[]),
            HandshakeError::MissingHeader {
                name: "Sec-WebSocket-Version",
            },
        ),
        (
            "POST",
            request("GET", &["POST / HTTP/1.1"]),
            HandshakeError::MethodNotGet {
                method: "POST".into(),
            },
        ),
        (
            "lower-case get",
            request("GET", &["get / HTTP/1.1"]),
            HandshakeError::MethodNotGet {
                method: "get".into(),
            },
        ),
        (
            "HTTP/1.0",
            request("GET", &["GET / HTTP/1.0"]),
            HandshakeError::UnsupportedHttpVersion { major: 1, minor: 0 },
        ),
        (
            "absolute-form target",
            request("GET", &["GET http://192.168.29.207/ HTTP/1.1"]),
            HandshakeError::InvalidRequestTarget,
        ),
        (
            "missing host",
            request("Host", &[]),
            HandshakeError::MissingHeader { name: "Host" },
        ),
        (
            "duplicate host, one with space before colon",
            request("Host", &["Host: 192.168.29.207", "Host : evil.example"]),
            HandshakeError::DuplicateHeader { name: "Host" },
        ),
        (
            "missing upgrade",
            request("Upgrade", &[]),
            HandshakeError::MissingHeader { name: "Upgrade" },
        ),
        (
            "upgrade to h2c",
            request("Upgrade", &["Upgrade: h2c"]),
            HandshakeError::NotWebSocketUpgrade,
        ),
        (
            "connection keep-alive only",
            request("Connection", &["Connection: keep-alive"]),
            HandshakeError::ConnectionNotUpgrade,
        ),
        (
            "duplicate pinpad id",
            request(
                "x-vfi-pinpad-id",
                &["x-vfi-pinpad-id : 1", "X-VFI-PINPAD-ID: 2"],
            ),
            HandshakeError::DuplicateHeader {
                name: "x-vfi-pinpad-id",
            },
        ),
        (
            "protocol list with a non-token",
            request(
                "Sec-WebSocket-Protocol",
                &["Sec-WebSocket-Protocol: sci, a/b"],
            ),
            HandshakeError::InvalidHeader {
                name: "Sec-WebSocket-Protocol",
            },
        ),
        (
            "transfer-encoding",
            request_plus("Transfer-Encoding: chunked"),
            HandshakeError::BodyNotAllowed,
        ),
        (
            "content-length not zero",
            request_plus("Content-Length: 5"),
            HandshakeError::BodyNotAllowed,
        ),
        (
            "NUL in a value",
            nul.clone(),
            byte_at(&nul, b"\0", 0, HeadPart::HeaderValue),
        ),
        (
            "bare CR in a value",
            bare_cr.clone(),
            byte_at(&bare_cr, b"\rc", b'\r', HeadPart::HeaderValue),
        ),
        (
            "LF smuggling a second Host",
            injected.clone(),
            byte_at(&injected, b"\nHost: evil", b'\n', HeadPart::HeaderValue),
        ),
        (
            "obsolete line folding",
            folded.clone(),
            byte_at(&folded, b" folded", b' ', HeadPart::HeaderName),
        ),
        (
            "too many headers",
            request("x-vfi-pinpad-id", &many),
            HandshakeError::TooManyHeaders { limit: 32 },
        ),
        (
            "oversize header block",
            request_plus(&big),
            HandshakeError::HeadTooLarge { limit: 8192 },
        ),
    ];
    for (name, buf, want) in &cases {
        assert_eq!(
            decode_request(buf, &config).map(|r| r.map(|(_, n)| n)),
            Err(want.clone()),
            "case {name:?}"
        );
    }

    let strict = ServerHandshakeConfig {
        allow_space_before_colon: false,
        ..config
    };
    assert_eq!(
        decode_request(&strict_colon, &strict).map(|r| r.is_some()),
        Err(byte_at(
            &strict_colon,
            b" : 192",
            b' ',
            HeadPart::HeaderName
        )),
        "space before colon under the strict config"
    );
}

#[test]
fn request_errors_map_to_the_status_to_answer() {
    let cases = [
        (
            HandshakeError::UnsupportedVersion {
                version: "8".into(),
            },
            426,
        ),
        (HandshakeError::HeadTooLarge { limit: 1 }, 431),
        (HandshakeError::InvalidKey, 400),
        (
            HandshakeError::MethodNotGet {
                method: "POST".into(),
            },
            400,
        ),
    ];
    for (error, status) in cases {
        assert_eq!(error.response_status(), Some(status), "{error}");
    }
    assert_eq!(
        HandshakeError::InvalidConfig { field: "host" }.response_status(),
        None
    );
}

const NONCE: [u8; 16] = [
    0x0a, 0xe8, 0xed, 0x08, 0xaa, 0x50, 0x3f, 0x3a, 0x30, 0x0f, 0x5a, 0x15, 0xe2, 0xaa, 0x7e, 0x85,
];

/// The seed's answer with the lines starting with `prefix` replaced.
fn response(prefix: &str, with: &[&str]) -> Vec<u8> {
    let lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Accept: Y2nXMyfwdnd360ikQgJzX7r3Gak=",
        "Server: Python/3.10 websockets/10.2",
    ];
    let mut text = String::new();
    for line in lines {
        if line.starts_with(prefix) {
            for r in with {
                text.push_str(r);
                text.push_str("\r\n");
            }
        } else {
            text.push_str(line);
            text.push_str("\r\n");
        }
    }
    text.push_str("\r\n");
    text.into_bytes()
}

#[test]
fn rejected_responses() {
    let client =
        ClientHandshake::new(ClientHandshakeConfig::for_host("192.168.29.207"), NONCE).unwrap();
    let nul = response("Server", &["Server: a\0b"]);
    let spaced = response("Server", &["Server : x"]);
    let big = format!("Server: {}", "a".repeat(9000));
    let cases: Vec<(&str, Vec<u8>, HandshakeError)> = vec![
        (
            "wrong accept",
            response(
                "Sec-WebSocket-Accept",
                &["Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="],
            ),
            HandshakeError::AcceptMismatch {
                received: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".into(),
            },
        ),
        (
            "missing accept",
            response("Sec-WebSocket-Accept", &[]),
            HandshakeError::MissingHeader {
                name: "Sec-WebSocket-Accept",
            },
        ),
        (
            "duplicate accept",
            response(
                "Sec-WebSocket-Accept",
                &[
                    "Sec-WebSocket-Accept: Y2nXMyfwdnd360ikQgJzX7r3Gak=",
                    "Sec-WebSocket-Accept: Y2nXMyfwdnd360ikQgJzX7r3Gak=",
                ],
            ),
            HandshakeError::DuplicateHeader {
                name: "Sec-WebSocket-Accept",
            },
        ),
        (
            "unrequested subprotocol",
            response("Server", &["Sec-WebSocket-Protocol: chat"]),
            HandshakeError::UnrequestedProtocol {
                protocol: "chat".into(),
            },
        ),
        (
            "unrequested extension",
            response("Server", &["Sec-WebSocket-Extensions: permessage-deflate"]),
            HandshakeError::UnrequestedExtension {
                extension: "permessage-deflate".into(),
            },
        ),
        (
            "status 403",
            response("HTTP", &["HTTP/1.1 403 Forbidden"]),
            HandshakeError::Rejected {
                status: 403,
                reason: "Forbidden".into(),
                headers: vec![
                    ("Upgrade".into(), "websocket".into()),
                    ("Connection".into(), "Upgrade".into()),
                    (
                        "Sec-WebSocket-Accept".into(),
                        "Y2nXMyfwdnd360ikQgJzX7r3Gak=".into(),
                    ),
                    ("Server".into(), "Python/3.10 websockets/10.2".into()),
                ],
            },
        ),
        (
            "HTTP/1.0 101",
            response("HTTP", &["HTTP/1.0 101 Switching Protocols"]),
            HandshakeError::UnsupportedHttpVersion { major: 1, minor: 0 },
        ),
        (
            "missing upgrade",
            response("Upgrade", &[]),
            HandshakeError::MissingHeader { name: "Upgrade" },
        ),
        (
            "upgrade to something else",
            response("Upgrade", &["Upgrade: h2c"]),
            HandshakeError::NotWebSocketUpgrade,
        ),
        (
            "connection close",
            response("Connection", &["Connection: close"]),
            HandshakeError::ConnectionNotUpgrade,
        ),
        (
            "status of two digits",
            response("HTTP", &["HTTP/1.1 10 Switching"]),
            HandshakeError::UnexpectedByte {
                byte: b' ',
                offset: 11,
                part: HeadPart::StatusLine,
            },
        ),
        (
            "NUL in a value",
            nul.clone(),
            byte_at(&nul, b"\0", 0, HeadPart::HeaderValue),
        ),
        (
            "space before colon (strict on the client side)",
            spaced.clone(),
            byte_at(&spaced, b" : x", b' ', HeadPart::HeaderName),
        ),
        (
            "oversize header block",
            response("Server", &[&big]),
            HandshakeError::HeadTooLarge { limit: 8192 },
        ),
    ];
    for (name, buf, want) in &cases {
        assert_eq!(
            client.decode_response(buf).map(|r| r.map(|(_, n)| n)),
            Err(want.clone()),
            "case {name:?}"
        );
    }
}
