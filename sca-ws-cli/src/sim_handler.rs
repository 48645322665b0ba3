//! The simulated terminal application: the [`Engine`] behind the companion crate's
//! [`Handler`], with the CAPTURE's wait for the customer (cut short by a SECONDARYPORT
//! CANCEL) and the swarm's latency figures.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sca_ws::Response;
use sca_ws::terminal::{AuthState, Channel, RequestId};
use sca_ws_tokio::terminal::{Handler, PairingAnswer, PairingRequest, Request};
use tokio::sync::Notify;

use crate::engine::{Answer, Engine};
use crate::sim_pairing::SimPairing;
use crate::swarm_stats::SwarmStats;

/// Where a single terminal's lines go (stderr in `sca_terminal`, the transcript in the demo).
pub type LineSink = Arc<dyn Fn(String) + Send + Sync>;

/// One simulated terminal's request handler.
pub struct SimHandler {
    engine: Mutex<Engine>,
    capture_delay: Duration,
    /// The CAPTURE waiting for its customer, and how to wake it for a cancel.
    capture: Mutex<Option<(RequestId, Arc<Notify>)>>,
    stats: Arc<SwarmStats>,
    /// One line per request and answer goes here (a single terminal); `None`: quiet.
    lines: Option<LineSink>,
    /// The cashier's code and the key store.
    pairing: Arc<SimPairing>,
}

impl SimHandler {
    /// A handler for the terminal `serial` whose CAPTUREs are approved after
    /// `capture_delay`, counting into `stats`, telling each request and answer to `lines`.
    pub fn new(
        serial: &str,
        capture_delay: Duration,
        stats: Arc<SwarmStats>,
        lines: Option<LineSink>,
    ) -> Self {
        Self {
            engine: Mutex::new(Engine::new(serial)),
            capture_delay,
            capture: Mutex::new(None),
            stats,
            lines,
            pairing: Arc::default(),
        }
    }

    /// The same handler pairing as `pairing` says.
    pub fn with_pairing(mut self, pairing: Arc<SimPairing>) -> Self {
        self.pairing = pairing;
        self
    }

    /// Tells `line` to the sink, if any.
    fn say(&self, line: impl FnOnce() -> String) {
        if let Some(lines) = &self.lines {
            lines(line());
        }
    }

    fn engine(&self) -> std::sync::MutexGuard<'_, Engine> {
        self.engine.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn capture_slot(&self) -> std::sync::MutexGuard<'_, Option<(RequestId, Arc<Notify>)>> {
        self.capture.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for the customer, or for a cancel of `id`.
    async fn capture(&self, id: RequestId, amount: String) -> Response {
        let cancelled = Arc::new(Notify::new());
        *self.capture_slot() = Some((id, cancelled.clone()));
        self.engine().capturing = true;
        let approved = tokio::select! {
            () = tokio::time::sleep(self.capture_delay) => true,
            () = cancelled.notified() => false,
        };
        *self.capture_slot() = None;
        let mut engine = self.engine();
        engine.capturing = false;
        if approved {
            engine.approved(&amount)
        } else {
            Response::cancelled()
        }
    }
}

impl Handler for SimHandler {
    async fn request(&self, request: Request) -> Response {
        let started = tokio::time::Instant::now();
        self.say(|| {
            let port = match request.channel {
                Channel::Primary => "primary",
                _ => "secondary",
            };
            let tx = &request.transaction;
            format!(
                "request {} ({port}): {} {}",
                request.id, tx.function_type, tx.command
            )
        });
        let answer = self.engine().answer(&request.transaction);
        let response = match answer {
            Answer::Now(response) => response,
            Answer::Capture { amount } => self.capture(request.id, amount).await,
        };
        self.stats.answered(started.elapsed());
        self.say(|| {
            format!(
                "answer {}: {} {}: {}",
                request.id,
                response
                    .result_code
                    .map_or(String::new(), |c| c.to_string()),
                response.result.as_deref().unwrap_or(""),
                response.response_text.as_deref().unwrap_or("")
            )
        });
        response
    }

    async fn pairing(&self, request: PairingRequest) -> PairingAnswer {
        self.say(|| "screen: Enter pairing code".into());
        let typed = self.pairing.typed(&request.transaction);
        self.say(|| format!("pairing {}: code entered", request.id));
        PairingAnswer::Code(typed)
    }

    async fn auth_changed(&self, state: AuthState) -> Result<(), String> {
        if self.pairing.key_store.is_none() {
            return Ok(());
        }
        let pairing = self.pairing.clone();
        tokio::task::spawn_blocking(move || pairing.save(&state))
            .await
            .map_err(|e| format!("key store writer failed: {e}"))?
    }

    fn cancel(&self, id: RequestId) {
        if let Some((capturing, wake)) = self.capture_slot().as_ref()
            && *capturing == id
        {
            // A stored permit: the wake is not lost if the capture has not waited yet.
            wake.notify_one();
        }
    }
}
