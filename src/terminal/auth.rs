//! Rule 2 of request handling: MAC, MAC_LABEL and COUNTER checks (\[seed\] §5.5, \[spec\]).
//!
//! With `SKIPPOSAUTH=1` and `POSCONNECTALLOW=WEBSOCKETS` the fields are ignored and SECURITY
//! commands refused. Otherwise every request except SECURITY REGISTER (and other unsigned
//! SECURITY commands), ADMIN GET_COUNTER and SECONDARYPORT ones must carry MAC_LABEL, COUNTER
//! and MAC (TEST_MAC, UNREGISTER and UNREGISTERALL included); the checks run cheapest-first
//! for missing fields, then the MAC (so a request that does not authenticate learns nothing
//! about the label's counter), then COUNTER freshness.

use super::counters::{CounterBook, CounterRefusal};
use super::keys::KeyStore;
use crate::xml::Counter;
use crate::xml::classify::AuthClass;

/// The request fields the checks read, as received.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuthFields<'a> {
    pub(crate) class: AuthClass,
    pub(crate) mac_label: Option<&'a str>,
    pub(crate) counter: Option<&'a str>,
    pub(crate) mac: Option<&'a str>,
}

/// Why a request was refused; each maps to one standard answer of the xml code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthRefusal {
    /// SECURITY under SKIPPOSAUTH.
    SecurityRefused,
    /// MAC or MAC_LABEL absent (40007).
    MacMissing,
    /// COUNTER absent or not in 1..=4294967295.
    InvalidCounter,
    /// MAC_LABEL unknown to the key store, or new while the counter book is full (19).
    UnknownMacLabel,
    /// MAC does not verify.
    BadMac,
    /// COUNTER not above the label's last one.
    StaleCounter,
}

/// Parses a COUNTER with the crate's one COUNTER reader ([`Counter::parse`]), so the value the
/// terminal authenticates is the value it echoes.
pub(crate) fn parse_counter(text: &str) -> Option<u32> {
    Counter::parse(text).ok().map(Counter::get)
}

/// Runs the checks; on success records the request's COUNTER in the book.
pub(crate) fn authenticate<K: KeyStore + ?Sized>(
    skip_checks: bool,
    fields: AuthFields<'_>,
    keys: &K,
    book: &mut CounterBook,
) -> Result<(), AuthRefusal> {
    if skip_checks {
        if matches!(
            fields.class,
            AuthClass::Security | AuthClass::SecurityChecked
        ) {
            return Err(AuthRefusal::SecurityRefused);
        }
        if let Some(counter) = fields.counter.and_then(parse_counter) {
            book.note_unchecked(counter);
        }
        return Ok(());
    }
    if !matches!(
        fields.class,
        AuthClass::Checked | AuthClass::SecurityChecked
    ) {
        return Ok(());
    }
    let (Some(label), Some(mac)) = (non_blank(fields.mac_label), non_blank(fields.mac)) else {
        return Err(AuthRefusal::MacMissing);
    };
    let counter = fields
        .counter
        .and_then(parse_counter)
        .ok_or(AuthRefusal::InvalidCounter)?;
    if !keys.contains(label) {
        return Err(AuthRefusal::UnknownMacLabel);
    }
    if !keys.verify(label, counter, mac) {
        return Err(AuthRefusal::BadMac);
    }
    book.accept(label, counter)
        .map_err(|refusal| match refusal {
            CounterRefusal::Stale { .. } => AuthRefusal::StaleCounter,
            CounterRefusal::TooManyLabels => AuthRefusal::UnknownMacLabel,
        })
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mac::compute_mac;
    use crate::terminal::keys::MemoryKeyStore;

    const KEY: [u8; 16] = [0x42; 16];

    fn store() -> MemoryKeyStore {
        let mut s = MemoryKeyStore::new();
        s.insert("P_1", KEY);
        s
    }

    fn checked<'a>(
        label: Option<&'a str>,
        counter: Option<&'a str>,
        mac: Option<&'a str>,
    ) -> AuthFields<'a> {
        AuthFields {
            class: AuthClass::Checked,
            mac_label: label,
            counter,
            mac,
        }
    }

    #[test]
    fn parses_counters_in_range_only() {
        assert_eq!(parse_counter(" 7 "), Some(7));
        assert_eq!(parse_counter("4294967295"), Some(u32::MAX));
        // U+00A0 is whitespace to `str::trim` but not to the echo path: refused here too.
        for bad in [
            "0",
            "4294967296",
            "-1",
            "+1",
            "",
            "1e3",
            "0x10",
            "\u{a0}7\u{a0}",
        ] {
            assert_eq!(parse_counter(bad), None, "{bad}");
        }
    }

    #[test]
    fn accepts_a_good_mac_once_per_counter() {
        let (keys, mut book) = (store(), CounterBook::new(8));
        let mac = compute_mac(&KEY, 5);
        let f = checked(Some("P_1"), Some("5"), Some(&mac));
        assert_eq!(authenticate(false, f, &keys, &mut book), Ok(()));
        assert_eq!(
            authenticate(false, f, &keys, &mut book),
            Err(AuthRefusal::StaleCounter)
        );
        assert_eq!(book.get_counter(None), 5);
    }

    #[test]
    fn refuses_missing_unknown_and_forged() {
        let (keys, mut book) = (store(), CounterBook::new(8));
        let mac = compute_mac(&KEY, 5);
        let cases = [
            (
                checked(None, Some("5"), Some(&mac)),
                AuthRefusal::MacMissing,
            ),
            (
                checked(Some("P_1"), Some("5"), None),
                AuthRefusal::MacMissing,
            ),
            (
                checked(Some(" "), Some("5"), Some(&mac)),
                AuthRefusal::MacMissing,
            ),
            (
                checked(Some("P_1"), None, Some(&mac)),
                AuthRefusal::InvalidCounter,
            ),
            (
                checked(Some("P_1"), Some("x"), Some(&mac)),
                AuthRefusal::InvalidCounter,
            ),
            (
                checked(Some("P_9"), Some("5"), Some(&mac)),
                AuthRefusal::UnknownMacLabel,
            ),
            (
                checked(Some("P_1"), Some("6"), Some(&mac)),
                AuthRefusal::BadMac,
            ),
        ];
        for (fields, want) in cases {
            assert_eq!(authenticate(false, fields, &keys, &mut book), Err(want));
        }
        // A forged request must not move the counter.
        assert_eq!(book.get_counter(None), 1);
    }

    #[test]
    fn exempt_classes_pass_without_fields() {
        let (keys, mut book) = (store(), CounterBook::new(8));
        for class in [AuthClass::Security, AuthClass::Exempt] {
            let f = AuthFields {
                class,
                mac_label: None,
                counter: None,
                mac: None,
            };
            assert_eq!(authenticate(false, f, &keys, &mut book), Ok(()));
        }
    }

    #[test]
    fn skipping_ignores_fields_and_refuses_security() {
        let (keys, mut book) = (MemoryKeyStore::new(), CounterBook::new(8));
        let f = checked(Some("nope"), Some("9"), Some("garbage"));
        assert_eq!(authenticate(true, f, &keys, &mut book), Ok(()));
        assert_eq!(book.get_counter(None), 9);
        for class in [AuthClass::Security, AuthClass::SecurityChecked] {
            let sec = AuthFields { class, ..f };
            assert_eq!(
                authenticate(true, sec, &keys, &mut book),
                Err(AuthRefusal::SecurityRefused)
            );
        }
    }
}
