//! The POS cloud side: accept terminals, send them POS requests, match their responses.
//!
//! ```
//! use std::{sync::Arc, time::Instant};
//! use sca_ws::broker::{self, Event, Link, Output};
//!
//! let now = Instant::now();
//! let mut link = Link::new(Arc::new(broker::Config::default()), now, 1);
//! link.handle_input(now, b"GET / HTTP/1.1\r\nHost: pos.example\r\nUpgrade: websocket\r\n\
//!     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
//!     Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sci\r\nx-vfi-pinpad-id: 1\r\n\r\n");
//! let Some(Output::Event(Event::UpgradeRequested(info))) = link.poll_output() else { panic!() };
//! assert_eq!(info.pinpad_id.as_deref(), Some("1"));
//!
//! link.accept(now, Some("sci"))?;
//! let outputs: Vec<Output> = std::iter::from_fn(|| link.poll_output()).collect();
//! assert!(matches!(&outputs[0], Output::Transmit(b) if b.starts_with(b"HTTP/1.1 101")));
//! assert!(outputs.contains(&Output::Event(Event::Open)));
//! assert!(link.is_open()); // requests may be submitted now
//! # Ok::<(), broker::Error>(())
//! ```
//!
//! One [`Link`] per accepted transport. It composes the server half of the
//! opening handshake, a server-role WebSocket connection and the SCA XML model, and adds what
//! a broker needs on top: COUNTER / MAC assignment per MAC label (`counter`), one primary
//! request in flight with secondaries alongside (`requests`), and the rule that ties each
//! RESPONSE to the request it answers (`matching`, stated below).
//!
//! # Matching a RESPONSE to its request
//!
//! SCA has no request id: a RESPONSE names no request, and a terminal also sends RESPONSE
//! documents nobody asked for (consumer notifications, TRANSACTION IN FLIGHT, the answer of a
//! request sent on a link that has since gone). What ties an answer to its request is
//! *evidence*: the **COUNTER** echo (the terminal copies the request's COUNTER into its
//! answer) and the **POS_RECON** echo (commands copy the POS's reconciliation id back,
//! PROTOCOL.md §3). So that every request carries evidence, the link writes a POS_RECON of its
//! own into each request the POS sent without one (unique on the link, drawn from the link's
//! seed, at most 30 characters as the spec allows) and keeps a POS_RECON the POS set.
//!
//! ## The rule
//!
//! For each request in flight, from the fields both carry:
//!
//! | request sent | response carries | verdict |
//! |---|---|---|
//! | COUNTER c | COUNTER c | evidence |
//! | COUNTER c | another COUNTER | excluded |
//! | no COUNTER | a COUNTER | nothing: no echo (GET COUNTER reports the terminal's own) |
//! | POS_RECON p | POS_RECON p | evidence |
//! | POS_RECON p | another POS_RECON | excluded |
//! | no POS_RECON | a POS_RECON | excluded: it echoes somebody else's |
//!
//! A request is excluded if any line excludes it. Otherwise it is answered by a response
//! that carries evidence for it. A response that carries no evidence at all answers only a
//! request that *may be answered without evidence* (below); a request that expects evidence
//! is never answered by one. The response goes to:
//!
//! 1. the earliest sent request it carries evidence for;
//! 2. else, among requests that may be answered without evidence, a secondary first, oldest
//!    first (a terminal answers SECONDARYPORT commands at once while a primary may wait
//!    minutes for a customer), except when RESULT_CODE is one only primaries get (59001
//!    CANCELLED, 59002 DEVICE IS BUSY, 59003 SESSION in progress, 59004 No Session), which
//!    puts the primary first;
//! 3. else nobody: [`crate::broker::Event::Unsolicited`]. Evidence that points at no request
//!    in flight (a late answer, another link's POS_RECON) is unsolicited too.
//!
//! ## Answers that may carry no evidence
//!
//! A request may be answered without evidence when it carried no COUNTER, its POS_RECON was
//! written by the link rather than the POS, and either the caller said so
//! ([`crate::broker::SubmitOptions::answer_may_lack_echo`]) or its command is one of
//! [`ANSWERED_WITHOUT_ECHO`]: SESSION START, whose answer in the seed document carries
//! neither field (a terminal that answers with the seed's bytes ignores the POS_RECON the
//! link added), and ADMIN GET_COUNTER, whose answer reports the terminal's own COUNTER and,
//! in the seed, echoes nothing. Every other command is expected to echo: PROTOCOL.md says
//! "most commands" echo POS_RECON, and under MAC authentication the terminal echoes
//! COUNTER. A POS_RECON the POS set itself is always expected back.
//!
//! ## Limits
//!
//! - While a SESSION START or GET COUNTER without COUNTER is in flight, a notification with
//!   neither field is taken as its answer (and the real answer then arrives as
//!   unsolicited). The harm stays small: neither command moves money, and a wrong "session
//!   started" shows up as "No Session" on the next payment. Set a POS_RECON on the request
//!   to make it exact with a terminal that echoes it.
//! - An answer a terminal gives without reading the request (-2 XML Format Incorrect) carries
//!   no evidence, so a request that expects evidence does not take it: it arrives as
//!   unsolicited and the request ends at its deadline (`TimedOut { sent: true }`). The link
//!   writes only well-formed documents, so this needs a terminal with smaller limits.
//! - A terminal that does not echo POS_RECON for some command has those answers delivered as
//!   unsolicited and the requests time out; name such commands with
//!   `SubmitOptions::answer_may_lack_echo`, accepting the first limit for them.
//! - Two requests in flight with the same POS_RECON could not be told apart, so a request
//!   whose POS_RECON is pending on the link beside it (a secondary and anything else) is
//!   refused at submission ([`crate::broker::Error::DuplicatePosRecon`]). A POS that reuses
//!   its POS_RECON for a later primary makes the earlier one's late answer look like the
//!   later one's: make POS_RECONs unique, or leave them to the link.
//! - Two requests with COUNTERs of different MAC labels can carry the same value; an answer
//!   that echoes only that COUNTER (no POS_RECON) goes to the earlier one.
//! - The link's POS_RECONs are unique within the link and, given distinct seeds, across
//!   links; a driver that gives every link the same seed makes a previous link's late answer
//!   look like evidence. Draw link seeds from the operating system.

mod config;
mod counter;
mod error;
mod event;
mod link;
mod matching;
mod pairing;
mod recon;
mod registry;
mod requests;

pub use config::BrokerConfig as Config;
pub use counter::{
    Allocation, CounterBook, CounterError, MAX_MAC_KEY_LEN, MAX_MAC_LABEL_LEN, MAX_MAC_LABELS,
};
pub use error::{BrokerError as Error, RequestFailure};
pub use event::{BrokerEvent as Event, BrokerOutput as Output, CloseReason, UpgradeInfo};
pub use link::{Link, SubmitOptions};
pub use matching::ANSWERED_WITHOUT_ECHO;
pub use pairing::{
    POS_KEY_BITS, PairingError, PosKey, Registration, entry_code, get_counter_request,
    test_mac_request, unregister_all_request, unregister_request,
};
pub use registry::{CLOSE_REPLACED, CLOSE_REPLACED_REASON, Registry, Replaced};
pub use requests::{BrokerRequestId as RequestId, WhenBusy};

pub(crate) use error::BrokerError;
