//! The drive contract every state machine of the crate follows, as a trait.
//!
//! [`ws::Connection`](crate::ws::Connection), [`Terminal`](crate::Terminal) and
//! [`broker::Link`](crate::broker::Link) take the same inputs under the same names and hand
//! out their work through `poll_output`. Each also has these as inherent methods, so a
//! driver needs the trait only to be generic over the machines; implementing it for all
//! three is what keeps their names from drifting apart (a rename fails to compile).
//!
//! | input | method |
//! |---|---|
//! | bytes read from the transport | [`handle_input(now, &[u8])`](Drive::handle_input) |
//! | end of stream (read returned 0) | [`handle_eof(now)`](Drive::handle_eof) |
//! | the transport broke or could not open | [`handle_transport_failed(now, TransportFailure)`](Drive::handle_transport_failed) |
//! | time passed | [`handle_timeout(now)`](Drive::handle_timeout) |
//!
//! | output | how to get it |
//! |---|---|
//! | bytes to write, events, transport directives | [`poll_output()`](Drive::poll_output) until `None` |
//! | when to wake the machine | [`poll_timeout()`](Drive::poll_timeout) |
//!
//! ```
//! use std::time::Instant;
//! use sca_ws::{Drive, TransportFailure, ws};
//!
//! /// Runs any machine until it has nothing more to say; returns how many outputs it made.
//! fn drain<M: Drive>(machine: &mut M) -> usize {
//!     std::iter::from_fn(|| machine.poll_output()).count()
//! }
//!
//! let now = Instant::now();
//! let mut conn = ws::Connection::new(ws::Role::Client, ws::Config::default(), now, 7);
//! conn.handle_transport_failed(now, TransportFailure::Io("reset by peer".into()));
//! assert_eq!(drain(&mut conn), 2); // a `Failed` event, then `CloseTransport`
//! assert!(conn.poll_timeout().is_none());
//! ```

use std::fmt;
use std::time::Instant;

/// What the I/O layer reports when it could not open the transport, or lost it other than
/// by a clean end of stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The connection was refused or the host unreachable.
    Refused,
    /// DNS found no address for the host.
    NameNotResolved,
    /// The TLS handshake failed, or the TLS layer refused the link after it.
    Tls(String),
    /// Any other I/O error, described.
    Io(String),
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused => f.write_str("connection refused"),
            Self::NameNotResolved => f.write_str("host name not resolved"),
            Self::Tls(why) => write!(f, "tls failed: {why}"),
            Self::Io(why) => write!(f, "i/o error: {why}"),
        }
    }
}

impl std::error::Error for TransportFailure {}

/// The inputs and outputs shared by every state machine of the crate (see the module docs).
pub trait Drive {
    /// What `poll_output` hands out.
    type Output;

    /// Bytes received from the transport, in order.
    fn handle_input(&mut self, now: Instant, bytes: &[u8]);
    /// The peer ended the stream (a read returned 0).
    fn handle_eof(&mut self, now: Instant);
    /// The transport broke, or could not be opened.
    fn handle_transport_failed(&mut self, now: Instant, failure: TransportFailure);
    /// Time passed; an early or repeated call does nothing.
    fn handle_timeout(&mut self, now: Instant);
    /// The next thing to do or learn; call until `None`.
    fn poll_output(&mut self) -> Option<Self::Output>;
    /// The earliest instant at which `handle_timeout` has work, if any.
    fn poll_timeout(&self) -> Option<Instant>;
}

/// Implements [`Drive`] for a machine by calling its inherent methods of the same names.
macro_rules! drive_by_inherent_methods {
    ($machine:ty, $output:ty $(, $generic:ident : $bound:path)?) => {
        impl$(<$generic: $bound>)? $crate::drive::Drive for $machine {
            type Output = $output;

            fn handle_input(&mut self, now: std::time::Instant, bytes: &[u8]) {
                <$machine>::handle_input(self, now, bytes)
            }
            fn handle_eof(&mut self, now: std::time::Instant) {
                <$machine>::handle_eof(self, now)
            }
            fn handle_transport_failed(
                &mut self,
                now: std::time::Instant,
                failure: $crate::drive::TransportFailure,
            ) {
                <$machine>::handle_transport_failed(self, now, failure)
            }
            fn handle_timeout(&mut self, now: std::time::Instant) {
                <$machine>::handle_timeout(self, now)
            }
            fn poll_output(&mut self) -> Option<$output> {
                <$machine>::poll_output(self)
            }
            fn poll_timeout(&self) -> Option<std::time::Instant> {
                <$machine>::poll_timeout(self)
            }
        }
    };
}

drive_by_inherent_methods!(crate::ws::Connection, crate::ws::Output);
drive_by_inherent_methods!(crate::broker::Link, crate::broker::Output);
drive_by_inherent_methods!(
    crate::terminal::Terminal<K>,
    crate::terminal::Output,
    K: crate::terminal::KeyStore
);
