//! Where the API may listen: an API without a token lets anyone who reaches it take
//! payments, so it stays on loopback unless the operator asks otherwise in so many words.

use std::net::SocketAddr;

/// The flag that allows an API without a token on a non-loopback address.
pub const INSECURE_FLAG: &str = "--api-insecure-public";

/// `Err` with the reason when `addr` must not be served under these settings.
pub fn check(addr: SocketAddr, has_token: bool, insecure_public: bool) -> Result<(), String> {
    if has_token || insecure_public || addr.ip().is_loopback() {
        return Ok(());
    }
    Err(format!(
        "--http {addr} is not a loopback address and no --api-token is set: anyone reaching it \
         could send payments; set --api-token TOKEN, or add {INSECURE_FLAG} to serve it anyway"
    ))
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn only_loopback_without_a_token() {
        let addr = |s: &str| s.parse().unwrap();
        assert!(check(addr("127.0.0.1:1"), false, false).is_ok());
        assert!(check(addr("[::1]:1"), false, false).is_ok());
        assert!(check(addr("0.0.0.0:1"), false, false).is_err());
        assert!(check(addr("[::]:1"), false, false).is_err());
        assert!(check(addr("192.0.2.1:1"), false, false).is_err());
        assert!(check(addr("0.0.0.0:1"), true, false).is_ok());
        assert!(check(addr("0.0.0.0:1"), false, true).is_ok());
    }
}
