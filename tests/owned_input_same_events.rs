//! Property: feeding a stream through `handle_input_buf` (owned buffers, in any chunks, as
//! separate or contiguous `BytesMut`, or mixed with `handle_input`) gives exactly the events,
//! replies and transport close that `handle_input` gives, for both roles, with control frames,
//! fragments, bad UTF-8 and protocol errors in the stream.
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

/// How each chunk is handed over.
#[derive(Clone, Copy, Debug)]
enum Feed {
    /// A fresh `BytesMut` per chunk.
    Separate,
    /// `split()` off one buffer the chunks are read into, so held pieces are contiguous.
    Contiguous,
    /// Alternately owned and borrowed.
    Mixed,
}

fn run(role: Role, stream: &[u8], cuts: &[usize], feed: Option<Feed>) -> Vec<Output> {
    let now = t0();
    let mut conn = connection(role);
    let mut out = Vec::new();
    let mut start = 0;
    let mut read_buf = BytesMut::with_capacity(stream.len() / 2);
    for (i, &cut) in cuts
        .iter()
        .chain(std::iter::once(&stream.len()))
        .enumerate()
    {
        let cut = cut.clamp(start, stream.len());
        let chunk = &stream[start..cut];
        match feed {
            None => conn.handle_input(now, chunk),
            Some(Feed::Separate) => conn.handle_input_buf(now, BytesMut::from(chunk)),
            Some(Feed::Contiguous) => {
                read_buf.extend_from_slice(chunk);
                conn.handle_input_buf(now, read_buf.split());
            }
            Some(Feed::Mixed) if i % 2 == 0 => conn.handle_input_buf(now, BytesMut::from(chunk)),
            Some(Feed::Mixed) => conn.handle_input(now, chunk),
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
        let whole = normalise(run(role, &stream, &[], None));
        for cut in cuts.iter_mut() {
            *cut %= stream.len() + 1;
        }
        cuts.sort_unstable();
        for feed in [Feed::Separate, Feed::Contiguous, Feed::Mixed] {
            prop_assert_eq!(&normalise(run(role, &stream, &[], Some(feed))), &whole, "{:?} whole", feed);
            prop_assert_eq!(&normalise(run(role, &stream, &cuts, Some(feed))), &whole, "{:?} cut", feed);
        }
        // Same outputs chunk by chunk too, not only in total: nothing held back is observable
        // except a cut binary message, which has no output of its own until it is whole.
        let borrowed = events(&run(role, &stream, &cuts, None));
        let owned = events(&run(role, &stream, &cuts, Some(Feed::Contiguous)));
        prop_assert_eq!(owned, borrowed);
    }
}

#[test]
fn a_binary_message_cut_across_reads_arrives_whole_and_unmasked() {
    let payload: Vec<u8> = (0..70_000u32).map(|i| (i * 31) as u8).collect();
    let stream = masked(0x82, &payload, [9, 8, 7, 6]);
    let now = t0();
    let mut s = server(now);
    let mut read_buf = BytesMut::with_capacity(stream.len());
    for chunk in stream.chunks(4096) {
        read_buf.extend_from_slice(chunk);
        s.handle_input_buf(now, read_buf.split());
    }
    let got = events(&drain(&mut s));
    assert_eq!(got, vec![sca_ws::ws::Event::Binary(payload.into())]);
}
