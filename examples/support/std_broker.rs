//! The blocking std driver for the broker side: an accept thread, then per terminal one
//! thread that owns its [`Link`] and one reader thread feeding it bytes. The application
//! talks to links through [`Broker::send`] and hears from them on the receiver that
//! [`Broker::listen`] returns. Which link reaches a pinpad id is the library's
//! [`Registry`]: a second link with an id already connected replaces the first, which is
//! closed as replaced. With TLS ([`Broker::listen_with_tls`]) each link's thread
//! runs the handshake first, and one I/O thread owns the TLS connection instead.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::ServerConfig;
use sca_ws::{TransportFailure, broker::CloseReason, xml::Transaction};
use sca_ws::{
    broker::{
        Config as BrokerConfig, Event as BrokerEvent, Link, Output as BrokerOutput, Registry,
        RequestId as BrokerRequestId,
    },
    xml::Response,
};

use super::pairing::PosPairing;
use super::transport::{Chunk, Conn};
use super::{now, response_line, tls};

/// Longest a terminal may take over its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the application asks of one terminal's link.
#[derive(Debug)]
pub enum Command {
    /// Send a POS request.
    Submit(Transaction),
    /// Close the WebSocket cleanly (code 1000).
    Close,
    /// Cut the TCP connection without a close handshake (to show a reconnect).
    Drop,
    /// Pair with the terminal (SECURITY REGISTER with the POS key).
    Register,
    /// Remove the link's default label from the terminal (SECURITY UNREGISTER, signed).
    Unregister,
    /// Ask the terminal to verify a signed request (SECURITY TEST_MAC).
    TestMac,
    /// Send a request with COUNTER, MAC and MAC_LABEL exactly as given (the book set aside
    /// for it): how the demo replays an old COUNTER.
    SubmitAsIs(Transaction),
}

/// What the application learns, one line of `pos_broker`'s output each.
#[derive(Debug)]
pub enum Note {
    /// A terminal's link opened.
    Connected { pinpad: String },
    /// A request (`"FUNCTION_TYPE COMMAND"`) was answered.
    Answered {
        pinpad: String,
        request: String,
        response: Response,
    },
    /// A RESPONSE that answers no request.
    Unsolicited { pinpad: String, response: Response },
    /// A request failed, or a command could not be carried out.
    Error { pinpad: String, reason: String },
    /// The link ended and no link reaches the terminal now.
    Disconnected { pinpad: String, reason: String },
    /// The link ended because a newer link with the same pinpad id replaced it; the id
    /// stays connected over the newer one.
    Replaced { pinpad: String },
    /// A REGISTER succeeded: requests to the terminal are signed with `label` from now on.
    Registered { pinpad: String, label: String },
    /// An UNREGISTER succeeded: `label` is gone on both sides.
    Unregistered { pinpad: String, label: String },
}

impl Note {
    /// The note as one line of `pos_broker`'s output (`connected ID`, `response ID <RESPONSE
    /// ...>`, ...); a disconnection's reason is left out, see [`Note::Disconnected`].
    pub fn line(&self) -> String {
        match self {
            Note::Connected { pinpad } => format!("connected {pinpad}"),
            Note::Answered {
                pinpad, response, ..
            } => {
                format!("response {pinpad} {}", response_line(response))
            }
            Note::Unsolicited { pinpad, response } => {
                format!("unsolicited {pinpad} {}", response_line(response))
            }
            Note::Error { pinpad, reason } => format!("error {pinpad} {reason}"),
            Note::Disconnected { pinpad, .. } => format!("disconnected {pinpad}"),
            Note::Replaced { pinpad } => format!("replaced {pinpad}"),
            Note::Registered { pinpad, label } => format!("registered {pinpad} {label}"),
            Note::Unregistered { pinpad, label } => format!("unregistered {pinpad} {label}"),
        }
    }
}

enum LinkInput {
    Bytes(Vec<u8>),
    Eof,
    /// The TLS layer failed (reported, then handled as the end of the connection).
    Failed(String),
    Command(Command),
    /// A newer link took this link's pinpad id.
    Replaced,
}

/// The links of the broker: which one reaches each pinpad id (the library decides), and
/// how to reach each link's thread.
#[derive(Default)]
struct Links {
    registry: Registry<u64>,
    inputs: HashMap<u64, Sender<LinkInput>>,
}

type Shared = Arc<Mutex<Links>>;

/// A listening broker; dropping it stops accepting (open links live on until they end).
pub struct Broker {
    links: Shared,
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Broker {
    /// Listens on `addr` (e.g. `127.0.0.1:0`) and serves every terminal that connects; the
    /// receiver gets everything the links report, in order.
    pub fn listen(addr: &str, config: BrokerConfig) -> io::Result<(Self, Receiver<Note>)> {
        Self::listen_with_tls(addr, config, None)
    }

    /// [`Broker::listen`], serving `wss://` with `tls` when given; a terminal whose TLS
    /// handshake fails is reported as an [`Note::Error`] tagged with its address.
    pub fn listen_with_tls(
        addr: &str,
        config: BrokerConfig,
        tls: Option<Arc<ServerConfig>>,
    ) -> io::Result<(Self, Receiver<Note>)> {
        Self::listen_paired(addr, config, tls, None)
    }

    /// [`Broker::listen_with_tls`], pairing with `pairing` (the POS key and the books kept
    /// per pinpad id) when given.
    pub fn listen_paired(
        addr: &str,
        config: BrokerConfig,
        tls: Option<Arc<ServerConfig>>,
        pairing: Option<Arc<PosPairing>>,
    ) -> io::Result<(Self, Receiver<Note>)> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let (notes_tx, notes) = mpsc::channel();
        let links = Shared::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (registry, stopped, config) = (links.clone(), stop.clone(), Arc::new(config));
        std::thread::spawn(move || {
            let serial = AtomicU64::new(0);
            for stream in listener.incoming() {
                if stopped.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let n = serial.fetch_add(1, Ordering::Relaxed);
                let (registry, notes, config, tls, pairing) = (
                    registry.clone(),
                    notes_tx.clone(),
                    config.clone(),
                    tls.clone(),
                    pairing.clone(),
                );
                std::thread::spawn(move || {
                    let (tx, rx) = mpsc::channel();
                    if let Some(conn) = start(stream, tls.as_ref(), &notes, tx.clone()) {
                        serve(conn, (tx, rx), n, (config, pairing), registry, notes);
                    }
                });
            }
        });
        Ok((Self { links, addr, stop }, notes))
    }

    /// The address actually bound (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Hands `command` to the link of terminal `pinpad`.
    pub fn send(&self, pinpad: &str, command: Command) -> Result<(), String> {
        let links = self
            .links
            .lock()
            .map_err(|_| "broker state poisoned".to_owned())?;
        let tx = links
            .registry
            .link(pinpad)
            .and_then(|serial| links.inputs.get(serial))
            .ok_or_else(|| "not connected".to_owned())?;
        tx.send(LinkInput::Command(command))
            .map_err(|_| "link ended".to_owned())
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// Runs the TLS handshake if `tls` is given, then starts reading into `tx`; a failure is
/// reported on `notes` and ends the connection.
fn start(
    mut stream: TcpStream,
    tls: Option<&Arc<ServerConfig>>,
    notes: &Sender<Note>,
    tx: Sender<LinkInput>,
) -> Option<Conn> {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "?".to_owned(), |a| a.to_string());
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let session = match tls {
        None => Ok(None),
        Some(config) => tls::server(config).and_then(|mut session| {
            tls::handshake(&mut session, &mut stream, TLS_HANDSHAKE_TIMEOUT).map(|()| Some(session))
        }),
    };
    let started = session.and_then(|session| {
        let deliver = move |chunk| {
            let input = match chunk {
                Chunk::Bytes(bytes) => LinkInput::Bytes(bytes),
                Chunk::Eof => LinkInput::Eof,
                Chunk::Failed(why) => LinkInput::Failed(why),
            };
            tx.send(input).is_ok()
        };
        Conn::start(stream, session, deliver).map_err(|e| e.to_string())
    });
    match started {
        Ok(conn) => Some(conn),
        Err(reason) => {
            let _ = notes.send(Note::Error {
                pinpad: peer,
                reason,
            });
            None
        }
    }
}

/// Drives one link until it ends.
fn serve(
    stream: Conn,
    (tx, rx): (Sender<LinkInput>, Receiver<LinkInput>),
    serial: u64,
    (config, pairing): (Arc<BrokerConfig>, Option<Arc<PosPairing>>),
    registry: Shared,
    notes: Sender<Note>,
) {
    let mut link = Link::new(config, now(), link_seed(serial));
    let mut conn = LinkThread {
        stream,
        serial,
        pinpad: format!("?{serial}"),
        opened: false,
        names: HashMap::new(),
        pairing,
    };
    loop {
        while let Some(output) = link.poll_output() {
            match output {
                BrokerOutput::Transmit(bytes) => {
                    if let Err(e) = conn.stream.write_all(&bytes) {
                        link.handle_transport_failed(now(), TransportFailure::Io(e.to_string()));
                    }
                }
                BrokerOutput::CloseTransport => conn.stream.shutdown(),
                BrokerOutput::Event(event) => {
                    conn.on_event(&mut link, event, &tx, &registry, &notes)
                }
                _ => {}
            }
        }
        if link.is_ended() {
            return;
        }
        let wait = link.poll_timeout().map_or(Duration::from_secs(1), |at| {
            at.saturating_duration_since(now())
        });
        match rx.recv_timeout(wait) {
            Ok(LinkInput::Bytes(bytes)) => link.handle_input(now(), &bytes),
            Ok(LinkInput::Eof) | Err(RecvTimeoutError::Disconnected) => link.handle_eof(now()),
            Ok(LinkInput::Failed(reason)) => {
                let pinpad = conn.pinpad.clone();
                let _ = notes.send(Note::Error {
                    pinpad,
                    reason: reason.clone(),
                });
                link.handle_transport_failed(now(), TransportFailure::Io(reason));
            }
            Ok(LinkInput::Command(command)) => conn.on_command(&mut link, command, &notes),
            Ok(LinkInput::Replaced) => {
                let _ = link.close_replaced(now());
            }
            Err(RecvTimeoutError::Timeout) => link.handle_timeout(now()),
        }
    }
}

/// The state of one link's thread besides the [`Link`].
struct LinkThread {
    stream: Conn,
    serial: u64,
    pinpad: String,
    /// The upgrade was accepted (so `Connected` was reported).
    opened: bool,
    /// `FUNCTION_TYPE COMMAND` of each request in flight, for the notes.
    names: HashMap<BrokerRequestId, String>,
    /// The POS key and the books kept per pinpad id (`pos_broker` pairs when set).
    pairing: Option<Arc<PosPairing>>,
}

impl LinkThread {
    fn on_event(
        &mut self,
        link: &mut Link,
        event: BrokerEvent,
        tx: &Sender<LinkInput>,
        registry: &Shared,
        notes: &Sender<Note>,
    ) {
        let pinpad = self.pinpad.clone();
        let note = match event {
            BrokerEvent::UpgradeRequested(info) => {
                let sci = info
                    .protocols
                    .iter()
                    .any(|p| p == sca_ws::handshake::SCA_PROTOCOL);
                let accepted = match info.pinpad_id {
                    Some(id) if !id.trim().is_empty() => {
                        self.pinpad = id.trim().to_owned();
                        link.accept(now(), sci.then_some(sca_ws::handshake::SCA_PROTOCOL))
                    }
                    _ => link.reject(now(), 400, "missing x-vfi-pinpad-id"),
                };
                match accepted {
                    Ok(()) => return,
                    Err(e) => Note::Error {
                        pinpad,
                        reason: e.to_string(),
                    },
                }
            }
            BrokerEvent::Open => {
                self.opened = true;
                if let Some(book) = self.pairing.as_ref().and_then(|p| p.book(&pinpad)) {
                    link.set_counters(book);
                }
                if let Ok(mut links) = registry.lock() {
                    links.inputs.insert(self.serial, tx.clone());
                    if let Some(older) = links.registry.accepted(&pinpad, self.serial) {
                        if let Some(input) = links.inputs.get(&older.link) {
                            let _ = input.send(LinkInput::Replaced);
                        }
                    }
                }
                Note::Connected { pinpad }
            }
            BrokerEvent::Answered { id, response } => {
                let request = self.names.remove(&id).unwrap_or_default();
                if let Some(note) = self.pairing_answer(link, &request, &response) {
                    let _ = notes.send(note);
                }
                Note::Answered {
                    pinpad,
                    request,
                    response,
                }
            }
            BrokerEvent::Failed { id, failure } => {
                let request = self.names.remove(&id).unwrap_or_default();
                Note::Error {
                    pinpad,
                    reason: format!("{request}: {failure}"),
                }
            }
            BrokerEvent::Unsolicited(response) => Note::Unsolicited { pinpad, response },
            BrokerEvent::BadMessage(e) => Note::Error {
                pinpad,
                reason: format!("bad message: {e}"),
            },
            BrokerEvent::Closed(reason) => {
                if let (Some(pairing), true) = (&self.pairing, self.opened) {
                    let _ = pairing.keep(&pinpad, link.counters());
                }
                let lost = registry.lock().ok().and_then(|mut links| {
                    links.inputs.remove(&self.serial);
                    links.registry.ended(&self.serial)
                });
                // A link that opened and whose id another link holds now was replaced.
                if lost.is_none() && self.opened {
                    Note::Replaced { pinpad }
                } else {
                    Note::Disconnected {
                        pinpad,
                        reason: describe(&reason),
                    }
                }
            }
            _ => return,
        };
        let _ = notes.send(note);
    }

    /// What a SECURITY answer changes in the pairing state: a REGISTER installs the new
    /// label, an UNREGISTER drops it; every answer saves the book (its counters moved).
    fn pairing_answer(
        &mut self,
        link: &mut Link,
        request: &str,
        response: &Response,
    ) -> Option<Note> {
        let pairing = self.pairing.clone()?;
        let pinpad = self.pinpad.clone();
        let note = match request.split_once(" label ") {
            _ if request == "SECURITY REGISTER" => {
                match pairing.registered(&pinpad, response, link.counters_mut()) {
                    Ok(label) => Some(Note::Registered {
                        pinpad: pinpad.clone(),
                        label,
                    }),
                    Err(reason) => Some(Note::Error {
                        pinpad: pinpad.clone(),
                        reason,
                    }),
                }
            }
            Some(("SECURITY UNREGISTER", label)) if response.is_success() => {
                link.counters_mut().remove(label);
                Some(Note::Unregistered {
                    pinpad: pinpad.clone(),
                    label: label.to_owned(),
                })
            }
            _ => None,
        };
        if let Err(reason) = pairing.keep(&pinpad, link.counters()) {
            return Some(Note::Error { pinpad, reason });
        }
        note
    }

    fn on_command(&mut self, link: &mut Link, command: Command, notes: &Sender<Note>) {
        let command = match (command, &self.pairing) {
            (Command::Register, Some(pairing)) => match pairing.register_request() {
                Ok((tx, code)) => {
                    eprintln!("pairing code for {}: {code}", self.pinpad);
                    Command::Submit(tx)
                }
                Err(reason) => {
                    let pinpad = self.pinpad.clone();
                    let _ = notes.send(Note::Error { pinpad, reason });
                    return;
                }
            },
            (Command::Unregister, Some(_)) => match link.counters().default_label() {
                Some(label) => {
                    let label = label.to_owned();
                    let tx = sca_ws::broker::unregister_request(&label);
                    match link.submit(now(), tx) {
                        Ok(id) => {
                            let name = format!("SECURITY UNREGISTER label {label}");
                            self.names.insert(id, name);
                        }
                        Err(e) => {
                            let (pinpad, reason) = (self.pinpad.clone(), e.to_string());
                            let _ = notes.send(Note::Error { pinpad, reason });
                        }
                    }
                    return;
                }
                None => Command::Submit(sca_ws::broker::unregister_all_request()),
            },
            (Command::TestMac, _) => Command::Submit(sca_ws::broker::test_mac_request(None)),
            (Command::Register | Command::Unregister, None) => {
                let pinpad = self.pinpad.clone();
                let reason = "pairing needs pos_broker's pairing state".to_owned();
                let _ = notes.send(Note::Error { pinpad, reason });
                return;
            }
            (other, _) => other,
        };
        let result = match command {
            Command::Register | Command::Unregister | Command::TestMac => Ok(()),
            Command::SubmitAsIs(tx) => {
                let name = format!("{} {}", tx.function_type, tx.command);
                let book = link.take_counters();
                let submitted = link.submit(now(), tx);
                link.set_counters(book);
                submitted.map(|id| drop(self.names.insert(id, name)))
            }
            Command::Submit(tx) => {
                let name = format!("{} {}", tx.function_type, tx.command);
                link.submit(now(), tx)
                    .map(|id| drop(self.names.insert(id, name)))
            }
            Command::Close => link.close(now(), sca_ws::CloseCode::NORMAL, "bye"),
            Command::Drop => {
                self.stream.shutdown();
                link.handle_eof(now());
                Ok(())
            }
        };
        if let Err(e) = result {
            let pinpad = self.pinpad.clone();
            let _ = notes.send(Note::Error {
                pinpad,
                reason: e.to_string(),
            });
        }
    }
}

/// A link's entropy seed from the operating system (std's hasher keys are drawn from it),
/// so POS_RECONs the link adds differ between links and between runs.
fn link_seed(serial: u64) -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(serial);
    hasher.finish()
}

/// Why a link ended, in a few words.
fn describe(reason: &CloseReason) -> String {
    match reason {
        CloseReason::Closed { code, reason } if reason.is_empty() => format!("closed {}", code.0),
        CloseReason::Closed { code, reason } => format!("closed {} {reason}", code.0),
        CloseReason::TransportLost => "connection lost".to_owned(),
        CloseReason::Failed(e) => format!("failed: {e}"),
        other => format!("{other:?}"),
    }
}
