//! The companion crate's broker handle as a [`Brokerage`]: the only file that knows both.

use std::sync::Arc;

use sca_ws::{Response, Transaction};
use sca_ws_tokio::broker::{CloseError, Event, Handle, SubmitError};
use tokio::sync::broadcast;

use crate::brokerage::{
    Brokerage, ByteCounts, LinkEvent, PairingCommand, PairingOutcome, Refusal, TerminalView,
};
use crate::pos_pairing::PosPairing;

/// Events taken at most before one save of the books.
const DRAIN_BEFORE_SAVE: usize = 4096;

/// A running `sca_ws_tokio` broker, with its events translated on a task of their own.
pub struct TokioBroker {
    handle: Handle,
    events: broadcast::Sender<LinkEvent>,
    pairing: Option<Arc<PosPairing>>,
}

impl TokioBroker {
    /// Wraps `handle`; starts the task that translates its events (call inside a runtime).
    /// Each subscriber may fall `capacity` events behind before it loses the oldest.
    pub fn new(handle: Handle, capacity: usize) -> Self {
        let (events, _) = broadcast::channel(capacity.max(1));
        let mut source = handle.subscribe();
        let sink = events.clone();
        tokio::spawn(async move {
            loop {
                let event = match source.recv().await {
                    Ok(event) => event,
                    // Lost events are lost for every subscriber alike; go on with the next.
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if let Some(event) = translate(event) {
                    // No subscriber is not an error.
                    let _ = sink.send(event);
                }
            }
        });
        Self {
            handle,
            events,
            pairing: None,
        }
    }

    /// The same broker pairing with `pairing`'s key; its books are saved after every change
    /// (on a task of its own; a failed save is reported on stderr).
    pub fn with_pairing(mut self, pairing: Arc<PosPairing>) -> Self {
        let mut source = self.handle.subscribe();
        let (handle, saver) = (self.handle.clone(), pairing.clone());
        tokio::spawn(async move {
            loop {
                match source.recv().await {
                    Ok(Event::BookChanged { .. }) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    }
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
                // One save covers every change already announced: drain them first (bounded,
                // so a steady stream of events cannot postpone the save forever).
                for _ in 0..DRAIN_BEFORE_SAVE {
                    use broadcast::error::TryRecvError;
                    if matches!(
                        source.try_recv(),
                        Err(TryRecvError::Empty | TryRecvError::Closed)
                    ) {
                        break;
                    }
                }
                if let Err(e) = save(&handle, &saver).await {
                    eprintln!("pos_broker: key store: {e}");
                }
            }
        });
        self.pairing = Some(pairing);
        self
    }

    /// The companion crate's handle, for what the trait does not cover (shutdown).
    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

fn translate(event: Event) -> Option<LinkEvent> {
    Some(match event {
        Event::Connected {
            pinpad_id,
            remote_addr,
        } => LinkEvent::Connected {
            pinpad_id,
            remote: remote_addr,
        },
        Event::Disconnected { pinpad_id, reason } => LinkEvent::Disconnected {
            pinpad_id,
            reason: reason.to_string(),
        },
        Event::Replaced {
            pinpad_id,
            remote_addr,
            ..
        } => LinkEvent::Replaced {
            pinpad_id,
            remote: remote_addr,
        },
        Event::TlsFailed {
            remote_addr,
            reason,
        } => LinkEvent::TlsFailed {
            remote: remote_addr,
            reason,
        },
        Event::Unsolicited {
            pinpad_id,
            response,
        } => LinkEvent::Unsolicited {
            pinpad_id,
            response,
        },
        _ => return None,
    })
}

/// Saves every book now, off the async workers.
async fn save(handle: &Handle, pairing: &Arc<PosPairing>) -> Result<(), String> {
    let (books, pairing) = (handle.books(), pairing.clone());
    tokio::task::spawn_blocking(move || pairing.save(&books))
        .await
        .map_err(|e| format!("writer failed: {e}"))?
}

fn refusal(error: SubmitError) -> Refusal {
    match error {
        SubmitError::NotConnected => Refusal::NotConnected,
        SubmitError::QueueFull => Refusal::QueueFull,
        SubmitError::Timeout => Refusal::Timeout,
        SubmitError::LinkLost => Refusal::LinkLost,
        SubmitError::Replaced => Refusal::Replaced,
        SubmitError::Invalid(why) => Refusal::Invalid(why),
        SubmitError::Pairing(why) => Refusal::Pairing(why.to_string()),
        other => Refusal::Invalid(other.to_string()),
    }
}

impl Brokerage for TokioBroker {
    async fn submit(&self, pinpad_id: &str, transaction: Transaction) -> Result<Response, Refusal> {
        self.handle
            .submit(pinpad_id, transaction)
            .await
            .map_err(refusal)
    }

    fn terminals(&self) -> Vec<TerminalView> {
        self.handle
            .terminals()
            .into_iter()
            .map(|t| TerminalView {
                pinpad_id: t.pinpad_id,
                remote: t.remote_addr,
                since: t.connected_since,
                node: None,
            })
            .collect()
    }

    fn subscribe(&self) -> broadcast::Receiver<LinkEvent> {
        self.events.subscribe()
    }

    async fn pairing(
        &self,
        pinpad_id: &str,
        command: PairingCommand,
    ) -> Result<PairingOutcome, Refusal> {
        let Some(pairing) = &self.pairing else {
            return Err(Refusal::Pairing("no pairing state".into()));
        };
        let outcome = match command {
            PairingCommand::Register { entry_code } => self
                .handle
                .register(pinpad_id, pairing.key(), &entry_code)
                .await
                .map(PairingOutcome::Registered),
            PairingCommand::Unregister => self
                .handle
                .unregister(pinpad_id, None)
                .await
                .map(PairingOutcome::Answered),
            PairingCommand::TestMac => self
                .handle
                .test_mac(pinpad_id, None)
                .await
                .map(PairingOutcome::Answered),
        }
        .map_err(refusal)?;
        // Durable before the caller hears of it: a reported pairing survives a crash.
        save(&self.handle, pairing)
            .await
            .map_err(Refusal::Pairing)?;
        Ok(outcome)
    }

    fn close(&self, pinpad_id: &str) -> Result<(), Refusal> {
        let closed = self
            .handle
            .close(pinpad_id, sca_ws::CloseCode::NORMAL, "closed by the POS");
        closed.map_err(|e| match e {
            CloseError::NotConnected => Refusal::NotConnected,
            other => Refusal::Invalid(other.to_string()),
        })
    }

    fn drop_link(&self, pinpad_id: &str) -> Result<(), Refusal> {
        let dropped = self.handle.drop_link(pinpad_id);
        dropped.then_some(()).ok_or(Refusal::NotConnected)
    }

    fn bytes(&self) -> ByteCounts {
        ByteCounts {
            received: self.handle.bytes_in(),
            sent: self.handle.bytes_out(),
        }
    }
}
