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

/// Why [`super::Handle::close`] closed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseError {
    /// No link holds that pinpad id.
    NotConnected,
    /// The code may not be sent in a close frame (1005, 1006, 1015, or outside RFC 6455's
    /// ranges).
    InvalidCode(sca_ws::CloseCode),
    /// The reason is longer than the 123 bytes a close frame carries.
    ReasonTooLong(usize),
}

impl fmt::Display for CloseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected => f.write_str("no terminal with this pinpad id is connected"),
            Self::InvalidCode(code) => write!(f, "close code {code} may not be sent"),
            Self::ReasonTooLong(len) => write!(
                f,
                "close reason of {len} bytes; a close frame carries at most {}",
                sca_ws::frame::ClosePayload::MAX_REASON_LEN
            ),
        }
    }
}

impl std::error::Error for CloseError {}
