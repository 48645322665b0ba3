//! The stdin line mode can never stop the service: stdin at end (`</dev/null`) and bytes
//! that are not UTF-8 leave the broker accepting terminals and answering.

mod support;

use std::io::Write;
use std::time::Duration;

use support::http::request;
use support::process::{Lines, START, broker, terminal};

#[test]
fn stdin_closed_keeps_serving() {
    let mut lines = Lines::default();
    let pos = broker(&mut lines, &["--http", "127.0.0.1:0"], false);
    lines.expect("pos-err", "stdin ended; still serving");
    // Long after stdin ended, a terminal still connects and is answered.
    std::thread::sleep(Duration::from_millis(300));
    let _term = terminal(&mut lines, &pos.url, "5", &[]);
    lines.expect("pos", "connected 5");
    let reply = request(
        pos.api.unwrap(),
        "POST",
        "/terminals/5/transactions",
        &[],
        START,
    );
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[test]
fn bad_bytes_get_an_error_line_and_the_next_line_works() {
    let mut lines = Lines::default();
    let mut pos = broker(&mut lines, &[], true);
    let _term = terminal(&mut lines, &pos.url, "5", &[]);
    lines.expect("pos", "connected 5");
    let stdin = pos.stdin.as_mut().unwrap();
    stdin.write_all(b"5 \xff\xfe\x00 <TRANSACTION>\n").unwrap();
    // A line far past the 256 KiB limit is skipped whole, not buffered.
    stdin.write_all(&vec![b'x'; 1024 * 1024]).unwrap();
    stdin.write_all(b"\n").unwrap();
    stdin
        .write_all(b"5 <TRANSACTION><FUNCTION_TYPE>\n")
        .unwrap();
    stdin.write_all(b"9 ").unwrap();
    stdin.write_all(START.as_bytes()).unwrap();
    stdin.write_all(b"\n5 ").unwrap();
    stdin.write_all(START.as_bytes()).unwrap();
    stdin.write_all(b"\n").unwrap();
    stdin.flush().unwrap();
    assert_eq!(
        lines.expect("pos", "error -"),
        "error - the line is not UTF-8 text"
    );
    let long = lines.expect("pos", "error -");
    assert!(long.contains("longer than 262144 bytes"), "{long}");
    assert!(
        lines
            .expect("pos", "error 5")
            .starts_with("error 5 bad request")
    );
    assert_eq!(lines.expect("pos", "error 9"), "error 9 not connected");
    let answer = lines.expect("pos", "response 5");
    assert!(
        answer.contains("<RESPONSE_TEXT>Session Started</RESPONSE_TEXT>"),
        "{answer}"
    );
    // Closing stdin now does not stop it either.
    drop(pos.stdin.take());
    lines.expect("pos-err", "stdin ended");
    assert!(
        pos.child.0.try_wait().unwrap().is_none(),
        "pos_broker exited"
    );
}
