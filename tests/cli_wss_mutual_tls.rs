//! The two CLIs as processes over `wss://` with mutual TLS: certificates (a CA, the
//! broker's, a terminal's) are generated here with rcgen and written to a temporary
//! directory. A terminal presenting its certificate gets a session answered end to end; one
//! without a certificate is refused, and both sides say so; unusable TLS files stop the CLIs
//! at start-up with a message naming the flag.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

mod cli_support;
use cli_support::{Killed, example, lines};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rcgen::{ExtendedKeyUsagePurpose, KeyUsagePurpose};

/// Longest wait for any one line.
const LINE_TIMEOUT: Duration = Duration::from_secs(20);

/// A temporary directory removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::UNIX_EPOCH
            .elapsed()
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("sca-ws-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write temp file");
        path.to_str().expect("utf-8 temp path").to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The PEM files of one test PKI.
struct Pki {
    ca: String,
    server_cert: String,
    server_key: String,
    client_cert: String,
    client_key: String,
}

/// A CA, a broker certificate for `localhost`/`127.0.0.1` and a terminal certificate, all
/// fresh, written under `dir`.
fn generate_pki(dir: &TempDir) -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "sca-ws test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key"))
        .expect("self-sign the CA");

    let leaf = |names: Vec<String>, cn: &str, usage: ExtendedKeyUsagePurpose| {
        let key = KeyPair::generate().expect("leaf key");
        let mut params = CertificateParams::new(names).expect("leaf params");
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, &ca).expect("sign leaf");
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf(
        vec!["localhost".into(), "127.0.0.1".into()],
        "pos broker",
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let (client_cert, client_key) = leaf(
        Vec::new(),
        "terminal 7",
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    Pki {
        ca: dir.write("ca.pem", &ca.pem()),
        server_cert: dir.write("server.pem", &server_cert),
        server_key: dir.write("server-key.pem", &server_key),
        client_cert: dir.write("client.pem", &client_cert),
        client_key: dir.write("client-key.pem", &client_key),
    }
}

/// Every line the processes printed, waited on one at a time.
struct Lines {
    rx: Receiver<(&'static str, String)>,
    seen: Vec<(&'static str, String)>,
}

impl Lines {
    /// Waits for the next line from `tag` containing `needle` (lines seen before this call
    /// count too); returns it.
    fn expect(&mut self, tag: &str, needle: &str) -> String {
        let mut from = 0;
        loop {
            let found = self.seen[from..]
                .iter()
                .position(|(t, l)| *t == tag && l.contains(needle));
            if let Some(i) = found {
                return self.seen.remove(from + i).1;
            }
            from = self.seen.len();
            let line = self.rx.recv_timeout(LINE_TIMEOUT).unwrap_or_else(|_| {
                panic!("no {tag} line with {needle:?}; seen: {:#?}", self.seen)
            });
            self.seen.push(line);
        }
    }

    /// True if some line from `tag` containing `needle` was seen so far.
    fn saw(&self, tag: &str, needle: &str) -> bool {
        self.seen
            .iter()
            .any(|(t, l)| *t == tag && l.contains(needle))
    }
}

/// Starts `pos_broker` on a free loopback port with `tls_args`; returns it, its stdin and
/// the `wss://` URL it listens on.
fn start_broker(
    tls_args: &[&str],
    tx: &mpsc::Sender<(&'static str, String)>,
    out: &mut Lines,
) -> (Killed, ChildStdin, String) {
    let mut broker = Killed(
        Command::new(example("pos_broker"))
            .args(["--listen", "127.0.0.1:0"])
            .args(tls_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pos_broker"),
    );
    lines(broker.0.stdout.take().expect("stdout"), "pos", tx.clone());
    lines(
        broker.0.stderr.take().expect("stderr"),
        "pos-err",
        tx.clone(),
    );
    let stdin = broker.0.stdin.take().expect("stdin");
    let listening = out.expect("pos-err", "listening on wss://");
    let url = listening.trim_start_matches("listening on ").to_owned();
    (broker, stdin, url)
}

/// Starts `sca_terminal` as pinpad `id` on `url` with `tls_args`; stderr tagged `tag`.
fn start_terminal(
    url: &str,
    id: &str,
    tls_args: &[&str],
    tag: &'static str,
    tx: &mpsc::Sender<(&'static str, String)>,
) -> Killed {
    let mut terminal = Killed(
        Command::new(example("sca_terminal"))
            .args(["--url", url, "--pinpad-id", id, "--skip-pos-auth"])
            .args(tls_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sca_terminal"),
    );
    lines(terminal.0.stderr.take().expect("stderr"), tag, tx.clone());
    terminal
}

#[test]
fn wss_with_mutual_tls_answers_a_session_and_refuses_a_terminal_without_a_certificate() {
    let dir = TempDir::new("wss");
    let pki = generate_pki(&dir);
    let (tx, rx) = mpsc::channel();
    let mut out = Lines {
        rx,
        seen: Vec::new(),
    };
    let broker_tls = [
        "--tls-cert",
        &pki.server_cert,
        "--tls-key",
        &pki.server_key,
        "--client-ca",
        &pki.ca,
    ];
    let (broker, mut stdin, url) = start_broker(&broker_tls, &tx, &mut out);
    assert!(url.starts_with("wss://127.0.0.1:"), "{url}");

    // With its certificate, the terminal gets through and answers a session.
    let client_tls = [
        "--ca",
        &pki.ca,
        "--cert",
        &pki.client_cert,
        "--key",
        &pki.client_key,
    ];
    let terminal = start_terminal(&url, "7", &client_tls, "term", &tx);
    out.expect("pos", "connected 7");
    out.expect("term", "status: connected");
    writeln!(stdin, "7 <TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND><INVOICE>42</INVOICE></TRANSACTION>")
        .expect("write to pos_broker");
    let started = out.expect("pos", "response 7");
    assert!(
        started.contains("<RESPONSE_TEXT>Session Started</RESPONSE_TEXT>"),
        "{started}"
    );
    writeln!(stdin, "7 close").expect("write to pos_broker");
    out.expect("pos", "disconnected 7");
    drop(terminal);

    // Without a certificate, the broker refuses the handshake and reports it; the terminal
    // shows a TLS failure and keeps retrying.
    let anonymous = start_terminal(&url, "8", &["--ca", &pki.ca], "anon", &tx);
    let refused = out.expect("pos", "error 127.0.0.1:");
    assert!(refused.contains("tls handshake"), "{refused}");
    let failed = out.expect("anon", "tls failed");
    assert!(failed.to_lowercase().contains("certificate"), "{failed}");
    // A second refusal shows the terminal retrying.
    out.expect("pos", "error 127.0.0.1:");
    assert!(!out.saw("pos", "connected 8"), "{:#?}", out.seen);
    drop(anonymous);
    drop(broker);
}

#[test]
fn bad_tls_files_stop_the_clis_with_a_message_naming_the_flag() {
    let dir = TempDir::new("badtls");
    let pki = generate_pki(&dir);
    let missing = dir.0.join("missing.pem");
    let missing = missing.to_str().expect("utf-8 temp path");
    let not_pem = dir.write("not-pem.txt", "hello\n");
    let url = "wss://127.0.0.1:1/";
    let broker = example("pos_broker");
    let terminal = example("sca_terminal");
    for (name, args, flag) in [
        (
            "pos_broker",
            vec![
                "--listen",
                "127.0.0.1:0",
                "--tls-cert",
                missing,
                "--tls-key",
                &pki.server_key,
            ],
            "--tls-cert",
        ),
        (
            "pos_broker",
            vec![
                "--listen",
                "127.0.0.1:0",
                "--tls-cert",
                &pki.server_cert,
                "--tls-key",
                &pki.server_cert,
            ],
            "--tls-key",
        ),
        (
            "pos_broker",
            vec![
                "--listen",
                "127.0.0.1:0",
                "--tls-cert",
                &pki.server_cert,
                "--tls-key",
                &pki.client_key,
            ],
            "--tls-cert/--tls-key",
        ),
        (
            "pos_broker",
            vec![
                "--listen",
                "127.0.0.1:0",
                "--tls-cert",
                &pki.server_cert,
                "--tls-key",
                &pki.server_key,
                "--client-ca",
                &not_pem,
            ],
            "--client-ca",
        ),
        (
            "pos_broker",
            vec!["--listen", "127.0.0.1:0", "--tls-cert", &pki.server_cert],
            "--tls-key",
        ),
        (
            "sca_terminal",
            vec!["--url", url, "--pinpad-id", "1", "--ca", &pki.server_key],
            "--ca",
        ),
        (
            "sca_terminal",
            vec!["--url", url, "--pinpad-id", "1", "--cert", &pki.client_cert],
            "--key",
        ),
        (
            "sca_terminal",
            vec![
                "--url",
                url,
                "--pinpad-id",
                "1",
                "--cert",
                &pki.client_cert,
                "--key",
                missing,
            ],
            "--key",
        ),
        (
            "sca_terminal",
            vec![
                "--url",
                "ws://127.0.0.1:1/",
                "--pinpad-id",
                "1",
                "--ca",
                &pki.ca,
            ],
            "--ca",
        ),
    ] {
        let exe = if name == "pos_broker" {
            &broker
        } else {
            &terminal
        };
        let (ok, err) = run_bounded(exe, &args);
        assert!(!ok, "{name} {args:?} succeeded");
        assert!(
            err.starts_with(&format!("{name}: ")),
            "{name} {args:?}: {err}"
        );
        assert!(err.contains(flag), "{name} {args:?}: {err}");
    }
}

/// Runs `exe` with `args` for at most ten seconds (a CLI that started despite bad files
/// would run forever); returns whether it exited successfully, and its stderr.
fn run_bounded(exe: &Path, args: &[&str]) -> (bool, String) {
    let mut child = Killed(
        Command::new(exe)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start"),
    );
    let status = child.wait_bounded(100);
    let Some(status) = status else {
        return (true, "still running after 10 s".into());
    };
    let mut err = String::new();
    let _ = child
        .0
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err);
    (status.success(), err)
}
