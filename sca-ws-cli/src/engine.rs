//! The simulated payment engine `sca_terminal` answers with: what a terminal application does
//! with the requests the [`Terminal`](sca_ws::terminal::Terminal) delivers. Sans-IO like the
//! core crate: it is told what happened and when, and hands back the answers to send.

use std::time::{Duration, Instant};

use sca_ws::{
    terminal::{Event as TerminalEvent, RequestId},
    xml::{Command, FunctionType, Response, ResultCode, Transaction},
};

/// An answer for [`Terminal::respond`](sca_ws::terminal::Terminal::respond).
pub type Answer = (RequestId, Response);

/// A CAPTURE waiting for the (simulated) customer to present a card.
struct Capture {
    id: RequestId,
    approve_at: Instant,
    amount: String,
}

/// Sessions, payments, line items and device queries with plausible answers.
pub struct Engine {
    /// How long a CAPTURE waits before it is approved (the customer's card).
    pub capture_delay: Duration,
    /// Reported by DEVICE VERSION as the serial number.
    pub serial: String,
    capture: Option<Capture>,
    /// The last approved transaction's routing id (CTROUTD), for VOID.
    next_troutd: u32,
    session_open: bool,
}

impl Engine {
    /// An idle engine whose CAPTUREs are approved after `capture_delay`.
    pub fn new(capture_delay: Duration, serial: &str) -> Self {
        Self {
            capture_delay,
            serial: serial.to_owned(),
            capture: None,
            next_troutd: 1000,
            session_open: false,
        }
    }

    /// Reacts to one terminal event; answers that are ready at once go to `out`.
    pub fn handle_event(&mut self, now: Instant, event: &TerminalEvent, out: &mut Vec<Answer>) {
        match event {
            TerminalEvent::Request {
                id, transaction, ..
            } => {
                if let Some(answer) = self.serve(now, *id, transaction) {
                    out.push((*id, answer));
                }
            }
            TerminalEvent::Cancel { id } if self.is_capturing(*id) => {
                self.capture = None;
                out.push((*id, Response::cancelled()));
            }
            TerminalEvent::RequestAbandoned { id } if self.is_capturing(*id) => {
                self.capture = None;
            }
            _ => {}
        }
    }

    fn is_capturing(&self, id: RequestId) -> bool {
        self.capture.as_ref().is_some_and(|c| c.id == id)
    }

    /// When the engine next has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.capture.as_ref().map(|c| c.approve_at)
    }

    /// Approves a CAPTURE whose delay has passed.
    pub fn handle_timeout(&mut self, now: Instant, out: &mut Vec<Answer>) {
        if self.capture.as_ref().is_some_and(|c| c.approve_at <= now) {
            if let Some(capture) = self.capture.take() {
                let answer = self.approved(&capture.amount);
                out.push((capture.id, answer));
            }
        }
    }

    fn serve(&mut self, now: Instant, id: RequestId, tx: &Transaction) -> Option<Response> {
        let field = |name: &str| tx.fields().get(name).unwrap_or("").trim().to_owned();
        let answer = match (&tx.function_type, &tx.command) {
            (FunctionType::Session, Command::Start) => {
                self.session_open = true;
                with(
                    Response::success("Session Started"),
                    &[("TRAINING_MODE", "OFF")],
                )
            }
            (FunctionType::Session, Command::Finish) => {
                self.session_open = false;
                Response::success("Session Finished")
            }
            (FunctionType::Payment, Command::Capture | Command::Auth) => {
                self.capture = Some(Capture {
                    id,
                    approve_at: now + self.capture_delay,
                    amount: amount(&field("TRANS_AMOUNT")),
                });
                return None;
            }
            (FunctionType::Payment, Command::Credit) => {
                let amount = amount(&field("TRANS_AMOUNT"));
                let mut r = self.approved(&amount);
                r.response_text = Some("CREDIT APPROVED".into());
                r
            }
            (FunctionType::Payment, Command::Void) => with(
                Response::success("VOIDED"),
                &[("CTROUTD", &field("CTROUTD")), ("PAYMENT_TYPE", "CREDIT")],
            ),
            (FunctionType::LineItem, Command::Add | Command::Override | Command::Remove) => {
                let text = format!("Line item {}", tx.command.as_str().to_lowercase());
                Response::success(text)
            }
            (FunctionType::Device, Command::Version) => with(
                Response::success("Version Information"),
                &[
                    (
                        "VERSION_INFO",
                        concat!("sca-ws simulator ", env!("CARGO_PKG_VERSION")),
                    ),
                    ("MODEL_NUMBER", "SIM-1"),
                    ("SERIAL_NUMBER", &self.serial),
                ],
            ),
            (FunctionType::SecondaryPort, Command::Cancel) => Response::success("Cancel Requested"),
            (FunctionType::SecondaryPort, Command::Status) => {
                let busy = if self.capture.is_some() {
                    "BUSY"
                } else {
                    "IDLE"
                };
                let session = if self.session_open { "OPEN" } else { "CLOSED" };
                with(
                    Response::success("Device Status"),
                    &[("DEVICE_STATUS", busy), ("SESSION_STATUS", session)],
                )
            }
            _ => Response::unknown_command(),
        };
        Some(answer)
    }

    fn approved(&mut self, amount: &str) -> Response {
        self.next_troutd += 1;
        let troutd = self.next_troutd.to_string();
        let mut r = with(
            Response::success("APPROVED"),
            &[
                ("TRANS_AMOUNT", amount),
                ("APPROVED_AMOUNT", amount),
                ("AUTH_CODE", "A1B2C3"),
                ("PAYMENT_TYPE", "CREDIT"),
                ("PAYMENT_MEDIA", "VISA"),
                ("ACCT_NUM", "400300******1234"),
                ("CTROUTD", &troutd),
                ("TROUTD", &troutd),
            ],
        );
        r.result = Some("APPROVED".into());
        r.result_code = Some(ResultCode::SUCCESS);
        r
    }
}

/// The amount as given, or a default for a request without one.
fn amount(given: &str) -> String {
    if given.is_empty() {
        "1.00".to_owned()
    } else {
        given.to_owned()
    }
}

/// Adds fields whose names are plain upper-case words (never refused by the xml model).
fn with(mut response: Response, fields: &[(&str, &str)]) -> Response {
    for (name, value) in fields {
        let _ = response.push_field(name, value);
    }
    response
}
