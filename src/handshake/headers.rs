//! Header fields: the borrowed view handed to callers, byte classes of the HTTP/1.1 grammar
//! (RFC 9110 §5.1, §5.5, §5.6.2), case-insensitive lookup and comma-separated lists.

use super::error::HandshakeError;

/// Canonical spellings of the field names the handshake reads or writes.
pub(crate) mod name {
    pub(crate) const HOST: &str = "Host";
    pub(crate) const ORIGIN: &str = "Origin";
    pub(crate) const UPGRADE: &str = "Upgrade";
    pub(crate) const CONNECTION: &str = "Connection";
    pub(crate) const KEY: &str = "Sec-WebSocket-Key";
    pub(crate) const VERSION: &str = "Sec-WebSocket-Version";
    pub(crate) const PROTOCOL: &str = "Sec-WebSocket-Protocol";
    pub(crate) const EXTENSIONS: &str = "Sec-WebSocket-Extensions";
    pub(crate) const ACCEPT: &str = "Sec-WebSocket-Accept";
    /// SCA's terminal identifier, sent by the terminal (seed).
    pub(crate) const PINPAD_ID: &str = "x-vfi-pinpad-id";
    pub(crate) const PRAGMA: &str = "Pragma";
    pub(crate) const CACHE_CONTROL: &str = "Cache-Control";
    pub(crate) const CONTENT_LENGTH: &str = "Content-Length";
    pub(crate) const TRANSFER_ENCODING: &str = "Transfer-Encoding";
}

/// One header field of a parsed head, borrowed from the caller's buffer (zero-copy).
///
/// `value` has its surrounding whitespace removed (RFC 9110 §5.5); both are as received
/// otherwise, the name in its original case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HttpHeader<'b> {
    /// Field name (a token, RFC 9110 §5.1).
    pub name: &'b str,
    /// Field value without leading or trailing whitespace.
    pub value: &'b str,
}

/// `tchar` of RFC 9110 §5.6.2: the bytes of a token (method, field name, subprotocol).
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A byte allowed inside a field value or reason phrase: HTAB, SP, VCHAR, obs-text
/// (RFC 9110 §5.5). Every control byte (NUL, CR, LF, DEL...) is excluded.
pub(crate) fn is_value_byte(b: u8) -> bool {
    b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80
}

/// Optional whitespace (RFC 9110 §5.6.3).
pub(crate) fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Whether `s` is a non-empty token.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// Whether a value can be written as a field value and read back unchanged: value bytes only,
/// no surrounding whitespace.
pub(crate) fn is_safe_value(s: &str) -> bool {
    s.bytes().all(is_value_byte) && !s.starts_with([' ', '\t']) && !s.ends_with([' ', '\t'])
}

/// The items of a comma-separated list value (RFC 9110 §5.6.1), empty items skipped.
pub(crate) fn list_items(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(|item| item.trim_matches([' ', '\t']))
        .filter(|item| !item.is_empty())
}

/// Every value of the fields called `name` (case-insensitive), in order.
pub(crate) fn values<'h, 'b: 'h>(
    headers: &'h [HttpHeader<'b>],
    name: &'h str,
) -> impl Iterator<Item = &'b str> + 'h {
    headers
        .iter()
        .filter(move |h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value)
}

/// The value of a field that may appear at most once.
pub(crate) fn unique<'b>(
    headers: &[HttpHeader<'b>],
    name: &'static str,
) -> Result<Option<&'b str>, HandshakeError> {
    let mut found = values(headers, name);
    let first = found.next();
    if found.next().is_some() {
        return Err(HandshakeError::DuplicateHeader { name });
    }
    Ok(first)
}

/// The value of a field that must appear exactly once.
pub(crate) fn required<'b>(
    headers: &[HttpHeader<'b>],
    name: &'static str,
) -> Result<&'b str, HandshakeError> {
    unique(headers, name)?.ok_or(HandshakeError::MissingHeader { name })
}

/// Whether any field called `name` lists `token` (both case-insensitive), as `Connection` and
/// `Upgrade` must (RFC 6455 §4.2.1 items 3–4).
pub(crate) fn lists_token(headers: &[HttpHeader<'_>], name: &str, token: &str) -> bool {
    values(headers, name)
        .flat_map(list_items)
        .any(|item| item.eq_ignore_ascii_case(token))
}

/// `field` must be present (else [`HandshakeError::MissingHeader`]) and list `token`,
/// case-insensitive (else `otherwise`): the `Upgrade` and `Connection` checks of RFC 6455
/// §4.1 and §4.2.1.
pub(crate) fn require_token(
    headers: &[HttpHeader<'_>],
    field: &'static str,
    token: &str,
    otherwise: HandshakeError,
) -> Result<(), HandshakeError> {
    if values(headers, field).next().is_none() {
        return Err(HandshakeError::MissingHeader { name: field });
    }
    if lists_token(headers, field, token) {
        Ok(())
    } else {
        Err(otherwise)
    }
}

/// Appends `name: value\r\n`.
pub(crate) fn write_header(out: &mut bytes::BytesMut, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Checks caller-given extra headers: token names, safe values, and none of the `reserved`
/// names the builder writes itself (a second `Upgrade` or `Sec-WebSocket-Accept` would change
/// the meaning of the head).
pub(crate) fn check_extra_headers<'a>(
    mut headers: impl Iterator<Item = (&'a str, &'a str)>,
    reserved: &[&str],
) -> Result<(), HandshakeError> {
    headers.try_for_each(|(name, value)| {
        let bad = !is_token(name)
            || !is_safe_value(value)
            || reserved.iter().any(|r| r.eq_ignore_ascii_case(name));
        if bad {
            Err(HandshakeError::InvalidExtraHeader {
                name: name.to_owned(),
            })
        } else {
            Ok(())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADERS: &[HttpHeader<'static>] = &[
        HttpHeader {
            name: "Connection",
            value: "keep-alive, Upgrade",
        },
        HttpHeader {
            name: "host",
            value: "a",
        },
        HttpHeader {
            name: "HOST",
            value: "b",
        },
    ];

    #[test]
    fn lookup_is_case_insensitive_and_finds_duplicates() {
        assert!(lists_token(HEADERS, "connection", "upgrade"));
        assert!(!lists_token(HEADERS, "connection", "close"));
        assert_eq!(
            unique(HEADERS, "Host"),
            Err(HandshakeError::DuplicateHeader { name: "Host" })
        );
        assert_eq!(
            required(HEADERS, "Origin"),
            Err(HandshakeError::MissingHeader { name: "Origin" })
        );
        assert_eq!(
            unique(HEADERS, "Connection"),
            Ok(Some("keep-alive, Upgrade"))
        );
    }

    #[test]
    fn list_items_skip_empty_elements() {
        let items: Vec<&str> = list_items(" sci ,, chat,\t").collect();
        assert_eq!(items, ["sci", "chat"]);
    }

    #[test]
    fn safe_values_refuse_controls_and_edge_whitespace() {
        assert!(is_safe_value("no-cache"));
        assert!(is_safe_value("a b"));
        assert!(is_safe_value(""));
        assert!(!is_safe_value("a\r\nX-Injected: 1"));
        assert!(!is_safe_value("a\0"));
        assert!(!is_safe_value(" a"));
        assert!(!is_safe_value("a\t"));
    }

    #[test]
    fn extra_headers_refuse_reserved_names() {
        let reserved = ["Upgrade"];
        assert!(check_extra_headers([("X-A", "1")].into_iter(), &reserved).is_ok());
        assert_eq!(
            check_extra_headers([("upgrade", "h2c")].into_iter(), &reserved),
            Err(HandshakeError::InvalidExtraHeader {
                name: "upgrade".into()
            })
        );
        assert!(check_extra_headers([("X A", "1")].into_iter(), &reserved).is_err());
    }
}
