//! Every timer of the drivers runs on `tokio::time`: on a paused clock, a terminal that
//! connects and says nothing is closed at the core's 10 s handshake timeout of virtual
//! time, in well under a second of real time. A driver reading the wall clock would wait
//! the full 10 s.

mod support;

use std::time::{Duration, Instant};

use sca_ws_tokio::broker::ServerConfig;
use support::*;
use tokio::io::AsyncReadExt;

#[tokio::test(start_paused = true)]
async fn a_silent_transport_is_closed_at_the_handshake_timeout_of_virtual_time() {
    let (broker, addr) = start_server(ServerConfig::new(loopback()));
    #[allow(clippy::disallowed_methods)] // the real clock, to show the test did not wait
    let real = Instant::now();
    let virtual_start = tokio::time::Instant::now();
    let mut silent = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(60), silent.read(&mut buf)).await;
    let n = read
        .expect("closed before 60 s of virtual time")
        .unwrap_or(0);
    assert_eq!(n, 0, "closed without an answer");
    let waited = virtual_start.elapsed();
    assert!(
        waited >= Duration::from_secs(10),
        "not before the handshake timeout: {waited:?}"
    );
    assert!(waited < Duration::from_secs(12), "at it: {waited:?}");
    assert!(
        real.elapsed() < Duration::from_secs(5),
        "virtual, not real: {:?}",
        real.elapsed()
    );
    for _ in 0..100 {
        if broker.link_count() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(broker.link_count(), 0);
}
