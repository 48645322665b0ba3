//! The crate's UTF-8 check (AVX-512 where the CPU has it, simdutf8 otherwise) against std, on
//! the raw bytes and on mostly valid text made from them: `Utf8Bytes::as_str` trusts this
//! check, so any disagreement is a soundness bug. The first byte picks a start offset (to vary
//! where the 64-byte blocks fall) and one byte of the repaired text to corrupt.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sca_ws::ws::Utf8Bytes;

fn agrees(bytes: &[u8]) {
    let ours = Utf8Bytes::from_bytes(Bytes::copy_from_slice(bytes)).is_some();
    assert_eq!(ours, std::str::from_utf8(bytes).is_ok(), "{bytes:02x?}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    agrees(rest);
    let offset = usize::from(pick & 0x3f).min(rest.len());
    let text = String::from_utf8_lossy(&rest[offset..]).into_owned().into_bytes();
    agrees(&text);
    if !text.is_empty() {
        let mut broken = text.clone();
        let at = usize::from(pick) * 7919 % broken.len();
        broken[at] ^= if pick & 0x40 != 0 { 0x40 } else { 0x80 };
        agrees(&broken);
        agrees(&text[..text.len() - 1]);
    }
});
