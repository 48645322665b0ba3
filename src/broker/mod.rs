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
//! RESPONSE to the request it answers (`matching`, whose docs state the rule and its limits).

mod config;
mod counter;
mod error;
mod event;
mod link;
mod matching;
mod requests;

pub use config::BrokerConfig as Config;
pub use counter::{
    Allocation, CounterBook, CounterError, MAX_MAC_KEY_LEN, MAX_MAC_LABEL_LEN, MAX_MAC_LABELS,
};
pub use error::{BrokerError as Error, RequestFailure};
pub use event::{BrokerEvent as Event, BrokerOutput as Output, CloseReason, UpgradeInfo};
pub use link::{Link, SubmitOptions};
pub use requests::{BrokerRequestId as RequestId, WhenBusy};

pub(crate) use error::BrokerError;
