//! The POS cloud side: accept terminals, send them POS requests, match their responses.
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
