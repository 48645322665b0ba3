//! A peer that floods pings and never reads: the link stops reading once its queued pongs
//! reach the high-water mark (so its memory stays under the mark, however much is sent),
//! and the write deadline cuts it.

mod support;

use std::time::Duration;

use sca_ws_tokio::broker::{Event, ServerConfig};
use support::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpSocket;

#[tokio::test]
async fn a_ping_flood_without_reads_is_held_under_the_mark_and_cut() {
    let high_water = 16 * 1024;
    let mut config = ServerConfig::new(loopback());
    config.outbound_high_water = high_water;
    config.write_deadline = Duration::from_millis(500);
    let (broker, addr) = start_server(config);
    let mut events = broker.subscribe();

    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .set_recv_buffer_size(4096)
        .expect("small receive buffer");
    let stream = socket.connect(addr).await.expect("connect");
    let raw = raw_upgrade(stream, "slow").await;
    assert_eq!(raw.status, 101);
    connected(&mut events, "slow").await;

    // The flood: 64 pings of 125 bytes per write, until writes stall or fail.
    let mut stream = raw.stream;
    let flood = tokio::spawn(async move {
        let batch: Vec<u8> = (0..64)
            .flat_map(|_| client_frame(0x9, &[b'p'; 125]))
            .collect();
        let mut sent = 0usize;
        let mut stalls = 0;
        for _ in 0..100_000 {
            match tokio::time::timeout(Duration::from_millis(100), stream.write_all(&batch)).await {
                Ok(Ok(())) => {
                    sent += batch.len();
                    stalls = 0;
                }
                Ok(Err(_)) => break, // cut
                Err(_) => {
                    stalls += 1;
                    if stalls > 100 {
                        break;
                    }
                }
            }
        }
        (sent, stream)
    });

    // Watch the link's queue until it is cut.
    let mut peak_seen = 0;
    let cut = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            for t in broker.terminals() {
                peak_seen = peak_seen.max(t.outbound_peak).max(t.outbound_queued);
            }
            tokio::select! {
                event = events.recv() => if let Ok(Event::Disconnected { pinpad_id, reason }) = event {
                    assert_eq!(pinpad_id, "slow");
                    return reason;
                },
                () = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        }
    })
    .await
    .expect("the stalled link is cut");
    let (sent, _stream) = flood.await.expect("flood task");
    println!(
        "flood sent {sent} bytes; queue peak {peak_seen} bytes (mark {high_water}); cut: {cut:?}"
    );
    assert!(
        sent > 8 * high_water,
        "the flood outran the mark many times over: {sent}"
    );
    assert!(
        peak_seen <= high_water,
        "queued pongs stayed under the mark: {peak_seen}"
    );
    assert!(
        peak_seen >= high_water / 2,
        "the queue did fill (backpressure engaged): {peak_seen}"
    );
    assert!(
        format!("{cut:?}").contains("write deadline"),
        "cut by the write deadline: {cut:?}"
    );
    assert!(broker.terminals().is_empty());
}
