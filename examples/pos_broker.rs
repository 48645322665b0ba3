//! A POS broker on the command line: accepts terminals, sends them the requests typed on
//! stdin and prints what they answer. Blocking std drivers from `support/`.
//!
//! ```text
//! cargo run --release --example pos_broker -- --listen 127.0.0.1:8080
//! ```
//!
//! stdin, one command per line:
//! - `PINPAD_ID <TRANSACTION>...</TRANSACTION>`: send the request (the document on one line);
//! - `PINPAD_ID close`: close the link cleanly; `PINPAD_ID drop`: cut the TCP connection.
//!
//! stdout, one line per event: `connected ID`, `response ID <RESPONSE ...>`,
//! `unsolicited ID <RESPONSE ...>`, `error ID <reason>`, `disconnected ID` (the reason of a
//! disconnection goes to stderr).

mod support;

use std::io::BufRead;
use std::process::ExitCode;

use sca_ws::{BrokerConfig, Transaction};
use support::std_broker::{Broker, Command, Note};

const USAGE: &str = "usage: pos_broker --listen ADDR:PORT";

fn main() -> ExitCode {
    let listen = match parse_args(std::env::args().skip(1)) {
        Ok(listen) => listen,
        Err(e) => {
            eprintln!("pos_broker: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (broker, notes) = match Broker::listen(&listen, BrokerConfig::default()) {
        Ok(listening) => listening,
        Err(e) => {
            eprintln!("pos_broker: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("listening on ws://{}/", broker.local_addr());
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
        xml => match Transaction::decode(xml.as_bytes()) {
            Ok(tx) => Command::Submit(tx),
            Err(e) => return Some((pinpad.to_owned(), format!("bad request: {e}"))),
        },
    };
    let result = broker.send(pinpad, command);
    result.err().map(|e| (pinpad.to_owned(), e))
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<String, String> {
    let mut listen = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = Some(args.next().ok_or("--listen needs ADDR:PORT")?),
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let listen = listen.ok_or("--listen is required")?;
    listen
        .parse::<std::net::SocketAddr>()
        .map_err(|_| format!("--listen {listen:?} is not ADDR:PORT (e.g. 127.0.0.1:8080)"))?;
    Ok(listen)
}
