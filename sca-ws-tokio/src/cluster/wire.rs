//! The bytes the nodes exchange over NATS: the answer to a terminal request, listing
//! chunks, claims and link events. Everything read from NATS is untrusted: a message that
//! does not decode is dropped (or, for an answer, read as a lost link), never a panic.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use sca_ws::Response;
use serde::{Deserialize, Serialize};

use crate::broker::{SubmitError, TerminalInfo};

/// Terminals per listing message, so one message stays far below NATS's payload limit
/// (1 MiB by default) however many terminals a node holds.
pub(crate) const LIST_CHUNK: usize = 256;

/// A request on `sca.terminal.<id>` with this payload asks only "do you hold it?"; the
/// holder answers [`HELD`] at once. (No TRANSACTION document is this short.)
pub(crate) const PROBE: &[u8] = b"probe";

/// The answer to a [`PROBE`].
pub(crate) const HELD: &[u8] = b"held";

/// The holding node's answer to a request on `sca.terminal.<id>`: one line naming the
/// outcome, then the RESPONSE document or the refusal's reason.
pub(crate) fn encode_answer(result: &Result<Response, SubmitError>) -> Bytes {
    let mut out = String::new();
    match result {
        Ok(response) => {
            out.push_str("answered\n");
            response.encode_to_string(&mut out);
        }
        Err(error) => {
            let outcome = match error {
                SubmitError::NotConnected => "not_connected",
                SubmitError::QueueFull => "queue_full",
                SubmitError::Timeout => "timeout",
                SubmitError::LinkLost => "link_lost",
                SubmitError::Replaced => "replaced",
                _ => "invalid",
            };
            out.push_str(outcome);
            out.push('\n');
            if let SubmitError::Invalid(why) = error {
                out.push_str(why);
            }
        }
    }
    Bytes::from(out)
}

/// Reads an answer from [`encode_answer`]. Bytes that are none (another program on the
/// subject, a truncated message) count as a lost link: the request may have been carried
/// out, and the caller cannot know.
pub(crate) fn decode_answer(payload: &[u8]) -> Result<Response, SubmitError> {
    let split = payload.iter().position(|&b| b == b'\n');
    let (outcome, body) = match split {
        Some(at) => (&payload[..at], &payload[at + 1..]),
        None => (payload, &[][..]),
    };
    match outcome {
        b"answered" => Response::decode(body).map_err(|_| SubmitError::LinkLost),
        b"not_connected" => Err(SubmitError::NotConnected),
        b"queue_full" => Err(SubmitError::QueueFull),
        b"timeout" => Err(SubmitError::Timeout),
        b"link_lost" => Err(SubmitError::LinkLost),
        b"replaced" => Err(SubmitError::Replaced),
        b"invalid" => {
            // The reason is shown to the POS; keep it short and printable.
            let why: String = String::from_utf8_lossy(body)
                .chars()
                .filter(|c| !c.is_control())
                .take(256)
                .collect();
            Err(SubmitError::Invalid(why))
        }
        _ => Err(SubmitError::LinkLost),
    }
}

/// Wall-clock time as milliseconds since the Unix epoch (0 before it).
fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Wall-clock time as nanoseconds since the Unix epoch (0 before it).
pub(crate) fn unix_ns(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// One terminal in a listing chunk.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ListedTerminal {
    pub(crate) pinpad_id: String,
    pub(crate) remote_addr: SocketAddr,
    pub(crate) connected_since_ms: u64,
}

/// A node's answer (or one chunk of it) to `sca.list`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ListChunk {
    pub(crate) node: String,
    pub(crate) terminals: Vec<ListedTerminal>,
}

impl ListChunk {
    /// The chunks that list `terminals` as held by `node` (at least one, maybe empty, so the
    /// requester learns the node is there).
    pub(crate) fn encode_all(node: &str, terminals: &[TerminalInfo]) -> Vec<Bytes> {
        let mut chunks = Vec::new();
        let mut parts = terminals.chunks(LIST_CHUNK).peekable();
        if parts.peek().is_none() {
            chunks.push(Self::encode(node, &[]));
        }
        for part in parts {
            chunks.push(Self::encode(node, part));
        }
        chunks
    }

    fn encode(node: &str, terminals: &[TerminalInfo]) -> Bytes {
        let chunk = ListChunk {
            node: node.to_owned(),
            terminals: terminals
                .iter()
                .map(|t| ListedTerminal {
                    pinpad_id: t.pinpad_id.clone(),
                    remote_addr: t.remote_addr,
                    connected_since_ms: unix_ms(t.connected_since),
                })
                .collect(),
        };
        // Serializing plain strings, numbers and addresses cannot fail.
        Bytes::from(serde_json::to_vec(&chunk).unwrap_or_default())
    }

    pub(crate) fn decode(payload: &[u8]) -> Option<Self> {
        serde_json::from_slice(payload).ok()
    }
}

/// Milliseconds since the epoch back to wall-clock time.
pub(crate) fn from_unix_ms(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
}

/// "Node `node` accepted a link for `pinpad_id` at `since_ns`": any node holding the id
/// through an older link closes it.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Claim {
    pub(crate) node: String,
    pub(crate) pinpad_id: String,
    /// When the claiming link was accepted, wall clock, nanoseconds since the epoch.
    pub(crate) since_ns: u64,
}

impl Claim {
    pub(crate) fn encode(&self) -> Bytes {
        Bytes::from(serde_json::to_vec(self).unwrap_or_default())
    }

    pub(crate) fn decode(payload: &[u8]) -> Option<Self> {
        serde_json::from_slice(payload).ok()
    }

    /// Whether this claim beats a link of ours for the same id accepted at `ours_ns` on node
    /// `our_node`: the later accept wins, equal times go to the greater node name, so two
    /// nodes that both claim always agree on one winner.
    pub(crate) fn beats(&self, our_node: &str, ours_ns: u64) -> bool {
        (self.since_ns, self.node.as_str()) > (ours_ns, our_node)
    }
}

/// A link event as published on `sca.events.<node>`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum WireEvent {
    Connected {
        pinpad_id: String,
        remote_addr: SocketAddr,
    },
    Disconnected {
        pinpad_id: String,
        reason: String,
    },
    Unsolicited {
        pinpad_id: String,
        /// The RESPONSE document.
        response: String,
    },
}

impl WireEvent {
    pub(crate) fn encode(&self) -> Bytes {
        Bytes::from(serde_json::to_vec(self).unwrap_or_default())
    }

    pub(crate) fn decode(payload: &[u8]) -> Option<Self> {
        serde_json::from_slice(payload).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_round_trips() {
        let ok = Response::success("done");
        assert_eq!(decode_answer(&encode_answer(&Ok(ok.clone()))), Ok(ok));
        for error in [
            SubmitError::NotConnected,
            SubmitError::QueueFull,
            SubmitError::Timeout,
            SubmitError::LinkLost,
            SubmitError::Replaced,
            SubmitError::Invalid("no COUNTER".into()),
        ] {
            assert_eq!(
                decode_answer(&encode_answer(&Err(error.clone()))),
                Err(error)
            );
        }
    }

    #[test]
    fn garbage_answers_read_as_a_lost_link() {
        for bad in [
            &b""[..],
            b"answered",
            b"answered\n<RESPONSE",
            b"answered\n\xff\xfe",
            b"yes\n<RESPONSE/>",
            b"\n\n\n",
        ] {
            assert_eq!(decode_answer(bad), Err(SubmitError::LinkLost), "{bad:?}");
        }
        let long = [b"invalid\n".as_slice(), &[b'x'; 10_000], b"\x07"].concat();
        match decode_answer(&long) {
            Err(SubmitError::Invalid(why)) => assert_eq!(why.len(), 256),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_later_claim_wins_and_ties_break_by_node() {
        let claim = |node: &str, since_ns| Claim {
            node: node.into(),
            pinpad_id: "X".into(),
            since_ns,
        };
        assert!(claim("a", 2).beats("b", 1));
        assert!(!claim("a", 1).beats("b", 2));
        // Equal times: exactly one of the two nodes yields.
        assert!(claim("b", 5).beats("a", 5));
        assert!(!claim("a", 5).beats("b", 5));
        let decoded = Claim::decode(&claim("a", 7).encode()).expect("decodes");
        assert_eq!(decoded, claim("a", 7));
        assert_eq!(Claim::decode(b"{\"node\":1}"), None);
    }

    #[test]
    fn listings_are_chunked_and_an_empty_node_still_answers() {
        assert_eq!(ListChunk::encode_all("a", &[]).len(), 1);
        let info = TerminalInfo {
            pinpad_id: "X".into(),
            remote_addr: "127.0.0.1:9".parse().expect("addr"),
            connected_since: SystemTime::UNIX_EPOCH + Duration::from_millis(1234),
            outbound_queued: 0,
            outbound_peak: 0,
        };
        let many = vec![info; LIST_CHUNK * 2 + 1];
        let chunks = ListChunk::encode_all("a", &many);
        assert_eq!(chunks.len(), 3);
        let first = ListChunk::decode(&chunks[0]).expect("decodes");
        assert_eq!(first.node, "a");
        assert_eq!(first.terminals.len(), LIST_CHUNK);
        assert_eq!(first.terminals[0].connected_since_ms, 1234);
        assert!(ListChunk::decode(b"[]").is_none());
    }
}
