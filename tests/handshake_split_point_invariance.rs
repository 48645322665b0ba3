//! The same bytes, whole or split at any point, parse the same: every prefix of the input
//! gives "need more" or exactly what the whole input gives, for valid and corrupted requests
//! and responses alike, and a caller accumulating random chunks ends with the same result.

use bytes::BytesMut;
use proptest::prelude::*;
use sca_ws::handshake::{
    Client as ClientHandshake, ClientConfig as ClientHandshakeConfig, Error as HandshakeError,
    ServerConfig as ServerHandshakeConfig, decode_request, encode_accept,
};

const SEED_REQUEST: &[u8] = b"GET / HTTP/1.1\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n\
Host: 192.168.29.207\r\nOrigin: http://192.168.29.207\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: CujtCKpQPzowD1oV4qp+hQ==\r\n\
Sec-WebSocket-Protocol: sci\r\nSec-WebSocket-Version: 13\r\nx-vfi-pinpad-id : 1\r\n\r\n";

const NONCE: [u8; 16] = [
    0x0a, 0xe8, 0xed, 0x08, 0xaa, 0x50, 0x3f, 0x3a, 0x30, 0x0f, 0x5a, 0x15, 0xe2, 0xaa, 0x7e, 0x85,
];

fn client() -> ClientHandshake {
    ClientHandshake::new(ClientHandshakeConfig::for_host("192.168.29.207"), NONCE).unwrap()
}

fn seed_response() -> Vec<u8> {
    let (req, _) = decode_request(SEED_REQUEST, &ServerHandshakeConfig::default())
        .unwrap()
        .unwrap();
    let mut out = BytesMut::new();
    encode_accept(&req, Some("sci"), &[("Server", "x")], &mut out).unwrap();
    out.to_vec()
}

/// Bytes that matter to the grammar, plus anything.
fn nasty_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        Just(b'\r'),
        Just(b'\n'),
        Just(0u8),
        Just(b' '),
        Just(b'\t'),
        Just(b':'),
        Just(b','),
        Just(0xffu8),
        any::<u8>(),
    ]
}

/// `base` with a few bytes overwritten, inserted or removed, and some trailing bytes.
fn corrupt(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec((any::<prop::sample::Index>(), nasty_byte(), 0u8..3), 0..4),
        proptest::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(move |(edits, tail)| {
            let mut buf = base.clone();
            for (at, byte, kind) in edits {
                let i = at.index(buf.len().max(1));
                match kind {
                    0 if i < buf.len() => buf[i] = byte,
                    1 => buf.insert(i.min(buf.len()), byte),
                    _ if i < buf.len() => {
                        buf.remove(i);
                    }
                    _ => {}
                }
            }
            buf.extend_from_slice(&tail);
            buf
        })
}

/// Every prefix gives `Ok(None)` or the whole input's result.
fn check_prefixes<T: PartialEq + std::fmt::Debug>(
    buf: &[u8],
    decode: impl Fn(&[u8]) -> Result<Option<T>, HandshakeError>,
) -> Result<(), TestCaseError> {
    let whole = decode(buf);
    for end in 0..=buf.len() {
        let part = decode(&buf[..end]);
        prop_assert!(
            matches!(part, Ok(None)) || part == whole,
            "prefix {end}: {part:?} vs whole {whole:?}"
        );
    }
    Ok(())
}

/// A caller appending chunks of the given sizes and decoding after each one stops at the
/// first answer; it must be the whole input's answer (or "need more" if there is none).
fn check_chunks<T: PartialEq + std::fmt::Debug>(
    buf: &[u8],
    sizes: &[usize],
    decode: impl Fn(&[u8]) -> Result<Option<T>, HandshakeError>,
) -> Result<(), TestCaseError> {
    let whole = decode(buf);
    let mut have = 0;
    let mut sizes = sizes.iter().cycle();
    let mut last = Ok(None);
    while have < buf.len() {
        have = (have + sizes.next().copied().unwrap_or(1)).min(buf.len());
        last = decode(&buf[..have]);
        if !matches!(last, Ok(None)) {
            break;
        }
    }
    prop_assert_eq!(last, whole);
    Ok(())
}

fn decode_req(buf: &[u8]) -> Result<Option<String>, HandshakeError> {
    // Compare through the debug form: the request borrows the buffer.
    decode_request(buf, &ServerHandshakeConfig::default())
        .map(|r| r.map(|(req, used)| format!("{req:?} {used}")))
}

proptest! {
    #[test]
    fn request_prefixes_agree(buf in corrupt(SEED_REQUEST.to_vec())) {
        check_prefixes(&buf, decode_req)?;
    }

    #[test]
    fn request_chunks_agree(
        buf in corrupt(SEED_REQUEST.to_vec()),
        sizes in proptest::collection::vec(1usize..40, 1..8),
    ) {
        check_chunks(&buf, &sizes, decode_req)?;
    }

    #[test]
    fn response_prefixes_agree(buf in corrupt(seed_response())) {
        let client = client();
        check_prefixes(&buf, |b| client.decode_response(b))?;
    }

    #[test]
    fn response_chunks_agree(
        buf in corrupt(seed_response()),
        sizes in proptest::collection::vec(1usize..40, 1..8),
    ) {
        let client = client();
        check_chunks(&buf, &sizes, |b| client.decode_response(b))?;
    }
}

#[test]
fn seed_request_one_byte_at_a_time() {
    for end in 0..SEED_REQUEST.len() {
        assert_eq!(decode_req(&SEED_REQUEST[..end]), Ok(None), "prefix {end}");
    }
    let whole = decode_req(SEED_REQUEST).unwrap();
    assert!(whole.is_some_and(|r| r.contains("pinpad_id: Some(\"1\")")));
}
