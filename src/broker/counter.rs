//! Per-MAC-label COUNTER allocation and the MAC that goes with each COUNTER.
//!
//! A terminal refuses a request whose COUNTER is not above the last one it accepted for the
//! same MAC_LABEL (PROTOCOL.md §5.5), so the broker keeps, per label, the last COUNTER it
//! used and hands out strictly increasing values. The starting point comes from the
//! application: `0` right after REGISTER (the terminal resets the label), or the value a
//! GET COUNTER answer reported. Counters are allocated when a request is *written*, not when
//! it is submitted, so a request that waited in the queue never goes out with a COUNTER
//! below one already sent.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::mac::compute_mac;

/// First line of [`CounterBook::encode`]'s text; a later format would change the number.
const BOOK_HEADER: &str = "sca-ws-counter-book 1";

fn unhex(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) || hex.len() > 2 * MAX_MAC_LABEL_LEN {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    String::from_utf8(bytes?).ok()
}

/// How many MAC labels one terminal link may hold: a handful of POS registrations at most,
/// and a bound keeps a link's state small.
pub const MAX_MAC_LABELS: usize = 8;

/// The longest MAC label accepted; SCA labels are short names such as `P_001`.
pub const MAX_MAC_LABEL_LEN: usize = 64;

/// The longest key accepted: REGISTER exchanges 16-byte keys; HMAC takes any length.
pub const MAX_MAC_KEY_LEN: usize = 64;

/// Why a label could not be stored or a COUNTER could not be handed out.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterError {
    /// The label is empty or longer than [`MAX_MAC_LABEL_LEN`].
    BadLabel,
    /// The key is empty or longer than [`MAX_MAC_KEY_LEN`].
    BadKey,
    /// Already [`MAX_MAC_LABELS`] labels are stored.
    TooManyLabels,
    /// No key is stored for this label (or none at all when no label was named).
    UnknownLabel {
        /// The label asked for; empty when the request named none.
        label: String,
    },
    /// The label already used COUNTER 4294967295, the highest SCA allows: REGISTER again.
    Exhausted {
        /// The exhausted label.
        label: String,
    },
    /// [`CounterBook::decode`] was given text that [`CounterBook::encode`] does not write.
    BadText,
}

impl fmt::Display for CounterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadLabel => write!(f, "mac label is empty or longer than {MAX_MAC_LABEL_LEN}"),
            Self::BadKey => write!(f, "mac key is empty or longer than {MAX_MAC_KEY_LEN} bytes"),
            Self::TooManyLabels => write!(f, "more than {MAX_MAC_LABELS} mac labels"),
            Self::UnknownLabel { label } if label.is_empty() => write!(f, "no mac key is set"),
            Self::UnknownLabel { label } => write!(f, "no mac key for label {label:?}"),
            Self::Exhausted { label } => write!(f, "counter of mac label {label:?} exhausted"),
            Self::BadText => f.write_str("not a counter book text"),
        }
    }
}

impl std::error::Error for CounterError {}

/// One COUNTER handed out, with the MAC proving it (`Debug` does not show the MAC).
#[derive(Clone, PartialEq, Eq)]
pub struct Allocation {
    /// The MAC_LABEL the COUNTER belongs to.
    pub label: String,
    /// The COUNTER, 1..=4294967295.
    pub counter: u32,
    /// base64(HMAC-SHA256(label key, decimal COUNTER)).
    pub mac: String,
}

impl fmt::Debug for Allocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Allocation")
            .field("label", &self.label)
            .field("counter", &self.counter)
            .field("mac", &crate::redact::Redacted(self.mac.len()))
            .finish()
    }
}

struct LabelEntry {
    label: Box<str>,
    key: Box<[u8]>,
    last: u32,
}

/// The MAC labels of one terminal: key and last COUNTER per label.
///
/// Keep it with the terminal, not with one transport: a reconnecting terminal keeps its
/// labels and counters, so the application moves the book from the lost link to the new
/// one ([`crate::broker::Link::take_counters`], [`crate::broker::Link::set_counters`]).
#[derive(Default)]
pub struct CounterBook {
    entries: Vec<LabelEntry>,
    /// Index of the label used when a request names none: the one stored last.
    default: usize,
}

impl fmt::Debug for CounterBook {
    // Keys are secrets: never print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_map();
        for e in &self.entries {
            list.entry(&e.label, &e.last);
        }
        list.finish()
    }
}

impl Clone for CounterBook {
    fn clone(&self) -> Self {
        Self {
            entries: self
                .entries
                .iter()
                .map(|e| LabelEntry {
                    label: e.label.clone(),
                    key: e.key.clone(),
                    last: e.last,
                })
                .collect(),
            default: self.default,
        }
    }
}

impl CounterBook {
    /// An empty book: no label, so no MAC can be computed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores (or replaces) `label` with its `key`; `last_counter` is the last COUNTER the
    /// terminal accepted for it (`0` after REGISTER), so the next one handed out is
    /// `last_counter + 1`. The label becomes the default for requests that name none.
    pub fn insert(
        &mut self,
        label: &str,
        key: &[u8],
        last_counter: u32,
    ) -> Result<(), CounterError> {
        if label.is_empty() || label.len() > MAX_MAC_LABEL_LEN {
            return Err(CounterError::BadLabel);
        }
        if key.is_empty() || key.len() > MAX_MAC_KEY_LEN {
            return Err(CounterError::BadKey);
        }
        if let Some(i) = self.position(label) {
            if let Some(e) = self.entries.get_mut(i) {
                e.key = key.into();
                e.last = last_counter;
            }
            self.default = i;
            return Ok(());
        }
        if self.entries.len() >= MAX_MAC_LABELS {
            return Err(CounterError::TooManyLabels);
        }
        self.entries.push(LabelEntry {
            label: label.into(),
            key: key.into(),
            last: last_counter,
        });
        self.default = self.entries.len() - 1;
        Ok(())
    }

    /// Forgets `label` (after UNREGISTER); whether it was stored.
    pub fn remove(&mut self, label: &str) -> bool {
        let Some(i) = self.position(label) else {
            return false;
        };
        self.entries.remove(i);
        self.default = self.entries.len().saturating_sub(1);
        true
    }

    /// Whether no label is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The label used for requests that name none.
    pub fn default_label(&self) -> Option<&str> {
        self.entries.get(self.default).map(|e| &*e.label)
    }

    /// The last COUNTER used (or reported) for `label`.
    pub fn last_counter(&self, label: &str) -> Option<u32> {
        self.position(label)
            .and_then(|i| self.entries.get(i))
            .map(|e| e.last)
    }

    /// Raises `label`'s last COUNTER to `counter` if that is higher (never lowers it): how a
    /// GET COUNTER answer is taken into account. Whether the label is stored.
    pub fn observe(&mut self, label: &str, counter: u32) -> bool {
        match self.position(label).and_then(|i| self.entries.get_mut(i)) {
            Some(e) => {
                e.last = e.last.max(counter);
                true
            }
            None => false,
        }
    }

    /// Hands out the next COUNTER of `label` (the default label when `None`) and its MAC.
    pub fn allocate(&mut self, label: Option<&str>) -> Result<Allocation, CounterError> {
        let index = match label {
            Some(l) => self.position(l),
            None => (!self.entries.is_empty()).then_some(self.default),
        };
        let Some(entry) = index.and_then(|i| self.entries.get_mut(i)) else {
            return Err(CounterError::UnknownLabel {
                label: label.unwrap_or_default().to_owned(),
            });
        };
        let Some(counter) = entry.last.checked_add(1) else {
            return Err(CounterError::Exhausted {
                label: entry.label.to_string(),
            });
        };
        entry.last = counter;
        Ok(Allocation {
            label: entry.label.to_string(),
            counter,
            mac: compute_mac(&entry.key, counter),
        })
    }

    /// The text form, for a POS that keeps its labels across restarts: a header line, then
    /// `label HEX(label) BASE64(key) LAST` per label in order, then `default INDEX`. Holds
    /// keys: store it where the POS keeps secrets.
    pub fn encode(&self) -> String {
        let mut out = String::from(BOOK_HEADER);
        out.push('\n');
        for e in &self.entries {
            let hex: String = e.label.bytes().map(|b| format!("{b:02x}")).collect();
            out.push_str(&format!(
                "label {hex} {} {}\n",
                STANDARD.encode(&e.key),
                e.last
            ));
        }
        out.push_str(&format!("default {}\n", self.default));
        out
    }

    /// Reads the text form [`encode`](Self::encode) writes; any other text is an error, and
    /// the labels and keys obey the limits of [`insert`](Self::insert).
    pub fn decode(text: &str) -> Result<Self, CounterError> {
        let mut lines = text.lines();
        if lines.next().map(str::trim_end) != Some(BOOK_HEADER) {
            return Err(CounterError::BadText);
        }
        let mut book = Self::new();
        let mut default = None;
        for line in lines {
            let words: Vec<&str> = line.split_ascii_whitespace().take(5).collect();
            match words.as_slice() {
                [] => {}
                ["label", hex, key, last] if default.is_none() => {
                    let label = unhex(hex).ok_or(CounterError::BadText)?;
                    let key = STANDARD.decode(key).map_err(|_| CounterError::BadText)?;
                    let last: u32 = last.parse().map_err(|_| CounterError::BadText)?;
                    if book.position(&label).is_some() {
                        return Err(CounterError::BadText);
                    }
                    book.insert(&label, &key, last)?;
                }
                ["default", index] if default.is_none() => {
                    default = Some(index.parse::<usize>().map_err(|_| CounterError::BadText)?);
                }
                _ => return Err(CounterError::BadText),
            }
        }
        match default {
            Some(i) if i < book.entries.len() || (i == 0 && book.entries.is_empty()) => {
                book.default = i;
                Ok(book)
            }
            _ => Err(CounterError::BadText),
        }
    }

    fn position(&self, label: &str) -> Option<usize> {
        self.entries.iter().position(|e| &*e.label == label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mac::verify_mac;

    const KEY: [u8; 16] = [7; 16];

    #[test]
    fn starts_after_the_given_counter_and_increases() {
        let mut book = CounterBook::new();
        book.insert("P_001", &KEY, 41).unwrap();
        let a = book.allocate(None).unwrap();
        let b = book.allocate(Some("P_001")).unwrap();
        assert_eq!((a.counter, b.counter), (42, 43));
        assert_eq!(a.label, "P_001");
        assert!(verify_mac(&KEY, 42, &a.mac));
        assert_eq!(book.last_counter("P_001"), Some(43));
    }

    #[test]
    fn mac_matches_the_shared_reference() {
        let key: Vec<u8> = (0u8..16).collect();
        let mut book = CounterBook::new();
        book.insert("L", &key, 41).unwrap();
        assert_eq!(
            book.allocate(None).unwrap().mac,
            "YXT1OT+P4p81aHz/e9q46ieJn07wkuCnp4oDV6uBbTo="
        );
    }

    #[test]
    fn labels_count_independently_and_default_is_the_last_stored() {
        let mut book = CounterBook::new();
        book.insert("A", &KEY, 0).unwrap();
        book.insert("B", &[1; 16], 100).unwrap();
        assert_eq!(book.default_label(), Some("B"));
        assert_eq!(book.allocate(Some("A")).unwrap().counter, 1);
        assert_eq!(book.allocate(None).unwrap().counter, 101);
        assert_eq!(book.allocate(Some("A")).unwrap().counter, 2);
    }

    #[test]
    fn observe_only_raises() {
        let mut book = CounterBook::new();
        book.insert("A", &KEY, 10).unwrap();
        assert!(book.observe("A", 5));
        assert_eq!(book.last_counter("A"), Some(10));
        assert!(book.observe("A", 20));
        assert_eq!(book.allocate(None).unwrap().counter, 21);
        assert!(!book.observe("missing", 1));
    }

    #[test]
    fn exhaustion_is_an_error_not_a_wrap() {
        let mut book = CounterBook::new();
        book.insert("A", &KEY, u32::MAX - 1).unwrap();
        assert_eq!(book.allocate(None).unwrap().counter, u32::MAX);
        assert_eq!(
            book.allocate(None),
            Err(CounterError::Exhausted { label: "A".into() })
        );
        assert_eq!(book.last_counter("A"), Some(u32::MAX));
    }

    #[test]
    fn unknown_or_missing_label_is_an_error() {
        let mut book = CounterBook::new();
        assert_eq!(
            book.allocate(None),
            Err(CounterError::UnknownLabel {
                label: String::new()
            })
        );
        book.insert("A", &KEY, 0).unwrap();
        assert_eq!(
            book.allocate(Some("B")),
            Err(CounterError::UnknownLabel { label: "B".into() })
        );
    }

    #[test]
    fn bounds_on_labels_and_keys() {
        let mut book = CounterBook::new();
        assert_eq!(book.insert("", &KEY, 0), Err(CounterError::BadLabel));
        assert_eq!(book.insert("A", &[], 0), Err(CounterError::BadKey));
        for i in 0..MAX_MAC_LABELS {
            book.insert(&format!("L{i}"), &KEY, 0).unwrap();
        }
        assert_eq!(
            book.insert("extra", &KEY, 0),
            Err(CounterError::TooManyLabels)
        );
        // Replacing an existing label is still allowed and resets its counter.
        book.insert("L0", &KEY, 5).unwrap();
        assert_eq!(book.last_counter("L0"), Some(5));
        assert!(book.remove("L0"));
        assert!(!book.remove("L0"));
        book.insert("extra", &KEY, 0).unwrap();
    }

    #[test]
    fn text_form_round_trips_and_refuses_other_text() {
        let mut book = CounterBook::new();
        book.insert("P_1", &KEY, 7).unwrap();
        book.insert("P 2", &[1; 16], 0).unwrap();
        book.insert("P_1", &KEY, 9).unwrap(); // P_1 is the default again
        let text = book.encode();
        let back = CounterBook::decode(&text).unwrap();
        assert_eq!(back.encode(), text);
        assert_eq!(back.default_label(), Some("P_1"));
        assert_eq!(back.last_counter("P 2"), Some(0));
        assert!(
            CounterBook::decode(&CounterBook::new().encode())
                .unwrap()
                .is_empty()
        );
        for bad in [
            String::new(),
            text.replace("default 0", "default 5"),
            text.replace("default 0\n", ""),
            format!("{text}label 41 AAAA 1\n"),
            text.replace(" 9\n", " -9\n"),
            text.replace("sca-ws-counter-book 1", "sca-ws-counter-book 2"),
        ] {
            assert!(CounterBook::decode(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debug_never_shows_keys() {
        let mut book = CounterBook::new();
        book.insert("A", b"secret-key-bytes", 3).unwrap();
        let text = format!("{book:?}");
        assert!(text.contains("\"A\": 3"), "{text}");
        assert!(!text.contains("115"), "{text}"); // 's' as a byte
    }
}
