//! One task per transport: it owns the core's [`Link`] and the socket, and keeps both
//! bounded.
//!
//! Each turn drains the machine's output into the [`Outbound`] queue, then waits for the
//! first of: bytes from the terminal (only while the queue is under the high-water mark, and
//! never more than the room left), a write to finish, the write deadline, a request from a
//! [`super::Handle`] (also only under the mark), a control message, the machine's timer.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use sca_ws::broker::{
    self, CloseReason, Event as CoreEvent, Link, Output, RequestFailure, SubmitOptions,
};
use sca_ws::{CloseCode, Response, TransportFailure};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot, watch};

use super::error::SubmitError;
use super::event::Event;
use super::link_books::{keep_book, paired};
use super::shared::{Control, LinkEntry, LinkStats, Pairing, Shared, Submit};
use crate::clock::{now, sleep_until_opt};
use crate::outbound::{Outbound, Progress, write_or_flush};
use crate::tls::tls_failure;

/// Cleans up after a link task however it ends (a panic included): forgets the task, ends
/// its registration and wakes a waiting shutdown.
pub(crate) struct TaskGuard {
    pub(crate) shared: Arc<Shared>,
    pub(crate) serial: u64,
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        let gone = {
            let mut state = self.shared.state();
            state.tasks.remove(&self.serial);
            state.links.remove(&self.serial);
            state.registry.ended(&self.serial)
        };
        if let Some(pinpad_id) = gone {
            self.shared.emit(Event::Disconnected {
                pinpad_id,
                reason: CloseReason::TransportLost,
            });
        }
        self.shared.task_ended.notify_waiters();
    }
}

/// What the transport produced, mapped to the core's failure kinds.
fn failure(error: &std::io::Error) -> TransportFailure {
    match tls_failure(error) {
        Some(why) => TransportFailure::Tls(why),
        None => TransportFailure::Io(error.to_string()),
    }
}

fn submit_failure(failure: RequestFailure) -> SubmitError {
    match failure {
        RequestFailure::TimedOut { .. } => SubmitError::Timeout,
        RequestFailure::LinkLost { .. } => SubmitError::LinkLost,
        RequestFailure::Replaced { .. } => SubmitError::Replaced,
        other => SubmitError::Invalid(other.to_string()),
    }
}

/// The link's own bookkeeping beside the machine.
struct Task {
    shared: Arc<Shared>,
    serial: u64,
    remote_addr: SocketAddr,
    /// Names of the client certificate, when TLS asked for one.
    cert_names: Option<Vec<String>>,
    pinpad_id: Option<String>,
    /// Moved into the link's [`LinkEntry`] when the upgrade is accepted.
    submits: Option<mpsc::Sender<Box<Submit>>>,
    stats: Arc<LinkStats>,
    pending: HashMap<broker::RequestId, (Reply, Pairing)>,
    registered: bool,
    /// The book as last written back to the shared books (its text); `None`: the link has
    /// none to keep.
    book_text: Option<String>,
}

type Reply = oneshot::Sender<Result<Response, SubmitError>>;

impl Task {
    fn on_event(&mut self, link: &mut Link, event: CoreEvent) {
        match event {
            CoreEvent::UpgradeRequested(info) => self.decide(link, info),
            CoreEvent::Answered { id, response } => {
                if let Some((reply, pairing)) = self.pending.remove(&id) {
                    let result = paired(link, pairing, response);
                    let _ = reply.send(result);
                }
            }
            CoreEvent::Failed { id, failure } => {
                if let Some((reply, _)) = self.pending.remove(&id) {
                    let _ = reply.send(Err(submit_failure(failure)));
                }
            }
            CoreEvent::Unsolicited(response) => {
                if let Some(pinpad_id) = &self.pinpad_id {
                    self.shared.emit(Event::Unsolicited {
                        pinpad_id: pinpad_id.clone(),
                        response,
                    });
                }
            }
            CoreEvent::Closed(reason) => self.closed(reason),
            _ => {} // Open (registered at accept), BadMessage (the link stays up)
        }
    }

    /// Accepts or refuses an upgrade: an id is required, it must match the certificate when
    /// bound to it, and nothing is accepted during shutdown.
    fn decide(&mut self, link: &mut Link, info: broker::UpgradeInfo) {
        let at = now();
        let config = &self.shared.config;
        let id = info.pinpad_id.clone().filter(|id| !id.is_empty());
        let refusal = match &id {
            _ if self.shared.state().shutting_down => Some((503, "broker shutting down")),
            None => Some((400, "x-vfi-pinpad-id header required")),
            Some(id) if config.bind_pinpad_id_to_certificate => {
                let bound = self
                    .cert_names
                    .as_ref()
                    .is_some_and(|names| names.iter().any(|n| n == id));
                (!bound).then_some((403, "pinpad id does not match the client certificate"))
            }
            Some(_) => None,
        };
        if let Some((status, reason)) = refusal {
            let _ = link.reject(at, status, reason);
            return;
        }
        let Some(id) = id else { return };
        let sci = sca_ws::handshake::SCA_PROTOCOL;
        let protocol = info.protocols.iter().any(|p| p == sci).then_some(sci);
        if link.accept(at, protocol).is_err() {
            return;
        }
        let Some(submits) = self.submits.take() else {
            return;
        };
        let mut previous_addr = None;
        {
            let mut state = self.shared.state();
            if let Some(book) = state.books.get(&id) {
                self.book_text = Some(book.encode());
                link.set_counters(book.clone());
            }
            if let Some(replaced) = state.registry.accepted(&id, self.serial) {
                if let Some(control) = state.tasks.get(&replaced.link) {
                    control.send_replace(Control::Replaced);
                }
                previous_addr = state.links.get(&replaced.link).map(|l| l.remote_addr);
            }
            state.links.insert(
                self.serial,
                LinkEntry {
                    pinpad_id: id.clone(),
                    remote_addr: self.remote_addr,
                    connected_since: crate::clock::wall_clock(),
                    submits,
                    stats: self.stats.clone(),
                },
            );
        }
        self.registered = true;
        self.pinpad_id = Some(id.clone());
        if let Some(previous_addr) = previous_addr {
            self.shared.emit(Event::Replaced {
                pinpad_id: id.clone(),
                remote_addr: self.remote_addr,
                previous_addr,
            });
        }
        self.shared.emit(Event::Connected {
            pinpad_id: id,
            remote_addr: self.remote_addr,
        });
    }

    fn closed(&mut self, reason: CloseReason) {
        for (_, (reply, _)) in self.pending.drain() {
            let _ = reply.send(Err(SubmitError::LinkLost));
        }
        if !self.registered {
            return;
        }
        self.registered = false;
        let gone = {
            let mut state = self.shared.state();
            state.links.remove(&self.serial);
            state.registry.ended(&self.serial)
        };
        if let Some(pinpad_id) = gone {
            self.shared.emit(Event::Disconnected { pinpad_id, reason });
        }
    }

    fn submit(&mut self, link: &mut Link, submit: Submit) {
        let options = SubmitOptions {
            deadline: Some(submit.deadline),
            ..SubmitOptions::default()
        };
        match link.submit_with(now(), submit.transaction, options) {
            Ok(id) => {
                self.pending.insert(id, (submit.reply, submit.pairing));
            }
            Err(error) => {
                let error = match error {
                    broker::Error::QueueFull { .. } | broker::Error::Busy => SubmitError::QueueFull,
                    broker::Error::NotOpen => SubmitError::NotConnected,
                    other => SubmitError::Invalid(other.to_string()),
                };
                let _ = submit.reply.send(Err(error));
            }
        }
    }
}

/// Serves one transport until the link ends. `control` carries replace / shutdown orders.
pub(crate) async fn run<S>(
    shared: Arc<Shared>,
    serial: u64,
    io: S,
    remote_addr: SocketAddr,
    cert_names: Option<Vec<String>>,
    mut control: watch::Receiver<Control>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let config = &shared.config;
    let high_water = config.outbound_high_water.max(1);
    let write_deadline = config.write_deadline;
    let mut link = Link::new(shared.core.clone(), now(), shared.link_seed(serial));
    let (submits, mut submit_rx) = mpsc::channel(config.submit_queue.max(1));
    let mut task = Task {
        shared: shared.clone(),
        serial,
        remote_addr,
        cert_names,
        pinpad_id: None,
        submits: Some(submits),
        stats: Arc::new(LinkStats::default()),
        pending: HashMap::new(),
        registered: false,
        book_text: None,
    };
    let (mut reader, mut writer) = tokio::io::split(io);
    let mut out = Outbound::default();
    let mut buf = vec![0u8; config.read_buffer.max(64)];
    let mut applied = Control::Run;
    let mut eof = false;
    let mut transport_done = false;
    let mut cut = false;
    loop {
        let changed = {
            let ordered = control.borrow_and_update();
            // Cloned only when it differs: a close order's reason is a String.
            (*ordered != applied).then(|| ordered.clone())
        };
        if let Some(ordered) = changed {
            applied = ordered.clone();
            let at = now();
            match ordered {
                Control::Replaced => {
                    let _ = link.close_replaced(at);
                }
                Control::Close(code, reason) => {
                    let _ = link.close(at, code, &reason);
                }
                Control::Drop => {
                    cut = true;
                    let why = TransportFailure::Io("dropped by the broker".into());
                    link.handle_transport_failed(at, why);
                }
                Control::GoingAway => {
                    let _ = link.close(at, CloseCode::GOING_AWAY, "broker shutting down");
                }
                Control::Abort => {
                    cut = true;
                    link.handle_transport_failed(at, TransportFailure::Io("broker stopped".into()));
                }
                Control::Run => {}
            }
        }
        while let Some(output) = link.poll_output() {
            match output {
                Output::Transmit(bytes) if !cut => out.push(now(), bytes),
                Output::Transmit(_) => {}
                Output::CloseTransport => transport_done = true,
                Output::Event(event) => task.on_event(&mut link, event),
                _ => {}
            }
        }
        if let Some(id) = &task.pinpad_id {
            keep_book(&shared, serial, id, &mut task.book_text, &link);
        }
        task.stats.queued.store(out.queued(), Ordering::Relaxed);
        task.stats.peak.store(out.peak(), Ordering::Relaxed);
        if cut {
            out.clear();
        }
        if transport_done && out.is_empty() && !out.wants_flush() {
            if !cut {
                let _ = tokio::time::timeout(write_deadline, writer.shutdown()).await;
            }
            break;
        }
        let room = out.room(high_water).min(buf.len());
        let can_read = !eof && !transport_done && room > 0;
        let can_submit = task.registered && room > 0 && !transport_done;
        let stall_at = out.deadline(write_deadline);
        tokio::select! {
            read = reader.read(&mut buf[..room]), if can_read => match read {
                Ok(0) => {
                    eof = true;
                    link.handle_eof(now());
                }
                Ok(n) => {
                    shared.bytes_in.fetch_add(n as u64, Ordering::Relaxed);
                    link.handle_input(now(), &buf[..n]);
                }
                Err(e) => {
                    eof = true;
                    link.handle_transport_failed(now(), failure(&e));
                }
            },
            progress = write_or_flush(&mut writer, &out), if !out.is_empty() || out.wants_flush() => match progress {
                Ok(Progress::Wrote(n)) if n > 0 => {
                    shared.bytes_out.fetch_add(n as u64, Ordering::Relaxed);
                    out.advance(now(), n);
                }
                Ok(Progress::Flushed) => out.flushed(),
                Ok(Progress::Wrote(_)) => {
                    cut = true;
                    link.handle_transport_failed(now(), TransportFailure::Io("write returned 0".into()));
                }
                Err(e) => {
                    cut = true;
                    link.handle_transport_failed(now(), failure(&e));
                }
            },
            () = sleep_until_opt(stall_at) => {
                cut = true;
                link.handle_transport_failed(
                    now(),
                    TransportFailure::Io("write deadline passed: the terminal is not reading".into()),
                );
            },
            submit = submit_rx.recv(), if can_submit => if let Some(submit) = submit {
                task.submit(&mut link, *submit);
            },
            changed = control.changed() => if changed.is_err() {
                // The server is gone entirely: nothing can reach this link any more.
                cut = true;
                link.handle_transport_failed(now(), TransportFailure::Io("broker stopped".into()));
            },
            () = sleep_until_opt(link.poll_timeout()) => link.handle_timeout(now()),
        }
    }
    // Every request has ended through the machine's events; answer any left defensively.
    for (_, (reply, _)) in task.pending.drain() {
        let _ = reply.send(Err(SubmitError::LinkLost));
    }
}
