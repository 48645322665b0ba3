//! The tokio drivers for both peers, in one loopback run: a broker task per accepted socket
//! and a terminal task, each a `select!` over "bytes arrived", "a command arrived" and "the
//! state machine's deadline passed". Copy the two `drive_*` functions to embed the crate in
//! a tokio application.
//!
//! ```text
//! cargo run --example tokio_link
//! ```
//!
//! The POS script sends SESSION START, a PAYMENT CAPTURE (approved after 200 ms) and SESSION
//! FINISH, then closes; exits 0 only if each answer is the expected one.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use sca_ws::{
    TransportFailure,
    terminal::{Config as TerminalConfig, Output as TerminalOutput, Terminal},
};
use sca_ws::{
    broker::{Config as BrokerConfig, Event as BrokerEvent, Link, Output as BrokerOutput},
    xml::Transaction,
};
use support::{engine::Engine, now};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::{sleep_until, timeout};

/// Reads from `reader`, or waits forever when there is no connection.
async fn read_some(reader: &mut Option<OwnedReadHalf>, buf: &mut [u8]) -> std::io::Result<usize> {
    match reader {
        Some(r) => r.read(buf).await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `at`, or forever when nothing is scheduled.
async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// The terminal side: connect when asked, write what it transmits, feed it bytes and time.
async fn drive_terminal(mut terminal: Terminal, mut engine: Engine) {
    let (mut reader, mut writer) = (None, None);
    let mut buf = vec![0u8; 16 * 1024];
    let mut answers = Vec::new();
    loop {
        while let Some(output) = terminal.poll_output() {
            match output {
                TerminalOutput::Connect(target) => {
                    let limit = terminal.config().connect_timeout;
                    let addr = (target.host.as_str(), target.port);
                    match timeout(limit, TcpStream::connect(addr)).await {
                        Ok(Ok(stream)) => {
                            let (r, w) = stream.into_split();
                            (reader, writer) = (Some(r), Some(w));
                            terminal.handle_connected(now());
                        }
                        Ok(Err(e)) => terminal
                            .handle_transport_failed(now(), TransportFailure::Io(e.to_string())),
                        Err(_) => terminal.handle_transport_failed(
                            now(),
                            TransportFailure::Io("connect timed out".into()),
                        ),
                    }
                }
                TerminalOutput::Transmit(bytes) => {
                    if let Some(w) = writer.as_mut() {
                        if let Err(e) = w.write_all(&bytes).await {
                            (reader, writer) = (None, None);
                            terminal.handle_transport_failed(
                                now(),
                                TransportFailure::Io(e.to_string()),
                            );
                        }
                    }
                }
                TerminalOutput::CloseTransport => (reader, writer) = (None, None),
                TerminalOutput::Event(event) => engine.handle_event(now(), &event, &mut answers),
                _ => {}
            }
        }
        if !answers.is_empty() {
            for (id, response) in answers.drain(..) {
                let _ = terminal.respond(now(), id, response);
            }
            continue; // drain what the answers queued before waiting
        }
        let wake = [terminal.poll_timeout(), engine.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        tokio::select! {
            read = read_some(&mut reader, &mut buf) => match read {
                Ok(n) if n > 0 => terminal.handle_input(now(), &buf[..n]),
                _ => {
                    (reader, writer) = (None, None);
                    terminal.handle_eof(now());
                }
            },
            () = sleep_until_opt(wake) => {
                terminal.handle_timeout(now());
                engine.handle_timeout(now(), &mut answers);
            }
        }
    }
}

/// What a broker link reports to the POS script.
type Reports = mpsc::UnboundedSender<BrokerEvent>;

/// The broker side of one socket: accept the upgrade, submit what the POS sends on
/// `requests`, report every event.
async fn drive_broker(
    stream: TcpStream,
    mut requests: mpsc::UnboundedReceiver<Option<Transaction>>,
    reports: Reports,
) {
    let (mut reader, mut writer) = stream.into_split();
    let mut link = Link::new(Arc::new(BrokerConfig::default()), now(), 1);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        while let Some(output) = link.poll_output() {
            match output {
                BrokerOutput::Transmit(bytes) => {
                    if let Err(e) = writer.write_all(&bytes).await {
                        link.handle_transport_failed(now(), TransportFailure::Io(e.to_string()));
                    }
                }
                BrokerOutput::CloseTransport => return,
                BrokerOutput::Event(BrokerEvent::UpgradeRequested(_)) => {
                    let _ = link.accept(now(), Some(sca_ws::handshake::SCA_PROTOCOL));
                }
                BrokerOutput::Event(event) => {
                    let _ = reports.send(event);
                }
                _ => {}
            }
        }
        tokio::select! {
            read = reader.read(&mut buf) => match read {
                Ok(n) if n > 0 => link.handle_input(now(), &buf[..n]),
                _ => link.handle_eof(now()),
            },
            request = requests.recv() => match request {
                Some(Some(tx)) => {
                    if let Err(e) = link.submit(now(), tx) {
                        eprintln!("submit refused: {e}");
                    }
                }
                _ => {
                    let _ = link.close(now(), sca_ws::CloseCode::NORMAL, "done");
                }
            },
            () = sleep_until_opt(link.poll_timeout()) => link.handle_timeout(now()),
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    match timeout(Duration::from_secs(30), scenario()).await {
        Ok(Ok(())) => {
            println!("all answers as expected");
            std::process::ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("tokio_link failed: {e}");
            std::process::ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("tokio_link failed: timed out");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn scenario() -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let config = TerminalConfig {
        host: "127.0.0.1".into(),
        port,
        tls: false,
        pinpad_id: Some("tokio-1".into()),
        skip_pos_auth: true,
        ..TerminalConfig::default()
    };
    let terminal = Terminal::new(config, now(), 11);
    tokio::spawn(drive_terminal(
        terminal,
        Engine::new(Duration::from_millis(200), "tokio-1"),
    ));

    let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
    let (requests, commands) = mpsc::unbounded_channel();
    let (reports, mut events) = mpsc::unbounded_channel();
    tokio::spawn(drive_broker(stream, commands, reports));
    let mut next = async || events.recv().await.ok_or("link task ended".to_owned());
    if !matches!(next().await?, BrokerEvent::Open) {
        return Err("expected the link to open".into());
    }
    for (xml, text) in [
        (
            "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND></TRANSACTION>",
            "Session Started",
        ),
        (
            "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND><TRANS_AMOUNT>9.99</TRANS_AMOUNT></TRANSACTION>",
            "APPROVED",
        ),
        (
            "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>FINISH</COMMAND></TRANSACTION>",
            "Session Finished",
        ),
    ] {
        println!("pos  -> {xml}");
        let tx = Transaction::decode(xml.as_bytes()).map_err(|e| e.to_string())?;
        requests.send(Some(tx)).map_err(|_| "link task ended")?;
        let response = match next().await? {
            BrokerEvent::Answered { response, .. } => response,
            other => return Err(format!("expected an answer, got {other:?}")),
        };
        println!("pos  <- {}", support::response_line(&response));
        if !response.is_success() || response.response_text.as_deref() != Some(text) {
            return Err(format!("expected {text}"));
        }
    }
    requests.send(None).map_err(|_| "link task ended")?;
    match next().await? {
        BrokerEvent::Closed(reason) => println!("link closed: {reason:?}"),
        other => return Err(format!("expected the close, got {other:?}")),
    }
    Ok(())
}
