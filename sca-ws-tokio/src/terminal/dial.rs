//! Opening the transport the machine asks for: DNS, TCP (with the configured TCP keepalive),
//! then TLS when the target says so. Failures come back as the core's failure kinds, TLS
//! ones as `Tls` so the terminal's screen says it was TLS.

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use sca_ws::TransportFailure;
use sca_ws::terminal::ConnectTarget;
use socket2::{SockRef, TcpKeepalive};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::config::ClientConfig;
use crate::tls::{client_config, tls_failure};

/// A byte stream, plain or TLS.
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// The transport the client owns while connected.
pub(crate) type BoxStream = Box<dyn Stream>;

/// The TLS key of the terminal configuration naming a PEM file of CAs to trust.
pub(crate) const CA_CERT_FILE: &str = "WEBSOCKETSSL_CA_CERT_FILE";

/// TCP keepalive from the terminal configuration's `WEBSOCKETKEEPALIVE*` keys: on when
/// `...ENABLED` is `1`; `...IDLE` and `...INTVL` in seconds, `...CNT` probes. An unreadable
/// value leaves the system default for that setting.
pub(crate) fn keepalive(config: &sca_ws::terminal::Config) -> Option<TcpKeepalive> {
    let number = |key: &str| {
        config
            .extra_value(key)
            .and_then(|v| v.trim().parse::<u32>().ok())
    };
    if number("WEBSOCKETKEEPALIVEENABLED") != Some(1) {
        return None;
    }
    let mut keepalive = TcpKeepalive::new();
    if let Some(idle) = number("WEBSOCKETKEEPALIVEIDLE").filter(|s| *s > 0) {
        keepalive = keepalive.with_time(Duration::from_secs(idle.into()));
    }
    if let Some(interval) = number("WEBSOCKETKEEPALIVEINTVL").filter(|s| *s > 0) {
        keepalive = keepalive.with_interval(Duration::from_secs(interval.into()));
    }
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "freebsd"
    ))]
    if let Some(count) = number("WEBSOCKETKEEPALIVECNT").filter(|c| *c > 0) {
        keepalive = keepalive.with_retries(count);
    }
    Some(keepalive)
}

/// The TLS settings for a wss dial: the configured ones, else built from the CA file key
/// and the identity.
pub(crate) fn tls_settings(config: &ClientConfig) -> Result<Arc<rustls::ClientConfig>, String> {
    if let Some(tls) = &config.tls {
        return Ok(tls.clone());
    }
    let ca = match config.terminal.extra_value(CA_CERT_FILE) {
        Some(path) => Some(
            std::fs::read(path).map_err(|e| format!("{CA_CERT_FILE} {path}: cannot read: {e}"))?,
        ),
        None => None,
    };
    let identity = config
        .identity
        .as_ref()
        .map(|id| (&id.cert_chain_pem[..], &id.key_pem[..]));
    client_config(ca.as_deref(), identity).map_err(|e| e.to_string())
}

fn io_failure(error: &std::io::Error) -> TransportFailure {
    match error.kind() {
        std::io::ErrorKind::ConnectionRefused => TransportFailure::Refused,
        _ => TransportFailure::Io(error.to_string()),
    }
}

/// Opens `target`. `tls` is built on first use and kept.
pub(crate) async fn dial(
    target: &ConnectTarget,
    config: &ClientConfig,
    tls: &mut Option<Arc<rustls::ClientConfig>>,
) -> Result<BoxStream, TransportFailure> {
    let addrs: Vec<_> = tokio::net::lookup_host((target.host.as_str(), target.port))
        .await
        .map_err(|_| TransportFailure::NameNotResolved)?
        .collect();
    let mut last = TransportFailure::NameNotResolved;
    let mut tcp = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                tcp = Some(stream);
                break;
            }
            Err(e) => last = io_failure(&e),
        }
    }
    let tcp = tcp.ok_or(last)?;
    let _ = tcp.set_nodelay(true);
    if let Some(keepalive) = keepalive(&config.terminal) {
        let _ = SockRef::from(&tcp).set_tcp_keepalive(&keepalive);
    }
    if !target.tls {
        return Ok(Box::new(tcp));
    }
    let settings = match tls {
        Some(settings) => settings.clone(),
        None => {
            let built = tls_settings(config).map_err(TransportFailure::Tls)?;
            *tls = Some(built.clone());
            built
        }
    };
    let name = config
        .server_name
        .clone()
        .unwrap_or_else(|| target.host.clone());
    let name = ServerName::try_from(name)
        .map_err(|e| TransportFailure::Tls(format!("bad server name: {e}")))?;
    let stream = TlsConnector::from(settings)
        .connect(name, tcp)
        .await
        .map_err(|e| TransportFailure::Tls(tls_failure(&e).unwrap_or_else(|| e.to_string())))?;
    Ok(Box::new(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> sca_ws::terminal::Config {
        sca_ws::terminal::Config::parse(text)
            .expect("config")
            .config
    }

    #[test]
    fn keepalive_is_off_unless_enabled() {
        assert!(keepalive(&config("WEBSOCKETKEEPALIVEIDLE=5")).is_none());
        assert!(
            keepalive(&config(
                "WEBSOCKETKEEPALIVEENABLED=0
WEBSOCKETKEEPALIVEIDLE=5"
            ))
            .is_none()
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_keys_reach_the_socket_in_seconds() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let tcp = std::net::TcpStream::connect(listener.local_addr().expect("addr")).expect("dial");
        let settings = keepalive(&config(
            "WEBSOCKETKEEPALIVEENABLED=1\nWEBSOCKETKEEPALIVEIDLE=7\nWEBSOCKETKEEPALIVEINTVL=3\nWEBSOCKETKEEPALIVECNT=4",
        ))
        .expect("enabled");
        let socket = SockRef::from(&tcp);
        socket.set_tcp_keepalive(&settings).expect("set");
        assert!(socket.keepalive().expect("SO_KEEPALIVE"));
        assert_eq!(
            socket.tcp_keepalive_time().expect("idle"),
            Duration::from_secs(7)
        );
        assert_eq!(
            socket.tcp_keepalive_interval().expect("interval"),
            Duration::from_secs(3)
        );
        assert_eq!(socket.tcp_keepalive_retries().expect("count"), 4);
    }
}
