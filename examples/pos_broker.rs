//! A POS broker on the command line: accepts terminals, sends them the requests typed on
//! stdin and prints what they answer. Blocking std drivers from `support/`.
//!
//! ```text
//! cargo run --release --example pos_broker -- --listen 127.0.0.1:8080 \
//!     [--pos-key POS-KEY.pem] [--key-store FILE]
//! cargo run --release --example pos_broker -- --listen 0.0.0.0:8443 \
//!     --tls-cert SERVER.pem --tls-key SERVER-KEY.pem [--client-ca CA.pem]
//! ```
//!
//! With `--tls-cert` and `--tls-key` it serves `wss://` (rustls); `--client-ca` then demands
//! a client certificate issued by that CA (mutual TLS). A terminal whose TLS handshake fails
//! gives `error ADDR:PORT <reason>`, tagged with its address since its id is not known yet.
//!
//! stdin, one command per line:
//! - `PINPAD_ID <TRANSACTION>...</TRANSACTION>`: send the request (the document on one line);
//! - `PINPAD_ID close`: close the link cleanly; `PINPAD_ID drop`: cut the TCP connection;
//! - `PINPAD_ID register`: pair (SECURITY REGISTER with the POS key; the code the cashier must
//!   type goes to stderr), then every request to that terminal is signed;
//!   `PINPAD_ID unregister`: remove the label again; `PINPAD_ID testmac`: SECURITY TEST_MAC.
//!
//! `--pos-key FILE` is the POS's RSA-2048 private key (PEM; generated and saved, mode 0600,
//! when the file does not exist; without it a key lives in memory only). `--key-store FILE`
//! keeps each terminal's labels, keys and counters across restarts.
//!
//! stdout, one line per event: `connected ID`, `response ID <RESPONSE ...>`,
//! `unsolicited ID <RESPONSE ...>`, `error ID <reason>`, `registered ID LABEL`,
//! `unregistered ID LABEL`, `disconnected ID` (the reason of a
//! disconnection goes to stderr), `replaced ID` (a second link with the id connected: the
//! older one is closed with close code 4001 and the id stays connected over the newer).

mod support;

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use rustls::ServerConfig;
use sca_ws::{broker::Config as BrokerConfig, xml::Transaction};
use support::key_store::KeyFile;
use support::pairing::PosPairing;
use support::std_broker::{Broker, Command, Note};

const USAGE: &str = "usage: pos_broker --listen ADDR:PORT [--pos-key FILE] [--key-store FILE] \
[--tls-cert FILE --tls-key FILE [--client-ca FILE]]";

fn main() -> ExitCode {
    let (listen, tls, files) = match parse_args(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("pos_broker: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let scheme = if tls.is_some() { "wss" } else { "ws" };
    let pairing = match PosPairing::open(files.0, files.1) {
        Ok(pairing) => Arc::new(pairing),
        Err(e) => {
            eprintln!("pos_broker: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listening = Broker::listen_paired(&listen, BrokerConfig::default(), tls, Some(pairing));
    let (broker, notes) = match listening {
        Ok(listening) => listening,
        Err(e) => {
            eprintln!("pos_broker: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("listening on {scheme}://{}/", broker.local_addr());
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if let Some((pinpad, error)) = execute(&broker, line.trim()) {
                println!("error {pinpad} {error}");
            }
        }
    });
    while let Ok(note) = notes.recv() {
        println!("{}", note.line());
        if let Note::Disconnected { pinpad, reason } = &note {
            eprintln!("{pinpad}: {reason}");
        }
    }
    ExitCode::SUCCESS
}

/// Carries out one stdin line; `Some((pinpad, reason))` when it could not.
fn execute(broker: &Broker, line: &str) -> Option<(String, String)> {
    if line.is_empty() {
        return None;
    }
    let (pinpad, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let command = match rest.trim() {
        "close" => Command::Close,
        "drop" => Command::Drop,
        "register" => Command::Register,
        "unregister" => Command::Unregister,
        "testmac" => Command::TestMac,
        xml => match Transaction::decode(xml.as_bytes()) {
            Ok(tx) => Command::Submit(tx),
            Err(e) => return Some((pinpad.to_owned(), format!("bad request: {e}"))),
        },
    };
    let result = broker.send(pinpad, command);
    result.err().map(|e| (pinpad.to_owned(), e))
}

type Files = (Option<KeyFile>, Option<KeyFile>);

fn parse_args(
    mut args: impl Iterator<Item = String>,
) -> Result<(String, Option<Arc<ServerConfig>>, Files), String> {
    let mut listen = None;
    let (mut pos_key, mut key_store) = (None, None);
    let (mut cert, mut key, mut client_ca) = (None::<PathBuf>, None::<PathBuf>, None::<PathBuf>);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = Some(args.next().ok_or("--listen needs ADDR:PORT")?),
            "--tls-cert" => cert = Some(args.next().ok_or("--tls-cert needs a PEM file")?.into()),
            "--tls-key" => key = Some(args.next().ok_or("--tls-key needs a PEM file")?.into()),
            "--client-ca" => {
                client_ca = Some(args.next().ok_or("--client-ca needs a PEM file")?.into())
            }
            "--pos-key" => {
                pos_key = Some(KeyFile::new(
                    args.next().ok_or("--pos-key needs a PEM file")?,
                ))
            }
            "--key-store" => {
                key_store = Some(KeyFile::new(args.next().ok_or("--key-store needs a file")?))
            }
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let listen = listen.ok_or("--listen is required")?;
    listen
        .parse::<std::net::SocketAddr>()
        .map_err(|_| format!("--listen {listen:?} is not ADDR:PORT (e.g. 127.0.0.1:8080)"))?;
    let tls = match (&cert, &key) {
        (Some(cert), Some(key)) => Some(support::tls::server_config(
            cert,
            key,
            client_ca.as_deref(),
        )?),
        (None, None) if client_ca.is_some() => {
            return Err("--client-ca needs --tls-cert and --tls-key".into());
        }
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together".into()),
    };
    Ok((listen, tls, (pos_key, key_store)))
}
