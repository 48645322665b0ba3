//! The terminal client task: it owns the core [`Terminal`], dials when the machine says
//! Connect, runs each request through the application's [`Handler`] as its own task, and
//! keeps its outbound queue and every wait bounded like the broker's links.

use std::collections::HashMap;
use std::sync::Arc;

use sca_ws::terminal::{
    self, LinkStatus, Output, PairingSecret, RequestId, ScreenMessage, Terminal,
};
use sca_ws::{CloseCode, Response, TransportFailure};
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::{AbortHandle, JoinHandle};

use super::config::ClientConfig;
use super::dial::{BoxStream, dial};
use super::handler::{Handler, PairingAnswer, PairingRequest, Request};
use crate::clock::{now, sleep_until_opt};
use crate::outbound::{Outbound, Progress, write_or_flush};
use crate::tls::tls_failure;

/// What a client tells its application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The status-bar icon changed (connected or not).
    Status(LinkStatus),
    /// A connection message for the screen (connecting, failed with the reason, connected).
    Screen(ScreenMessage),
    /// The client stopped after [`Handle::close`], or after one of the auth failures below;
    /// nothing follows.
    Stopped,
    /// [`ClientConfig::auth_state`] could not be restored (the reason); the client stops
    /// without dialling.
    AuthNotRestored(String),
    /// [`Handler::auth_changed`] failed or took too long (the reason): the client dropped the
    /// link without writing the answer that depended on the change, and stops.
    AuthNotSaved(String),
}

/// Why [`Handle::notify`] sent nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotifyError {
    /// The client task has stopped.
    Stopped,
    /// Too many notifications wait for the client task.
    QueueFull,
    /// The terminal refused it (no link up, outbound full): the core's reason.
    Refused(terminal::Error),
}

impl std::fmt::Display for NotifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Stopped => f.write_str("the terminal client has stopped"),
            Self::QueueFull => f.write_str("too many notifications wait to be sent"),
            Self::Refused(e) => write!(f, "notification refused: {e}"),
        }
    }
}

impl std::error::Error for NotifyError {}

struct Notify {
    response: Response,
    reply: oneshot::Sender<Result<(), NotifyError>>,
}

/// The application's side of a running [`Client`]: notify the broker, close, watch.
#[derive(Clone, Debug)]
pub struct Handle {
    notifies: mpsc::Sender<Notify>,
    close: Arc<watch::Sender<bool>>,
    events: broadcast::Sender<Event>,
    connected: watch::Receiver<bool>,
}

impl Handle {
    /// Sends `notification` to the broker outside any request (a consumer notification).
    ///
    /// Cancel safety: once queued (after the first poll) the notification is sent even if
    /// the future is dropped; only its result is lost.
    pub async fn notify(&self, notification: Response) -> Result<(), NotifyError> {
        let (reply, result) = oneshot::channel();
        self.notifies
            .try_send(Notify {
                response: notification,
                reply,
            })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => NotifyError::QueueFull,
                mpsc::error::TrySendError::Closed(_) => NotifyError::Stopped,
            })?;
        result.await.unwrap_or(Err(NotifyError::Stopped))
    }

    /// Closes the link (close frame 1000) and stops dialling; the client then ends with
    /// [`Event::Stopped`].
    pub fn close(&self) {
        self.close.send_replace(true);
    }

    /// A receiver of every event from now on (bounded: a slow reader loses the oldest).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Whether the link is up now (the broker answered 101 and it has not dropped since).
    pub fn is_connected(&self) -> bool {
        *self.connected.borrow()
    }

    /// Waits until the link is up (`true`) or the client stopped (`false`).
    ///
    /// Cancel safety: safe; it only observes.
    pub async fn connected(&self) -> bool {
        let mut connected = self.connected.clone();
        connected.wait_for(|up| *up).await.is_ok()
    }
}

/// A terminal driven on tokio. Create it, take a [`Handle`], then await [`Client::run`]
/// (or use [`Client::spawn`]).
pub struct Client<H> {
    config: ClientConfig,
    handler: Arc<H>,
    notifies: mpsc::Receiver<Notify>,
    close: watch::Receiver<bool>,
    connected: watch::Sender<bool>,
    handle: Handle,
}

impl<H> std::fmt::Debug for Client<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.config.terminal.host)
            .field("port", &self.config.terminal.port)
            .finish_non_exhaustive()
    }
}

impl<H: Handler> Client<H> {
    /// A client for `config` whose requests `handler` carries out. Nothing happens until
    /// [`Client::run`] is polled.
    pub fn new(config: ClientConfig, handler: H) -> Self {
        let (notify_tx, notifies) = mpsc::channel(config.command_queue.max(1));
        let (close_tx, close) = watch::channel(false);
        let (events, _) = broadcast::channel(config.event_capacity.max(1));
        let (connected, connected_rx) = watch::channel(false);
        let handle = Handle {
            notifies: notify_tx,
            close: Arc::new(close_tx),
            events,
            connected: connected_rx,
        };
        Self {
            config,
            handler: Arc::new(handler),
            notifies,
            close,
            connected,
            handle,
        }
    }

    /// The handle to notify, close and subscribe.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Spawns [`Client::run`] on the current runtime.
    pub fn spawn(config: ClientConfig, handler: H) -> (Handle, JoinHandle<()>) {
        let client = Self::new(config, handler);
        let handle = client.handle();
        (handle, tokio::spawn(client.run()))
    }

    /// Drives the terminal until [`Handle::close`] has taken effect: dials, reconnects as
    /// the machine's backoff says, serves requests.
    ///
    /// Cancel safety: dropping the future drops the transport without a close frame (the
    /// broker sees the link lost) and aborts the request tasks.
    pub async fn run(mut self) {
        let config = self.config.clone();
        let mut machine = Terminal::new(config.terminal.clone(), now(), config.seed);
        let high_water = config.outbound_high_water.max(1);
        let pending_limit = config.terminal.max_pending_requests.max(1);
        if let Some(state) = &config.auth_state
            && let Err(e) = machine.restore_auth_state(state)
        {
            let _ = self
                .handle
                .events
                .send(Event::AuthNotRestored(e.to_string()));
            let _ = self.handle.events.send(Event::Stopped);
            return;
        }
        let (answer_tx, mut answers) = mpsc::channel::<(RequestId, Answer)>(pending_limit + 1);
        let mut jobs = Jobs(HashMap::new());
        let mut tls = None;
        let mut reader: Option<ReadHalf<BoxStream>> = None;
        let mut writer: Option<WriteHalf<BoxStream>> = None;
        let mut out = Outbound::default();
        let mut buf = vec![0u8; config.read_buffer.max(64)];
        let mut eof = false;
        // The machine let go of the transport; it is dropped once its queue is written.
        let mut draining = false;
        let mut closing = false;
        loop {
            if !closing && *self.close.borrow_and_update() {
                closing = true;
                let _ = machine.close(now(), CloseCode::NORMAL, "terminal closing");
            }
            while let Some(output) = machine.poll_output() {
                match output {
                    Output::Connect(target) => {
                        let limit = config.terminal.connect_timeout;
                        let dialled = tokio::time::timeout(limit, dial(&target, &config, &mut tls));
                        match dialled.await {
                            Ok(Ok(stream)) => {
                                let (r, w) = tokio::io::split(stream);
                                (reader, writer, eof, draining) = (Some(r), Some(w), false, false);
                                out.clear();
                                machine.handle_connected(now());
                            }
                            Ok(Err(failure)) => machine.handle_transport_failed(now(), failure),
                            Err(_) => machine.handle_transport_failed(
                                now(),
                                TransportFailure::Io("connect timed out".into()),
                            ),
                        }
                    }
                    Output::Transmit(bytes) if writer.is_some() => out.push(now(), bytes),
                    Output::Transmit(_) => {}
                    // What the machine sent before (a close frame) is written first.
                    Output::CloseTransport => (reader, draining) = (None, true),
                    Output::Event(terminal::Event::AuthChanged) => {
                        let state = machine.auth_state();
                        let saved = tokio::time::timeout(
                            config.auth_save_timeout,
                            self.handler.auth_changed(state),
                        );
                        let why = match saved.await {
                            Ok(Ok(())) => continue,
                            Ok(Err(why)) => why,
                            Err(_) => "saving the auth state timed out".to_owned(),
                        };
                        // Nothing queued after the change may leave: drop the link unwritten.
                        drop((reader.take(), writer.take()));
                        out.clear();
                        self.connected.send_replace(false);
                        let _ = self.handle.events.send(Event::AuthNotSaved(why));
                        let _ = self.handle.events.send(Event::Stopped);
                        return;
                    }
                    Output::Event(event) => {
                        let stopped = self.on_event(event, &answer_tx, &mut jobs);
                        if stopped {
                            return;
                        }
                    }
                    _ => {}
                }
            }
            if draining && out.is_empty() && !out.wants_flush() {
                if let Some(mut w) = writer.take() {
                    let _ = tokio::time::timeout(config.write_deadline, w.shutdown()).await;
                }
                draining = false;
            }
            let room = out.room(high_water).min(buf.len());
            let can_read = reader.is_some() && !eof && room > 0;
            let can_write = writer.is_some() && (!out.is_empty() || out.wants_flush());
            let stall_at = writer.as_ref().and(out.deadline(config.write_deadline));
            tokio::select! {
                read = read_some(&mut reader, &mut buf[..room]), if can_read => match read {
                    Ok(0) => {
                        eof = true;
                        machine.handle_eof(now());
                    }
                    Ok(n) => machine.handle_input(now(), &buf[..n]),
                    Err(e) => {
                        (reader, writer) = (None, None);
                        out.clear();
                        machine.handle_transport_failed(now(), failure(&e));
                    }
                },
                progress = write_some(&mut writer, &out), if can_write => match progress {
                    Ok(Progress::Wrote(n)) if n > 0 => out.advance(now(), n),
                    Ok(Progress::Flushed) => out.flushed(),
                    Ok(Progress::Wrote(_)) => {
                        (reader, writer) = (None, None);
                        out.clear();
                        if !std::mem::take(&mut draining) {
                            machine.handle_transport_failed(now(), TransportFailure::Io("write returned 0".into()));
                        }
                    }
                    Err(e) => {
                        (reader, writer) = (None, None);
                        out.clear();
                        if !std::mem::take(&mut draining) {
                            machine.handle_transport_failed(now(), failure(&e));
                        }
                    }
                },
                () = sleep_until_opt(stall_at) => {
                    (reader, writer) = (None, None);
                    out.clear();
                    if !std::mem::take(&mut draining) {
                        machine.handle_transport_failed(
                            now(),
                            TransportFailure::Io("write deadline passed: the broker is not reading".into()),
                        );
                    }
                },
                answer = answers.recv() => if let Some((id, answer)) = answer {
                    jobs.0.remove(&id);
                    // Refusals leave nothing to do: the request is unknown or its link gone.
                    let _ = match answer {
                        Answer::Response(response) => machine.respond(now(), id, response),
                        Answer::Pairing(PairingAnswer::Code(typed)) => match pairing_secret() {
                            Ok(secret) => machine.answer_pairing(now(), id, &typed, secret),
                            Err(_) => machine.refuse_pairing(now(), id),
                        },
                        Answer::Pairing(PairingAnswer::Refuse) => machine.refuse_pairing(now(), id),
                    };
                },
                notify = self.notifies.recv() => if let Some(notify) = notify {
                    let result = machine.notify(now(), &notify.response).map_err(NotifyError::Refused);
                    let _ = notify.reply.send(result);
                },
                _ = self.close.changed(), if !closing => {},
                () = sleep_until_opt(machine.poll_timeout()) => machine.handle_timeout(now()),
            }
        }
    }

    /// Handles one machine event; `true` when the machine stopped.
    fn on_event(
        &mut self,
        event: terminal::Event,
        answers: &mpsc::Sender<(RequestId, Answer)>,
        jobs: &mut Jobs,
    ) -> bool {
        match event {
            terminal::Event::Request {
                id,
                channel,
                transaction,
            } => {
                let handler = self.handler.clone();
                let answers = answers.clone();
                let request = Request {
                    id,
                    channel,
                    transaction,
                };
                let job = tokio::spawn(async move {
                    let response = handler.request(request).await;
                    let _ = answers.send((id, Answer::Response(response))).await;
                });
                jobs.0.insert(id, job.abort_handle());
            }
            terminal::Event::PairingRequested {
                id,
                reg_ver,
                transaction,
            } => {
                let handler = self.handler.clone();
                let answers = answers.clone();
                let request = PairingRequest {
                    id,
                    reg_ver,
                    transaction,
                };
                let job = tokio::spawn(async move {
                    let answer = handler.pairing(request).await;
                    let _ = answers.send((id, Answer::Pairing(answer))).await;
                });
                jobs.0.insert(id, job.abort_handle());
            }
            terminal::Event::Cancel { id } => self.handler.cancel(id),
            terminal::Event::RequestAbandoned { id } => {
                if let Some(job) = jobs.0.remove(&id) {
                    job.abort();
                }
            }
            terminal::Event::Status(status) => {
                self.connected.send_replace(status.connected);
                let _ = self.handle.events.send(Event::Status(status));
            }
            terminal::Event::Screen(message) => {
                let _ = self.handle.events.send(Event::Screen(message));
            }
            terminal::Event::Stopped => {
                self.connected.send_replace(false);
                let _ = self.handle.events.send(Event::Stopped);
                return true;
            }
            _ => {}
        }
        false
    }
}

/// What a request or pairing task hands back to the client task.
enum Answer {
    Response(Response),
    Pairing(PairingAnswer),
}

/// A fresh MAC key and padding seed from the operating system.
fn pairing_secret() -> Result<PairingSecret, String> {
    Ok(PairingSecret::new(
        crate::random::os_bytes()?,
        crate::random::os_bytes()?,
    ))
}

/// The request tasks running; aborted when the client ends.
struct Jobs(HashMap<RequestId, AbortHandle>);

impl Drop for Jobs {
    fn drop(&mut self) {
        for job in self.0.values() {
            job.abort();
        }
    }
}

fn failure(error: &std::io::Error) -> TransportFailure {
    match tls_failure(error) {
        Some(why) => TransportFailure::Tls(why),
        None => TransportFailure::Io(error.to_string()),
    }
}

async fn read_some(
    reader: &mut Option<ReadHalf<BoxStream>>,
    buf: &mut [u8],
) -> std::io::Result<usize> {
    match reader {
        Some(reader) => reader.read(buf).await,
        None => std::future::pending().await,
    }
}

async fn write_some(
    writer: &mut Option<WriteHalf<BoxStream>>,
    out: &Outbound,
) -> std::io::Result<Progress> {
    match writer {
        Some(writer) => write_or_flush(writer, out).await,
        None => std::future::pending().await,
    }
}
