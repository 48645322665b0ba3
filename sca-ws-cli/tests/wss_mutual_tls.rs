//! The two binaries as processes over `wss://` with mutual TLS, on certificates made at run
//! time (`support::pki`): a terminal presenting its certificate gets a session answered end
//! to end; one without a certificate is refused, never listed as connected, and shows the
//! TLS failure on its screen while it keeps retrying; unusable TLS files stop either binary
//! at start with exit code 2 and a message naming the flag. (Ported from the core's test of
//! the example CLIs.)

mod support;

use std::io::Write;
use std::time::Duration;

use support::pki;
use support::process::{
    Lines, POS_BROKER, SCA_TERMINAL, START, broker, refused_at_start, scratch_dir, terminal,
};

#[test]
fn mutual_tls_answers_a_session_and_refuses_a_terminal_without_a_certificate() {
    let dir = scratch_dir("wss");
    let pki = pki::generate(&dir);
    let mut lines = Lines::default();
    let tls = [
        "--tls-cert",
        pki.server_cert.as_str(),
        "--tls-key",
        &pki.server_key,
        "--client-ca",
        &pki.ca,
    ];
    let mut pos = broker(&mut lines, &tls, true);
    assert!(pos.url.starts_with("wss://127.0.0.1:"), "{}", pos.url);

    // With its certificate the terminal gets through and answers.
    let identity = [
        "--ca",
        pki.ca.as_str(),
        "--cert",
        &pki.client_cert,
        "--key",
        &pki.client_key,
    ];
    let term = terminal(&mut lines, &pos.url, "7", &identity);
    lines.expect("pos", "connected 7");
    lines.expect("term", "status: connected");
    let stdin = pos.stdin.as_mut().expect("piped stdin");
    writeln!(stdin, "7 {START}").expect("write to pos_broker");
    stdin.flush().expect("flush");
    let started = lines.expect("pos", "response 7");
    assert!(
        started.contains("<RESPONSE_TEXT>Session Started</RESPONSE_TEXT>"),
        "{started}"
    );
    drop(term);
    lines.expect("pos", "disconnected 7");

    // Trusting the broker but presenting no certificate: the broker refuses the handshake,
    // the terminal shows a TLS failure about the certificate, and tries again.
    let _anonymous = terminal(&mut lines, &pos.url, "8", &["--ca", &pki.ca]);
    let failed = lines.expect("term", "tls failed");
    assert!(failed.starts_with("screen:"), "{failed}");
    assert!(failed.to_lowercase().contains("certificate"), "{failed}");
    // The broker's side: the failed handshake, named by the peer's address.
    let refused = lines.expect("pos-err", "pos_broker: TLS handshake with 127.0.0.1:");
    assert!(refused.contains("failed"), "{refused}");
    let again = lines.expect_within("term", "tls failed", Duration::from_secs(30));
    assert!(again.to_lowercase().contains("certificate"), "{again}");
    // (Terminal 7's lines were all taken above: any new "status: connected" would be 8's.)
    assert!(
        !lines.arrives("term", "status: connected", Duration::from_millis(300)),
        "{:#?}",
        lines.seen
    );
    assert!(
        !lines.arrives("pos", "connected 8", Duration::from_millis(300)),
        "{:#?}",
        lines.seen
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unusable_tls_files_stop_the_binaries_with_a_message_naming_the_flag() {
    let dir = scratch_dir("bad-tls");
    let pki = pki::generate(&dir);
    let missing = dir.join("missing.pem");
    let missing = missing.to_str().expect("a UTF-8 path");
    let not_pem = dir.join("not-pem.txt");
    std::fs::write(&not_pem, "hello\n").expect("write");
    let not_pem = not_pem.to_str().expect("a UTF-8 path");
    let (cert, key, ca) = (
        pki.server_cert.as_str(),
        pki.server_key.as_str(),
        pki.ca.as_str(),
    );
    let listen = ["--listen", "127.0.0.1:0"];
    let wss = ["--url", "wss://127.0.0.1:1/", "--pinpad-id", "1"];
    // Each: the binary, its flags, what the first line must name, what it must not blame.
    // A certificate file that is not there.
    stops_naming(
        POS_BROKER,
        &[&listen[..], &["--tls-cert", missing, "--tls-key", key]].concat(),
        &["--tls-cert", missing],
        &[],
    );
    // A certificate where the key should be.
    stops_naming(
        POS_BROKER,
        &[&listen[..], &["--tls-cert", cert, "--tls-key", cert]].concat(),
        &["--tls-key", "key"],
        &[],
    );
    // A key that is not the certificate's.
    stops_naming(
        POS_BROKER,
        &[
            &listen[..],
            &["--tls-cert", cert, "--tls-key", &pki.client_key],
        ]
        .concat(),
        &["--tls-cert", "--tls-key", "certificate and key"],
        &[],
    );
    // Client CAs that are not PEM: blamed on --client-ca alone.
    stops_naming(
        POS_BROKER,
        &[
            &listen[..],
            &["--tls-cert", cert, "--tls-key", key, "--client-ca", not_pem],
        ]
        .concat(),
        &["--client-ca", not_pem],
        &["--tls-cert", "--tls-key"],
    );
    // A certificate without its key.
    stops_naming(
        POS_BROKER,
        &[&listen[..], &["--tls-cert", cert]].concat(),
        &["--tls-key"],
        &[],
    );
    // A key where the CA should be: blamed on --ca alone.
    stops_naming(
        SCA_TERMINAL,
        &[&wss[..], &["--ca", key]].concat(),
        &["--ca", key],
        &["--cert", "--key "],
    );
    // A client certificate without its key.
    stops_naming(
        SCA_TERMINAL,
        &[&wss[..], &["--cert", &pki.client_cert]].concat(),
        &["--key"],
        &[],
    );
    // A client key file that is not there.
    stops_naming(
        SCA_TERMINAL,
        &[&wss[..], &["--cert", &pki.client_cert, "--key", missing]].concat(),
        &["--key", missing],
        &[],
    );
    // The key of another certificate.
    stops_naming(
        SCA_TERMINAL,
        &[&wss[..], &["--cert", &pki.client_cert, "--key", key]].concat(),
        &["--cert", "--key"],
        &["--ca "],
    );
    // TLS files with a ws:// URL.
    stops_naming(
        SCA_TERMINAL,
        &["--url", "ws://127.0.0.1:1/", "--pinpad-id", "1", "--ca", ca],
        &["--ca", "wss://"],
        &[],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `program` with `args`, which must stop it at start with exit code 2 and a first
/// stderr line `NAME: ...` that contains every one of `named` and none of `not_blamed`.
fn stops_naming(program: &str, args: &[&str], named: &[&str], not_blamed: &[&str]) {
    let err = refused_at_start(program, args);
    let message = err.lines().next().unwrap_or_default();
    for needle in named {
        assert!(message.contains(needle), "{args:?}: {message}");
    }
    for needle in not_blamed {
        assert!(!message.contains(needle), "{args:?}: {message}");
    }
}
