//! The terminal's authentication state as one value the application can save and load:
//! every MAC label with its key and its last accepted COUNTER, and the last COUNTER overall
//! (what GET COUNTER reports for a request naming no label).
//!
//! Counters live in memory inside the machine; a terminal that restarts without this value
//! would accept a replayed COUNTER. [`Terminal::auth_state`](crate::Terminal::auth_state)
//! exports it, [`Terminal::restore_auth_state`](crate::Terminal::restore_auth_state) loads it,
//! and [`Event::AuthChanged`](crate::terminal::Event::AuthChanged) says when to save again.
//! [`AuthState::encode`] / [`AuthState::decode`] give it a small, versioned text form.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The first line of the text form; a later format would change the number.
const HEADER: &str = "sca-ws-auth-state 1";

/// Most labels a decoded state may hold: far above any terminal's label limit, and a bound on
/// what a corrupt or hostile file can make the decoder allocate.
pub const MAX_STATE_LABELS: usize = 256;

/// Longest label and key the text form carries (as the broker's book).
const MAX_LABEL_LEN: usize = 64;
const MAX_KEY_LEN: usize = 64;

/// One MAC label: its key and the last COUNTER accepted with it.
#[derive(Clone, PartialEq, Eq)]
pub struct LabelState {
    /// The MAC_LABEL.
    pub label: String,
    key: Vec<u8>,
    /// The last COUNTER accepted for the label; `Some(0)` right after REGISTER, `None` when the
    /// label has a key but no counter yet (a key installed by the application).
    pub last_counter: Option<u32>,
}

impl LabelState {
    /// A label with its key and last accepted COUNTER.
    pub fn new(
        label: impl Into<String>,
        key: impl Into<Vec<u8>>,
        last_counter: Option<u32>,
    ) -> Self {
        Self {
            label: label.into(),
            key: key.into(),
            last_counter,
        }
    }

    /// The MAC key (a secret: store it where the application keeps secrets).
    pub fn key(&self) -> &[u8] {
        &self.key
    }
}

impl fmt::Debug for LabelState {
    // The key is a secret: shown by its size only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LabelState")
            .field("label", &self.label)
            .field("key", &crate::redact::Redacted(self.key.len()))
            .field("last_counter", &self.last_counter)
            .finish()
    }
}

/// Everything the terminal's authentication depends on (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthState {
    /// The labels, in the order they were registered.
    pub labels: Vec<LabelState>,
    /// The COUNTER of the last request that carried an accepted one (GET COUNTER's answer
    /// when the request names no known label); `None` before any.
    pub last_counter: Option<u32>,
}

/// Why [`AuthState::decode`] refused a text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthStateError {
    /// The first line is not this format's header.
    BadHeader,
    /// Line `line` (1-based) is not one the format has.
    BadLine {
        /// The line number.
        line: usize,
    },
    /// More than [`MAX_STATE_LABELS`] labels, or more than the terminal's label limit.
    TooManyLabels,
    /// A label appears twice.
    DuplicateLabel {
        /// Line of the second one.
        line: usize,
    },
}

impl fmt::Display for AuthStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadHeader => write!(f, "not an authentication state (header {HEADER:?} missing)"),
            Self::BadLine { line } => write!(f, "authentication state line {line} is malformed"),
            Self::TooManyLabels => f.write_str("authentication state holds too many labels"),
            Self::DuplicateLabel { line } => {
                write!(f, "authentication state line {line} repeats a label")
            }
        }
    }
}

impl std::error::Error for AuthStateError {}

impl AuthState {
    /// The label's entry.
    pub fn label(&self, label: &str) -> Option<&LabelState> {
        self.labels.iter().find(|l| l.label == label)
    }

    /// The text form: a header line, `last N` (or `last -`), then one
    /// `label HEX(label) BASE64(key) N|-` line per label. Holds keys: write it only where
    /// the application keeps secrets (the simulator's key store file is mode 0600).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(64 + self.labels.len() * 96);
        out.push_str(HEADER);
        out.push('\n');
        out.push_str("last ");
        push_counter(&mut out, self.last_counter);
        out.push('\n');
        for entry in &self.labels {
            out.push_str("label ");
            for byte in entry.label.bytes() {
                out.push_str(&format!("{byte:02x}"));
            }
            out.push(' ');
            out.push_str(&STANDARD.encode(&entry.key));
            out.push(' ');
            push_counter(&mut out, entry.last_counter);
            out.push('\n');
        }
        out
    }

    /// Reads the text form [`encode`](Self::encode) writes. Total: any other text is an error,
    /// never a panic, and what it allocates is bounded by [`MAX_STATE_LABELS`].
    pub fn decode(text: &str) -> Result<Self, AuthStateError> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, first)) if first.trim_end() == HEADER => {}
            _ => return Err(AuthStateError::BadHeader),
        }
        let mut state = Self::default();
        let mut seen_last = false;
        for (index, line) in lines {
            let line_no = index + 1;
            let bad = AuthStateError::BadLine { line: line_no };
            let words: Vec<&str> = line.split_ascii_whitespace().take(5).collect();
            match words.as_slice() {
                [] => {}
                ["last", value] if !seen_last => {
                    state.last_counter = parse_counter(value).ok_or(bad)?;
                    seen_last = true;
                }
                ["label", label, key, counter] => {
                    if state.labels.len() >= MAX_STATE_LABELS {
                        return Err(AuthStateError::TooManyLabels);
                    }
                    let label = parse_label(label).ok_or(bad.clone())?;
                    let key = STANDARD.decode(key).map_err(|_| bad.clone())?;
                    if key.is_empty() || key.len() > MAX_KEY_LEN {
                        return Err(bad);
                    }
                    let last_counter = parse_counter(counter).ok_or(bad)?;
                    if state.label(&label).is_some() {
                        return Err(AuthStateError::DuplicateLabel { line: line_no });
                    }
                    state.labels.push(LabelState {
                        label,
                        key,
                        last_counter,
                    });
                }
                _ => return Err(bad),
            }
        }
        Ok(state)
    }
}

fn push_counter(out: &mut String, counter: Option<u32>) {
    match counter {
        Some(n) => out.push_str(&n.to_string()),
        None => out.push('-'),
    }
}

/// `-` is "none"; otherwise a decimal `u32` (0 allowed: the counter right after REGISTER).
fn parse_counter(text: &str) -> Option<Option<u32>> {
    if text == "-" {
        return Some(None);
    }
    if text.is_empty() || text.len() > 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().map(Some)
}

fn parse_label(hex: &str) -> Option<String> {
    if hex.is_empty() || !hex.len().is_multiple_of(2) || hex.len() > 2 * MAX_LABEL_LEN {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_hides_keys_in_debug() {
        let state = AuthState {
            labels: vec![
                LabelState::new("P_1", [0xAB; 16], Some(0)),
                LabelState::new("odd label\n", vec![1, 2, 3], None),
            ],
            last_counter: Some(4_294_967_295),
        };
        let text = state.encode();
        assert_eq!(AuthState::decode(&text), Ok(state.clone()));
        let debug = format!("{state:?}");
        assert!(
            !debug.contains("171") && !debug.contains("AB") && !debug.contains("q6ur"),
            "{debug}"
        );
    }

    #[test]
    fn refuses_what_it_does_not_write() {
        let good = AuthState::default().encode();
        assert_eq!(AuthState::decode(""), Err(AuthStateError::BadHeader));
        for bad in [
            "last x",
            "last 4294967296",
            "label zz AAAA 1",
            "label 50 !!! 1",
            "label 50 AAAA",
            "label 50 AAAA -1",
            "label 50  1",
            "what",
            "last 1\nlast 2",
        ] {
            let text = format!("{good}{bad}\n");
            assert!(AuthState::decode(&text).is_err(), "{bad:?}");
        }
        let twice = format!("{good}label 50 AAAA 1\nlabel 50 AAAA 2\n");
        assert_eq!(
            AuthState::decode(&twice),
            Err(AuthStateError::DuplicateLabel { line: 4 })
        );
        let many: String = (0..=MAX_STATE_LABELS)
            .map(|i| {
                let hex: String = format!("L{i}")
                    .bytes()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                format!("label {hex} AAAA 1\n")
            })
            .collect();
        assert_eq!(
            AuthState::decode(&format!("{good}{many}")),
            Err(AuthStateError::TooManyLabels)
        );
    }
}
