//! `sca_terminal --key-store FILE` (the workspace binary) as a process: a COUNTER the
//! terminal answered is on disk before the answer left, so a terminal SIGKILLed right after
//! answering refuses that COUNTER when it comes back, and accepts a higher one without
//! pairing again; SIGTERM right after an answer leaves that COUNTER on disk too. (Ported from
//! the core's test of the example CLIs.)

mod support;

use std::io::Write;
use std::time::Duration;

use sca_ws::mac::compute_mac;
use sca_ws::terminal::AuthState;
use support::process::{Broker, Lines, START, broker, checking_terminal, scratch_dir};

fn send(pos: &mut Broker, line: &str) {
    let stdin = pos.stdin.as_mut().expect("piped stdin");
    writeln!(stdin, "{line}").expect("write");
    stdin.flush().expect("flush");
}

fn signed_start(key: &[u8], counter: u32) -> String {
    format!(
        "7 <TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND>\
         <MAC_LABEL>P_1</MAC_LABEL><COUNTER>{counter}</COUNTER><MAC>{}</MAC></TRANSACTION>",
        compute_mac(key, counter)
    )
}

#[test]
fn a_counter_answered_before_sigkill_is_refused_after_restart_and_a_higher_one_accepted() {
    let dir = scratch_dir("sigkill");
    let store = dir.join("terminal.keys");
    let flags = ["--key-store", store.to_str().unwrap()];

    // Run 1: pair, then one signed request; SIGKILL as soon as its answer arrived.
    let mut lines = Lines::default();
    let mut pos = broker(&mut lines, &[], true);
    let mut term = checking_terminal(&mut lines, &pos.url, "7", &flags);
    lines.expect("pos", "connected 7");
    send(&mut pos, "7 register");
    lines.expect("term", "screen: Enter pairing code");
    assert_eq!(lines.expect("pos", "registered 7"), "registered 7 P_1");
    send(&mut pos, &format!("7 {START}"));
    let answer = lines.expect("pos", "response 7 <RESPONSE><RESPONSE_TEXT>Session Started");
    term.0.kill().expect("SIGKILL the terminal"); // no handler runs
    let _ = term.0.wait();
    assert!(answer.contains("<COUNTER>1</COUNTER>"), "{answer}");
    lines.expect("pos", "disconnected 7");
    drop(pos);

    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&store).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "key store mode {mode:o}");
    }
    let state = AuthState::decode(&std::fs::read_to_string(&store).unwrap()).unwrap();
    let label = state.label("P_1").expect("label saved");
    assert_eq!(
        label.last_counter,
        Some(1),
        "the answered COUNTER was saved first"
    );
    let key = label.key().to_vec();

    // Run 2: a POS that holds no keys passes COUNTER and MAC through as typed.
    let mut pos = broker(&mut lines, &[], true);
    let mut term = checking_terminal(&mut lines, &pos.url, "7", &flags);
    lines.expect("term", "key store: 1 labels restored");
    lines.expect("pos", "connected 7");
    send(&mut pos, &signed_start(&key, 1));
    let replay = lines.expect("pos", "response 7");
    assert!(
        replay.contains("COUNTER not higher than the last one"),
        "{replay}"
    );
    send(&mut pos, &signed_start(&key, 2));
    let fresh = lines.expect("pos", "response 7");
    assert!(fresh.contains("Session Started"), "{fresh}");

    // SIGTERM right after that answer: the terminal closes its link and exits 0, and
    // COUNTER 2 is on disk.
    term.terminate();
    let status = term.wait_for_exit(Duration::from_secs(15));
    assert!(
        status.is_some_and(|s| s.success()),
        "sca_terminal after SIGTERM: {status:?}"
    );
    let state = AuthState::decode(&std::fs::read_to_string(&store).unwrap()).unwrap();
    assert_eq!(state.label("P_1").and_then(|l| l.last_counter), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
