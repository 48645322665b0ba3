//! Masking (RFC 6455 §5.3): XOR with a 4-byte key, many bytes per step.
//!
//! One of the crate's three modules with `unsafe` code (with `ws/utf8_bytes.rs` and
//! `ws/utf8_simd.rs`): a single `set_len` after a fused copy-and-mask loop has written
//! every byte it exposes. Fusing the copy with the XOR writes each byte once instead of
//! twice (`benches/frame.rs`; see docs/performance.md for the figures), which safe
//! `BytesMut` calls cannot express. `cargo +nightly miri test` runs this
//! module's tests in CI.

use std::mem::MaybeUninit;

use bytes::BytesMut;

/// Bytes handled per step of the main loop: four 128-bit vector registers, or two 256-bit
/// ones where the CPU has AVX2.
const WIDE: usize = 64;
/// Bytes per step of the loop after it: one 128-bit register, the widest every x86-64 has.
const NARROW: usize = 16;
/// From this length on the wide loop runs (and, on x86-64 with AVX2, its AVX2 build):
/// below it, building the wider pattern and the check cost more than they save.
const WIDE_FROM: usize = 256;

/// The key repeated to fill `N` bytes (a multiple of 4), starting `phase` bytes into the key.
#[inline(always)]
fn key_block<const N: usize>(key: [u8; 4], phase: usize) -> [u8; N] {
    // Rotating the key as one word and repeating it compiles to a broadcast, where indexing
    // the key per byte took a load per byte.
    let shift = (phase & 3) as u32 * 8;
    let rotated = u32::from_le_bytes(key).rotate_right(shift).to_le_bytes();
    let mut block = [0u8; N];
    for word in block.chunks_exact_mut(4) {
        word.copy_from_slice(&rotated);
    }
    block
}

/// XORs `buf` with `key` in place (RFC 6455 §5.3); `phase` is the payload offset of
/// `buf[0]`, so a payload can be (un)masked in pieces as it arrives. Masking twice with the
/// same key and phase restores the input.
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], phase: usize) {
    #[cfg(target_arch = "x86_64")]
    if buf.len() >= WIDE_FROM {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU running this has AVX-512F, checked just above (the function's
            // only requirement).
            #[allow(unsafe_code)]
            unsafe {
                apply_mask_avx512(buf, key, phase)
            };
            return;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU running this has AVX2, checked just above (the function's
            // only requirement).
            #[allow(unsafe_code)]
            unsafe {
                apply_mask_avx2(buf, key, phase)
            };
            return;
        }
    }
    mask_in_place(buf, key, phase);
}

/// [`mask_in_place`] compiled for AVX-512F: each 64-byte step is one register.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn apply_mask_avx512(buf: &mut [u8], key: [u8; 4], phase: usize) {
    mask_in_place(buf, key, phase);
}

/// [`mask_in_place`] compiled for AVX2, chosen at run time so the build stays generic.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn apply_mask_avx2(buf: &mut [u8], key: [u8; 4], phase: usize) {
    mask_in_place(buf, key, phase);
}

/// The masking loop: 64-byte steps for long inputs, 16-byte steps (and a byte tail) for the
/// rest and for short inputs, which keep the single-register loop (and its 16-byte key
/// pattern) that costs least for them.
#[inline(always)]
fn mask_in_place(buf: &mut [u8], key: [u8; 4], phase: usize) {
    if buf.len() < WIDE_FROM {
        mask_narrow(buf, key, phase);
        return;
    }
    // The wide loop starts on a cache line: a payload just after a frame header sits a few
    // bytes off one, and then every other 32-byte store straddles two lines (16 KiB unmasked
    // in the L1 cache at 43 GB/s 8 bytes off a line, 62 GB/s on it).
    let head_len = buf.as_ptr().align_offset(WIDE).min(buf.len());
    let (head, body) = buf.split_at_mut(head_len);
    mask_narrow(head, key, phase);
    let phase = phase + head_len;
    let pattern = key_block::<WIDE>(key, phase);
    let mut wide = body.chunks_exact_mut(WIDE);
    for block in &mut wide {
        for (byte, k) in block.iter_mut().zip(&pattern) {
            *byte ^= k;
        }
    }
    // The rest starts at a multiple of 64 bytes from `body`, where the pattern starts again.
    mask_narrow(wide.into_remainder(), key, phase);
}

/// 16-byte steps, then a byte tail.
#[inline(always)]
fn mask_narrow(buf: &mut [u8], key: [u8; 4], phase: usize) {
    let pattern = key_block::<NARROW>(key, phase);
    let mut narrow = buf.chunks_exact_mut(NARROW);
    for block in &mut narrow {
        for (byte, k) in block.iter_mut().zip(&pattern) {
            *byte ^= k;
        }
    }
    for (byte, k) in narrow.into_remainder().iter_mut().zip(&pattern) {
        *byte ^= k;
    }
}

/// Writes `src` XOR the key into `out`, which is exactly as long as `src`: every element of
/// `out` is written (the caller's safety argument rests on this).
#[inline(always)]
fn mask_into(out: &mut [MaybeUninit<u8>], src: &[u8], key: [u8; 4], phase: usize) {
    // The wide loop's stores start on a cache line, as in `mask_in_place`.
    let head_len = out
        .as_ptr()
        .align_offset(WIDE)
        .min(out.len())
        .min(src.len());
    let (out_head, out) = out.split_at_mut(head_len);
    let (src_head, src) = src.split_at(head_len);
    mask_into_narrow(out_head, src_head, &key_block::<NARROW>(key, phase));
    let phase = phase + head_len;
    let pattern = key_block::<WIDE>(key, phase);
    let mut out_wide = out.chunks_exact_mut(WIDE);
    let mut src_wide = src.chunks_exact(WIDE);
    for (out_block, src_block) in (&mut out_wide).zip(&mut src_wide) {
        for (slot, (byte, k)) in out_block.iter_mut().zip(src_block.iter().zip(&pattern)) {
            slot.write(byte ^ k);
        }
    }
    // The rest starts at a multiple of 64 bytes, where the pattern starts again.
    let narrow = key_block::<NARROW>(key, phase);
    mask_into_narrow(out_wide.into_remainder(), src_wide.remainder(), &narrow);
}

/// [`mask_into`] for short inputs: one register per step, then a byte tail. Kept apart so
/// short messages run exactly this loop (inlined with the wide one, they measured slower).
#[inline]
fn mask_into_narrow(out: &mut [MaybeUninit<u8>], src: &[u8], pattern: &[u8; NARROW]) {
    let mut out_narrow = out.chunks_exact_mut(NARROW);
    let mut src_narrow = src.chunks_exact(NARROW);
    for (out_block, src_block) in (&mut out_narrow).zip(&mut src_narrow) {
        for (slot, (byte, k)) in out_block.iter_mut().zip(src_block.iter().zip(pattern)) {
            slot.write(byte ^ k);
        }
    }
    let tail = out_narrow.into_remainder().iter_mut();
    for (slot, (byte, k)) in tail.zip(src_narrow.remainder().iter().zip(pattern)) {
        slot.write(byte ^ k);
    }
}

/// [`mask_into`] compiled for AVX2, chosen at run time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn mask_into_avx2(out: &mut [MaybeUninit<u8>], src: &[u8], key: [u8; 4], phase: usize) {
    mask_into(out, src, key, phase);
}

/// [`mask_into`] compiled for AVX-512F, chosen at run time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn mask_into_avx512(out: &mut [MaybeUninit<u8>], src: &[u8], key: [u8; 4], phase: usize) {
    mask_into(out, src, key, phase);
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
    if src.len() < WIDE_FROM {
        mask_into_narrow(spare, src, &key_block::<NARROW>(key, phase));
    } else {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU running this has AVX-512F, checked just above (the function's
            // only requirement).
            unsafe { mask_into_avx512(spare, src, key, phase) };
        } else if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU running this has AVX2, checked just above (the function's
            // only requirement).
            unsafe { mask_into_avx2(spare, src, key, phase) };
        } else {
            mask_into(spare, src, key, phase);
        }
        #[cfg(not(target_arch = "x86_64"))]
        mask_into(spare, src, key, phase);
    }
    // SAFETY: `spare` is the first `src.len()` bytes of spare capacity past `start`, and
    // `mask_into` (either build of it) or `mask_into_narrow` wrote every one of them (the
    // slices have the same length; the head, wide, narrow and tail loops cover it all), so
    // `start + src.len()` bytes are initialised and within capacity.
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
        let data: Vec<u8> = (0..1100u32).map(|i| (i * 7) as u8).collect();
        // Around each loop's step (16, 64) and the length where AVX2 takes over (256), so
        // every build of the loops and every tail is compared with the definition.
        for len in [
            0, 1, 3, 4, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 200, 255, 256, 257, 300, 1100,
        ] {
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

    /// The wide loops start on a cache line, after a head as long as the input's distance
    /// to one: every distance (0 to 63), with each phase, against the definition.
    #[test]
    fn matches_the_definition_wherever_the_input_starts_in_a_cache_line() {
        let key = [0x9c, 0x01, 0xe7, 0x55];
        let data: Vec<u8> = (0..700u32).map(|i| (i * 13 + 5) as u8).collect();
        let mut backing = vec![0u8; 64 + 700];
        // Miri (run on this module in CI) interprets every byte: a sample of the distances.
        let step = if cfg!(miri) { 9 } else { 1 };
        for start in (0..64).step_by(step) {
            for len in [255, 256, 257, 319, 320, 700 - 64] {
                for phase in 0..4 {
                    let buf = &mut backing[start..start + len];
                    buf.copy_from_slice(&data[..len]);
                    apply_mask(buf, key, phase);
                    assert_eq!(
                        buf,
                        &bytewise(&data[..len], key, phase)[..],
                        "{start} {len}"
                    );
                    let mut out = BytesMut::with_capacity(64 + len);
                    out.extend_from_slice(&data[..start]);
                    extend_masked(&mut out, &data[..len], key, phase);
                    let masked = &out[start..];
                    assert_eq!(
                        masked,
                        &bytewise(&data[..len], key, phase)[..],
                        "{start} {len}"
                    );
                }
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
