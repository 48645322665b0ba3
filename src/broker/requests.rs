//! The requests of one link: waiting, in flight, answered, timed out or lost.
//!
//! One primary request is in flight at a time (the terminal is busy until it answers); the
//! next primaries wait in a bounded queue, or are refused at once when the caller prefers.
//! SECONDARYPORT requests go out alongside, up to a bound of their own. Every request ends
//! exactly once: answered (see [`super::matching`]), timed out at its deadline, or failed
//! when the link goes; the tracker hands each ending back so the link can report it.

use std::collections::VecDeque;
use std::time::Instant;

use super::error::BrokerError;
use super::matching::{self, Port, RequestKeys, ResponseKeys};

/// Names one request submitted on one link, from submission to its single outcome.
///
/// Ids rise over the link's life and are never reused on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BrokerRequestId(pub(crate) u64);

impl BrokerRequestId {
    /// The number behind the id (for logs and maps).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for BrokerRequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What to do with a primary request while another primary is in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WhenBusy {
    /// Wait in the link's bounded queue (the default).
    #[default]
    Queue,
    /// Refuse it at once with [`BrokerError::Busy`].
    Refuse,
}

/// A request not yet written to the terminal.
#[derive(Debug)]
pub(crate) struct Waiting<P> {
    pub(crate) id: BrokerRequestId,
    pub(crate) port: Port,
    pub(crate) deadline: Instant,
    pub(crate) payload: P,
}

#[derive(Debug)]
struct InFlight {
    id: BrokerRequestId,
    keys: RequestKeys,
    deadline: Instant,
}

/// How one request ended without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ended {
    pub(crate) id: BrokerRequestId,
    /// Whether it had been written to the terminal (so it may have been carried out).
    pub(crate) sent: bool,
}

/// Bounds of one link's request bookkeeping.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_waiting: usize,
    pub(crate) max_secondaries: usize,
}

/// Waiting and in-flight requests of one link.
#[derive(Debug)]
pub(crate) struct Tracker<P> {
    in_flight: Vec<InFlight>,
    waiting: VecDeque<Waiting<P>>,
    next_id: u64,
}

impl<P> Default for Tracker<P> {
    fn default() -> Self {
        Self {
            in_flight: Vec::new(),
            waiting: VecDeque::new(),
            next_id: 1,
        }
    }
}

impl<P> Tracker<P> {
    fn primary_in_flight(&self) -> bool {
        self.in_flight.iter().any(|r| r.keys.port == Port::Primary)
    }

    fn secondaries_in_flight(&self) -> usize {
        self.in_flight
            .iter()
            .filter(|r| r.keys.port == Port::Secondary)
            .count()
    }

    fn can_send_now(&self, port: Port, limits: Limits) -> bool {
        let earlier_waits = self.waiting.iter().any(|w| w.port == port);
        !earlier_waits
            && match port {
                Port::Primary => !self.primary_in_flight(),
                Port::Secondary => self.secondaries_in_flight() < limits.max_secondaries,
            }
    }

    /// Takes a new request: it waits until [`Self::next_sendable`] releases it.
    pub(crate) fn submit(
        &mut self,
        port: Port,
        deadline: Instant,
        payload: P,
        when_busy: WhenBusy,
        limits: Limits,
    ) -> Result<BrokerRequestId, BrokerError> {
        if !self.can_send_now(port, limits) {
            if when_busy == WhenBusy::Refuse {
                return Err(BrokerError::Busy);
            }
            if self.waiting.len() >= limits.max_waiting {
                return Err(BrokerError::QueueFull {
                    limit: limits.max_waiting,
                });
            }
        }
        let id = BrokerRequestId(self.next_id);
        self.next_id += 1;
        self.waiting.push_back(Waiting {
            id,
            port,
            deadline,
            payload,
        });
        Ok(id)
    }

    /// The first waiting request allowed on the wire now; the caller writes it and reports
    /// [`Self::sent`], or puts it back with [`Self::unpop`] if it cannot be written yet.
    pub(crate) fn next_sendable(&mut self, limits: Limits) -> Option<Waiting<P>> {
        let primary_free = !self.primary_in_flight();
        let secondary_free = self.secondaries_in_flight() < limits.max_secondaries;
        let first_primary = self.waiting.iter().position(|w| w.port == Port::Primary);
        let first_secondary = self.waiting.iter().position(|w| w.port == Port::Secondary);
        let pick = match (
            primary_free.then_some(first_primary).flatten(),
            secondary_free.then_some(first_secondary).flatten(),
        ) {
            (Some(p), Some(s)) => Some(p.min(s)),
            (p, s) => p.or(s),
        }?;
        self.waiting.remove(pick)
    }

    /// Puts back a request [`Self::next_sendable`] released but that could not be written.
    pub(crate) fn unpop(&mut self, waiting: Waiting<P>) {
        // It was the earliest of its port, so putting it first keeps the per-port order.
        self.waiting.push_front(waiting);
    }

    /// Records that a request is on the wire with these keys.
    pub(crate) fn sent(&mut self, id: BrokerRequestId, keys: RequestKeys, deadline: Instant) {
        self.in_flight.push(InFlight { id, keys, deadline });
    }

    /// The request `response` answers, removed from the in-flight set; `None`: unsolicited.
    pub(crate) fn answer(&mut self, response: &ResponseKeys<'_>) -> Option<BrokerRequestId> {
        let i = matching::select(response, self.in_flight.iter().map(|r| &r.keys))?;
        (i < self.in_flight.len()).then(|| self.in_flight.remove(i).id)
    }

    /// Ends every request whose deadline is at or before `now`, oldest first.
    pub(crate) fn expire(&mut self, now: Instant, out: &mut impl FnMut(Ended)) {
        self.in_flight.retain(|r| {
            let keep = r.deadline > now;
            if !keep {
                out(Ended {
                    id: r.id,
                    sent: true,
                });
            }
            keep
        });
        self.waiting.retain(|w| {
            let keep = w.deadline > now;
            if !keep {
                out(Ended {
                    id: w.id,
                    sent: false,
                });
            }
            keep
        });
    }

    /// Ends every request, in flight first: the link is gone.
    pub(crate) fn end_all(&mut self, out: &mut impl FnMut(Ended)) {
        for r in self.in_flight.drain(..) {
            out(Ended {
                id: r.id,
                sent: true,
            });
        }
        for w in self.waiting.drain(..) {
            out(Ended {
                id: w.id,
                sent: false,
            });
        }
    }

    /// Ends only the waiting requests (they can no longer be sent; those in flight may still
    /// be answered during the close handshake).
    pub(crate) fn end_waiting(&mut self, out: &mut impl FnMut(Ended)) {
        for w in self.waiting.drain(..) {
            out(Ended {
                id: w.id,
                sent: false,
            });
        }
    }

    /// The earliest deadline of any request.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let a = self.in_flight.iter().map(|r| r.deadline).min();
        let b = self.waiting.iter().map(|w| w.deadline).min();
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether a request in flight or waiting carries POS_RECON `recon` and could be in
    /// flight together with a request of `port` (`None`: any port); two primaries never are.
    /// `recon_of` reads a waiting payload's POS_RECON.
    pub(crate) fn recon_pending<'a>(
        &'a self,
        recon: &str,
        port: Option<Port>,
        recon_of: impl Fn(&'a P) -> Option<&'a str>,
    ) -> bool {
        let overlaps = |other: Port| port != Some(Port::Primary) || other != Port::Primary;
        self.in_flight
            .iter()
            .any(|r| overlaps(r.keys.port) && r.keys.pos_recon.as_deref() == Some(recon))
            || self
                .waiting
                .iter()
                .any(|w| overlaps(w.port) && recon_of(&w.payload) == Some(recon))
    }

    /// Requests in flight plus waiting.
    pub(crate) fn len(&self) -> usize {
        self.in_flight.len() + self.waiting.len()
    }

    /// Releases buffer capacity once nothing is tracked, so an idle link holds no heap.
    pub(crate) fn shrink_when_empty(&mut self) {
        if self.in_flight.is_empty() && self.in_flight.capacity() > 0 {
            self.in_flight = Vec::new();
        }
        if self.waiting.is_empty() && self.waiting.capacity() > 0 {
            self.waiting = VecDeque::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The one wall-clock reading a test takes: the origin of its virtual time.
    #[allow(clippy::disallowed_methods)]
    fn start() -> Instant {
        Instant::now()
    }

    const LIMITS: Limits = Limits {
        max_waiting: 2,
        max_secondaries: 1,
    };

    fn keys(port: Port, counter: Option<u32>) -> RequestKeys {
        RequestKeys {
            port,
            counter,
            pos_recon: None,
            may_lack_echo: true,
        }
    }

    fn resp(counter: Option<u32>, code: i64) -> ResponseKeys<'static> {
        ResponseKeys {
            counter,
            pos_recon: None,
            result_code: Some(code),
        }
    }

    /// Submits and, when allowed, sends at once (as the link does).
    fn submit_send(
        t: &mut Tracker<&'static str>,
        port: Port,
        counter: Option<u32>,
        deadline: Instant,
        when_busy: WhenBusy,
    ) -> Result<(BrokerRequestId, bool), BrokerError> {
        let id = t.submit(port, deadline, "x", when_busy, LIMITS)?;
        let mut sent = false;
        if let Some(w) = t.next_sendable(LIMITS) {
            assert_eq!(w.id, id);
            t.sent(w.id, keys(port, counter), w.deadline);
            sent = true;
        }
        Ok((id, sent))
    }

    #[test]
    fn one_primary_in_flight_others_wait_in_order() {
        let t0 = start();
        let dl = t0 + Duration::from_secs(60);
        let mut t = Tracker::default();
        let (a, sent_a) = submit_send(&mut t, Port::Primary, Some(1), dl, WhenBusy::Queue).unwrap();
        let (b, sent_b) = submit_send(&mut t, Port::Primary, None, dl, WhenBusy::Queue).unwrap();
        let (c, sent_c) = submit_send(&mut t, Port::Primary, None, dl, WhenBusy::Queue).unwrap();
        assert!(sent_a && !sent_b && !sent_c);
        assert_eq!(
            t.submit(Port::Primary, dl, "x", WhenBusy::Queue, LIMITS),
            Err(BrokerError::QueueFull { limit: 2 })
        );
        assert_eq!(t.next_sendable(LIMITS).map(|w| w.id), None);
        assert_eq!(t.answer(&resp(Some(1), -1)), Some(a));
        assert_eq!(t.next_sendable(LIMITS).map(|w| w.id), Some(b));
        assert_eq!(t.len(), 1);
        let _ = c;
    }

    #[test]
    fn refuse_when_busy_is_immediate() {
        let t0 = start();
        let mut t = Tracker::default();
        submit_send(&mut t, Port::Primary, None, t0, WhenBusy::Refuse).unwrap();
        assert_eq!(
            t.submit(Port::Primary, t0, "x", WhenBusy::Refuse, LIMITS),
            Err(BrokerError::Busy)
        );
        // A secondary still goes alongside.
        let (_, sent) = submit_send(&mut t, Port::Secondary, None, t0, WhenBusy::Refuse).unwrap();
        assert!(sent);
    }

    #[test]
    fn secondaries_go_alongside_a_primary_up_to_their_bound() {
        let t0 = start();
        let dl = t0 + Duration::from_secs(5);
        let mut t = Tracker::default();
        let (p, _) = submit_send(&mut t, Port::Primary, Some(9), dl, WhenBusy::Queue).unwrap();
        let (s1, sent1) = submit_send(&mut t, Port::Secondary, None, dl, WhenBusy::Queue).unwrap();
        let (s2, sent2) = submit_send(&mut t, Port::Secondary, None, dl, WhenBusy::Queue).unwrap();
        assert!(sent1 && !sent2);
        // The CANCEL answer (no COUNTER) goes to the secondary, then the next one may go.
        assert_eq!(t.answer(&resp(None, -1)), Some(s1));
        assert_eq!(t.next_sendable(LIMITS).map(|w| w.id), Some(s2));
        assert_eq!(t.answer(&resp(Some(9), 59001)), Some(p));
    }

    #[test]
    fn deadlines_end_requests_in_flight_and_waiting() {
        let t0 = start();
        let mut t = Tracker::default();
        let (a, _) = submit_send(
            &mut t,
            Port::Primary,
            None,
            t0 + Duration::from_secs(1),
            WhenBusy::Queue,
        )
        .unwrap();
        let (b, _) = submit_send(
            &mut t,
            Port::Primary,
            None,
            t0 + Duration::from_secs(2),
            WhenBusy::Queue,
        )
        .unwrap();
        assert_eq!(t.next_deadline(), Some(t0 + Duration::from_secs(1)));
        let mut ended = Vec::new();
        t.expire(t0 + Duration::from_millis(999), &mut |e| ended.push(e));
        assert!(ended.is_empty());
        t.expire(t0 + Duration::from_secs(2), &mut |e| ended.push(e));
        assert_eq!(
            ended,
            [Ended { id: a, sent: true }, Ended { id: b, sent: false }]
        );
        assert_eq!((t.len(), t.next_deadline()), (0, None));
    }

    #[test]
    fn link_loss_ends_everything_once() {
        let t0 = start();
        let mut t = Tracker::default();
        let (a, _) = submit_send(&mut t, Port::Primary, None, t0, WhenBusy::Queue).unwrap();
        let (b, _) = submit_send(&mut t, Port::Primary, None, t0, WhenBusy::Queue).unwrap();
        let mut ended = Vec::new();
        t.end_all(&mut |e| ended.push(e));
        t.end_all(&mut |e| ended.push(e));
        assert_eq!(
            ended,
            [Ended { id: a, sent: true }, Ended { id: b, sent: false }]
        );
        t.shrink_when_empty();
        assert_eq!(t.in_flight.capacity() + t.waiting.capacity(), 0);
    }

    #[test]
    fn unsolicited_leaves_requests_in_flight() {
        let t0 = start();
        let mut t = Tracker::default();
        submit_send(&mut t, Port::Primary, Some(3), t0, WhenBusy::Queue).unwrap();
        assert_eq!(t.answer(&resp(Some(2), -1)), None);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn unpop_keeps_order() {
        let t0 = start();
        let mut t: Tracker<&str> = Tracker::default();
        let a = t
            .submit(Port::Primary, t0, "a", WhenBusy::Queue, LIMITS)
            .unwrap();
        let b = t
            .submit(Port::Primary, t0, "b", WhenBusy::Queue, LIMITS)
            .unwrap();
        let w = t.next_sendable(LIMITS).unwrap();
        assert_eq!(w.id, a);
        t.unpop(w);
        assert_eq!(t.next_sendable(LIMITS).map(|w| w.id), Some(a));
        let _ = b;
    }
}
