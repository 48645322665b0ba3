//! The two binaries as processes over loopback, driven through `pos_broker`'s stdin: a
//! payment session (START, CAPTURE, VERSION, FINISH) sent to `sca_terminal` is answered
//! line by line on stdout, `ID close` ends the link and the terminal comes back, and bad
//! command lines stop either binary with exit code 2 and its usage. (Ported from the core's end-to-end test of the example CLIs; the `error 9 not
//! connected` and `error 7 bad request` lines are checked by `pos_broker_stdin.rs`.)

mod support;

use std::io::Write;
use std::time::Duration;

use support::process::{
    Broker, CAPTURE, Lines, POS_BROKER, SCA_TERMINAL, START, broker, refused_at_start, terminal,
};

const VERSION: &str =
    "<TRANSACTION><FUNCTION_TYPE>DEVICE</FUNCTION_TYPE><COMMAND>VERSION</COMMAND></TRANSACTION>";
const FINISH: &str =
    "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>FINISH</COMMAND></TRANSACTION>";

fn send(pos: &mut Broker, line: &str) {
    let stdin = pos.stdin.as_mut().expect("piped stdin");
    writeln!(stdin, "{line}").expect("write to pos_broker");
    stdin.flush().expect("flush");
}

#[test]
fn a_payment_session_over_stdin_is_answered_end_to_end() {
    let mut lines = Lines::default();
    let mut pos = broker(&mut lines, &[], true);
    let mut term = terminal(&mut lines, &pos.url, "7", &["--capture-delay", "1"]);
    lines.expect("pos", "connected 7");
    lines.expect("term", "status: connected");

    let invoice = START.replace("</COMMAND>", "</COMMAND><INVOICE>42</INVOICE>");
    send(&mut pos, &format!("7 {invoice}"));
    let started = lines.expect("pos", "response 7");
    assert!(
        started.contains("<RESPONSE_TEXT>Session Started</RESPONSE_TEXT>"),
        "{started}"
    );

    // The simulated customer takes a second; the answer is the approval.
    send(&mut pos, &format!("7 {CAPTURE}"));
    let captured = lines.expect("pos", "response 7");
    assert!(
        captured.contains("<RESULT_CODE>-1</RESULT_CODE>"),
        "{captured}"
    );
    assert!(
        captured.contains("<APPROVED_AMOUNT>5.00</APPROVED_AMOUNT>"),
        "{captured}"
    );

    send(&mut pos, &format!("7 {VERSION}"));
    let version = lines.expect("pos", "response 7");
    assert!(
        version.contains("<SERIAL_NUMBER>7</SERIAL_NUMBER>"),
        "{version}"
    );

    send(&mut pos, &format!("7 {FINISH}"));
    let finished = lines.expect("pos", "response 7");
    assert!(
        finished.contains("<RESPONSE_TEXT>Session Finished</RESPONSE_TEXT>"),
        "{finished}"
    );

    // `ID close` ends the link with the close handshake; the terminal dials again at once.
    send(&mut pos, "7 close");
    lines.expect("pos", "disconnected 7");
    lines.expect("pos-err", "7: closed 1000");
    lines.expect("pos", "connected 7");
    send(&mut pos, &format!("7 {VERSION}"));
    lines.expect("pos", "response 7");

    // The terminal ends the link when stopped: the broker reports it gone.
    term.terminate();
    lines.expect("pos", "disconnected 7");
    let status = term.wait_for_exit(Duration::from_secs(15));
    assert!(
        status.is_some_and(|s| s.success()),
        "sca_terminal: {status:?}; {:#?}",
        lines.seen
    );
}

#[test]
fn bad_command_lines_exit_2_with_the_usage() {
    for (program, name, args) in [
        (POS_BROKER, "pos_broker", vec!["--listen", "not-an-address"]),
        (
            POS_BROKER,
            "pos_broker",
            vec!["--listen", "127.0.0.1:0", "--bogus"],
        ),
        (POS_BROKER, "pos_broker", vec![]),
        (
            SCA_TERMINAL,
            "sca_terminal",
            vec!["--url", "http://127.0.0.1:1/", "--pinpad-id", "1"],
        ),
        (
            SCA_TERMINAL,
            "sca_terminal",
            vec!["--url", "ws://127.0.0.1:1/"],
        ),
        (
            SCA_TERMINAL,
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
        let err = refused_at_start(program, &args);
        assert!(
            err.contains(&format!("usage: {name} ")),
            "{name} {args:?}: {err}"
        );
    }
}
