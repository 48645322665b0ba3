//! What `sca_terminal --count` reports every 10 s and on exit: how many terminals are
//! connected, how many requests they answered, and how long the answers took.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::latency::Latency;

/// Counters shared by every simulated terminal of the process.
#[derive(Default)]
pub struct SwarmStats {
    connected: AtomicU64,
    answered: AtomicU64,
    latency: Latency,
}

impl SwarmStats {
    /// A request was answered `took` after it arrived.
    pub fn answered(&self, took: Duration) {
        self.answered.fetch_add(1, Ordering::Relaxed);
        self.latency.observe(took);
    }

    /// Sets the connected count, for a driver that counts links itself.
    pub fn set_connected(&self, connected: u64) {
        self.connected.store(connected, Ordering::Relaxed);
    }

    /// Terminals connected now.
    pub fn connected(&self) -> u64 {
        self.connected.load(Ordering::Relaxed)
    }

    /// The summary line for `total` terminals.
    pub fn summary(&self, total: usize) -> String {
        let ms = |q| {
            self.latency.quantile(q).map_or("-".to_owned(), |d| {
                format!("{:.3} ms", d.as_secs_f64() * 1000.0)
            })
        };
        format!(
            "summary: connected {}/{total}, answered {}, answer latency p50 {} p99 {}",
            self.connected(),
            self.answered.load(Ordering::Relaxed),
            ms(0.5),
            ms(0.99),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::SwarmStats;
    use std::time::Duration;

    #[test]
    fn summary_counts_links_and_answers() {
        let stats = SwarmStats::default();
        assert_eq!(
            stats.summary(2),
            "summary: connected 0/2, answered 0, answer latency p50 - p99 -"
        );
        stats.set_connected(1);
        stats.answered(Duration::from_millis(2));
        let line = stats.summary(2);
        assert!(
            line.starts_with("summary: connected 1/2, answered 1, answer latency p50 2."),
            "{line}"
        );
    }
}
