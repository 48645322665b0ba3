//! Terminal side: any bytes given to `decode_response` give "need more", a typed error, or an
//! accepted 101 whose headers, written back as a canonical 101 and parsed again, give an
//! equal response. A prefix at a data-chosen split gives "need more" or the same result.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use sca_ws::handshake::{Client as ClientHandshake, ClientConfig as ClientHandshakeConfig, Error as HandshakeError, accept_key};

/// The nonce whose key is the seed's `CujtCKpQPzowD1oV4qp+hQ==`.
const NONCE: [u8; 16] = [
    0x0a, 0xe8, 0xed, 0x08, 0xaa, 0x50, 0x3f, 0x3a, 0x30, 0x0f, 0x5a, 0x15, 0xe2, 0xaa, 0x7e, 0x85,
];

fn make_client(max_response_bytes: usize) -> ClientHandshake {
    let config = ClientHandshakeConfig {
        max_response_bytes,
        max_response_headers: 16,
        ..ClientHandshakeConfig::for_host("192.168.29.207")
    };
    let Ok(client) = ClientHandshake::new(config, NONCE) else {
        panic!("fixed config is valid");
    };
    client
}

fuzz_target!(|data: &[u8]| {
    let client = make_client(2048);
    let whole = client.decode_response(data);

    let split = data.first().map_or(0, |&b| usize::from(b) * data.len() / 256);
    let part = client.decode_response(&data[..split]);
    assert!(matches!(part, Ok(None)) || part == whole, "split {split}");

    match whole {
        Ok(Some((response, used))) => {
            assert!(used > 0 && used <= data.len() && used <= 2048);
            assert_eq!(
                response.header("sec-websocket-accept"),
                Some(accept_key(client.key()).as_str())
            );
            assert!(matches!(response.protocol(), None | Some("sci")));

            let mut canonical = BytesMut::new();
            canonical.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\n");
            for (name, value) in response.headers() {
                canonical.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
            }
            canonical.extend_from_slice(b"\r\n");
            // The canonical form may be a little longer than the input: read it with room to spare.
            let again = make_client(1 << 16).decode_response(&canonical);
            assert_eq!(again, Ok(Some((response, canonical.len()))));
        }
        Ok(None) => assert!(data.len() < 2048),
        Err(HandshakeError::Rejected { status, .. }) => assert_ne!(status, 101),
        Err(_) => {}
    }
});
