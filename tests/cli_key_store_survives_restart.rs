//! `sca_terminal --key-store FILE` as processes: a COUNTER the terminal answered is on disk
//! before the answer left, so a terminal SIGKILLed right after answering refuses that COUNTER
//! when it comes back, and accepts a higher one without pairing again.

use std::io::Write;
use std::path::Path;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use sca_ws::mac::compute_mac;
use sca_ws::terminal::AuthState;

#[allow(dead_code)] // each CLI test uses part of the helpers
mod cli_support;
use cli_support::{Killed, example, lines};

const LINE_TIMEOUT: Duration = Duration::from_secs(30);

type Line = (&'static str, String);

/// Waits for a line from `tag` starting with `prefix`, skipping others.
fn expect(rx: &Receiver<Line>, tag: &str, prefix: &str) -> String {
    let mut seen = Vec::new();
    loop {
        let (from, line) = rx
            .recv_timeout(LINE_TIMEOUT)
            .unwrap_or_else(|_| panic!("no {tag} line starting {prefix:?}; seen {seen:#?}"));
        if from == tag && line.starts_with(prefix) {
            return line;
        }
        seen.push((from, line));
    }
}

fn broker(tx: &Sender<Line>) -> (Killed, ChildStdin, String) {
    let mut child = Killed(
        Command::new(example("pos_broker"))
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pos_broker"),
    );
    lines(child.0.stdout.take().unwrap(), "pos", tx.clone());
    lines(child.0.stderr.take().unwrap(), "pos-err", tx.clone());
    let stdin = child.0.stdin.take().unwrap();
    (child, stdin, String::new())
}

fn terminal(url: &str, store: &Path, tx: &Sender<Line>) -> Killed {
    let mut child = Killed(
        Command::new(example("sca_terminal"))
            .args(["--url", url, "--pinpad-id", "7", "--key-store"])
            .arg(store)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sca_terminal"),
    );
    lines(child.0.stderr.take().unwrap(), "term", tx.clone());
    child
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
    let dir = std::env::temp_dir().join(format!("sca-ws-keystore-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("terminal.keys");

    // Run 1: pair, then one signed request; SIGKILL as soon as its answer arrived.
    let (tx, rx) = mpsc::channel();
    let (mut pos, mut stdin, _) = broker(&tx);
    let url = expect(&rx, "pos-err", "listening on ws://")
        .trim_start_matches("listening on ")
        .to_owned();
    let mut term = terminal(&url, &store, &tx);
    expect(&rx, "pos", "connected 7");
    writeln!(stdin, "7 register").unwrap();
    expect(&rx, "term", "screen: Enter pairing code");
    assert_eq!(expect(&rx, "pos", "registered 7"), "registered 7 P_1");
    writeln!(
        stdin,
        "7 <TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND></TRANSACTION>"
    )
    .unwrap();
    let answer = expect(
        &rx,
        "pos",
        "response 7 <RESPONSE><RESPONSE_TEXT>Session Started",
    );
    term.0.kill().expect("SIGKILL the terminal"); // no handler runs
    let _ = term.0.wait();
    assert!(answer.contains("<COUNTER>1</COUNTER>"), "{answer}");
    let _ = pos.0.kill();
    let _ = pos.0.wait();

    #[cfg(unix)]
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
    let (tx, rx) = mpsc::channel();
    let (_pos, mut stdin, _) = broker(&tx);
    let url = expect(&rx, "pos-err", "listening on ws://")
        .trim_start_matches("listening on ")
        .to_owned();
    let _term = terminal(&url, &store, &tx);
    expect(&rx, "term", "key store: 1 labels restored");
    expect(&rx, "pos", "connected 7");
    writeln!(stdin, "{}", signed_start(&key, 1)).unwrap();
    let replay = expect(&rx, "pos", "response 7");
    assert!(
        replay.contains("COUNTER not higher than the last one"),
        "{replay}"
    );
    writeln!(stdin, "{}", signed_start(&key, 2)).unwrap();
    let fresh = expect(&rx, "pos", "response 7");
    assert!(fresh.contains("Session Started"), "{fresh}");
    let _ = std::fs::remove_dir_all(&dir);
}
