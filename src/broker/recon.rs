//! The POS_RECON a link writes into a request the POS sent without one, so that its answer
//! carries evidence (see [`super::matching`]).
//!
//! Each value is a 12-hex-digit prefix drawn once from the link's seed, then a hex serial
//! that rises with every request: unique within the link by the serial, and across links and
//! restarts as far as their seeds differ. At most 28 characters, inside the 30 the spec
//! allows for POS_RECON, and only `0-9a-f`, so no terminal has to escape anything.

use crate::rng::Rng;

/// Hands out the link's own POS_RECON values.
#[derive(Debug, Clone)]
pub(crate) struct ReconSource {
    prefix: u64,
    next: u64,
}

/// Mask of the 48-bit prefix (12 hex digits).
const PREFIX_MASK: u64 = (1 << 48) - 1;

impl ReconSource {
    /// A source whose prefix comes from `seed` (the link's entropy, never hidden randomness).
    pub(crate) fn new(seed: u64) -> Self {
        // A stream of its own, so the prefix says nothing about the ws layer's masking keys.
        let prefix = Rng::new(seed ^ 0x7265_636f_6e5f_5f5f).next_u64() & PREFIX_MASK;
        Self { prefix, next: 1 }
    }

    /// The next value; never repeats on this source.
    pub(crate) fn next_value(&mut self) -> String {
        let n = self.next;
        self.next = self.next.wrapping_add(1);
        format!("{:012x}{n:x}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::ReconSource;

    #[test]
    fn values_are_unique_short_and_seeded() {
        let mut a = ReconSource::new(1);
        let values: Vec<String> = (0..1000).map(|_| a.next_value()).collect();
        let mut sorted = values.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), values.len());
        assert!(values.iter().all(|v| v.len() <= 30 && v.len() >= 13));
        assert!(
            values
                .iter()
                .all(|v| v.bytes().all(|b| b.is_ascii_hexdigit()))
        );
        assert_eq!(ReconSource::new(1).next_value(), values[0]);
        assert_ne!(ReconSource::new(2).next_value(), values[0]);
        let mut last = ReconSource {
            prefix: 0,
            next: u64::MAX,
        };
        assert!(last.next_value().len() <= 30);
    }
}
