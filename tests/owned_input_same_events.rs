//! Property: feeding a stream through `handle_input_buf` (the driver's own read buffer, in any
//! chunks, with or without `reserve_input_buf` before each read) gives exactly the events,
//! replies and transport close that `handle_input` gives, chunk by chunk, for both roles, with
//! control frames, fragments, bad UTF-8 and protocol errors in the stream. A driver that
//! breaks the buffer contract gets a clear failure, not a panic or wrong data.
mod common;
use bytes::BytesMut;
use common::*;
use proptest::prelude::*;
use sca_ws::ws::{Connection, Output, Role};

/// One frame of a generated stream: (first byte, payload, sent with the wrong masking).
fn frame() -> impl Strategy<Value = (u8, Vec<u8>, bool)> {
    let text = "[a-zé€𝄞 ]{0,60}".prop_map(|s| s.into_bytes());
    let junk = proptest::collection::vec(any::<u8>(), 0..300);
    let wrong = prop::bool::weighted(0.03);
    let first = prop_oneof![
        8 => text.clone().prop_map(|p| (0x81, p)),
        2 => text.clone().prop_map(|p| (0x01, p)),
        2 => text.clone().prop_map(|p| (0x80, p)),
        10 => junk.clone().prop_map(|p| (0x82, p)),
        2 => junk.clone().prop_map(|p| (0x02, p)),
        2 => junk.clone().prop_map(|p| (0x00, p)),
        1 => junk.clone().prop_map(|p| (0x81, p)),
        2 => proptest::collection::vec(any::<u8>(), 0..20).prop_map(|p| (0x89, p)),
        1 => proptest::collection::vec(any::<u8>(), 0..20).prop_map(|p| (0x8A, p)),
        1 => proptest::collection::vec(any::<u8>(), 126..130).prop_map(|p| (0x89, p)),
        1 => Just((0x88, vec![0x03, 0xE8])),
        1 => Just((0x88, vec![0x03, 0xEC])),
        1 => junk.clone().prop_map(|p| (0xC2, p)),
        1 => junk.prop_map(|p| (0x83, p)),
    ];
    (first, wrong).prop_map(|((b, p), w)| (b, p, w))
}

/// The stream as the peer of `role` sends it (a client masks, a server does not).
fn wire(role: Role, frames: &[(u8, Vec<u8>, bool)], key: [u8; 4]) -> Vec<u8> {
    frames
        .iter()
        .flat_map(|(b, p, wrong)| match (role == Role::Server) != *wrong {
            true => masked(*b, p, key),
            false => unmasked(*b, p),
        })
        .collect()
}

fn connection(role: Role) -> Connection {
    match role {
        Role::Server => server(t0()),
        Role::Client => client(t0()),
    }
}

/// How each chunk reaches the connection.
#[derive(Clone, Copy, Debug)]
enum Feed {
    /// `handle_input`.
    Borrowed,
    /// Appended to one read buffer, after `reserve_input_buf`, then `handle_input_buf`.
    Reserved,
    /// Appended to one read buffer with no reservation (a driver that grows it itself).
    Appended,
}

fn run(role: Role, stream: &[u8], cuts: &[usize], feed: Feed) -> Vec<Output> {
    let now = t0();
    let mut conn = connection(role);
    let mut out = Vec::new();
    let mut start = 0;
    let mut read_buf = BytesMut::new();
    for &cut in cuts.iter().chain(std::iter::once(&stream.len())) {
        let cut = cut.clamp(start, stream.len());
        let chunk = &stream[start..cut];
        match feed {
            Feed::Borrowed => conn.handle_input(now, chunk),
            Feed::Reserved => {
                let mut rest = chunk;
                // A read takes at most what the reservation offers, as a socket read would.
                for _ in 0..=chunk.len() {
                    let max = conn.reserve_input_buf(&mut read_buf);
                    assert!(
                        max > 0,
                        "a read of 0 bytes would look like the end of the stream"
                    );
                    let (read, later) = rest.split_at(max.min(rest.len()));
                    read_buf.extend_from_slice(read);
                    conn.handle_input_buf(now, &mut read_buf);
                    rest = later;
                    if rest.is_empty() {
                        break;
                    }
                }
            }
            Feed::Appended => {
                read_buf.extend_from_slice(chunk);
                conn.handle_input_buf(now, &mut read_buf);
            }
        }
        out.extend(drain(&mut conn));
        start = cut;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn owned_input_gives_the_same_outputs_as_borrowed_input(
        server_role in any::<bool>(),
        frames in proptest::collection::vec(frame(), 1..12),
        key in any::<[u8; 4]>(),
        mut cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let role = if server_role { Role::Server } else { Role::Client };
        let stream = wire(role, &frames, key);
        let whole = normalise(run(role, &stream, &[], Feed::Borrowed));
        for cut in cuts.iter_mut() {
            *cut %= stream.len() + 1;
        }
        cuts.sort_unstable();
        for feed in [Feed::Reserved, Feed::Appended] {
            prop_assert_eq!(&normalise(run(role, &stream, &[], feed)), &whole, "{:?} whole", feed);
            prop_assert_eq!(&normalise(run(role, &stream, &cuts, feed)), &whole, "{:?} cut", feed);
        }
        // Same outputs chunk by chunk too, not only in total: a message held in the buffer has
        // no output of its own until it is whole, in either path.
        let borrowed = events(&run(role, &stream, &cuts, Feed::Borrowed));
        let owned = events(&run(role, &stream, &cuts, Feed::Appended));
        prop_assert_eq!(owned, borrowed);
    }
}

#[test]
fn a_binary_message_cut_across_reads_arrives_whole_and_unmasked() {
    let payload: Vec<u8> = (0..70_000u32).map(|i| (i * 31) as u8).collect();
    let stream = masked(0x82, &payload, [9, 8, 7, 6]);
    let now = t0();
    let mut s = server(now);
    let mut read_buf = BytesMut::new();
    for chunk in stream.chunks(4096) {
        read_buf.extend_from_slice(chunk);
        s.handle_input_buf(now, &mut read_buf);
    }
    let got = events(&drain(&mut s));
    assert_eq!(got, vec![sca_ws::ws::Event::Binary(payload.into())]);
    assert!(
        read_buf.is_empty(),
        "the message was split out of the buffer"
    );
}

#[test]
fn a_large_message_lands_in_one_block_with_reads_capped_at_its_end() {
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i * 7) as u8).collect();
    let mut stream = masked(0x82, &payload, [1, 2, 3, 4]);
    stream.extend(masked(0x81, b"next", [5, 6, 7, 8]));
    let now = t0();
    let mut s = server(now);
    let mut read_buf = BytesMut::new();
    let mut at = 0;
    let mut got = Vec::new();
    let mut blocks = std::collections::HashSet::new();
    for _ in 0..stream.len() {
        if at == stream.len() {
            break;
        }
        let max = s.reserve_input_buf(&mut read_buf);
        assert!(max > 0, "the reservation always leaves room to read");
        let read = &stream[at..stream.len().min(at + max.min(64 * 1024))];
        read_buf.extend_from_slice(read);
        at += read.len();
        s.handle_input_buf(now, &mut read_buf);
        if at > 16 * 1024 && at < payload.len() {
            // The buffer starts with the held payload: where it lies.
            blocks.insert(read_buf.as_ptr() as usize);
        }
        got.extend(events(&drain(&mut s)));
    }
    assert_eq!(
        got,
        vec![
            sca_ws::ws::Event::Binary(payload.into()),
            sca_ws::ws::Event::Text("next".into()),
        ]
    );
    // Once its length is known the message's rest has room in one block: no read moved it.
    assert_eq!(blocks.len(), 1, "the held message moved between blocks");
}

#[test]
fn a_driver_that_loses_the_held_message_gets_a_clear_failure() {
    let stream = masked(0x82, &[7u8; 1000], [1, 2, 3, 4]);
    let now = t0();
    // Cut 500 bytes in (492 payload bytes held, the front compared as a whole word) and 11
    // bytes in (3 held: the compare of a shorter front).
    for (misuse, cut) in [(0, 500), (1, 500), (0, 11), (1, 11)] {
        let mut s = server(now);
        let mut read_buf = BytesMut::from(&stream[..cut]);
        s.handle_input_buf(now, &mut read_buf);
        assert!(drain(&mut s).is_empty(), "nothing is whole yet");
        if misuse == 0 {
            // A fresh buffer (long enough): the payload bytes left in the old one are gone.
            let mut other = BytesMut::from(&stream[cut..]);
            s.handle_input_buf(now, &mut other);
        } else {
            // The rest through the borrowed path cannot join the bytes in the buffer.
            s.handle_input(now, &stream[cut..]);
        }
        let out = drain(&mut s);
        assert!(
            out.iter().any(|o| matches!(
                o,
                Output::Event(sca_ws::ws::Event::Failed(
                    sca_ws::ws::Error::InputBufferLost
                ))
            )),
            "misuse {misuse} after {cut} bytes: {out:?}"
        );
        assert!(matches!(out.last(), Some(Output::CloseTransport)));
        assert!(
            !out.iter()
                .any(|o| matches!(o, Output::Event(sca_ws::ws::Event::Binary(_)))),
            "no message made of the wrong bytes"
        );
    }
}
