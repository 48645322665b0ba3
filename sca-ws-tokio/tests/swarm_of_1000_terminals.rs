//! 1 000 terminal clients against one server on loopback, in one process: every one
//! connects, answers a request, and closes; the server ends with no link left.

mod support;

use std::time::Duration;

use sca_ws_tokio::broker::ServerConfig;
use sca_ws_tokio::terminal::Client;
use support::*;

const TERMINALS: usize = 1000;

/// Raises the soft descriptor limit toward what the test needs; `Err` names why it cannot.
fn enough_descriptors(needed: u64) -> Result<(), String> {
    let (soft, hard) = rlimit::Resource::NOFILE
        .get()
        .map_err(|e| format!("getrlimit: {e}"))?;
    if soft >= needed {
        return Ok(());
    }
    if hard < needed {
        return Err(format!("RLIMIT_NOFILE hard limit {hard} < {needed} needed"));
    }
    rlimit::Resource::NOFILE
        .set(needed, hard)
        .map_err(|e| format!("setrlimit to {needed}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_terminals_connect_answer_and_close() {
    // Two sockets per terminal (both ends live here) plus headroom.
    if let Err(why) = enough_descriptors(2 * TERMINALS as u64 + 256) {
        println!("skipped: {why}");
        return;
    }
    let mut config = ServerConfig::new(loopback());
    config.submit_timeout = Duration::from_secs(30);
    let (broker, addr) = start_server(config);
    let started = tokio::time::Instant::now();
    let mut clients = Vec::with_capacity(TERMINALS);
    for n in 1..=TERMINALS {
        let mut config = terminal_config(addr, &format!("ID-{n}"));
        config.terminal.reconnect.first = Duration::from_millis(200);
        let (handle, _task) = Client::spawn(
            config,
            Answer {
                delay: Some(Duration::ZERO),
            },
        );
        clients.push(handle);
    }
    let mut up = 0;
    for _ in 0..1200 {
        up = broker.terminals().len();
        if up == TERMINALS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(up, TERMINALS, "every terminal connected within 60 s");
    let connect_time = started.elapsed();

    let mut answers = Vec::with_capacity(TERMINALS);
    for n in 1..=TERMINALS {
        let broker = broker.clone();
        answers.push(tokio::spawn(async move {
            broker.submit(&format!("ID-{n}"), session_start()).await
        }));
    }
    let mut answered = 0;
    for answer in answers {
        let answer = tokio::time::timeout(Duration::from_secs(60), answer)
            .await
            .expect("answers within the bound")
            .expect("task");
        assert!(answer.expect("an answer").is_success());
        answered += 1;
    }
    assert_eq!(answered, TERMINALS);
    println!(
        "{TERMINALS} terminals connected in {connect_time:?}; all answered after {:?}",
        started.elapsed()
    );

    for client in &clients {
        client.close();
    }
    for _ in 0..600 {
        if broker.link_count() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        broker.link_count(),
        0,
        "every link ended after the clients closed"
    );
}
