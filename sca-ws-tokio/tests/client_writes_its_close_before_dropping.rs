//! When the terminal machine fails a link it queues a close frame and then lets go of the
//! transport; the client writes that frame before dropping the socket, so the broker learns
//! why (here 1002 for a masked server frame, RFC 6455 §5.1).

mod support;

use std::time::Duration;

use sca_ws_tokio::terminal::Client;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::test]
async fn a_protocol_error_is_told_to_the_broker_with_close_1002() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (client, _task) = Client::spawn(terminal_config(addr, "T"), Answer { delay: None });
    let (mut stream, _) = tokio::time::timeout(Duration::from_secs(5), listener.accept())
        .await
        .expect("the client dials")
        .expect("accept");

    // Read the upgrade request and accept it by hand.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 4096 {
        assert_eq!(stream.read(&mut byte).await.expect("read"), 1);
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let key = text
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .expect("a key")
        .trim()
        .to_owned();
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: sci\r\n\r\n",
        sca_ws::handshake::accept_key(&key)
    );
    stream.write_all(answer.as_bytes()).await.expect("101");
    tokio::time::timeout(Duration::from_secs(5), client.connected())
        .await
        .expect("the client sees the link up");

    // A masked frame from the server: the client must fail the link with 1002.
    stream
        .write_all(&client_frame(0x1, b"<RESPONSE/>"))
        .await
        .expect("bad frame");
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    for _ in 0..16 {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
        if got.len() >= 8 {
            break;
        }
    }
    // One masked close frame: 0x88, mask bit + length, 4 mask bytes, then the masked code.
    assert!(
        got.len() >= 8,
        "a close frame arrived before the end: {got:?}"
    );
    assert_eq!(got[0], 0x88, "a close frame: {got:?}");
    let mask = [got[2], got[3], got[4], got[5]];
    let code = u16::from_be_bytes([got[6] ^ mask[0], got[7] ^ mask[1]]);
    assert_eq!(code, 1002);
    client.close();
}
