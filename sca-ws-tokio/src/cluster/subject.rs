//! NATS subjects of the cluster, and the escaping that turns any pinpad id into one subject
//! token.
//!
//! A NATS subject is dot-separated tokens; `*` and `>` are wildcards and whitespace ends
//! the subject. A pinpad id comes from a terminal's header and may hold any of them, so it
//! is never pasted in raw: ASCII letters, digits and `-` stay, every other byte becomes `_`
//! and two upper-case hex digits. `_` itself is always escaped, so two ids never share a
//! subject (the mapping is injective), and a hostile id such as `a.>` cannot subscribe to
//! other terminals' subjects.

/// Every subject starts with this token.
pub const PREFIX: &str = "sca";

/// The longest escaped pinpad id put into a subject. Ids longer than this after escaping
/// stay reachable on their own node only; a request for one from another node is answered
/// "not connected". (The server's control line, 4 KiB by default, bounds a subject.)
pub const MAX_ESCAPED_ID: usize = 512;

/// The longest node name (`--node-id`).
pub const MAX_NODE_ID: usize = 64;

/// The subject token for `pinpad_id`; `None` when the id is empty or its escaped form is
/// longer than [`MAX_ESCAPED_ID`].
pub fn escape_id(pinpad_id: &str) -> Option<String> {
    if pinpad_id.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(pinpad_id.len());
    for byte in pinpad_id.bytes() {
        if out.len() > MAX_ESCAPED_ID {
            return None; // stop early: a huge id costs no more than the limit
        }
        if byte.is_ascii_alphanumeric() || byte == b'-' {
            out.push(char::from(byte));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('_');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    (out.len() <= MAX_ESCAPED_ID).then_some(out)
}

/// Checks a node name: 1 to [`MAX_NODE_ID`] ASCII letters, digits, `-` or `_`, so it is one
/// subject token as it stands and reads the same in logs and listings.
pub fn check_node_id(node_id: &str) -> Result<(), String> {
    if node_id.is_empty() || node_id.len() > MAX_NODE_ID {
        return Err(format!(
            "a node id has 1 to {MAX_NODE_ID} characters, {node_id:?} has {}",
            node_id.len()
        ));
    }
    if let Some(bad) = node_id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "a node id is ASCII letters, digits, '-' and '_'; {node_id:?} has {bad:?}"
        ));
    }
    Ok(())
}

/// `sca.terminal.<escaped id>`: answered by the node holding the terminal's link.
pub fn terminal(escaped_id: &str) -> String {
    format!("{PREFIX}.terminal.{escaped_id}")
}

/// `sca.list`: every node answers with the terminals it holds.
pub fn list() -> String {
    format!("{PREFIX}.list")
}

/// `sca.claim`: a node that accepted a link says so; older holders of the id close theirs.
pub fn claim() -> String {
    format!("{PREFIX}.claim")
}

/// `sca.events.<node>`: the link events of one node.
pub fn events(node_id: &str) -> String {
    format!("{PREFIX}.events.{node_id}")
}

/// `sca.events.*`: the link events of every node.
pub fn all_events() -> String {
    format!("{PREFIX}.events.*")
}

/// The node name in an `sca.events.<node>` subject, if it is one.
pub fn events_node(subject: &str) -> Option<&str> {
    let node = subject.strip_prefix(PREFIX)?.strip_prefix(".events.")?;
    check_node_id(node).ok().map(|()| node)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A subject token as the NATS server reads one: not empty, no dot, no wildcard, no
    /// whitespace or control byte, printable ASCII.
    fn is_token(token: &str) -> bool {
        !token.is_empty()
            && token
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'.' && b != b'*' && b != b'>')
    }

    #[test]
    fn plain_ids_stay_as_they_are() {
        assert_eq!(escape_id("ID-1").as_deref(), Some("ID-1"));
        assert_eq!(escape_id("12345678").as_deref(), Some("12345678"));
    }

    #[test]
    fn hostile_ids_become_one_harmless_token() {
        for id in [
            "a.b",
            "a.>",
            ">",
            "*",
            "a b",
            "a\tb",
            "a\r\nPUB x 1",
            "_",
            "_2E",
            "é",
            "a..b",
            "%",
        ] {
            let escaped = escape_id(id).expect("escapable");
            assert!(is_token(&escaped), "{id:?} -> {escaped:?}");
            assert!(is_token(&terminal(&escaped)["sca.terminal.".len()..]));
            assert_eq!(terminal(&escaped).matches('.').count(), 2, "{id:?}");
        }
        assert_eq!(escape_id("a.>").as_deref(), Some("a_2E_3E"));
    }

    #[test]
    fn distinct_ids_never_share_a_subject() {
        // `_` is escaped too, so an id that looks like an escape cannot collide.
        let ids = ["a.b", "a_2Eb", "a_b", "a_5Fb", "A.B", "a-b", "é", "_C3_A9"];
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            assert!(seen.insert(escape_id(id).expect("escapable")), "{id:?}");
        }
    }

    #[test]
    fn empty_and_overlong_ids_are_refused() {
        assert_eq!(escape_id(""), None);
        assert!(escape_id(&"a".repeat(MAX_ESCAPED_ID)).is_some());
        assert_eq!(escape_id(&"a".repeat(MAX_ESCAPED_ID + 1)), None);
        // 171 dots escape to 513 bytes: one past the limit.
        assert!(escape_id(&".".repeat(170)).is_some());
        assert_eq!(escape_id(&".".repeat(171)), None);
        assert_eq!(escape_id(&".".repeat(100_000)), None);
    }

    #[test]
    fn node_ids_are_plain_tokens() {
        assert!(check_node_id("node-a_1").is_ok());
        for bad in [
            "",
            "a.b",
            "a*",
            ">",
            "a b",
            "é",
            &"n".repeat(MAX_NODE_ID + 1),
        ] {
            assert!(check_node_id(bad).is_err(), "{bad:?}");
        }
        assert_eq!(events_node("sca.events.node-a"), Some("node-a"));
        assert_eq!(events_node("sca.events.a.b"), None);
        assert_eq!(events_node("sca.list"), None);
    }
}
