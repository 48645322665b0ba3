//! Masking (RFC 6455 §5.3): XOR with a 4-byte key, many bytes per step.
//!
//! This is the crate's one module with `unsafe` code: a single `set_len` after a fused
//! copy-and-mask loop has written every byte it exposes. Fusing the copy with the XOR writes
//! each byte once instead of twice (`benches/frame.rs`; see docs/performance.md for the
//! figures), which safe `BytesMut` calls cannot express. `cargo +nightly miri test` runs this
//! module's tests in CI.

use std::mem::MaybeUninit;

use bytes::BytesMut;

/// Bytes handled per step: one 128-bit vector register, the widest every x86-64 has.
const BLOCK: usize = 16;

/// The key repeated to fill a block, starting `phase` bytes into the key.
#[inline]
fn key_block(key: [u8; 4], phase: usize) -> [u8; BLOCK] {
    let mut block = [0u8; BLOCK];
    for (i, byte) in block.iter_mut().enumerate() {
        *byte = key[(i + phase) & 3];
    }
    block
}

/// XORs `buf` with `key` in place (RFC 6455 §5.3); `phase` is the payload offset of
/// `buf[0]`, so a payload can be (un)masked in pieces as it arrives. Masking twice with the
/// same key and phase restores the input.
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], phase: usize) {
    let pattern = key_block(key, phase);
    let mut blocks = buf.chunks_exact_mut(BLOCK);
    for block in &mut blocks {
        for (byte, k) in block.iter_mut().zip(&pattern) {
            *byte ^= k;
        }
    }
    // The tail starts at a multiple of 16, where the pattern starts again.
    for (byte, k) in blocks.into_remainder().iter_mut().zip(&pattern) {
        *byte ^= k;
    }
}

/// Writes `src` XOR the key into `out`, which is exactly as long as `src`: every element of
/// `out` is written (the caller's safety argument rests on this).
#[inline]
fn mask_into(out: &mut [MaybeUninit<u8>], src: &[u8], pattern: &[u8; BLOCK]) {
    let mut out_blocks = out.chunks_exact_mut(BLOCK);
    let mut src_blocks = src.chunks_exact(BLOCK);
    for (out_block, src_block) in (&mut out_blocks).zip(&mut src_blocks) {
        for (slot, (byte, k)) in out_block.iter_mut().zip(src_block.iter().zip(pattern)) {
            slot.write(byte ^ k);
        }
    }
    let tail = out_blocks.into_remainder().iter_mut();
    for (slot, (byte, k)) in tail.zip(src_blocks.remainder().iter().zip(pattern)) {
        slot.write(byte ^ k);
    }
}

/// Appends `src` XOR `key` to `dst` (masking on send, unmasking on receive), reading each
/// input byte and writing each output byte once.
#[inline]
#[allow(unsafe_code)]
pub(crate) fn extend_masked(dst: &mut BytesMut, src: &[u8], key: [u8; 4], phase: usize) {
    dst.reserve(src.len());
    let start = dst.len();
    let Some(spare) = dst.spare_capacity_mut().get_mut(..src.len()) else {
        return; // cannot happen: `reserve` just made room for `src.len()` bytes
    };
    mask_into(spare, src, &key_block(key, phase));
    // SAFETY: `spare` is the first `src.len()` bytes of spare capacity past `start`, and
    // `mask_into` wrote every one of them (its two slices have the same length, and the
    // block loop plus the tail loop cover it all), so `start + src.len()` bytes are
    // initialised and within capacity.
    unsafe { dst.set_len(start + src.len()) };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytewise(buf: &[u8], key: [u8; 4], phase: usize) -> Vec<u8> {
        buf.iter()
            .enumerate()
            .map(|(i, b)| b ^ key[(i + phase) % 4])
            .collect()
    }

    #[test]
    fn matches_the_bytewise_definition_at_every_length_and_phase() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let data: Vec<u8> = (0..200u32).map(|i| (i * 7) as u8).collect();
        for len in [0, 1, 3, 4, 31, 32, 33, 64, 100, 200] {
            for phase in 0..4 {
                let mut buf = data[..len].to_vec();
                apply_mask(&mut buf, key, phase);
                assert_eq!(buf, bytewise(&data[..len], key, phase));
                let mut out = BytesMut::from(&b"xy"[..]);
                extend_masked(&mut out, &data[..len], key, phase);
                assert_eq!(&out[2..], &bytewise(&data[..len], key, phase)[..]);
            }
        }
    }

    #[test]
    fn masking_in_pieces_equals_masking_whole() {
        let key = [1, 2, 3, 4];
        let data: Vec<u8> = (0..20_000u32).map(|i| i as u8).collect();
        let mut out = BytesMut::new();
        extend_masked(&mut out, &data[..5], key, 0);
        extend_masked(&mut out, &data[5..9_000], key, 5);
        extend_masked(&mut out, &data[9_000..], key, 9_000);
        assert_eq!(&out[..], &bytewise(&data, key, 0)[..]);
    }
}
