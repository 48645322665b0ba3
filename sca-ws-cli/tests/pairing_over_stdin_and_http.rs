//! Pairing through the binaries: `pos_broker`'s `ID register` (stdin) and
//! `POST /terminals/{id}/register` pair with an `sca_terminal` that checks MACs; signed
//! requests and TEST_MAC are answered; both key stores are mode 0600 and survive restarts of
//! either side; a wrong code pairs nothing; a terminal that cannot save stops before it
//! answers; damaged key files stop either binary at start.

mod support;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use support::http::request;
use support::process::{Lines, START, broker, checking_terminal, scratch_dir};

const VERSION: &str =
    "<TRANSACTION><FUNCTION_TYPE>DEVICE</FUNCTION_TYPE><COMMAND>VERSION</COMMAND></TRANSACTION>";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("file").permissions().mode() & 0o777
}

fn send(pos: &mut support::process::Broker, line: &str) {
    let stdin = pos.stdin.as_mut().expect("piped stdin");
    stdin.write_all(line.as_bytes()).expect("write");
    stdin.write_all(b"\n").expect("write");
    stdin.flush().expect("flush");
}

#[test]
fn stdin_register_pairs_and_both_sides_survive_restarts() {
    let dir = scratch_dir("stdin-pair");
    let (pos_key, pos_store, term_store) = (
        dir.join("pos.pem"),
        dir.join("pos.keys"),
        dir.join("term.keys"),
    );
    let files = [
        "--pos-key",
        pos_key.to_str().unwrap(),
        "--key-store",
        pos_store.to_str().unwrap(),
    ];
    let term_flags = ["--key-store", term_store.to_str().unwrap()];
    let mut lines = Lines::default();
    let mut pos = broker(&mut lines, &files, true);
    let term = checking_terminal(&mut lines, &pos.url, "T", &term_flags);
    lines.expect("pos", "connected T");
    send(&mut pos, "T register");
    lines.expect("pos-err", "pairing code for T:");
    lines.expect("term", "screen: Enter pairing code");
    assert_eq!(lines.expect("pos", "registered T"), "registered T P_1");
    for file in [&pos_key, &pos_store, &term_store] {
        assert_eq!(mode(file), 0o600, "{} holds secrets", file.display());
    }
    let saved = std::fs::read_to_string(&term_store).expect("terminal key store");
    assert!(saved.contains("label 505f31 "), "P_1 (hex) is saved");
    send(&mut pos, &format!("T {VERSION}"));
    let answer = lines.expect("pos", "response T");
    assert!(answer.contains("<RESULT>OK</RESULT>"), "{answer}");
    send(&mut pos, "T testmac");
    let answer = lines.expect("pos", "response T");
    assert!(
        answer.contains("<RESULT>OK</RESULT>"),
        "TEST_MAC verified: {answer}"
    );

    // Both restart from their files: the terminal keeps its key, the broker its counter.
    drop(term);
    // ("disconnected T" contains "connected T": take it first.)
    lines.expect("pos", "disconnected T");
    drop(pos);
    let mut pos = broker(&mut lines, &files, true);
    let _term = checking_terminal(&mut lines, &pos.url, "T", &term_flags);
    lines.expect("term", "key store: 1 labels restored");
    lines.expect("pos", "connected T");
    send(&mut pos, &format!("T {VERSION}"));
    let answer = lines.expect("pos", "response T");
    assert!(
        answer.contains("<RESULT>OK</RESULT>"),
        "signed after restarts: {answer}"
    );
    send(&mut pos, "T unregister");
    lines.expect("pos", "unregistered T");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_wrong_code_pairs_nothing_and_unsigned_requests_stay_refused() {
    let mut lines = Lines::default();
    let mut pos = broker(&mut lines, &[], true);
    let _term = checking_terminal(&mut lines, &pos.url, "W", &["--pairing-code", "wrong"]);
    lines.expect("pos", "connected W");
    send(&mut pos, "W register");
    let error = lines.expect("pos", "error W");
    assert!(error.contains("pairing failed"), "{error}");
    send(&mut pos, &format!("W {VERSION}"));
    let answer = lines.expect("pos", "response W");
    assert!(
        !answer.contains("<RESULT>OK</RESULT>"),
        "unsigned refused: {answer}"
    );
    assert!(!lines.arrives("pos", "registered W", Duration::from_millis(200)));
}

#[test]
fn http_register_with_the_pos_code_then_signed_requests() {
    let mut lines = Lines::default();
    let pos = broker(&mut lines, &["--http", "127.0.0.1:0"], false);
    let api = pos.api.unwrap();
    let _term = checking_terminal(&mut lines, &pos.url, "H", &["--pairing-code", "4321"]);
    lines.expect("pos", "connected H");
    let bad = request(
        api,
        "POST",
        "/terminals/H/register",
        &[],
        "{\"entry_code\": 5}",
    );
    assert_eq!(bad.status, 400, "{bad:?}");
    let reply = request(
        api,
        "POST",
        "/terminals/H/register",
        &[],
        "{\"entry_code\": \"4321\"}",
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(reply.body.contains("\"label\":\"P_1\""), "{}", reply.body);
    let signed = request(api, "POST", "/terminals/H/transactions", &[], START);
    assert!(signed.body.contains("Session Started"), "{signed:?}");
    let test_mac = request(api, "POST", "/terminals/H/testmac", &[], "");
    assert!(
        test_mac.body.contains("<RESULT>OK</RESULT>"),
        "{test_mac:?}"
    );
    let nobody = request(api, "POST", "/terminals/none/register", &[], "");
    assert_eq!(nobody.status, 404, "{nobody:?}");
}

#[test]
fn a_terminal_that_cannot_save_stops_before_it_answers() {
    let dir = scratch_dir("unsaved");
    let store = dir.join("missing-folder").join("term.keys");
    let mut lines = Lines::default();
    let mut pos = broker(&mut lines, &[], true);
    let mut term = checking_terminal(
        &mut lines,
        &pos.url,
        "S",
        &["--key-store", store.to_str().unwrap()],
    );
    lines.expect("pos", "connected S");
    send(&mut pos, "S register");
    lines.expect("term", "stopping before answering");
    let status = term.wait_for_exit(Duration::from_secs(10)).expect("exited");
    assert!(!status.success());
    assert!(
        lines.expect("pos", "error S").contains("link"),
        "no answer reached the POS"
    );
    assert!(!lines.arrives("pos", "registered S", Duration::from_millis(200)));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn damaged_key_files_stop_the_broker_at_start_and_say_which() {
    let dir = scratch_dir("damaged");
    let (pem, store) = (dir.join("pos.pem"), dir.join("pos.keys"));
    std::fs::write(
        &pem,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .expect("write");
    std::fs::write(&store, "pinpad 41\nnot a book\n").expect("write");
    for (flag, file) in [("--pos-key", &pem), ("--key-store", &store)] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pos_broker"))
            .args(["--listen", "127.0.0.1:0", flag, file.to_str().unwrap()])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run pos_broker");
        assert!(
            !out.status.success(),
            "{flag} with a damaged file must not serve"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(file.to_str().unwrap()), "{flag}: {err}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sca_terminal"))
        .args(["--url", "ws://127.0.0.1:1/", "--pinpad-id", "D"])
        .args(["--key-store", store.to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run sca_terminal");
    assert!(
        !out.status.success(),
        "a damaged terminal key store must not be ignored"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
