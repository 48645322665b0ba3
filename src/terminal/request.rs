//! Identities of requests handed to the application.

use std::fmt;

/// Names one request delivered to the application, for [`Terminal::respond`](crate::Terminal::respond).
///
/// Ids rise across the terminal's whole life and are never reused, so a late answer cannot
/// land on a newer request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub(crate) u64);

impl RequestId {
    /// The number behind the id (for logs).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Which SCA port a request belongs to; both share the one WebSocket (\[seed\]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The primary port (5015 on TCP): one command at a time occupies the device.
    Primary,
    /// The secondary port (5016 on TCP): FUNCTION_TYPE SECONDARYPORT, answered even while a
    /// primary command runs.
    Secondary,
}
