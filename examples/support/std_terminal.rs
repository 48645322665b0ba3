//! The blocking std driver for the terminal side: one loop thread owns the [`Terminal`] and
//! the [`Engine`]; a reader thread per TCP connection turns bytes and EOF into messages on a
//! channel, so the loop can wait for "bytes or the next deadline" with `recv_timeout`.
//! `wss://` goes through rustls (see [`super::tls`]): the handshake runs while connecting,
//! then one I/O thread owns the TLS connection.

use std::io::ErrorKind;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use rustls::ClientConfig;

use sca_ws::terminal::{
    Config as TerminalConfig, ConnectTarget, Event as TerminalEvent, Output as TerminalOutput,
    Terminal,
};
use sca_ws::{TransportFailure, terminal::Channel};

use super::engine::Engine;
use super::pairing::{PendingPairing, TerminalPairing};
use super::transport::{Chunk, Conn};
use super::{now, tls};

/// What a reader thread reports, tagged with the connection it belongs to.
enum Input {
    Bytes(u64, Vec<u8>),
    Eof(u64),
    Failed(u64, String),
}

/// Longest wait before the loop looks at the stop flag again.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// Runs a terminal with `engine` until `stop` is set, reporting each line of interest
/// (status, screen, requests, answers) to `log`.
pub fn run(
    config: TerminalConfig,
    engine: Engine,
    seed: u64,
    stop: &AtomicBool,
    log: impl FnMut(String),
) {
    run_with_tls(config, None, engine, seed, stop, log);
}

/// [`run`], with the TLS settings `wss://` needs (without them a `wss://` attempt fails
/// with a TLS error).
pub fn run_with_tls(
    config: TerminalConfig,
    tls: Option<Arc<ClientConfig>>,
    engine: Engine,
    seed: u64,
    stop: &AtomicBool,
    log: impl FnMut(String),
) {
    run_paired(
        config,
        tls,
        engine,
        seed,
        stop,
        log,
        TerminalPairing::default(),
    );
}

/// [`run_with_tls`] with pairing: the cashier of `pairing` answers REGISTER, and its key
/// store is loaded first and saved on every `AuthChanged`, before the transmits that follow
/// (the loop stops rather than answer when saving fails).
pub fn run_paired(
    config: TerminalConfig,
    tls: Option<Arc<ClientConfig>>,
    mut engine: Engine,
    seed: u64,
    stop: &AtomicBool,
    mut log: impl FnMut(String),
    pairing: TerminalPairing,
) {
    let mut terminal = Terminal::new(config, now(), seed);
    match pairing.load() {
        Ok(Some(state)) => {
            if let Err(e) = terminal.restore_auth_state(&state) {
                log(format!("key store: {e}"));
                return;
            }
            log(format!("key store: {} labels restored", state.labels.len()));
        }
        Ok(None) => {}
        Err(e) => {
            log(format!("key store: {e}"));
            return;
        }
    }
    let mut pairings: Vec<PendingPairing> = Vec::new();
    let (tx, rx) = mpsc::channel();
    let mut conn: Option<(u64, Conn)> = None;
    let mut generation = 0u64;
    let mut answers = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        // 1. Drain what the terminal wants done.
        while let Some(output) = terminal.poll_output() {
            match output {
                TerminalOutput::Connect(target) => {
                    generation += 1;
                    let timeout = terminal.config().connect_timeout;
                    match connect(&target, tls.as_ref(), timeout, generation, &tx) {
                        Ok(started) => {
                            conn = Some((generation, started));
                            terminal.handle_connected(now());
                        }
                        Err(failure) => terminal.handle_transport_failed(now(), failure),
                    }
                }
                TerminalOutput::Transmit(bytes) => {
                    let written = conn.as_mut().map(|(_, s)| s.write_all(&bytes));
                    if let Some(Err(e)) = written {
                        close(&mut conn);
                        terminal
                            .handle_transport_failed(now(), TransportFailure::Io(e.to_string()));
                    }
                }
                TerminalOutput::CloseTransport => close(&mut conn),
                TerminalOutput::Event(TerminalEvent::AuthChanged) => {
                    if let Err(e) = pairing.save(&terminal.auth_state()) {
                        log(format!("key store: {e}; stopping before answering"));
                        close(&mut conn);
                        return;
                    }
                }
                TerminalOutput::Event(TerminalEvent::PairingRequested {
                    id, transaction, ..
                }) => {
                    log("screen: Enter pairing code".to_owned());
                    pairings.push((id, transaction));
                }
                TerminalOutput::Event(event) => {
                    log_event(&event, &mut log);
                    engine.handle_event(now(), &event, &mut answers);
                }
                _ => {}
            }
        }
        // 2. The cashier answers pairings, the engine everything else; then drain again.
        if !pairings.is_empty() {
            for (id, request) in pairings.drain(..) {
                let result = pairing.cashier_entry(&request).and_then(|(typed, secret)| {
                    terminal
                        .answer_pairing(now(), id, &typed, secret)
                        .map_err(|e| e.to_string())
                });
                match result {
                    Ok(()) => log(format!("pairing {id}: code entered")),
                    Err(e) => log(format!("pairing {id} not answered: {e}")),
                }
            }
            continue;
        }
        if !answers.is_empty() {
            for (id, response) in answers.drain(..) {
                log(format!("answer {id}: {}", summary(&response)));
                if let Err(e) = terminal.respond(now(), id, response) {
                    log(format!("answer {id} not sent: {e}"));
                }
            }
            continue;
        }
        // 3. Wait for bytes or the next deadline.
        let wake = [terminal.poll_timeout(), engine.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let wait = wake.map_or(STOP_CHECK, |at| at.saturating_duration_since(now()));
        match rx.recv_timeout(wait.min(STOP_CHECK)) {
            Ok(Input::Bytes(g, bytes)) if is_current(&conn, g) => {
                terminal.handle_input(now(), &bytes);
            }
            Ok(Input::Eof(g)) if is_current(&conn, g) => {
                close(&mut conn);
                terminal.handle_eof(now());
            }
            Ok(Input::Failed(g, why)) if is_current(&conn, g) => {
                close(&mut conn);
                terminal.handle_transport_failed(now(), TransportFailure::Tls(why));
            }
            Ok(_) => {} // from a connection already closed
            Err(RecvTimeoutError::Timeout) => {
                terminal.handle_timeout(now());
                engine.handle_timeout(now(), &mut answers);
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    close(&mut conn);
}

fn is_current(conn: &Option<(u64, Conn)>, generation: u64) -> bool {
    conn.as_ref().is_some_and(|(g, _)| *g == generation)
}

fn close(conn: &mut Option<(u64, Conn)>) {
    if let Some((_, stream)) = conn.take() {
        stream.shutdown();
    }
}

/// Opens TCP (then TLS for `wss://`) to the broker within `timeout` and starts reading it
/// into `tx`, mapping failures to what the terminal shows.
fn connect(
    target: &ConnectTarget,
    tls: Option<&Arc<ClientConfig>>,
    timeout: Duration,
    generation: u64,
    tx: &Sender<Input>,
) -> Result<Conn, TransportFailure> {
    let mut stream = open_tcp(target, timeout)?;
    let session = match (target.tls, tls) {
        (false, _) => None,
        (true, None) => {
            return Err(TransportFailure::Tls(
                "wss needs TLS settings (sca_terminal builds them from --ca/--cert/--key)".into(),
            ));
        }
        (true, Some(config)) => {
            let mut session = tls::client(config, &target.host).map_err(TransportFailure::Tls)?;
            tls::handshake(&mut session, &mut stream, timeout).map_err(TransportFailure::Tls)?;
            Some(session)
        }
    };
    let tx = tx.clone();
    let deliver = move |chunk| {
        let input = match chunk {
            Chunk::Bytes(bytes) => Input::Bytes(generation, bytes),
            Chunk::Eof => Input::Eof(generation),
            Chunk::Failed(why) => Input::Failed(generation, why),
        };
        tx.send(input).is_ok()
    };
    Conn::start(stream, session, deliver).map_err(|e| TransportFailure::Io(e.to_string()))
}

/// Opens TCP to the broker within `timeout`.
fn open_tcp(target: &ConnectTarget, timeout: Duration) -> Result<TcpStream, TransportFailure> {
    let addrs = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|_| TransportFailure::NameNotResolved)?;
    let mut last = TransportFailure::NameNotResolved;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                let _ = stream.set_write_timeout(Some(timeout));
                return Ok(stream);
            }
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => last = TransportFailure::Refused,
            Err(e) => last = TransportFailure::Io(e.to_string()),
        }
    }
    Err(last)
}

/// One line per event, in the simulator's stderr format.
fn log_event(event: &TerminalEvent, log: &mut impl FnMut(String)) {
    let line = match event {
        TerminalEvent::Status(status) => {
            let state = if status.connected {
                "connected"
            } else {
                "disconnected"
            };
            format!("status: {state} (icon {})", status.icon_path)
        }
        TerminalEvent::Screen(message) => format!("screen: {message}"),
        TerminalEvent::Request {
            id,
            channel,
            transaction,
        } => {
            let port = match channel {
                Channel::Primary => "primary",
                Channel::Secondary => "secondary",
            };
            format!(
                "request {id} ({port}): {} {}",
                transaction.function_type, transaction.command
            )
        }
        TerminalEvent::Cancel { id } => format!("cancel {id}"),
        TerminalEvent::RequestAbandoned { id } => format!("abandoned {id}"),
        other => format!("event: {other:?}"),
    };
    log(line);
}

/// `RESULT_CODE RESULT: RESPONSE_TEXT` of an answer.
pub fn summary(response: &sca_ws::xml::Response) -> String {
    format!(
        "{} {}: {}",
        response
            .result_code
            .map_or(String::new(), |c| c.to_string()),
        response.result.as_deref().unwrap_or(""),
        response.response_text.as_deref().unwrap_or("")
    )
}
