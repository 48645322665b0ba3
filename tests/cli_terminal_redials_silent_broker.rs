//! `sca_terminal --ping-interval 5` against a broker that completes the upgrade and then goes
//! silent (reads nothing, answers no ping, keeps TCP open) declares the link lost once the
//! pong timeout (the interval, 5 s) runs out, shows it, and dials again within 13 s.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[allow(dead_code)] // this test does not wait for the terminal to exit
mod cli_support;
use cli_support::{Killed, example, lines};

/// Reads an upgrade request head and answers 101; the stream is then left unread.
fn upgrade(stream: &mut TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    for _ in 0..16 * 1024 {
        if head.ends_with(b"\r\n\r\n") {
            break;
        }
        stream
            .read_exact(&mut byte)
            .expect("read the upgrade request");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("an ASCII head");
    let key = head
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .expect("a Sec-WebSocket-Key");
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        sca_ws::handshake::accept_key(key.trim())
    );
    stream.write_all(answer.as_bytes()).expect("write the 101");
}

#[test]
// Two processes on real time: the wall clock is what the 13 s promise is about.
#[allow(clippy::disallowed_methods)]
fn sca_terminal_dials_again_within_13_s_after_the_broker_goes_silent() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    let mut terminal = Killed(
        Command::new(example("sca_terminal"))
            .args([
                "--url",
                &format!("ws://127.0.0.1:{port}/"),
                "--pinpad-id",
                "3",
                "--ping-interval",
                "5",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sca_terminal"),
    );
    lines(terminal.0.stderr.take().unwrap(), "term", tx);

    let (mut first, _) = listener.accept().expect("first dial");
    upgrade(&mut first);
    let silent_since = Instant::now();
    // Held open and never read again: no pong, no close, no FIN.
    listener
        .set_nonblocking(true)
        .expect("poll the listener without blocking");
    let mut second = None;
    for _ in 0..200 {
        if let Ok((stream, _)) = listener.accept() {
            second = Some(stream);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let waited = silent_since.elapsed();
    assert!(second.is_some(), "no second dial within 20 s");
    assert!(
        waited < Duration::from_secs(13),
        "dialled again after {waited:?}"
    );
    assert!(
        waited >= Duration::from_secs(9),
        "dialled again after {waited:?}: before the pong timeout could run out"
    );

    // The lines telling of the loss were written before the dial; give the reader thread
    // a moment to pass them on.
    let mut seen = Vec::new();
    let shown = |seen: &[String]| {
        seen.iter().any(|l| l.starts_with("status: disconnected"))
            && seen
                .iter()
                .any(|l| l.starts_with("screen:") && l.contains("pong"))
    };
    for _ in 0..50 {
        if shown(&seen) {
            break;
        }
        if let Ok((_, line)) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.push(line);
        }
    }
    assert!(shown(&seen), "the icon and the reason are shown: {seen:#?}");
    drop(first);
}
