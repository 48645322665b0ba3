//! The command line of `pos_broker`: today's flags (`--listen`, `--tls-cert`, `--tls-key`,
//! `--client-ca`) and the service's (`--http`, `--api-token`, ...).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::api::auth::ApiToken;
use crate::api::exposure::{self, INSECURE_FLAG};
use crate::key_store::KeyFile;

/// The usage line printed with every argument error.
pub const USAGE: &str = "usage: pos_broker --listen ADDR:PORT \
[--tls-cert FILE --tls-key FILE [--client-ca FILE [--pinpad-id-from-cert]]] \
[--http ADDR:PORT [--api-token TOKEN] [--api-insecure-public]] \
[--pos-key FILE] [--key-store FILE] \
[--request-timeout SECS] [--queue N] [--shutdown-grace SECS]";

/// PEM files for wss.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// `--tls-cert`: the chain, leaf first.
    pub cert: PathBuf,
    /// `--tls-key`: its private key.
    pub key: PathBuf,
    /// `--client-ca`: demand a client certificate from these CAs (mutual TLS).
    pub client_ca: Option<PathBuf>,
}

/// Everything the command line says.
#[derive(Debug)]
pub struct BrokerArgs {
    /// `--listen`: where terminals connect.
    pub listen: SocketAddr,
    /// wss when set.
    pub tls: Option<TlsFiles>,
    /// `--pinpad-id-from-cert`: the pinpad id must be the client certificate's CN or a SAN.
    pub pinpad_id_from_cert: bool,
    /// `--http`: where the POS-facing API listens; no API without it.
    pub http: Option<SocketAddr>,
    /// `--api-token`: the bearer token every API call needs.
    pub token: Option<ApiToken>,
    /// `--request-timeout`: how long a request waits for its answer (default 300 s, a
    /// payment waits for the customer).
    pub request_timeout: Duration,
    /// `--queue`: requests that may wait per terminal behind the one in flight.
    pub queue: usize,
    /// `--shutdown-grace`: how long links get to close on SIGTERM / ctrl-c (default 5 s).
    pub shutdown_grace: Duration,
    /// `--pos-key`: the POS's RSA-2048 key (PEM; made and saved when absent; without it a
    /// key lives in memory only).
    pub pos_key: Option<KeyFile>,
    /// `--key-store`: every terminal's labels, keys and counters across restarts.
    pub key_store: Option<KeyFile>,
}

/// Parses the arguments after the program name; `Err` says what is wrong.
pub fn parse(mut args: impl Iterator<Item = String>) -> Result<BrokerArgs, String> {
    let mut listen = None;
    let (mut cert, mut key, mut client_ca) = (None::<PathBuf>, None::<PathBuf>, None::<PathBuf>);
    let (mut http, mut token, mut insecure, mut from_cert) = (None, None, false, false);
    let mut request_timeout = Duration::from_secs(300);
    let mut shutdown_grace = Duration::from_secs(5);
    let mut queue = 8;
    let (mut pos_key, mut key_store) = (None, None);
    let number = |flag: &str, value: Option<String>| -> Result<u64, String> {
        let value = value.ok_or(format!("{flag} needs a number"))?;
        value
            .parse()
            .map_err(|_| format!("{flag} {value:?} is not a whole number"))
    };
    let address = |flag: &str, value: Option<String>| -> Result<SocketAddr, String> {
        let value = value.ok_or(format!("{flag} needs ADDR:PORT"))?;
        value
            .parse()
            .map_err(|_| format!("{flag} {value:?} is not ADDR:PORT (e.g. 127.0.0.1:8080)"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = Some(address("--listen", args.next())?),
            "--tls-cert" => cert = Some(args.next().ok_or("--tls-cert needs a PEM file")?.into()),
            "--tls-key" => key = Some(args.next().ok_or("--tls-key needs a PEM file")?.into()),
            "--client-ca" => {
                client_ca = Some(args.next().ok_or("--client-ca needs a PEM file")?.into());
            }
            "--pinpad-id-from-cert" => from_cert = true,
            "--http" => http = Some(address("--http", args.next())?),
            "--api-token" => {
                let value = args.next().ok_or("--api-token needs a token")?;
                if value.is_empty() {
                    return Err("--api-token must not be empty".into());
                }
                token = Some(ApiToken::new(&value));
            }
            flag if flag == INSECURE_FLAG => insecure = true,
            "--request-timeout" => {
                let secs = number("--request-timeout", args.next())?;
                if secs == 0 {
                    return Err("--request-timeout must be at least 1 second".into());
                }
                request_timeout = Duration::from_secs(secs);
            }
            "--queue" => {
                queue = usize::try_from(number("--queue", args.next())?)
                    .map_err(|_| "--queue is too large")?;
            }
            "--shutdown-grace" => {
                shutdown_grace = Duration::from_secs(number("--shutdown-grace", args.next())?);
            }
            "--pos-key" => {
                pos_key = Some(KeyFile::new(
                    args.next().ok_or("--pos-key needs a PEM file")?,
                ));
            }
            "--key-store" => {
                key_store = Some(KeyFile::new(args.next().ok_or("--key-store needs a file")?));
            }
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let listen = listen.ok_or("--listen is required")?;
    let tls = match (cert, key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert,
            key,
            client_ca,
        }),
        (None, None) if client_ca.is_some() => {
            return Err("--client-ca needs --tls-cert and --tls-key".into());
        }
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together".into()),
    };
    if from_cert && tls.as_ref().is_none_or(|t| t.client_ca.is_none()) {
        return Err("--pinpad-id-from-cert needs mutual TLS (--client-ca)".into());
    }
    match http {
        Some(addr) => exposure::check(addr, token.is_some(), insecure)?,
        None if token.is_some() || insecure => {
            return Err("--api-token and --api-insecure-public need --http".into());
        }
        None => {}
    }
    Ok(BrokerArgs {
        listen,
        tls,
        pinpad_id_from_cert: from_cert,
        http,
        token,
        request_timeout,
        queue,
        shutdown_grace,
        pos_key,
        key_store,
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(line: &str) -> Result<super::BrokerArgs, String> {
        parse(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn todays_flags_and_the_service_flags() {
        let parsed =
            args("--listen 127.0.0.1:0 --http 127.0.0.1:0 --api-token t --queue 2").unwrap();
        assert_eq!(parsed.queue, 2);
        assert!(parsed.token.is_some());
        assert!(!format!("{parsed:?}").contains("\"t\""));
        for (bad, why) in [
            ("", "--listen is required"),
            ("--listen nope", "not ADDR:PORT"),
            ("--listen 127.0.0.1:0 --tls-cert a", "go together"),
            ("--listen 127.0.0.1:0 --client-ca a", "needs --tls-cert"),
            ("--listen 127.0.0.1:0 --http 0.0.0.0:80", "--api-token"),
            ("--listen 127.0.0.1:0 --api-token x", "need --http"),
            ("--listen 127.0.0.1:0 --pinpad-id-from-cert", "mutual TLS"),
            ("--listen 127.0.0.1:0 --request-timeout 0", "at least 1"),
            ("--listen 127.0.0.1:0 --bogus", "unknown argument"),
        ] {
            let error = args(bad).unwrap_err();
            assert!(error.contains(why), "{bad:?}: {error}");
        }
        assert!(args("--listen 127.0.0.1:0 --http 0.0.0.0:0 --api-insecure-public").is_ok());
        assert!(args("--listen 127.0.0.1:0 --http 0.0.0.0:0 --api-token x").is_ok());
    }
}
