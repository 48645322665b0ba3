//! The seed's request and response bytes, exactly as written in the seed, each built by one
//! side and accepted by the other.

use bytes::BytesMut;
use sca_ws::handshake::{
    Client as ClientHandshake, ClientConfig as ClientHandshakeConfig, SCA_PROTOCOL,
    ServerConfig as ServerHandshakeConfig, decode_request, encode_accept, select_protocol,
};

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

const SEED_RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Accept: Y2nXMyfwdnd360ikQgJzX7r3Gak=\r\n\
Date: Tue, 12 Apr 2022 07:14:07 GMT\r\n\
Server: Python/3.10 websockets/10.2\r\n\r\n";

/// The 16 bytes whose base64 is the seed's key `CujtCKpQPzowD1oV4qp+hQ==`.
const SEED_NONCE: [u8; 16] = [
    0x0a, 0xe8, 0xed, 0x08, 0xaa, 0x50, 0x3f, 0x3a, 0x30, 0x0f, 0x5a, 0x15, 0xe2, 0xaa, 0x7e, 0x85,
];

fn seed_client(seed_pinpad_spacing: bool) -> ClientHandshake {
    let config = ClientHandshakeConfig {
        pinpad_id: Some("1".into()),
        seed_pinpad_spacing,
        ..ClientHandshakeConfig::for_host("192.168.29.207")
    };
    ClientHandshake::new(config, SEED_NONCE).unwrap()
}

#[test]
fn client_reproduces_the_seed_request_byte_for_byte() {
    let mut out = BytesMut::new();
    seed_client(true).encode_request(&mut out);
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(SEED_REQUEST)
    );
}

#[test]
fn conformant_request_differs_from_the_seed_only_in_the_pinpad_line() {
    let mut out = BytesMut::new();
    seed_client(false).encode_request(&mut out);
    let conformant = String::from_utf8(out.to_vec()).unwrap();
    let seed =
        String::from_utf8_lossy(SEED_REQUEST).replace("x-vfi-pinpad-id : 1", "x-vfi-pinpad-id: 1");
    assert_eq!(conformant, seed);
}

#[test]
fn server_reads_the_seed_request() {
    let (req, used) = decode_request(SEED_REQUEST, &ServerHandshakeConfig::default())
        .unwrap()
        .unwrap();
    assert_eq!(used, SEED_REQUEST.len());
    assert_eq!(req.pinpad_id(), Some("1"));
    assert_eq!(req.host(), "192.168.29.207");
    assert_eq!(req.key(), "CujtCKpQPzowD1oV4qp+hQ==");
    assert_eq!(select_protocol(&req, &[SCA_PROTOCOL]), Some("sci"));
}

#[test]
fn server_answer_to_the_seed_request_matches_the_seed_accept() {
    let (req, _) = decode_request(SEED_REQUEST, &ServerHandshakeConfig::default())
        .unwrap()
        .unwrap();
    let mut out = BytesMut::new();
    // Like the seed's broker: no subprotocol, a Date and a Server header.
    encode_accept(
        &req,
        None,
        &[
            ("Date", "Tue, 12 Apr 2022 07:14:07 GMT"),
            ("Server", "Python/3.10 websockets/10.2"),
        ],
        &mut out,
    )
    .unwrap();
    assert_eq!(&out[..], SEED_RESPONSE);
}

#[test]
fn client_accepts_the_seed_response_and_returns_the_following_frames() {
    let mut buf = SEED_RESPONSE.to_vec();
    buf.extend_from_slice(b"\x81\x02hi");
    let (resp, used) = seed_client(false).decode_response(&buf).unwrap().unwrap();
    assert_eq!(&buf[used..], b"\x81\x02hi");
    assert_eq!(resp.protocol(), None);
    assert_eq!(resp.header("date"), Some("Tue, 12 Apr 2022 07:14:07 GMT"));
}

#[test]
fn client_accepts_sci_selected() {
    let (req, _) = decode_request(SEED_REQUEST, &ServerHandshakeConfig::default())
        .unwrap()
        .unwrap();
    let mut out = BytesMut::new();
    encode_accept(&req, select_protocol(&req, &[SCA_PROTOCOL]), &[], &mut out).unwrap();
    let (resp, used) = seed_client(true).decode_response(&out).unwrap().unwrap();
    assert_eq!(used, out.len());
    assert_eq!(resp.protocol(), Some("sci"));
}
