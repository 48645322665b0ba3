//! COUNTER: the request sequence number MACs are computed over (PROTOCOL.md §5).

use std::fmt;
use std::num::NonZeroU32;

use super::error::XmlError;

/// A request COUNTER: a decimal in 1..=4294967295 that must grow per MAC_LABEL [spec].
/// The range is held by construction (a zero counter cannot exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Counter(NonZeroU32);

impl Counter {
    /// The value a terminal reports before any request was counted [seed].
    pub const ONE: Self = Self(NonZeroU32::MIN);

    /// `None` for 0, the only `u32` outside the range.
    pub const fn new(value: u32) -> Option<Self> {
        match NonZeroU32::new(value) {
            Some(value) => Some(Self(value)),
            None => None,
        }
    }

    /// The number.
    pub const fn get(self) -> u32 {
        self.0.get()
    }

    /// The next counter, or `None` past 4294967295.
    pub const fn checked_next(self) -> Option<Self> {
        match self.0.checked_add(1) {
            Some(value) => Some(Self(value)),
            None => None,
        }
    }

    /// Parses the document text: ASCII digits only, surrounding whitespace ignored, leading
    /// zeros accepted; no sign. Anything else, 0, or more than 4294967295 is
    /// [`XmlError::InvalidValue`] for `COUNTER`.
    pub fn parse(text: &str) -> Result<Self, XmlError> {
        let invalid = XmlError::InvalidValue { field: "COUNTER" };
        let digits = text.trim_ascii();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid);
        }
        let mut value: u32 = 0;
        for digit in digits.bytes() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u32::from(digit - b'0')))
                .ok_or(XmlError::InvalidValue { field: "COUNTER" })?;
        }
        Self::new(value).ok_or(invalid)
    }
}

impl fmt::Display for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Counter> for u32 {
    fn from(counter: Counter) -> u32 {
        counter.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_whole_range_and_nothing_else() {
        assert_eq!(Counter::parse("1").map(Counter::get), Ok(1));
        assert_eq!(Counter::parse("4294967295").map(Counter::get), Ok(u32::MAX));
        assert_eq!(Counter::parse(" 007\n").map(Counter::get), Ok(7));
        for bad in [
            "",
            " ",
            "0",
            "000",
            "4294967296",
            "99999999999",
            "-1",
            "+1",
            "1.0",
            "0x10",
        ] {
            assert_eq!(
                Counter::parse(bad),
                Err(XmlError::InvalidValue { field: "COUNTER" }),
                "{bad:?}"
            );
        }
        assert_eq!(Counter::new(0), None);
        assert_eq!(Counter::new(u32::MAX).and_then(Counter::checked_next), None);
        assert_eq!(Counter::ONE.checked_next(), Counter::new(2));
    }
}
