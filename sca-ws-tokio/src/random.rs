//! Bytes from the operating system's generator, for what must not be guessable: pairing's MAC
//! keys, RSA padding and blinding seeds, entry codes.

/// `N` bytes from the operating system, or why none could be had.
pub fn os_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    Ok(bytes)
}
