//! Property: the same byte stream fed whole, one byte at a time, or split at random points
//! gives the same events and the same replies, including UTF-8 cut inside code points and
//! streams that fail part-way.
mod common;
use common::*;
use proptest::prelude::*;
use sca_ws::ws::Output;

/// One frame of a generated stream: (first byte, payload).
fn frame() -> impl Strategy<Value = (u8, Vec<u8>)> {
    let text = "[a-zé€𝄞 ]{0,40}".prop_map(|s| s.into_bytes());
    let junk = proptest::collection::vec(any::<u8>(), 0..40);
    prop_oneof![
        text.clone().prop_map(|p| (0x81, p)),
        text.clone().prop_map(|p| (0x01, p)),
        text.prop_map(|p| (0x80, p)),
        junk.clone().prop_map(|p| (0x82, p)),
        junk.clone().prop_map(|p| (0x00, p)),
        proptest::collection::vec(any::<u8>(), 0..20).prop_map(|p| (0x89, p)),
        junk.prop_map(|p| (0x81, p)),
        Just((0x88, vec![0x03, 0xE8])),
    ]
}

fn run(stream: &[u8], cuts: &[usize]) -> Vec<Output> {
    let now = t0();
    let mut s = server(now);
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&stream.len())) {
        let cut = cut.clamp(start, stream.len());
        s.handle_input(now, &stream[start..cut]);
        out.extend(drain(&mut s));
        start = cut;
    }
    out
}

proptest! {
    #[test]
    fn whole_bytewise_and_random_splits_agree(
        frames in proptest::collection::vec(frame(), 1..12),
        key in any::<[u8; 4]>(),
        mut cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let stream: Vec<u8> = frames.iter().flat_map(|(b, p)| masked(*b, p, key)).collect();
        let whole = normalise(run(&stream, &[]));
        let every_byte: Vec<usize> = (1..stream.len()).collect();
        prop_assert_eq!(&normalise(run(&stream, &every_byte)), &whole);
        for cut in cuts.iter_mut() {
            *cut %= stream.len() + 1;
        }
        cuts.sort_unstable();
        prop_assert_eq!(&normalise(run(&stream, &cuts)), &whole);
    }
}
