//! Tokio drivers for [`sca_ws`]: a broker [`broker::Server`] and a terminal
//! [`terminal::Client`].
//!
//! The core crate is sans-IO: it says what to write, when to wake and what happened. This
//! crate owns the sockets, TLS and timers around it, and adds no protocol rule of its own.
//! Every queue is bounded and every wait has a deadline; time comes from `tokio::time`
//! only, so tests can run on a paused clock.

mod clock;
mod outbound;

pub mod broker;
pub mod terminal;
pub mod tls;
