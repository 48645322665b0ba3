//! The simulated payment engine `sca_terminal` answers with: sessions, payments, line items
//! and device queries with plausible fields. It only decides what to answer; the waiting for
//! the "customer" of a CAPTURE is the caller's (see [`crate::sim_handler`]).

use sca_ws::xml::{Command, FunctionType, Response, ResultCode, Transaction};

/// What the engine makes of one request.
#[derive(Debug, PartialEq)]
pub enum Answer {
    /// Answer this at once.
    Now(Response),
    /// A CAPTURE or AUTH of `amount`: wait for the customer, then [`Engine::approved`].
    Capture {
        /// The amount to approve (the request's, or a default).
        amount: String,
    },
}

/// One terminal's engine state.
pub struct Engine {
    /// Reported by DEVICE VERSION as the serial number.
    pub serial: String,
    /// The last approved transaction's routing id (CTROUTD), for VOID.
    next_troutd: u32,
    session_open: bool,
    /// Whether a CAPTURE waits for its customer now (SECONDARYPORT STATUS says BUSY).
    pub capturing: bool,
}

impl Engine {
    /// An idle engine.
    pub fn new(serial: &str) -> Self {
        Self {
            serial: serial.to_owned(),
            next_troutd: 1000,
            session_open: false,
            capturing: false,
        }
    }

    /// What to answer to `tx`.
    pub fn answer(&mut self, tx: &Transaction) -> Answer {
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
                return Answer::Capture {
                    amount: amount(&field("TRANS_AMOUNT")),
                };
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
                let busy = if self.capturing { "BUSY" } else { "IDLE" };
                let session = if self.session_open { "OPEN" } else { "CLOSED" };
                with(
                    Response::success("Device Status"),
                    &[("DEVICE_STATUS", busy), ("SESSION_STATUS", session)],
                )
            }
            _ => Response::unknown_command(),
        };
        Answer::Now(answer)
    }

    /// The approval of a CAPTURE or AUTH of `amount`, with a fresh routing id.
    pub fn approved(&mut self, amount: &str) -> Response {
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
