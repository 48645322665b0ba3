//! Handshakes per second: parsing the seed's request (broker side) and the seed's response
//! (terminal side), and building the terminal's request.

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sca_ws::handshake::{
    Client as ClientHandshake, ClientConfig as ClientHandshakeConfig,
    ServerConfig as ServerHandshakeConfig, decode_request,
};

const SEED_REQUEST: &[u8] = b"GET / HTTP/1.1\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n\
Host: 192.168.29.207\r\nOrigin: http://192.168.29.207\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: CujtCKpQPzowD1oV4qp+hQ==\r\n\
Sec-WebSocket-Protocol: sci\r\nSec-WebSocket-Version: 13\r\nx-vfi-pinpad-id : 1\r\n\r\n";

const SEED_RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Accept: Y2nXMyfwdnd360ikQgJzX7r3Gak=\r\n\
Date: Tue, 12 Apr 2022 07:14:07 GMT\r\nServer: Python/3.10 websockets/10.2\r\n\r\n";

const SEED_NONCE: [u8; 16] = [
    0x0a, 0xe8, 0xed, 0x08, 0xaa, 0x50, 0x3f, 0x3a, 0x30, 0x0f, 0x5a, 0x15, 0xe2, 0xaa, 0x7e, 0x85,
];

fn seed_client() -> ClientHandshake {
    let config = ClientHandshakeConfig {
        pinpad_id: Some("1".into()),
        seed_pinpad_spacing: true,
        ..ClientHandshakeConfig::for_host("192.168.29.207")
    };
    ClientHandshake::new(config, SEED_NONCE).expect("seed config is valid")
}

fn handshake(c: &mut Criterion) {
    let mut group = c.benchmark_group("handshake");
    group.throughput(Throughput::Elements(1));

    let config = ServerHandshakeConfig::default();
    group.bench_function("decode_seed_request", |b| {
        b.iter(|| {
            let parsed = decode_request(black_box(SEED_REQUEST), &config);
            assert!(matches!(parsed, Ok(Some((_, n))) if n == SEED_REQUEST.len()));
        });
    });

    let client = seed_client();
    group.bench_function("decode_seed_response", |b| {
        b.iter(|| {
            let parsed = client.decode_response(black_box(SEED_RESPONSE));
            assert!(matches!(parsed, Ok(Some((_, n))) if n == SEED_RESPONSE.len()));
        });
    });

    let mut out = BytesMut::with_capacity(512);
    group.bench_function("encode_seed_request", |b| {
        b.iter(|| {
            out.clear();
            client.encode_request(&mut out);
            black_box(&out);
        });
    });
    group.finish();
}

criterion_group!(benches, handshake);
criterion_main!(benches);
