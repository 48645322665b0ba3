//! A fixed-size latency histogram for the swarm's summary lines: atomic counters in
//! logarithmic buckets (eight per doubling, so a percentile is within 9 % of the truth),
//! shared by every simulated terminal without a lock and never growing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Sub-buckets per power of two.
const STEPS: u32 = 8;
/// Microseconds 1 .. 2^37 (about 38 hours) fit.
const OCTAVES: u32 = 37;
const BUCKETS: usize = (STEPS * OCTAVES) as usize + 1;

/// Counts of observed latencies.
pub struct Latency {
    buckets: Box<[AtomicU64]>,
}

impl Default for Latency {
    fn default() -> Self {
        Self {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

/// The bucket of `micros`: 0 for under 1 µs, then eight per doubling.
fn bucket(micros: u64) -> usize {
    if micros == 0 {
        return 0;
    }
    let octave = 63 - micros.leading_zeros(); // floor(log2)
    // The three bits after the leading one choose the sub-bucket.
    let step = if octave >= 3 {
        (micros >> (octave - 3)) & 7
    } else {
        (micros << (3 - octave)) & 7
    };
    let index = 1 + octave * STEPS + u32::try_from(step).unwrap_or(0);
    (index as usize).min(BUCKETS - 1)
}

/// The upper edge of bucket `index`, in microseconds.
fn upper(index: usize) -> u64 {
    if index == 0 {
        return 1;
    }
    let index = u32::try_from(index - 1).unwrap_or(u32::MAX);
    let (octave, step) = (index / STEPS, u64::from(index % STEPS));
    ((8 + step + 1) << octave) / 8
}

impl Latency {
    /// Counts one latency.
    pub fn observe(&self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.buckets[bucket(micros)].fetch_add(1, Ordering::Relaxed);
    }

    /// How many were counted.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// The latency below which a fraction `q` (0..=1) of the counted ones lie, at bucket
    /// resolution; `None` before the first.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        let counts: Vec<u64> = self
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        // The rank of the wanted observation, 1-based; the float is only a fraction.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, count) in counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some(Duration::from_micros(upper(index)));
            }
        }
        Some(Duration::from_micros(upper(BUCKETS - 1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_lies_in_a_bucket_whose_edge_is_within_an_eighth() {
        for micros in [1u64, 2, 3, 7, 8, 9, 15, 100, 1000, 12_345, 999_999, 1 << 36] {
            let edge = upper(bucket(micros));
            assert!(edge >= micros, "{micros}: edge {edge}");
            assert!(
                edge as f64 <= micros as f64 * 1.126 + 1.0,
                "{micros}: edge {edge}"
            );
        }
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn percentiles_of_a_known_spread() {
        let latency = Latency::default();
        assert_eq!(latency.quantile(0.5), None);
        for ms in 1..=100 {
            latency.observe(Duration::from_millis(ms));
        }
        assert_eq!(latency.count(), 100);
        let p50 = latency.quantile(0.5).unwrap().as_secs_f64() * 1000.0;
        let p99 = latency.quantile(0.99).unwrap().as_secs_f64() * 1000.0;
        assert!((50.0..=57.0).contains(&p50), "p50 {p50} ms");
        assert!((99.0..=112.0).contains(&p99), "p99 {p99} ms");
    }
}
