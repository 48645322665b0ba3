//! Time for the machines, from `tokio::time` only, so a paused test clock drives everything.

use std::time::Instant;

/// The current instant on tokio's clock (virtual under `tokio::time::pause`).
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Sleeps until `at`, or forever when nothing is scheduled.
pub(crate) async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// Wall-clock time, for metadata only (when a terminal connected); no deadline reads it.
#[allow(clippy::disallowed_methods)] // the one wall-clock read of the crate, shown to users
pub(crate) fn wall_clock() -> std::time::SystemTime {
    std::time::SystemTime::now()
}
