//! Retry delays: capped exponential backoff with jitter from the caller's seed.
//!
//! The schedule moves on only when a retry actually starts (from `handle_timeout`), so a
//! burst of failure reports for one attempt cannot skip delays; it starts over once a link
//! has been up (the Firezone habit named in STYLE.md).

use std::time::Duration;

use super::config::ReconnectConfig;
use crate::rng::Rng;

/// Where the terminal is in its retry schedule.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    config: ReconnectConfig,
    /// Tries started since the last link that came up (0 before the first retry).
    retries: u32,
    /// Share of the delay kept for the current step, in 1/1000 (drawn once per step).
    keep_permille: u64,
    rng: Rng,
}

impl Backoff {
    /// A schedule at its first step.
    pub(crate) fn new(config: ReconnectConfig, rng: Rng) -> Self {
        let mut backoff = Self {
            config,
            retries: 0,
            keep_permille: 1000,
            rng,
        };
        backoff.draw_jitter();
        backoff
    }

    /// The wait before the next try (pure: asking twice gives the same answer).
    pub(crate) fn delay(&self) -> Duration {
        let doubling = 1u32.checked_shl(self.retries.min(31)).unwrap_or(u32::MAX);
        let base = self
            .config
            .first
            .checked_mul(doubling)
            .unwrap_or(self.config.max)
            .min(self.config.max);
        let nanos = base
            .as_nanos()
            .saturating_mul(u128::from(self.keep_permille))
            / 1000;
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// Retries started since the last link that came up.
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// A retry starts now: the next failure waits one step longer.
    pub(crate) fn advance(&mut self) {
        self.retries = self.retries.saturating_add(1);
        self.draw_jitter();
    }

    /// A link came up: start the schedule over.
    pub(crate) fn reset(&mut self) {
        self.retries = 0;
        self.draw_jitter();
    }

    fn draw_jitter(&mut self) {
        let jitter = u64::from(self.config.jitter_percent.min(100)) * 10;
        self.keep_permille = 1000 - self.rng.below(jitter + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(jitter: u8) -> ReconnectConfig {
        ReconnectConfig {
            first: Duration::from_secs(1),
            max: Duration::from_secs(10),
            jitter_percent: jitter,
            ..ReconnectConfig::default()
        }
    }

    #[test]
    fn doubles_up_to_the_cap_without_jitter() {
        let mut b = Backoff::new(config(0), Rng::new(1));
        let mut seen = Vec::new();
        for _ in 0..40 {
            seen.push(b.delay().as_secs());
            b.advance();
        }
        assert_eq!(&seen[..6], &[1, 2, 4, 8, 10, 10]);
        assert!(seen.iter().all(|s| *s <= 10));
        assert_eq!(seen[39], 10);
    }

    #[test]
    fn delay_is_pure_and_only_advance_moves_it() {
        let mut b = Backoff::new(config(20), Rng::new(9));
        let d = b.delay();
        assert_eq!(b.delay(), d);
        b.advance();
        assert_ne!(b.delay(), d);
        assert_eq!(b.retries(), 1);
    }

    #[test]
    fn jitter_stays_within_its_share_and_reset_starts_over() {
        let mut b = Backoff::new(config(20), Rng::new(3));
        for step in 0..20u32 {
            let full = Duration::from_secs(1)
                .saturating_mul(1 << step.min(20))
                .min(Duration::from_secs(10));
            let d = b.delay();
            assert!(d <= full, "{d:?} > {full:?}");
            assert!(d >= full.mul_f64(0.8), "{d:?} too short for {full:?}");
            b.advance();
        }
        b.reset();
        assert_eq!(b.retries(), 0);
        assert!(b.delay() <= Duration::from_secs(1));
    }

    #[test]
    fn same_seed_same_schedule() {
        let run = |seed| {
            let mut b = Backoff::new(config(50), Rng::new(seed));
            (0..8)
                .map(|_| {
                    let d = b.delay();
                    b.advance();
                    d
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }
}
