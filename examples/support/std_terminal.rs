//! The blocking std driver for the terminal side: one loop thread owns the [`Terminal`] and
//! the [`Engine`]; a reader thread per TCP connection turns bytes and EOF into messages on a
//! channel, so the loop can wait for "bytes or the next deadline" with `recv_timeout`.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use sca_ws::{Channel, TransportFailure};
use sca_ws::{ConnectTarget, Terminal, TerminalConfig, TerminalEvent, TerminalOutput};

use super::engine::Engine;
use super::now;

/// What a reader thread reports, tagged with the connection it belongs to.
enum Input {
    Bytes(u64, Vec<u8>),
    Eof(u64),
}

/// Longest wait before the loop looks at the stop flag again.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// Runs a terminal with `engine` until `stop` is set, reporting each line of interest
/// (status, screen, requests, answers) to `log`.
pub fn run(
    config: TerminalConfig,
    mut engine: Engine,
    seed: u64,
    stop: &AtomicBool,
    mut log: impl FnMut(String),
) {
    let mut terminal = Terminal::new(config, now(), seed);
    let (tx, rx) = mpsc::channel();
    let mut conn: Option<(u64, TcpStream)> = None;
    let mut generation = 0u64;
    let mut answers = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        // 1. Drain what the terminal wants done.
        while let Some(output) = terminal.poll_output() {
            match output {
                TerminalOutput::Connect(target) => {
                    generation += 1;
                    match connect(&target, terminal.config().connect_timeout) {
                        Ok(stream) => {
                            spawn_reader(&stream, generation, tx.clone());
                            conn = Some((generation, stream));
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
                TerminalOutput::Event(event) => {
                    log_event(&event, &mut log);
                    engine.handle_event(now(), &event, &mut answers);
                }
            }
        }
        // 2. Hand the engine's answers to the terminal, then drain what they queued.
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
                terminal.handle_transport_closed(now());
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

fn is_current(conn: &Option<(u64, TcpStream)>, generation: u64) -> bool {
    conn.as_ref().is_some_and(|(g, _)| *g == generation)
}

fn close(conn: &mut Option<(u64, TcpStream)>) {
    if let Some((_, stream)) = conn.take() {
        let _ = stream.shutdown(Shutdown::Both);
    }
}

/// Opens TCP to the broker within `timeout`, mapping failures to what the terminal shows.
fn connect(target: &ConnectTarget, timeout: Duration) -> Result<TcpStream, TransportFailure> {
    if target.tls {
        return Err(TransportFailure::Tls(
            "wss is not supported by the std driver".into(),
        ));
    }
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

/// Reads the connection on its own thread until EOF or error; ends when the stream is shut.
fn spawn_reader(stream: &TcpStream, generation: u64, tx: Sender<Input>) {
    let Ok(mut reader) = stream.try_clone() else {
        let _ = tx.send(Input::Eof(generation));
        return;
    };
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(Input::Eof(generation));
                    return;
                }
                Ok(n) => {
                    if tx
                        .send(Input::Bytes(generation, buf[..n].to_vec()))
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    });
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
pub fn summary(response: &sca_ws::Response) -> String {
    format!(
        "{} {}: {}",
        response
            .result_code
            .map_or(String::new(), |c| c.to_string()),
        response.result.as_deref().unwrap_or(""),
        response.response_text.as_deref().unwrap_or("")
    )
}
