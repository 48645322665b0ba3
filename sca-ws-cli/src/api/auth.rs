//! The bearer token every API call must carry when the service was started with
//! `--api-token`, checked in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The expected token, kept only as its SHA-256 so comparing takes the same time whatever
/// the length or content of what was offered. Never printed.
#[derive(Clone)]
pub struct ApiToken {
    digest: [u8; 32],
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

impl ApiToken {
    /// The token the clients must send.
    pub fn new(token: &str) -> Self {
        Self {
            digest: Sha256::digest(token.as_bytes()).into(),
        }
    }

    /// Whether an `Authorization` header value is `Bearer <the token>`.
    pub fn admits(&self, authorization: Option<&[u8]>) -> bool {
        let Some(value) = authorization else {
            return false;
        };
        // The scheme is case-insensitive (RFC 9110 §11.1); the token is not.
        let offered = match value.get(..7) {
            Some(scheme) if scheme.eq_ignore_ascii_case(b"bearer ") => &value[7..],
            _ => return false,
        };
        let digest: [u8; 32] = Sha256::digest(offered).into();
        bool::from(digest.ct_eq(&self.digest))
    }
}

#[cfg(test)]
mod tests {
    use super::ApiToken;

    #[test]
    fn only_the_exact_bearer_token_is_admitted() {
        let token = ApiToken::new("s3cret");
        assert!(token.admits(Some(b"Bearer s3cret")));
        assert!(token.admits(Some(b"bearer s3cret")));
        for bad in [
            &b"Bearer s3cre"[..],
            b"Bearer s3cret ",
            b"Bearer S3CRET",
            b"Basic s3cret",
            b"s3cret",
            b"Bearer",
            b"",
        ] {
            assert!(
                !token.admits(Some(bad)),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(!token.admits(None));
        assert_eq!(format!("{token:?}"), "ApiToken(<redacted>)");
    }
}
