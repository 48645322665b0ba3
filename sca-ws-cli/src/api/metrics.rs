//! The Prometheus metrics of the service (`GET /metrics`): what the API counts itself
//! (requests by outcome, answer latency) and what it reads from the broker at scrape time
//! (connected terminals, bytes).

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, text::encode};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::{counter::Counter, family::Family, gauge::Gauge};
use prometheus_client::registry::Registry;

use crate::brokerage::{ByteCounts, Refusal};

/// The outcome label of `sca_requests_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

/// The label value for an answered request or a refusal.
pub fn outcome(result: &Result<(), &Refusal>) -> &'static str {
    match result {
        Ok(()) => "answered",
        Err(Refusal::NotConnected) => "not_connected",
        Err(Refusal::QueueFull) => "queue_full",
        Err(Refusal::Timeout) => "timeout",
        Err(Refusal::LinkLost) => "link_lost",
        Err(Refusal::Replaced) => "replaced",
        Err(Refusal::Invalid(_)) => "invalid",
        Err(Refusal::Pairing(_)) => "pairing_failed",
    }
}

/// The registry and the handles the API updates.
pub struct Metrics {
    registry: Registry,
    requests: Family<OutcomeLabel, Counter>,
    latency: Histogram,
    connected: Gauge,
    received: Counter,
    sent: Counter,
    /// `sca_nats_connected`, registered by [`Metrics::with_cluster`] only.
    nats: Option<Gauge>,
    /// Scrapes set the byte counters from the broker's totals one at a time.
    scrape: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every metric registered, all at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sca");
        let requests = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "requests",
            "POST /terminals/{id}/transactions by outcome",
            requests.clone(),
        );
        // 0.5 ms .. about 65 s: a terminal answers a status query in milliseconds and a
        // CAPTURE after the customer, seconds later.
        let latency = Histogram::new(exponential_buckets(0.0005, 2.0, 18));
        registry.register(
            "answer_latency_seconds",
            "time from POST to the terminal's RESPONSE",
            latency.clone(),
        );
        let connected = Gauge::default();
        registry.register(
            "connected_terminals",
            "terminals connected now",
            connected.clone(),
        );
        let received = Counter::default();
        registry.register(
            "received_bytes",
            "bytes read from terminals",
            received.clone(),
        );
        let sent = Counter::default();
        registry.register("sent_bytes", "bytes written to terminals", sent.clone());
        Self {
            registry,
            requests,
            latency,
            connected,
            received,
            sent,
            nats: None,
            scrape: Mutex::new(()),
        }
    }

    /// Adds `sca_nats_connected` (1 while this node's NATS connection is up, 0 while it is
    /// down), for a node of a cluster.
    pub fn with_cluster(mut self) -> Self {
        let nats = Gauge::default();
        self.registry.register(
            "nats_connected",
            "1 while this node's NATS connection is up, 0 while down",
            nats.clone(),
        );
        self.nats = Some(nats);
        self
    }

    /// Sets `sca_nats_connected` (no-op without [`Metrics::with_cluster`]).
    pub fn set_nats_connected(&self, up: bool) {
        if let Some(nats) = &self.nats {
            nats.set(i64::from(up));
        }
    }

    /// Counts one request with its outcome; an answer also goes into the latency histogram.
    pub fn record(&self, outcome: &'static str, took: Option<Duration>) {
        self.requests.get_or_create(&OutcomeLabel { outcome }).inc();
        if let Some(took) = took {
            self.latency.observe(took.as_secs_f64());
        }
    }

    /// Counts a body that was not a TRANSACTION.
    pub fn record_bad_request(&self) {
        self.record("bad_request", None);
    }

    /// The text exposition, after reading the broker's own figures.
    pub fn render(&self, connected: usize, bytes: ByteCounts) -> String {
        let _one_at_a_time = self.scrape.lock().unwrap_or_else(|e| e.into_inner());
        self.connected
            .set(i64::try_from(connected).unwrap_or(i64::MAX));
        // Counters only go up: add what the broker moved since the last scrape.
        self.received
            .inc_by(bytes.received.saturating_sub(self.received.get()));
        self.sent.inc_by(bytes.sent.saturating_sub(self.sent.get()));
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
