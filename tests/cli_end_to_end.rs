//! The two CLIs as processes over loopback: `pos_broker` sends a session's requests to
//! `sca_terminal` and prints its answers. The example binaries are the ones `cargo test`
//! builds next to this test (`target/<profile>/examples/`).

use std::io::{Read, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

mod cli_support;
use cli_support::{Killed, example, lines};

/// Longest wait for any one line.
const LINE_TIMEOUT: Duration = Duration::from_secs(20);

struct Session {
    rx: Receiver<(&'static str, String)>,
    seen: Vec<(&'static str, String)>,
    pending: Vec<(&'static str, String)>,
    stdin: ChildStdin,
}

impl Session {
    /// Waits for a line from `tag` starting with `prefix` (lines of other tags stay
    /// available to later calls; earlier lines of `tag` are skipped); returns it.
    fn expect(&mut self, tag: &str, prefix: &str) -> String {
        loop {
            let found = self
                .pending
                .iter()
                .position(|(t, l)| *t == tag && l.starts_with(prefix));
            if let Some(i) = found {
                let line = self.pending.remove(i).1;
                self.pending.retain(|(t, _)| *t != tag);
                return line;
            }
            let (from, line) = self.rx.recv_timeout(LINE_TIMEOUT).unwrap_or_else(|_| {
                panic!("no {tag} line starting {prefix:?}; seen: {:#?}", self.seen)
            });
            self.seen.push((from, line.clone()));
            self.pending.push((from, line));
        }
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("write to pos_broker");
    }
}

#[test]
fn cli_session_end_to_end() {
    let (tx, rx) = mpsc::channel();
    let mut broker = Killed(
        Command::new(example("pos_broker"))
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pos_broker"),
    );
    lines(broker.0.stdout.take().unwrap(), "pos", tx.clone());
    lines(broker.0.stderr.take().unwrap(), "pos-err", tx.clone());
    let stdin = broker.0.stdin.take().unwrap();
    let mut s = Session {
        rx,
        seen: Vec::new(),
        pending: Vec::new(),
        stdin,
    };
    let listening = s.expect("pos-err", "listening on ws://");
    let url = listening.trim_start_matches("listening on ").to_owned();

    let mut terminal = Killed(
        Command::new(example("sca_terminal"))
            .args([
                "--url",
                &url,
                "--pinpad-id",
                "7",
                "--skip-pos-auth",
                "--capture-delay",
                "1",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sca_terminal"),
    );
    lines(terminal.0.stderr.take().unwrap(), "term", tx);

    s.expect("pos", "connected 7");
    s.expect("term", "status: connected");

    s.send("9 <TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND></TRANSACTION>");
    assert_eq!(s.expect("pos", "error 9"), "error 9 not connected");
    s.send("7 <TRANSACTION><FUNCTION_TYPE>");
    assert!(
        s.expect("pos", "error 7")
            .starts_with("error 7 bad request")
    );

    s.send("7 <TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND><INVOICE>42</INVOICE></TRANSACTION>");
    let started = s.expect("pos", "response 7");
    assert!(
        started.contains("<RESPONSE_TEXT>Session Started</RESPONSE_TEXT>"),
        "{started}"
    );

    s.send("7 <TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND><TRANS_AMOUNT>5.00</TRANS_AMOUNT></TRANSACTION>");
    let captured = s.expect("pos", "response 7");
    assert!(
        captured.contains("<RESULT_CODE>-1</RESULT_CODE>"),
        "{captured}"
    );
    assert!(
        captured.contains("<APPROVED_AMOUNT>5.00</APPROVED_AMOUNT>"),
        "{captured}"
    );

    s.send("7 <TRANSACTION><FUNCTION_TYPE>DEVICE</FUNCTION_TYPE><COMMAND>VERSION</COMMAND></TRANSACTION>");
    let version = s.expect("pos", "response 7");
    assert!(
        version.contains("<SERIAL_NUMBER>7</SERIAL_NUMBER>"),
        "{version}"
    );

    s.send("7 <TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>FINISH</COMMAND></TRANSACTION>");
    let finished = s.expect("pos", "response 7");
    assert!(
        finished.contains("<TERMINATION_STATUS>SUCCESS</TERMINATION_STATUS>"),
        "{finished}"
    );

    s.send("7 close");
    s.expect("pos", "disconnected 7");
    s.expect("term", "status: disconnected");
    drop(terminal);
    drop(broker);
}

#[test]
fn cli_bad_arguments_exit_non_zero_with_usage() {
    for (name, args) in [
        ("pos_broker", vec!["--listen", "not-an-address"]),
        ("pos_broker", vec!["--bogus"]),
        (
            "sca_terminal",
            vec!["--url", "http://127.0.0.1:1/", "--pinpad-id", "1"],
        ),
        ("sca_terminal", vec!["--url", "ws://127.0.0.1:1/"]),
        (
            "sca_terminal",
            vec![
                "--url",
                "ws://127.0.0.1:1/",
                "--pinpad-id",
                "1",
                "--config",
                "/nonexistent/sca.cfg",
            ],
        ),
    ] {
        let out = Command::new(example(name))
            .args(&args)
            .output()
            .expect("run");
        assert!(!out.status.success(), "{name} {args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(&format!("{name}: ")),
            "{name} {args:?}: {err}"
        );
    }
}

#[test]
fn tokio_link_example_plays_its_session() {
    let mut child = Killed(
        Command::new(example("tokio_link"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tokio_link"),
    );
    let status = child.wait_bounded(600);
    let mut out = String::new();
    let _ = child.0.stdout.take().unwrap().read_to_string(&mut out);
    assert!(
        status.is_some_and(|s| s.success()),
        "tokio_link: {status:?}\n{out}"
    );
    assert!(
        out.contains("<APPROVED_AMOUNT>9.99</APPROVED_AMOUNT>"),
        "{out}"
    );
}
