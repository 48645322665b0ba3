//! Serving POS requests: the rules of the issue in order (format, authentication, GET
//! COUNTER, primary / secondary, session, delivery) and the application's answers.

use std::time::Instant;

use super::auth::{AuthFields, AuthRefusal, authenticate};
use super::dispatch::{Refusal, Verdict};
use super::error::TerminalError;
use super::keys::KeyStore;
use super::machine::{Link, Terminal};
use super::output::TerminalEvent;
use super::pairing::{PairingRequest, parse_register};
use super::request::RequestId;
use crate::xml::classify::{RequestKind, SecurityCommand, classify};
use crate::xml::{Counter, Response, Transaction};

/// RESPONSE_TEXT of the machine's own GET COUNTER answer (\[choice\]: the spec shows none).
pub(crate) const GET_COUNTER_TEXT: &str = "Counter";

/// A request delivered to the application and not answered yet.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub(crate) id: RequestId,
    kind: RequestKind,
    /// COUNTER to echo (\[spec\]).
    counter: Option<Counter>,
    /// POS_RECON to echo (\[spec\]).
    pos_recon: Option<Box<str>>,
    /// For a REGISTER waiting for the cashier: the checked request.
    pub(crate) pairing: Option<Box<PairingRequest>>,
}

/// What the request said that every answer echoes (nothing, for a notification).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Echo<'a> {
    pub(super) counter: Option<Counter>,
    pub(super) pos_recon: Option<&'a str>,
}

impl<K: KeyStore> Terminal<K> {
    /// Answers request `id` with `response`, echoing the request's COUNTER and POS_RECON.
    ///
    /// A successful SESSION START / FINISH or ADMIN LANE_CLOSED answer opens or closes the
    /// session. The application's answer never changes keys or counters: the machine handles
    /// SECURITY REGISTER, UNREGISTER, UNREGISTERALL and TEST_MAC itself.
    ///
    /// Errors (nothing is sent): an id never delivered, one already answered, one whose link is
    /// gone, a pairing ([`TerminalError::IsPairing`]), or more than the outbound mark waiting
    /// to be drained (the request stays open).
    pub fn respond(
        &mut self,
        now: Instant,
        id: RequestId,
        response: Response,
    ) -> Result<(), TerminalError> {
        let index = self.answerable(id)?;
        if self.pending.get(index).is_some_and(|p| p.pairing.is_some()) {
            return Err(TerminalError::IsPairing { id });
        }
        let pending = self.pending.swap_remove(index);
        self.finish(now, pending, &response);
        Ok(())
    }

    /// Where request `id` sits in `pending`, if it may be answered now.
    pub(super) fn answerable(&self, id: RequestId) -> Result<usize, TerminalError> {
        if id.0 >= self.next_id {
            return Err(TerminalError::UnknownRequest { id });
        }
        if id.0 < self.link_first_id {
            return Err(TerminalError::LinkGone { id });
        }
        let Some(index) = self.pending.iter().position(|p| p.id == id) else {
            return Err(TerminalError::AlreadyAnswered { id });
        };
        if self.queued_bytes > self.config.max_outbound_bytes {
            return Err(TerminalError::Backpressure { id });
        }
        Ok(index)
    }

    /// Sends the answer to a request taken out of `pending`.
    pub(super) fn finish(&mut self, now: Instant, pending: Pending, response: &Response) {
        self.floor
            .answered(pending.id, &pending.kind, response.is_success());
        let echo = Echo {
            counter: pending.counter,
            pos_recon: pending.pos_recon.as_deref(),
        };
        self.send(now, response, echo);
        self.pump(now);
    }

    /// Handles one WebSocket message from the broker.
    pub(super) fn serve(&mut self, now: Instant, message: &[u8]) {
        if !matches!(self.link, Link::Open { .. }) {
            return;
        }
        // Rule 1: a well-formed TRANSACTION, or -2.
        let Ok(transaction) = Transaction::decode_with(message, &self.xml_limits) else {
            self.send(now, &Response::xml_format_incorrect(), Echo::default());
            return;
        };
        let kind = classify(
            transaction.function_type.as_str(),
            transaction.command.as_str(),
        );
        let found = transaction.request_fields();
        let echo = Echo {
            counter: found.counter.and_then(|text| Counter::parse(text).ok()),
            pos_recon: found.pos_recon,
        };
        // Rule 2: authentication.
        let fields = AuthFields {
            class: kind.auth,
            mac_label: found.mac_label,
            counter: found.counter,
            mac: found.mac,
        };
        let skip = self.auth_skipped;
        if let Err(refusal) = authenticate(skip, fields, &self.keys, &mut self.counters) {
            self.send(now, &refusal_response(refusal), echo);
            return;
        }
        // An accepted COUNTER is reported now, before the request reaches the application.
        self.sync_auth();
        let pairing = if kind.security == SecurityCommand::Register {
            match parse_register(&transaction) {
                Ok(request) => Some(Box::new(request)),
                Err(failure) => {
                    self.send(now, &failure.response(), echo);
                    return;
                }
            }
        } else {
            None
        };
        // Rules 3 to 5.
        match self.floor.decide(&kind, self.config.max_pending_requests) {
            Verdict::AnswerCounter => {
                let last = self.counters.get_counter(found.mac_label);
                let mut response = Response::success(GET_COUNTER_TEXT);
                response.counter = Counter::new(last);
                let echo = Echo {
                    counter: None,
                    ..echo
                };
                self.send(now, &response, echo);
            }
            Verdict::AnswerSecurity => {
                let response = self.answer_security(kind.security, found.mac_label);
                self.send(now, &response, echo);
            }
            Verdict::Refuse(refusal) => {
                let response = match refusal {
                    Refusal::DeviceBusy => Response::device_busy(),
                    Refusal::NoSession => Response::no_session(),
                    Refusal::SessionInProgress => Response::session_in_progress(),
                };
                self.send(now, &response, echo);
            }
            // Rule 6: the application's.
            Verdict::Deliver { channel, cancel } => {
                let pending = Pending {
                    id: RequestId(self.next_id),
                    kind,
                    counter: echo.counter,
                    pos_recon: echo.pos_recon.map(Box::from),
                    pairing,
                };
                let id = pending.id;
                self.next_id += 1;
                self.floor.delivered(id, channel);
                self.pending.push(pending);
                let reg_ver = self.pending.last().and_then(|p| p.pairing.as_ref());
                let reg_ver = reg_ver.map(|p| p.reg_ver);
                if let Some(primary) = cancel {
                    self.push_event(TerminalEvent::Cancel { id: primary });
                }
                let event = match reg_ver {
                    Some(reg_ver) => TerminalEvent::PairingRequested {
                        id,
                        reg_ver,
                        transaction,
                    },
                    None => TerminalEvent::Request {
                        id,
                        channel,
                        transaction,
                    },
                };
                self.push_event(event);
            }
        }
    }

    /// Encodes `response` with the request's COUNTER and POS_RECON echoed (when it had them)
    /// and sends it as one text message on the open link. The caller pumps afterwards (not
    /// here: `serve` runs inside `pump`, and must not recurse).
    ///
    /// A change of the authentication state is reported first ([`Self::sync_auth`]).
    pub(super) fn send(&mut self, now: Instant, response: &Response, echo: Echo<'_>) {
        self.sync_auth();
        self.scratch.clear();
        response.encode_echoing(&mut self.scratch, echo.counter, echo.pos_recon);
        let Link::Open { ws } = &mut self.link else {
            return;
        };
        // The connection's own mark is set out of reach (the terminal keeps its own), and a
        // closing connection refusing data is the link loss already reported.
        let _ = ws.send_text(now, &self.scratch);
    }
}

/// The standard answer for an authentication refusal (codes from the xml table).
fn refusal_response(refusal: AuthRefusal) -> Response {
    match refusal {
        AuthRefusal::SecurityRefused => Response::security_refused(),
        AuthRefusal::MacMissing => Response::mac_missing(),
        AuthRefusal::InvalidCounter => Response::invalid_counter(),
        AuthRefusal::UnknownMacLabel => Response::unknown_mac_label(),
        AuthRefusal::BadMac => Response::bad_mac(),
        AuthRefusal::StaleCounter => Response::stale_counter(),
    }
}
