//! Differential check against httparse: under the strict configuration (no whitespace before a
//! colon), every head this crate accepts is accepted by httparse with the same length and the
//! same fields. Our reader is stricter (CRLF only), never looser, so it cannot read a request
//! differently from a standard parser in front of it.

use proptest::prelude::*;
use sca_ws::handshake::{ServerConfig as ServerHandshakeConfig, decode_request};

const BASE: &str = "GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

fn extra_line() -> impl Strategy<Value = Vec<u8>> {
    // Header lines drawn from a small alphabet that includes every delimiter of the grammar.
    proptest::collection::vec(
        prop_oneof![
            Just(b'a'),
            Just(b'-'),
            Just(b':'),
            Just(b' '),
            Just(b'\t'),
            Just(b'\r'),
            Just(b'\n'),
            Just(0u8),
            Just(b','),
            Just(0x7fu8),
            Just(0xc3u8),
            Just(0xa9u8),
        ],
        0..16,
    )
}

proptest! {
    #[test]
    fn accepted_heads_are_accepted_by_httparse_alike(
        lines in proptest::collection::vec(extra_line(), 0..4),
    ) {
        let mut buf = BASE.as_bytes().to_vec();
        for line in &lines {
            buf.extend_from_slice(line);
            buf.extend_from_slice(b"\r\n");
        }
        buf.extend_from_slice(b"\r\n");
        let strict = ServerHandshakeConfig {
            allow_space_before_colon: false,
            ..ServerHandshakeConfig::default()
        };
        if let Ok(Some((req, used))) = decode_request(&buf, &strict) {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut theirs = httparse::Request::new(&mut headers);
            let status = theirs.parse(&buf);
            prop_assert_eq!(status, Ok(httparse::Status::Complete(used)));
            prop_assert_eq!(theirs.path, Some(req.path()));
            let ours: Vec<(&str, &[u8])> =
                req.headers().iter().map(|h| (h.name, h.value.as_bytes())).collect();
            let them: Vec<(&str, &[u8])> =
                theirs.headers.iter().map(|h| (h.name, h.value)).collect();
            prop_assert_eq!(ours, them);
        }
    }
}
