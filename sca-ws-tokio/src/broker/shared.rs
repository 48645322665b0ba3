//! The state every link task and every [`Handle`] share: which link reaches which pinpad id
//! (the core's [`Registry`]), each task's control channel, the event channel and counters.
//!
//! One `std` mutex guards the maps; it is never held across an `.await`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use sca_ws::broker::{CounterBook, PosKey, Registry};
use sca_ws::{CloseCode, Response, Transaction};
use tokio::sync::{Notify, broadcast, mpsc, oneshot, watch};

use super::config::ServerConfig;
use super::error::{CloseError, SubmitError};
use super::event::{Event, TerminalInfo};
use crate::clock;

/// What the server asks of one link task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Control {
    /// Serve.
    Run,
    /// A newer link took the pinpad id: close with the core's replaced code.
    Replaced,
    /// The application closes the link: close handshake with this code and reason.
    Close(CloseCode, String),
    /// The application drops the link: the transport is cut without a close handshake.
    Drop,
    /// Graceful shutdown: close with 1001.
    GoingAway,
    /// The grace period is over: drop the transport.
    Abort,
}

/// What the link task does with a request's answer besides handing it back.
pub(crate) enum Pairing {
    /// Nothing.
    None,
    /// A REGISTER: read the answer with this key (blinded with the seed) into the book.
    Register(Box<PosKey>, [u8; 32]),
    /// An UNREGISTER of the label (`None`: UNREGISTERALL): drop it from the book on success.
    Unregister(Option<String>),
}

/// A request on its way to a link task. Sent boxed: a tokio channel allocates its slots in
/// blocks up front, so a small message keeps an idle link's channel small.
pub(crate) struct Submit {
    pub(crate) transaction: Transaction,
    pub(crate) pairing: Pairing,
    pub(crate) deadline: Instant,
    pub(crate) reply: oneshot::Sender<Result<Response, SubmitError>>,
}

/// Queue levels a link task publishes.
#[derive(Debug, Default)]
pub(crate) struct LinkStats {
    pub(crate) queued: AtomicUsize,
    pub(crate) peak: AtomicUsize,
}

/// An accepted link.
pub(crate) struct LinkEntry {
    pub(crate) pinpad_id: String,
    pub(crate) remote_addr: SocketAddr,
    pub(crate) connected_since: SystemTime,
    pub(crate) submits: mpsc::Sender<Box<Submit>>,
    pub(crate) stats: Arc<LinkStats>,
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) registry: Registry<u64>,
    pub(crate) links: HashMap<u64, LinkEntry>,
    /// Every running link task (accepted or not yet), by serial.
    pub(crate) tasks: HashMap<u64, watch::Sender<Control>>,
    /// The labels and counters of every paired pinpad id, kept across its links: each new
    /// link of the id starts from this book, and the id's current link writes it back.
    pub(crate) books: HashMap<String, CounterBook>,
    pub(crate) shutting_down: bool,
}

pub(crate) struct Shared {
    pub(crate) config: ServerConfig,
    pub(crate) core: Arc<sca_ws::broker::Config>,
    state: Mutex<State>,
    pub(crate) events: broadcast::Sender<Event>,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    /// Notified whenever a link task ends (for the shutdown wait).
    pub(crate) task_ended: Notify,
    /// `true` once shutdown began (stops the accept loop).
    pub(crate) stopping: watch::Sender<bool>,
    seed: u64,
    next_serial: AtomicU64,
}

impl Shared {
    pub(crate) fn new(config: ServerConfig) -> Self {
        let seed = config.seed.unwrap_or_else(|| {
            use std::hash::BuildHasher;
            std::collections::hash_map::RandomState::new().hash_one(0x5ca_u64)
        });
        let (events, _) = broadcast::channel(config.event_capacity.max(1));
        let core = Arc::new(config.core.clone());
        Self {
            config,
            core,
            state: Mutex::new(State::default()),
            events,
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            task_ended: Notify::new(),
            stopping: watch::channel(false).0,
            seed,
            next_serial: AtomicU64::new(1),
        }
    }

    /// The maps; a task that panicked while holding the lock left them consistent enough
    /// (every update is one step), so poisoning is ignored.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn next_serial(&self) -> u64 {
        self.next_serial.fetch_add(1, Ordering::Relaxed)
    }

    /// A different seed per link (SplitMix64 of the server seed and the serial).
    pub(crate) fn link_seed(&self, serial: u64) -> u64 {
        let mut z = self
            .seed
            .wrapping_add(serial.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn emit(&self, event: Event) {
        // No receiver is no error: events are for whoever listens.
        let _ = self.events.send(event);
    }
}

/// Margin past the core's request deadline before `submit` gives up on its own, so the
/// core's `TimedOut` is what normally ends a request.
const SUBMIT_BACKSTOP: Duration = Duration::from_secs(1);

/// The application's side of a running [`super::Server`]: cheap to clone, usable from any
/// task or thread.
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("bind", &self.shared.config.bind)
            .finish_non_exhaustive()
    }
}

impl Handle {
    /// Sends `transaction` to the terminal `pinpad_id` and waits for its RESPONSE, at most
    /// [`ServerConfig::submit_timeout`].
    ///
    /// The link writes COUNTER / MAC and a POS_RECON of its own (see `sca_ws::broker`), and
    /// matches the answer by that evidence.
    ///
    /// Cancel safety: refusals (`NotConnected`, `QueueFull`) happen before the first
    /// `.await`. Once the request is queued, dropping the future does not withdraw it: the
    /// terminal may still get and carry it out, and its answer is then discarded.
    pub async fn submit(
        &self,
        pinpad_id: &str,
        transaction: Transaction,
    ) -> Result<Response, SubmitError> {
        self.submit_paired(pinpad_id, transaction, Pairing::None)
            .await
    }

    /// Pairs with the terminal `pinpad_id`: sends SECURITY REGISTER (REG_VER 1) with
    /// `key`, the cashier typing `entry_code` (show it on the POS first; see
    /// [`sca_ws::broker::entry_code`]), and stores the label and key the terminal answers
    /// in the id's book. From then on every request to the id is signed, on this link and
    /// on every later one. Returns the new label.
    ///
    /// Errors as [`Handle::submit`], and [`SubmitError::Pairing`] when the terminal
    /// refused or its answer does not open with `key`.
    ///
    /// Cancel safety: as [`Handle::submit`]. Once queued, the pairing goes on without the
    /// future: the link task reads the answer, so a terminal that accepted still has its
    /// label stored in the book ([`super::Event::BookChanged`] says so).
    pub async fn register(
        &self,
        pinpad_id: &str,
        key: &PosKey,
        entry_code: &str,
    ) -> Result<String, SubmitError> {
        let seed = crate::random::os_bytes().map_err(SubmitError::Invalid)?;
        let request = key.register_request(entry_code);
        let pairing = Pairing::Register(Box::new(key.clone()), seed);
        let answer = self.submit_paired(pinpad_id, request, pairing).await?;
        Ok(answer
            .fields()
            .get("MAC_LABEL")
            .unwrap_or_default()
            .to_owned())
    }

    /// Sends SECURITY UNREGISTER of `label` (`None`: the id's default label; without any
    /// label, UNREGISTERALL), signed with it, and drops the label from the book once the
    /// terminal confirms.
    ///
    /// Cancel safety: as [`Handle::register`]; a confirmed UNREGISTER still drops the label.
    pub async fn unregister(
        &self,
        pinpad_id: &str,
        label: Option<&str>,
    ) -> Result<Response, SubmitError> {
        let label = label.map(str::to_owned).or_else(|| {
            let state = self.shared.state();
            let book = state.books.get(pinpad_id)?;
            book.default_label().map(str::to_owned)
        });
        let request = match &label {
            Some(label) => sca_ws::broker::unregister_request(label),
            None => sca_ws::broker::unregister_all_request(),
        };
        self.submit_paired(pinpad_id, request, Pairing::Unregister(label))
            .await
    }

    /// Sends SECURITY TEST_MAC signed with `label` (`None`: the default label); a terminal
    /// that verified the MAC answers success.
    ///
    /// Cancel safety: as [`Handle::submit`] (it is one).
    pub async fn test_mac(
        &self,
        pinpad_id: &str,
        label: Option<&str>,
    ) -> Result<Response, SubmitError> {
        self.submit(pinpad_id, sca_ws::broker::test_mac_request(label))
            .await
    }

    /// Every pinpad id's book (labels, keys, counters), sorted by id, to save after
    /// [`super::Event::BookChanged`]. Holds keys: store it where the POS keeps secrets.
    pub fn books(&self) -> Vec<(String, CounterBook)> {
        let state = self.shared.state();
        let mut books: Vec<_> = state
            .books
            .iter()
            .map(|(id, book)| (id.clone(), book.clone()))
            .collect();
        books.sort_by(|a, b| a.0.cmp(&b.0));
        books
    }

    /// Sets the book of `pinpad_id` (e.g. saved by an earlier run); it applies from the id's
    /// next link on. An empty book forgets the id.
    pub fn set_book(&self, pinpad_id: &str, book: CounterBook) {
        let mut state = self.shared.state();
        if book.is_empty() {
            state.books.remove(pinpad_id);
        } else {
            state.books.insert(pinpad_id.to_owned(), book);
        }
    }

    async fn submit_paired(
        &self,
        pinpad_id: &str,
        transaction: Transaction,
        pairing: Pairing,
    ) -> Result<Response, SubmitError> {
        let timeout = self.shared.config.submit_timeout;
        let (reply, answer) = oneshot::channel();
        {
            let state = self.shared.state();
            if state.shutting_down {
                return Err(SubmitError::NotConnected);
            }
            let entry = state
                .registry
                .link(pinpad_id)
                .and_then(|serial| state.links.get(serial))
                .ok_or(SubmitError::NotConnected)?;
            let submit = Box::new(Submit {
                transaction,
                pairing,
                deadline: clock::now() + timeout,
                reply,
            });
            entry.submits.try_send(submit).map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => SubmitError::QueueFull,
                mpsc::error::TrySendError::Closed(_) => SubmitError::NotConnected,
            })?;
        }
        match tokio::time::timeout(timeout + SUBMIT_BACKSTOP, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(SubmitError::LinkLost),
            Err(_) => Err(SubmitError::Timeout),
        }
    }

    /// Closes the link of `pinpad_id` with a close handshake (`code`, `reason`); the terminal
    /// will dial again as its configuration says. Requests in flight on it fail with
    /// [`SubmitError::LinkLost`] and [`super::Event::Disconnected`] follows.
    ///
    /// Refused, closing nothing, when no link holds the id or a close frame cannot carry
    /// `code` or `reason`.
    pub fn close(&self, pinpad_id: &str, code: CloseCode, reason: &str) -> Result<(), CloseError> {
        if !code.is_valid_on_wire() {
            return Err(CloseError::InvalidCode(code));
        }
        if reason.len() > sca_ws::frame::ClosePayload::MAX_REASON_LEN {
            return Err(CloseError::ReasonTooLong(reason.len()));
        }
        let control = Control::Close(code, reason.to_owned());
        self.order(pinpad_id, control)
            .then_some(())
            .ok_or(CloseError::NotConnected)
    }

    /// Cuts the transport of `pinpad_id` without a close handshake, as a lost network would
    /// (for tests of a terminal's reconnect). Otherwise as [`Handle::close`].
    pub fn drop_link(&self, pinpad_id: &str) -> bool {
        self.order(pinpad_id, Control::Drop)
    }

    /// Sends `control` to the task of the link holding `pinpad_id`.
    fn order(&self, pinpad_id: &str, control: Control) -> bool {
        let state = self.shared.state();
        let task = state
            .registry
            .link(pinpad_id)
            .and_then(|serial| state.tasks.get(serial));
        match task {
            Some(task) => {
                task.send_replace(control);
                true
            }
            None => false,
        }
    }

    /// The terminals reachable now, one per pinpad id (a link being replaced is not listed).
    pub fn terminals(&self) -> Vec<TerminalInfo> {
        let state = self.shared.state();
        state
            .links
            .iter()
            .filter(|(serial, entry)| state.registry.link(&entry.pinpad_id) == Some(serial))
            .map(|(_, entry)| TerminalInfo {
                pinpad_id: entry.pinpad_id.clone(),
                remote_addr: entry.remote_addr,
                connected_since: entry.connected_since,
                outbound_queued: entry.stats.queued.load(Ordering::Relaxed),
                outbound_peak: entry.stats.peak.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// A receiver of every event from now on. It holds at most
    /// [`ServerConfig::event_capacity`] unread events; a slower reader loses the oldest
    /// (`RecvError::Lagged`), so a stalled subscriber never grows the server's memory.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.shared.events.subscribe()
    }

    /// Plaintext bytes read from all terminals so far (after TLS).
    pub fn bytes_in(&self) -> u64 {
        self.shared.bytes_in.load(Ordering::Relaxed)
    }

    /// Plaintext bytes written to all terminals so far (before TLS).
    pub fn bytes_out(&self) -> u64 {
        self.shared.bytes_out.load(Ordering::Relaxed)
    }

    /// Transports being served now, upgraded or not.
    pub fn link_count(&self) -> usize {
        self.shared.state().tasks.len()
    }

    /// Stops accepting, closes every link with 1001 (going away) and waits for them to end,
    /// at most `grace`; links still open then are dropped without more ado. Returns once
    /// every link task has ended, or a bounded moment after the grace period.
    ///
    /// Cancel safety: the shutdown starts before the first `.await` and goes on if the
    /// future is dropped (links still close with 1001); only the forced drop after `grace`
    /// is lost.
    pub async fn shutdown(&self, grace: Duration) {
        let started = clock::now();
        {
            let mut state = self.shared.state();
            state.shutting_down = true;
            for control in state.tasks.values() {
                control.send_replace(Control::GoingAway);
            }
        }
        self.shared.stopping.send_replace(true);
        if self.wait_for_tasks(started + grace).await {
            return;
        }
        for control in self.shared.state().tasks.values() {
            control.send_replace(Control::Abort);
        }
        self.wait_for_tasks(clock::now() + Duration::from_secs(1))
            .await;
    }

    /// Waits until no link task runs or `until`; `true` when none runs.
    async fn wait_for_tasks(&self, until: Instant) -> bool {
        loop {
            let notified = self.shared.task_ended.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.shared.state().tasks.is_empty() {
                return true;
            }
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep_until(until.into()) => {
                    return self.shared.state().tasks.is_empty();
                }
            }
        }
    }
}
