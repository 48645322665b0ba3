//! What the application implements: how the terminal carries out a POS request.

use std::future::Future;

use sca_ws::Response;
use sca_ws::Transaction;
use sca_ws::terminal::{Channel, RequestId};

/// A POS request that passed the terminal's checks (authentication, session rules).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Request {
    /// Names it (for [`Handler::cancel`]).
    pub id: RequestId,
    /// Primary or secondary port.
    pub channel: Channel,
    /// The document.
    pub transaction: Transaction,
}

/// The application's part of a terminal. Each request runs as its own task, so a payment
/// waiting for a customer does not hold up a secondary-port status query; the core bounds
/// how many run at once (`max_pending_requests`).
pub trait Handler: Send + Sync + 'static {
    /// Carries out `request` and returns the RESPONSE (COUNTER and POS_RECON are echoed by
    /// the core). The task is aborted if the link carrying the request is lost first.
    fn request(&self, request: Request) -> impl Future<Output = Response> + Send;

    /// A SECONDARYPORT CANCEL arrived for the primary request `id`: abort it; its own answer
    /// (usually [`Response::cancelled`]) is still due from [`Handler::request`].
    fn cancel(&self, id: RequestId) {
        let _ = id;
    }
}
