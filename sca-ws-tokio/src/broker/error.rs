//! Why [`super::Handle::submit`] returned no answer.

use std::fmt;

/// A submitted request got no RESPONSE.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubmitError {
    /// No link with that pinpad id is up (or the server is shutting down).
    NotConnected,
    /// The link's request queue is full, or it is held back by a peer that is not reading.
    QueueFull,
    /// No answer within [`super::ServerConfig::submit_timeout`]; the terminal may have
    /// carried the request out.
    Timeout,
    /// The link ended before an answer; the terminal may have carried the request out.
    LinkLost,
    /// A newer link with the same pinpad id replaced the one carrying the request.
    Replaced,
    /// The link refused the request as it stands (a POS_RECON already pending, no COUNTER or
    /// MAC could be assigned, ...): the text says why.
    Invalid(String),
    /// A REGISTER failed: the terminal refused (cashier cancelled, wrong code, no room) or
    /// its answer does not open with the POS key.
    Pairing(sca_ws::broker::PairingError),
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected => f.write_str("no terminal with this pinpad id is connected"),
            Self::QueueFull => f.write_str("the terminal's request queue is full"),
            Self::Timeout => f.write_str("the terminal did not answer in time"),
            Self::LinkLost => f.write_str("the link ended before the terminal answered"),
            Self::Replaced => f.write_str("a newer link with this pinpad id replaced the link"),
            Self::Invalid(why) => write!(f, "request refused: {why}"),
            Self::Pairing(why) => write!(f, "pairing failed: {why}"),
        }
    }
}

impl std::error::Error for SubmitError {}
