//! Whole-buffer UTF-8 validation with AVX-512 (F and BW only, so Skylake-X and Zen 4/5 run
//! it) or else AVX2, picked at run time, with simdutf8 as the fallback. The text rows of the
//! frame bench are bound by UTF-8 checking; simdutf8 has no AVX-512 path, and its AVX2 one
//! ran mixed text about a quarter slower than this file's.

/// Bytes per step of the check: one 512-bit register, or two 256-bit ones.
#[cfg(target_arch = "x86_64")]
const BLOCK: usize = 64;

/// Whether `bytes` is valid UTF-8 (same answer as `std::str::from_utf8(bytes).is_ok()`).
/// From 64 bytes on, uses AVX-512 when the running CPU has avx512f and avx512bw, else AVX2
/// when it has avx2 (checked with `is_x86_feature_detected!`, result cached by std);
/// otherwise `simdutf8::basic::from_utf8(bytes).is_ok()`.
#[inline]
#[allow(unsafe_code)]
pub(crate) fn is_utf8(bytes: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if bytes.len() >= BLOCK {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
        {
            // SAFETY: the CPU running this has AVX-512F and AVX-512BW, checked just above
            // (the function's only requirement).
            return unsafe { avx512::is_utf8(bytes) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU running this has AVX2, checked just above (the function's
            // only requirement).
            return unsafe { avx2::is_utf8(bytes) };
        }
    }
    simdutf8::basic::from_utf8(bytes).is_ok()
}

/// What the AVX-512 and AVX2 checks share: the algorithm of Keiser & Lemire ("Validating
/// UTF-8 In Less Than One Instruction Per Byte", 2021) as tables and constants. Every byte is
/// judged with the three before it: three nibble lookups flag the faults visible in a pair of
/// neighbouring bytes, and a comparison on the bytes two and three back says where a third or
/// fourth byte of a sequence is due.
#[cfg(target_arch = "x86_64")]
mod lookup {
    use std::arch::x86_64::{__m128i, _mm_setr_epi8};

    // One bit per kind of fault seen in a pair (previous byte, this byte). Each kind is a
    // product of three sets: of the previous byte's high nibble, of its low nibble and of
    // this byte's high nibble, so a pair is at fault where the three lookups share a bit.

    /// A lead byte (11xxxxxx) followed by something other than a continuation.
    const TOO_SHORT: u8 = 1 << 0;
    /// An ASCII byte followed by a continuation (10xxxxxx).
    const TOO_LONG: u8 = 1 << 1;
    /// E0 followed by 80..=9F: a code point below U+0800 in three bytes.
    const OVERLONG_3: u8 = 1 << 2;
    /// F4..=FF followed by 90..=BF: above U+10FFFF.
    const TOO_LARGE: u8 = 1 << 3;
    /// ED followed by A0..=BF: U+D800..=U+DFFF.
    const SURROGATE: u8 = 1 << 4;
    /// C0 or C1 followed by a continuation: a code point below U+0080 in two bytes.
    const OVERLONG_2: u8 = 1 << 5;
    /// F0 followed by 80..=8F (below U+10000 in four bytes), or F5..=FF followed by 80..=8F
    /// (above U+10FFFF): one bit, as both are a product with "this byte is 8x".
    const OVERLONG_4_OR_TOO_LARGE: u8 = 1 << 6;
    /// A continuation followed by a continuation: right only as a sequence's third or fourth
    /// byte, so this bit is flipped where one is due (the top bit, to match that mask).
    const TWO_CONTINUATIONS: u8 = 1 << 7;

    /// The faults every low nibble of the previous byte can take part in.
    const ANY_LOW: u8 = TOO_SHORT | TOO_LONG | TWO_CONTINUATIONS;

    /// Faults by the previous byte's high nibble.
    pub(super) const PREV_HIGH: [u8; 16] = [
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TWO_CONTINUATIONS,
        TWO_CONTINUATIONS,
        TWO_CONTINUATIONS,
        TWO_CONTINUATIONS,
        TOO_SHORT | OVERLONG_2,
        TOO_SHORT,
        TOO_SHORT | OVERLONG_3 | SURROGATE,
        TOO_SHORT | TOO_LARGE | OVERLONG_4_OR_TOO_LARGE,
    ];

    /// Faults by the previous byte's low nibble.
    pub(super) const PREV_LOW: [u8; 16] = [
        ANY_LOW | OVERLONG_2 | OVERLONG_3 | OVERLONG_4_OR_TOO_LARGE,
        ANY_LOW | OVERLONG_2,
        ANY_LOW,
        ANY_LOW,
        ANY_LOW | TOO_LARGE,
        ANY_LOW | TOO_LARGE | OVERLONG_4_OR_TOO_LARGE,
        ANY_LOW | TOO_LARGE | OVERLONG_4_OR_TOO_LARGE,
        ANY_LOW | TOO_LARGE | OVERLONG_4_OR_TOO_LARGE,
        ANY_LOW | TOO_LARGE | OVERLONG_4_OR_TOO_LARGE,
        ANY_LOW | TOO_LARGE | OVERLONG_4_OR_TOO_LARGE,
        ANY_LOW | TOO_LARGE | OVERLONG_4_OR_TOO_LARGE,
        ANY_LOW | TOO_LARGE | OVERLONG_4_OR_TOO_LARGE,
        ANY_LOW | TOO_LARGE | OVERLONG_4_OR_TOO_LARGE,
        ANY_LOW | TOO_LARGE | OVERLONG_4_OR_TOO_LARGE | SURROGATE,
        ANY_LOW | TOO_LARGE | OVERLONG_4_OR_TOO_LARGE,
        ANY_LOW | TOO_LARGE | OVERLONG_4_OR_TOO_LARGE,
    ];

    /// The faults every continuation can end.
    const ANY_CONTINUATION: u8 = TOO_LONG | TWO_CONTINUATIONS | OVERLONG_2;

    /// Faults by this byte's high nibble.
    pub(super) const THIS_HIGH: [u8; 16] = [
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        ANY_CONTINUATION | OVERLONG_3 | OVERLONG_4_OR_TOO_LARGE,
        ANY_CONTINUATION | OVERLONG_3 | TOO_LARGE,
        ANY_CONTINUATION | SURROGATE | TOO_LARGE,
        ANY_CONTINUATION | SURROGATE | TOO_LARGE,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
    ];

    /// A 16-entry table as one 128-bit lane, as `vpshufb` looks up per lane (SSE2, which
    /// every x86-64 CPU has; each check broadcasts it to its width).
    #[target_feature(enable = "sse2")]
    #[inline]
    pub(super) fn lane(t: [u8; 16]) -> __m128i {
        let [
            b0,
            b1,
            b2,
            b3,
            b4,
            b5,
            b6,
            b7,
            b8,
            b9,
            b10,
            b11,
            b12,
            b13,
            b14,
            b15,
        ] = t.map(u8::cast_signed);
        _mm_setr_epi8(
            b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15,
        )
    }

    /// A byte as the `i8` the `set1` intrinsics take.
    const fn splat(b: u8) -> i8 {
        b.cast_signed()
    }

    /// Subtracted with saturation from a byte, leaves the top bit set where it leads three or
    /// four bytes (E0..=FF).
    pub(super) const THIRD_FROM: i8 = splat(0xE0 - 0x80);
    /// Likewise where it leads four (F0..=FF).
    pub(super) const FOURTH_FROM: i8 = splat(0xF0 - 0x80);
    /// The top bit of a byte: set in non-ASCII bytes, and the bit of the "third or fourth
    /// byte due" flags (that of `TWO_CONTINUATIONS`).
    pub(super) const TOP_BIT: i8 = splat(TWO_CONTINUATIONS);

    /// The last 8 bytes of the largest bytes that end a block complete: anything but for the
    /// last three, then below F0, below E0 and below C0 (every byte before them: FF).
    pub(super) const COMPLETE_MAX_END: i64 =
        i64::from_le_bytes([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0xDF, 0xBF]);

    /// Blocks between two looks at the faults found so far, so a long invalid input stops
    /// early (1 KiB; looking after every pair, in the same loop, cost up to a fifth on
    /// ASCII).
    pub(super) const BLOCKS_PER_LOOK: usize = 16;
}

/// The check with AVX-512: one 64-byte block per register.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512i, _mm512_alignr_epi8, _mm512_alignr_epi64, _mm512_and_si512, _mm512_broadcast_i32x4,
        _mm512_loadu_si512, _mm512_maskz_mov_epi8, _mm512_movepi8_mask, _mm512_or_si512,
        _mm512_set_epi64, _mm512_set1_epi8, _mm512_setzero_si512, _mm512_shuffle_epi8,
        _mm512_srli_epi16, _mm512_subs_epu8, _mm512_ternarylogic_epi64, _mm512_test_epi8_mask,
        _mm512_xor_si512,
    };

    use super::BLOCK;
    use super::lookup::{
        BLOCKS_PER_LOOK, COMPLETE_MAX_END, FOURTH_FROM, PREV_HIGH, PREV_LOW, THIRD_FROM, THIS_HIGH,
        TOP_BIT, lane,
    };

    /// A 16-entry table in each 128-bit lane, as `vpshufb` looks up per lane.
    #[target_feature(enable = "avx512f,avx512bw")]
    fn table(t: [u8; 16]) -> __m512i {
        _mm512_broadcast_i32x4(lane(t))
    }

    /// What the check carries from one block to the next, and the constants it uses (built
    /// once per call; they stay in registers).
    struct Validator {
        /// The previous block (zeros, which are ASCII, before the first).
        prev: __m512i,
        /// The faults found so far, OR-ed together.
        error: __m512i,
        prev_high: __m512i,
        prev_low: __m512i,
        this_high: __m512i,
        low_nibble: __m512i,
        third_from: __m512i,
        fourth_from: __m512i,
        top_bit: __m512i,
        /// The largest byte that ends a block complete at each position: anything for all
        /// but the last three, then below F0, below E0 and below C0.
        complete_max: __m512i,
    }

    impl Validator {
        /// A check at the start of the input.
        #[target_feature(enable = "avx512f,avx512bw")]
        fn new() -> Self {
            Self {
                prev: _mm512_setzero_si512(),
                error: _mm512_setzero_si512(),
                prev_high: table(PREV_HIGH),
                prev_low: table(PREV_LOW),
                this_high: table(THIS_HIGH),
                low_nibble: _mm512_set1_epi8(0x0F),
                third_from: _mm512_set1_epi8(THIRD_FROM),
                fourth_from: _mm512_set1_epi8(FOURTH_FROM),
                top_bit: _mm512_set1_epi8(TOP_BIT),
                // Bytes 61, 62 and 63 are the top three of the last 64-bit element.
                complete_max: _mm512_set_epi64(COMPLETE_MAX_END, -1, -1, -1, -1, -1, -1, -1),
            }
        }

        /// The faults of `input`, the block after `before`, as two vectors whose XOR is
        /// non-zero where a byte does not fit the three before it: where a third or fourth
        /// byte is due (top bit), and the faults seen in each pair of neighbouring bytes.
        /// Only the last three bytes of `before` count.
        #[target_feature(enable = "avx512f,avx512bw")]
        #[inline]
        fn faults(&self, input: __m512i, before: __m512i) -> (__m512i, __m512i) {
            // `vpalignr` shifts within 128-bit lanes only, so first line up each lane with
            // the one before it: the last lane of `before`, then this block's first three.
            let lanes_before = _mm512_alignr_epi64::<6>(input, before);
            let prev1 = _mm512_alignr_epi8::<15>(input, lanes_before);
            let prev2 = _mm512_alignr_epi8::<14>(input, lanes_before);
            let prev3 = _mm512_alignr_epi8::<13>(input, lanes_before);

            let prev1_high = _mm512_and_si512(_mm512_srli_epi16::<4>(prev1), self.low_nibble);
            let prev1_low = _mm512_and_si512(prev1, self.low_nibble);
            let this_high = _mm512_and_si512(_mm512_srli_epi16::<4>(input), self.low_nibble);
            // 0x80: a AND b AND c.
            let pair_faults = _mm512_ternarylogic_epi64::<0x80>(
                _mm512_shuffle_epi8(self.prev_high, prev1_high),
                _mm512_shuffle_epi8(self.prev_low, prev1_low),
                _mm512_shuffle_epi8(self.this_high, this_high),
            );

            let third = _mm512_subs_epu8(prev2, self.third_from);
            let fourth = _mm512_subs_epu8(prev3, self.fourth_from);
            // 0xA8: (a OR b) AND c, so only the top bit of each flag counts.
            let due = _mm512_ternarylogic_epi64::<0xA8>(third, fourth, self.top_bit);
            // A continuation pair is a fault where no third or fourth byte is due, and a
            // due byte is one where there is no continuation pair: the XOR of the two.
            (due, pair_faults)
        }

        /// Non-zero where the previous block ends in a sequence cut short: its last byte a
        /// lead, its last two a lead of three or four bytes, or its last three one of four.
        #[target_feature(enable = "avx512f,avx512bw")]
        #[inline]
        fn prev_incomplete(&self) -> __m512i {
            _mm512_subs_epu8(self.prev, self.complete_max)
        }

        /// Takes `input`, known to be all ASCII: nothing in it can be at fault, but a
        /// sequence the previous block left open should have continued in it.
        #[target_feature(enable = "avx512f,avx512bw")]
        #[inline]
        fn ascii(&mut self, input: __m512i) {
            self.error = _mm512_or_si512(self.error, self.prev_incomplete());
            self.prev = input;
        }

        /// Checks the next 64 bytes in full (whether or not they are ASCII).
        #[target_feature(enable = "avx512f,avx512bw")]
        #[inline]
        fn full(&mut self, input: __m512i) {
            let (due, pair_faults) = self.faults(input, self.prev);
            // 0xF6: a OR (b XOR c).
            self.error = _mm512_ternarylogic_epi64::<0xF6>(self.error, due, pair_faults);
            self.prev = input;
        }

        /// Checks the next 64 bytes, skipping the lookups if they are ASCII.
        #[target_feature(enable = "avx512f,avx512bw")]
        #[inline]
        fn step(&mut self, input: __m512i) {
            if _mm512_movepi8_mask(input) == 0 {
                self.ascii(input);
            } else {
                self.full(input);
            }
        }

        /// Checks the last 64 bytes of the input, `last`, whose first `new_from` (1 to 63)
        /// are the end of the previous block, already checked: their faults are dropped.
        /// Reading those bytes again costs a block's work; copying the tail out to a
        /// zero-padded buffer instead took a 125-byte input from 4 ns to 15 ns.
        #[target_feature(enable = "avx512f,avx512bw")]
        #[inline]
        fn last(&mut self, last: __m512i, new_from: usize) {
            // Each new byte is judged with the three before it. From `new_from` 3 on, those
            // are all inside `last`; at 1 or 2, the first new bytes also need one or two of
            // the three bytes before `last`, which sit `new_from` bytes short of the
            // previous block's end: shifted to its end here (within its top lane, the only
            // part `faults` reads). From 3 on, `before` only touches the faults of old
            // bytes, which are dropped.
            let before = match new_from {
                1 => _mm512_alignr_epi8::<15>(self.prev, self.prev),
                2 => _mm512_alignr_epi8::<14>(self.prev, self.prev),
                _ => self.prev,
            };
            let new = u64::MAX.checked_shl(new_from as u32).unwrap_or(0);
            let (due, pair_faults) = self.faults(last, before);
            let faults = _mm512_maskz_mov_epi8(new, _mm512_xor_si512(due, pair_faults));
            self.error = _mm512_or_si512(self.error, faults);
            self.prev = last;
        }

        /// Whether any fault was found so far.
        #[target_feature(enable = "avx512f,avx512bw")]
        #[inline]
        fn has_fault(&self) -> bool {
            _mm512_test_epi8_mask(self.error, self.error) != 0
        }

        /// Whether everything checked is valid and ends complete.
        #[target_feature(enable = "avx512f,avx512bw")]
        fn is_valid(&self) -> bool {
            let all = _mm512_or_si512(self.error, self.prev_incomplete());
            _mm512_test_epi8_mask(all, all) == 0
        }
    }

    /// One block into a register.
    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    #[allow(unsafe_code)]
    fn load(block: &[u8; BLOCK]) -> __m512i {
        // SAFETY: `block` is 64 readable bytes, exactly what the load reads; `loadu` has no
        // alignment requirement.
        unsafe { _mm512_loadu_si512(block.as_ptr().cast()) }
    }

    /// Checks whole blocks. Two per ASCII test: on dense text that test is mostly wasted,
    /// on mostly ASCII text it skips the lookups; one or four blocks per test did worse on
    /// one or the other.
    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    fn check_blocks(check: &mut Validator, blocks: &[[u8; BLOCK]]) {
        let (pairs, odd) = blocks.as_chunks::<2>();
        for [a, b] in pairs {
            let (a, b) = (load(a), load(b));
            if _mm512_test_epi8_mask(_mm512_or_si512(a, b), check.top_bit) == 0 {
                check.ascii(b);
            } else {
                check.full(a);
                check.full(b);
            }
        }
        for block in odd {
            check.step(load(block));
        }
    }

    /// [`super::is_utf8`] for CPUs with AVX-512F and AVX-512BW, at any length.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) fn is_utf8(bytes: &[u8]) -> bool {
        let mut check = Validator::new();
        let (blocks, rest) = bytes.as_chunks::<BLOCK>();
        let (stretches, blocks) = blocks.as_chunks::<BLOCKS_PER_LOOK>();
        for stretch in stretches {
            check_blocks(&mut check, stretch);
            if check.has_fault() {
                return false;
            }
        }
        check_blocks(&mut check, blocks);
        if !rest.is_empty() {
            if let Some(last) = bytes.last_chunk::<BLOCK>() {
                check.last(load(last), BLOCK - rest.len());
            } else {
                // Shorter than a block: zeros after it, which are ASCII, end nothing and
                // leave a cut sequence cut.
                let mut padded = [0u8; BLOCK];
                if let Some(head) = padded.get_mut(..rest.len()) {
                    head.copy_from_slice(rest);
                }
                check.step(load(&padded));
            }
        }
        check.is_valid()
    }
}

/// The check with AVX2, for CPUs without AVX-512 (the AVX2-only EPYCs): each 64-byte block
/// as two 256-bit halves, so the loop and the tail are the AVX-512 one's. Past the first
/// block, the bytes one, two and three back are loaded from memory rather than shifted in:
/// that saves four shuffles of the seven per register, the port the shifted build was bound
/// by (a third faster on text).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_alignr_epi8, _mm256_and_si256, _mm256_broadcastsi128_si256,
        _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256, _mm256_permute2x128_si256,
        _mm256_set_epi64x, _mm256_set1_epi8, _mm256_setzero_si256, _mm256_shuffle_epi8,
        _mm256_srli_epi16, _mm256_subs_epu8, _mm256_testz_si256, _mm256_xor_si256,
    };

    use super::BLOCK;
    use super::lookup::{
        BLOCKS_PER_LOOK, COMPLETE_MAX_END, FOURTH_FROM, PREV_HIGH, PREV_LOW, THIRD_FROM, THIS_HIGH,
        TOP_BIT, lane,
    };

    /// Bytes per register: half a block.
    const HALF: usize = BLOCK / 2;

    /// A 16-entry table in each 128-bit lane, as `vpshufb` looks up per lane.
    #[target_feature(enable = "avx2")]
    fn table(t: [u8; 16]) -> __m256i {
        _mm256_broadcastsi128_si256(lane(t))
    }

    /// A block as its two halves, bytes 0..32 and 32..64.
    #[derive(Clone, Copy)]
    struct Block {
        low: __m256i,
        high: __m256i,
    }

    /// 64 times 0x00, then 64 times 0xFF: the 64 bytes from `64 - n` on are a mask that
    /// drops a block's first `n` bytes and keeps the rest.
    static KEEP: [u8; 2 * BLOCK] = {
        let mut keep = [0u8; 2 * BLOCK];
        let mut i = BLOCK;
        while i < 2 * BLOCK {
            keep[i] = 0xFF;
            i += 1;
        }
        keep
    };

    /// What the check carries from one block to the next, and the constants it uses (built
    /// once per call; they stay in registers).
    struct Validator {
        /// The previous block's high half, the only part of it the next block looks at
        /// (zeros before the first block and after ASCII: any ASCII byte is as good as
        /// another there).
        prev: __m256i,
        /// The faults found so far, OR-ed together.
        error: __m256i,
        prev_high: __m256i,
        prev_low: __m256i,
        this_high: __m256i,
        low_nibble: __m256i,
        third_from: __m256i,
        fourth_from: __m256i,
        top_bit: __m256i,
        /// The largest byte that ends a block complete at each position of its high half.
        complete_max: __m256i,
    }

    impl Validator {
        /// A check at the start of the input.
        #[target_feature(enable = "avx2")]
        fn new() -> Self {
            Self {
                prev: _mm256_setzero_si256(),
                error: _mm256_setzero_si256(),
                prev_high: table(PREV_HIGH),
                prev_low: table(PREV_LOW),
                this_high: table(THIS_HIGH),
                low_nibble: _mm256_set1_epi8(0x0F),
                third_from: _mm256_set1_epi8(THIRD_FROM),
                fourth_from: _mm256_set1_epi8(FOURTH_FROM),
                top_bit: _mm256_set1_epi8(TOP_BIT),
                complete_max: _mm256_set_epi64x(COMPLETE_MAX_END, -1, -1, -1),
            }
        }

        /// The faults of `input`, the 32 bytes after `before`: non-zero where a byte does not
        /// fit the three before it. Only the last three bytes of `before` count.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn faults(&self, input: __m256i, before: __m256i) -> __m256i {
            // `vpalignr` shifts within 128-bit lanes only, so first line up each lane with
            // the one before it: the high lane of `before`, then the low lane of `input`.
            let lanes_before = _mm256_permute2x128_si256::<0x21>(before, input);
            let prev1 = _mm256_alignr_epi8::<15>(input, lanes_before);
            let prev2 = _mm256_alignr_epi8::<14>(input, lanes_before);
            let prev3 = _mm256_alignr_epi8::<13>(input, lanes_before);
            self.faults_after(input, prev1, prev2, prev3)
        }

        /// The faults of `input` given the bytes one, two and three before each of its
        /// bytes.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn faults_after(
            &self,
            input: __m256i,
            prev1: __m256i,
            prev2: __m256i,
            prev3: __m256i,
        ) -> __m256i {
            let prev1_high = _mm256_and_si256(_mm256_srli_epi16::<4>(prev1), self.low_nibble);
            let prev1_low = _mm256_and_si256(prev1, self.low_nibble);
            let this_high = _mm256_and_si256(_mm256_srli_epi16::<4>(input), self.low_nibble);
            let pair_faults = _mm256_and_si256(
                _mm256_and_si256(
                    _mm256_shuffle_epi8(self.prev_high, prev1_high),
                    _mm256_shuffle_epi8(self.prev_low, prev1_low),
                ),
                _mm256_shuffle_epi8(self.this_high, this_high),
            );

            let third = _mm256_subs_epu8(prev2, self.third_from);
            let fourth = _mm256_subs_epu8(prev3, self.fourth_from);
            let due = _mm256_and_si256(_mm256_or_si256(third, fourth), self.top_bit);
            // A continuation pair is a fault where no third or fourth byte is due, and a
            // due byte is one where there is no continuation pair: the XOR of the two.
            _mm256_xor_si256(due, pair_faults)
        }

        /// Non-zero where the previous block ends in a sequence cut short: its last byte a
        /// lead, its last two a lead of three or four bytes, or its last three one of four.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn prev_incomplete(&self) -> __m256i {
            _mm256_subs_epu8(self.prev, self.complete_max)
        }

        /// Takes a block known to be all ASCII: nothing in it can be at fault, but a
        /// sequence the previous block left open should have continued in it.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn ascii(&mut self) {
            self.error = _mm256_or_si256(self.error, self.prev_incomplete());
            self.prev = _mm256_setzero_si256();
        }

        /// Checks the next 64 bytes in full (whether or not they are ASCII).
        #[target_feature(enable = "avx2")]
        #[inline]
        fn full(&mut self, input: Block) {
            let low = self.faults(input.low, self.prev);
            let high = self.faults(input.high, input.low);
            self.error = _mm256_or_si256(self.error, _mm256_or_si256(low, high));
            self.prev = input.high;
        }

        /// Checks in full the block at the end of `window`, `input`, with the three bytes
        /// before it loaded from `window` too.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn full_behind(&mut self, input: Block, window: &Window) {
            let (prev1, prev2, prev3) = (
                load_at::<2>(window),
                load_at::<1>(window),
                load_at::<0>(window),
            );
            let low = self.faults_after(input.low, prev1.low, prev2.low, prev3.low);
            let high = self.faults_after(input.high, prev1.high, prev2.high, prev3.high);
            self.error = _mm256_or_si256(self.error, _mm256_or_si256(low, high));
            self.prev = input.high;
        }

        /// Checks the last 64 bytes of the input, `last`, whose first `new_from` (1 to 63)
        /// are the end of the previous block, already checked: their faults are dropped.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn last(&mut self, last: Block, new_from: usize) {
            // As in the AVX-512 check: at `new_from` 1 or 2 the first new bytes also need
            // one or two of the bytes before `last`, `new_from` bytes short of the end of
            // the previous block, shifted to its end here (within its high lane, the only
            // part `faults` reads of `before`).
            let before = match new_from {
                1 => _mm256_alignr_epi8::<15>(self.prev, self.prev),
                2 => _mm256_alignr_epi8::<14>(self.prev, self.prev),
                _ => self.prev,
            };
            let keep = keep_from(new_from);
            let low = _mm256_and_si256(self.faults(last.low, before), keep.low);
            let high = _mm256_and_si256(self.faults(last.high, last.low), keep.high);
            self.error = _mm256_or_si256(self.error, _mm256_or_si256(low, high));
            self.prev = last.high;
        }

        /// Whether any fault was found so far.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn has_fault(&self) -> bool {
            _mm256_testz_si256(self.error, self.error) == 0
        }

        /// Whether everything checked is valid and ends complete.
        #[target_feature(enable = "avx2")]
        fn is_valid(&self) -> bool {
            let all = _mm256_or_si256(self.error, self.prev_incomplete());
            _mm256_testz_si256(all, all) != 0
        }
    }

    impl Block {
        /// Whether no byte has its top bit set.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn is_ascii(self) -> bool {
            _mm256_movemask_epi8(_mm256_or_si256(self.low, self.high)) == 0
        }
    }

    /// One block into two registers.
    #[target_feature(enable = "avx2")]
    #[inline]
    #[allow(unsafe_code)]
    fn load(block: &[u8; BLOCK]) -> Block {
        let at = block.as_ptr();
        // SAFETY: `block` is 64 readable bytes; the loads read bytes 0..32 and 32..64 of it
        // (`HALF` is 32); `loadu` has no alignment requirement.
        unsafe {
            Block {
                low: _mm256_loadu_si256(at.cast()),
                high: _mm256_loadu_si256(at.add(HALF).cast()),
            }
        }
    }

    /// A block and the three bytes before it.
    type Window = [u8; BEHIND + BLOCK];

    /// Bytes loaded from before a block.
    const BEHIND: usize = 3;

    /// Block `k` of `bytes` and the three bytes before it, if it is whole and not the first.
    #[inline]
    fn behind(bytes: &[u8], k: usize) -> Option<&Window> {
        bytes.get((k * BLOCK).checked_sub(BEHIND)?..)?.first_chunk()
    }

    /// The 64 bytes of `window` from `AT` (0 to 3) on into two registers.
    #[target_feature(enable = "avx2")]
    #[inline]
    #[allow(unsafe_code)]
    fn load_at<const AT: usize>(window: &Window) -> Block {
        const { assert!(AT <= BEHIND) };
        let at = window.as_ptr();
        // SAFETY: `window` is 67 readable bytes; the loads read bytes AT..AT + 32 and
        // AT + 32..AT + 64 of it, and AT is at most 3 (checked at compile time); `loadu` has
        // no alignment requirement.
        unsafe {
            Block {
                low: _mm256_loadu_si256(at.add(AT).cast()),
                high: _mm256_loadu_si256(at.add(AT + HALF).cast()),
            }
        }
    }

    /// The mask that keeps the faults of a block's bytes from `new_from` on (all of them
    /// at 0, none from 64), a window of [`KEEP`].
    #[target_feature(enable = "avx2")]
    #[inline]
    fn keep_from(new_from: usize) -> Block {
        let start = BLOCK.saturating_sub(new_from);
        match KEEP.get(start..).and_then(<[u8]>::first_chunk::<BLOCK>) {
            Some(window) => load(window),
            // Not taken (`start` is at most 64, `KEEP` 128 bytes long); keeping every fault
            // could only turn valid input down, never let invalid input through.
            None => Block {
                low: _mm256_set1_epi8(-1),
                high: _mm256_set1_epi8(-1),
            },
        }
    }

    /// Checks whole blocks, `blocks`, which start at block `from` (at least 1) of `bytes`.
    /// One per ASCII test, not two as with AVX-512: two blocks' four registers and the
    /// check's ten do not fit in AVX2's sixteen. After an ASCII block, the ones after it are
    /// only tested: an ASCII run needs nothing more.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn check_blocks(check: &mut Validator, bytes: &[u8], from: usize, blocks: &[[u8; BLOCK]]) {
        let mut i = 0;
        while let Some(block) = blocks.get(i) {
            let input = load(block);
            i += 1;
            if !input.is_ascii() {
                match behind(bytes, from + i - 1) {
                    Some(window) => check.full_behind(input, window),
                    // Not taken (`from` is at least 1, and `blocks` are whole blocks of
                    // `bytes`); a fault, so that it could only turn valid input down.
                    None => check.error = _mm256_set1_epi8(-1),
                }
                continue;
            }
            check.ascii();
            while blocks.get(i).is_some_and(|block| load(block).is_ascii()) {
                i += 1;
            }
        }
    }

    /// Checks the first block, which has nothing before it to load: its predecessors are
    /// shifted in (zeros).
    #[target_feature(enable = "avx2")]
    #[inline]
    fn check_first(check: &mut Validator, block: &[u8; BLOCK]) {
        let input = load(block);
        if input.is_ascii() {
            check.ascii();
        } else {
            check.full(input);
        }
    }

    /// [`super::is_utf8`] for CPUs with AVX2, at any length.
    #[target_feature(enable = "avx2")]
    pub(super) fn is_utf8(bytes: &[u8]) -> bool {
        let mut check = Validator::new();
        let (blocks, rest) = bytes.as_chunks::<BLOCK>();
        let Some((first, blocks)) = blocks.split_first() else {
            // Shorter than a block: zeros after it, which are ASCII, end nothing and leave a
            // cut sequence cut.
            let mut padded = [0u8; BLOCK];
            if let Some(head) = padded.get_mut(..rest.len()) {
                head.copy_from_slice(rest);
            }
            check_first(&mut check, &padded);
            return check.is_valid();
        };
        check_first(&mut check, first);
        let (stretches, blocks) = blocks.as_chunks::<BLOCKS_PER_LOOK>();
        let mut from = 1;
        for stretch in stretches {
            check_blocks(&mut check, bytes, from, stretch);
            if check.has_fault() {
                return false;
            }
            from += BLOCKS_PER_LOOK;
        }
        check_blocks(&mut check, bytes, from, blocks);
        if !rest.is_empty()
            && let Some(last) = bytes.last_chunk::<BLOCK>()
        {
            check.last(load(last), BLOCK - rest.len());
        }
        check.is_valid()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;

    /// Whether this CPU runs the AVX-512 check; with `SCA_WS_EXPECT_AVX512=1` it must.
    fn has_avx512() -> bool {
        static HAS: OnceLock<bool> = OnceLock::new();
        *HAS.get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            let has = std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw");
            #[cfg(not(target_arch = "x86_64"))]
            let has = false;
            if std::env::var("SCA_WS_EXPECT_AVX512").as_deref() == Ok("1") {
                assert!(
                    has,
                    "SCA_WS_EXPECT_AVX512=1 but this CPU lacks avx512f/avx512bw"
                );
            }
            has
        })
    }

    /// The AVX-512 check called directly (at any length, not only from 64 bytes), where the
    /// CPU has it.
    #[allow(unsafe_code)]
    fn direct(bytes: &[u8]) -> Option<bool> {
        #[cfg(target_arch = "x86_64")]
        if has_avx512() {
            // SAFETY: the CPU running this has AVX-512F and AVX-512BW (`has_avx512`).
            return Some(unsafe { avx512::is_utf8(bytes) });
        }
        let _ = bytes;
        None
    }

    /// Whether this CPU runs the AVX2 check (where it lacks AVX-512, or called directly).
    fn has_avx2() -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::arch::is_x86_feature_detected!("avx2");
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    /// The AVX2 check called directly (at any length), where the CPU has it.
    #[allow(unsafe_code)]
    fn direct_avx2(bytes: &[u8]) -> Option<bool> {
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: the CPU running this has AVX2 (`has_avx2`).
            return Some(unsafe { avx2::is_utf8(bytes) });
        }
        let _ = bytes;
        None
    }

    /// The dispatching function and the AVX-512 and AVX2 ones give std's answer on `bytes`.
    fn check(bytes: &[u8]) {
        let expected = std::str::from_utf8(bytes).is_ok();
        assert_eq!(is_utf8(bytes), expected, "is_utf8 on {bytes:02x?}");
        if let Some(got) = direct(bytes) {
            assert_eq!(got, expected, "AVX-512 check on {bytes:02x?}");
        }
        if let Some(got) = direct_avx2(bytes) {
            assert_eq!(got, expected, "AVX2 check on {bytes:02x?}");
        }
    }

    /// The ASCII filler the sequences under test are placed in: 130 bytes, so two blocks and
    /// a 2-byte tail.
    fn filler() -> Vec<u8> {
        (0..130u8).map(|i| b'a' + i % 26).collect()
    }

    /// Every offset a sequence is tried at: 0..=66, across the 128-bit lane boundaries (16,
    /// 32, 48) and the block boundary (64).
    const EVERY_OFFSET: std::ops::RangeInclusive<usize> = 0..=66;

    /// The offsets where a sequence of up to four bytes starts a block or crosses into the
    /// next lane or block, for the larger enumerations (each offset costs a pass in debug).
    const BOUNDARY_OFFSETS: [usize; 11] = [0, 13, 14, 15, 16, 47, 61, 62, 63, 64, 66];

    /// Input lengths a sequence is tried at the end of: no tail (64, 128), and tails of 1,
    /// 2, 3, 61, 62 and 63 bytes, the ones the last block handles differently.
    const EVERY_END: [usize; 9] = [64, 65, 66, 67, 125, 126, 127, 128, 130];

    /// The ends where the last block must look before itself, and a short tail.
    const SOME_ENDS: [usize; 3] = [126, 127, 130];

    /// Checks `seq` at each of `offsets` in the filler, then, for each of `ends`, at the
    /// very end of that many bytes of it and each of its proper prefixes there (cut).
    fn check_placed(
        buf: &mut [u8],
        seq: &[u8],
        offsets: impl IntoIterator<Item = usize>,
        ends: &[usize],
    ) {
        let fill = |buf: &mut [u8], range: std::ops::Range<usize>| {
            for i in range {
                buf[i] = b'a' + (i % 26) as u8;
            }
        };
        for offset in offsets {
            buf[offset..offset + seq.len()].copy_from_slice(seq);
            check(buf);
            fill(buf, offset..offset + seq.len());
        }
        for &len in ends {
            for cut in 1..=seq.len() {
                let window = &mut buf[..len];
                window[len - cut..].copy_from_slice(&seq[..cut]);
                check(window);
                fill(buf, len - cut..len);
            }
        }
    }

    /// Bytes tried after a lead: both ends of each range the lookups tell apart.
    const BOUNDARY: [u8; 10] = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF];

    /// [`BOUNDARY`] and a few between, for the second byte.
    const SECOND: [u8; 13] = [
        0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF, 0x41, 0xAA, 0xE0,
    ];

    /// First bytes of a pair tried at every offset (the rest at [`BOUNDARY_OFFSETS`]).
    const SPECIAL_FIRST: [u8; 14] = [
        0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
    ];

    #[test]
    fn every_one_byte_value_anywhere() {
        let mut buf = filler();
        for b in 0..=255u8 {
            check_placed(&mut buf, &[b], EVERY_OFFSET, &EVERY_END);
        }
    }

    /// All 2^16 pairs at the boundary offsets and the end; the pairs led by the bytes the
    /// lookups single out at every offset (all pairs at every offset took 11 s in debug).
    #[test]
    fn every_two_byte_value_anywhere() {
        let mut buf = filler();
        for first in 0..=255u8 {
            for second in 0..=255u8 {
                let seq = [first, second];
                if SPECIAL_FIRST.contains(&first) {
                    check_placed(&mut buf, &seq, EVERY_OFFSET, &EVERY_END);
                } else {
                    check_placed(&mut buf, &seq, BOUNDARY_OFFSETS, &EVERY_END);
                }
            }
        }
    }

    #[test]
    fn three_byte_values_from_every_lead() {
        let mut buf = filler();
        for first in 0xC0..=0xFFu8 {
            for second in SECOND {
                for third in SECOND {
                    check_placed(&mut buf, &[first, second, third], EVERY_OFFSET, &EVERY_END);
                }
            }
        }
    }

    /// Where a 4-byte sequence starts a block or crosses into the next lane or block.
    const FOUR_BYTE_OFFSETS: [usize; 8] = [0, 13, 14, 15, 61, 62, 63, 64];

    /// At a few offsets and ends only: every offset took 28 s in debug.
    #[test]
    fn four_byte_values_from_every_lead() {
        let mut buf = filler();
        for first in 0xC0..=0xFFu8 {
            for second in SECOND {
                for third in BOUNDARY {
                    for fourth in BOUNDARY {
                        let seq = [first, second, third, fourth];
                        check_placed(&mut buf, &seq, FOUR_BYTE_OFFSETS, &SOME_ENDS);
                    }
                }
            }
        }
    }

    /// Short sequences, valid and not, for the placements near the end and near pair
    /// boundaries: the smallest and largest character of each length, common ones, and
    /// each kind of fault (cut, stray continuation, overlong, surrogate, too large).
    const SEQUENCES: [&[u8]; 32] = [
        &[0xC2, 0x80],
        &[0xC3, 0x9F],
        &[0xDF, 0xBF],
        &[0xE0, 0xA0, 0x80],
        &[0xE2, 0x82, 0xAC],
        &[0xED, 0x9F, 0xBF],
        &[0xEE, 0x80, 0x80],
        &[0xEF, 0xBF, 0xBF],
        &[0xF0, 0x90, 0x80, 0x80],
        &[0xF0, 0x9F, 0x98, 0x80],
        &[0xF4, 0x8F, 0xBF, 0xBF],
        &[0x80],
        &[0xBF],
        &[0xFF],
        &[0xC2],
        &[0xE2, 0x82],
        &[0xF0, 0x9F, 0x98],
        &[0xC0, 0x80],
        &[0xC1, 0xBF],
        &[0xE0, 0x80, 0x80],
        &[0xE0, 0x9F, 0xBF],
        &[0xED, 0xA0, 0x80],
        &[0xED, 0xBF, 0xBF],
        &[0xF0, 0x80, 0x80, 0x80],
        &[0xF0, 0x8F, 0xBF, 0xBF],
        &[0xF4, 0x90, 0x80, 0x80],
        &[0xF5, 0x80, 0x80, 0x80],
        &[0xC3, 0x9F, 0x80],
        &[0xE2, 0x82, 0xAC, 0x80],
        &[0xF0, 0x9F, 0x98, 0x80, 0x80],
        &[0xC2, 0xC2, 0x80],
        &[0xE2, 0x28, 0xA1],
    ];

    /// Every input length from one block to past two pairs (so every tail length, after
    /// a whole pair and after a lone block), with each of [`SEQUENCES`] at every position
    /// of its last 70 bytes (cut where it runs past the end): the last block reads the
    /// three bytes before it from the previous one, and drops the faults of its overlap.
    #[test]
    fn sequences_anywhere_near_the_end_of_every_length() {
        let filler: Vec<u8> = (0..300u32).map(|i| b'a' + (i % 26) as u8).collect();
        for len in 64..=260 {
            let mut buf = filler[..len].to_vec();
            for seq in SEQUENCES {
                for at in len.saturating_sub(70)..len {
                    let end = (at + seq.len()).min(len);
                    buf[at..end].copy_from_slice(&seq[..end - at]);
                    check(&buf);
                    buf[at..end].copy_from_slice(&filler[at..end]);
                }
            }
        }
    }

    /// Each of [`SEQUENCES`] across every block boundary of inputs of several pairs, the
    /// next pair all ASCII, so the ASCII shortcut must see a sequence left open.
    #[test]
    fn sequences_across_every_block_boundary_of_longer_inputs() {
        let filler: Vec<u8> = (0..400u32).map(|i| b'a' + (i % 26) as u8).collect();
        for len in [256, 257, 319, 320, 383, 384] {
            let mut buf = filler[..len].to_vec();
            for seq in SEQUENCES {
                for boundary in (64..len).step_by(64) {
                    for at in boundary - 5..boundary + 2 {
                        let end = (at + seq.len()).min(len);
                        buf[at..end].copy_from_slice(&seq[..end - at]);
                        check(&buf);
                        buf[at..end].copy_from_slice(&filler[at..end]);
                    }
                }
            }
        }
    }

    /// Text of every kind of character, ASCII runs both shorter and longer than a block.
    fn mixed_text() -> String {
        let mut text = String::from("<TRANSACTION><AMOUNT>12,50 €</AMOUNT> ß 日本語 😀");
        text.push_str(&"a".repeat(70));
        while text.len() < 340 {
            text.push_str("€日本語😀ßx 𝄞ü");
        }
        text
    }

    #[test]
    fn mixed_text_at_every_length_with_every_byte_corrupted() {
        let text = mixed_text();
        // Also one byte later, so each character meets the boundaries at another offset.
        for text in [text.clone(), format!(" {text}")] {
            let bytes = text.as_bytes();
            for len in 0..=300 {
                let prefix = &bytes[..len];
                // Cut mid-character where `len` is not a boundary.
                check(prefix);
                if !text.is_char_boundary(len) {
                    continue;
                }
                assert!(is_utf8(prefix), "length {len}");
                let mut corrupted = prefix.to_vec();
                for i in 0..len {
                    let original = corrupted[i];
                    for bad in [original ^ 0x80, 0xFF] {
                        corrupted[i] = bad;
                        check(&corrupted);
                    }
                    corrupted[i] = original;
                }
            }
        }
    }

    #[test]
    fn every_surrogate_is_rejected_anywhere() {
        let mut buf = filler();
        for code_point in 0xD800..=0xDFFFu32 {
            let seq = [
                0xED,
                0x80 | ((code_point >> 6) & 0x3F) as u8,
                0x80 | (code_point & 0x3F) as u8,
            ];
            assert!(std::str::from_utf8(&seq).is_err(), "{code_point:x}");
            check_placed(&mut buf, &seq, EVERY_OFFSET, &EVERY_END);
        }
    }

    #[test]
    fn overlong_too_large_and_stray_bytes_anywhere() {
        let mut invalid: Vec<Vec<u8>> = vec![
            vec![0xC0, 0x80],
            vec![0xC1, 0xBF],
            vec![0xE0, 0x80, 0x80],
            vec![0xE0, 0x9F, 0xBF],
            vec![0xF0, 0x80, 0x80, 0x80],
            vec![0xF0, 0x8F, 0xBF, 0xBF],
            vec![0xF4, 0x90, 0x80, 0x80],
            vec![0xF4, 0xBF, 0xBF, 0xBF],
            // Continuations past the end of a character.
            vec![0xC3, 0xA9, 0x80],
            vec![0xE2, 0x82, 0xAC, 0x80],
            vec![0xF0, 0x9F, 0x98, 0x80, 0x80],
            vec![0x80, 0x80],
            vec![0xBF, 0xBF, 0xBF],
        ];
        for lead in 0xF5..=0xFF {
            invalid.push(vec![lead, 0x80, 0x80, 0x80]);
            invalid.push(vec![lead, 0x90, 0xBF, 0xBF]);
        }
        for continuation in 0x80..=0xBF {
            invalid.push(vec![continuation]);
        }
        // The smallest and largest of each length, and either side of the surrogates.
        let valid: [&[u8]; 8] = [
            &[0xC2, 0x80],
            &[0xDF, 0xBF],
            &[0xE0, 0xA0, 0x80],
            &[0xED, 0x9F, 0xBF],
            &[0xEE, 0x80, 0x80],
            &[0xEF, 0xBF, 0xBF],
            &[0xF0, 0x90, 0x80, 0x80],
            &[0xF4, 0x8F, 0xBF, 0xBF],
        ];
        let mut buf = filler();
        for seq in &invalid {
            assert!(std::str::from_utf8(seq).is_err(), "{seq:02x?}");
            check_placed(&mut buf, seq, EVERY_OFFSET, &EVERY_END);
        }
        for seq in valid {
            assert!(std::str::from_utf8(seq).is_ok(), "{seq:02x?}");
            check_placed(&mut buf, seq, EVERY_OFFSET, &EVERY_END);
        }
    }

    /// A fault, or a character cut by the end, after many blocks of ASCII or of text: the
    /// faults gathered over a long input are all still seen at the end.
    #[test]
    fn faults_deep_in_long_inputs() {
        let text = "Zahlung genehmigt ✓ 日本語 😀 ".repeat(300);
        let ascii = "x".repeat(text.len());
        for base in [text.as_bytes(), ascii.as_bytes()] {
            check(base);
            for at in [64 * 50 - 1, 64 * 50, 64 * 100 + 17, base.len() - 1] {
                let mut bytes = base.to_vec();
                bytes[at] = 0xC2;
                check(&bytes);
                bytes[at] = 0x80;
                check(&bytes);
            }
        }
    }

    /// Bytes drawn mostly from the ranges UTF-8 gives meaning to, and the bytes the lookups
    /// single out.
    fn utf8ish_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            4 => 0x00..0x80u8,
            3 => 0x80..0xC0u8,
            1 => 0xC0..0xE0u8,
            1 => 0xE0..0xF0u8,
            1 => 0xF0..=0xFFu8,
            2 => prop::sample::select(vec![0xC2u8, 0xE0, 0xED, 0xF0, 0xF4, 0x8F, 0x90, 0x9F, 0xA0]),
        ]
    }

    /// Mostly whole characters, sometimes a stray byte.
    fn utf8ish_piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            12 => any::<char>().prop_map(|c| c.to_string().into_bytes()),
            4 => Just(b"a".to_vec()),
            1 => utf8ish_byte().prop_map(|b| vec![b]),
        ]
    }

    proptest! {
        #[test]
        fn random_bytes_get_std_verdict(bytes in prop::collection::vec(utf8ish_byte(), 0..1000)) {
            check(&bytes);
        }

        #[test]
        fn random_pieces_get_std_verdict(
            pieces in prop::collection::vec(utf8ish_piece(), 0..400),
        ) {
            check(&pieces.concat());
        }

        #[test]
        fn random_text_with_one_byte_changed_gets_std_verdict(
            chars in prop::collection::vec(any::<char>(), 0..400),
            at in any::<prop::sample::Index>(),
            byte in utf8ish_byte(),
        ) {
            let text: String = chars.into_iter().collect();
            check(text.as_bytes());
            let mut bytes = text.into_bytes();
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            check(&bytes);
        }
    }
}
