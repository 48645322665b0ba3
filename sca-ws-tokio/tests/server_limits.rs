//! The server's own bounds: no more transports than `max_links`, and an upgrade without a
//! pinpad id is refused (the one-link-per-id rule needs one).

mod support;

use std::time::Duration;

use sca_ws_tokio::broker::ServerConfig;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn transports_beyond_max_links_are_closed_at_once() {
    let mut config = ServerConfig::new(loopback());
    config.max_links = 2;
    let (broker, addr) = start_server(config);
    let first = raw_connect(addr, "A").await;
    let second = raw_connect(addr, "B").await;
    assert_eq!((first.status, second.status), (101, 101));
    let third = raw_connect(addr, "C").await;
    assert_eq!(third.status, 0, "closed without an answer");
    assert_eq!(broker.link_count(), 2);
    drop(first);
    // Room again once a link ended.
    let mut fourth = None;
    for _ in 0..100 {
        let raw = raw_connect(addr, "D").await;
        if raw.status == 101 {
            fourth = Some(raw);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(fourth.is_some(), "a slot freed when a link ended");
}

#[tokio::test]
async fn an_upgrade_without_a_pinpad_id_is_refused_with_400() {
    let (_broker, addr) = start_server(ServerConfig::new(loopback()));
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        .await
        .expect("write");
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("an answer")
        .expect("read");
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
}
