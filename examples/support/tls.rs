//! TLS for the std drivers (`wss://`), with rustls: PEM files into client and server
//! configurations, the blocking handshake, and the I/O thread that owns an established TLS
//! connection. The crate itself never sees TLS: it gets and gives plaintext bytes.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, Sender, TryRecvError};
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, ClientConnection, Connection, RootCertStore};
use rustls::{ServerConfig, ServerConnection};

use super::now;
use super::transport::Chunk;

/// How long the I/O thread blocks on a read before it looks for bytes to write: the extra
/// latency a write can see.
const POLL: Duration = Duration::from_millis(5);

/// The ring provider, named explicitly so no process-wide default is needed.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads a file for `flag`, saying which flag and file when it cannot.
fn read(path: &Path, flag: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{flag} {}: cannot read: {e}", path.display()))
}

/// Every certificate of a PEM file; an error if there is none.
fn load_certs(path: &Path, flag: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let text = read(path, flag)?;
    let certs = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{flag} {}: bad PEM: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{flag} {}: no certificate in it (expected a PEM \"BEGIN CERTIFICATE\" block)",
            path.display()
        ));
    }
    Ok(certs)
}

/// The first private key (PKCS#8, PKCS#1 or SEC1) of a PEM file.
fn load_key(path: &Path, flag: &str) -> Result<PrivateKeyDer<'static>, String> {
    let text = read(path, flag)?;
    PrivateKeyDer::from_pem_slice(&text).map_err(|e| match e {
        pem::Error::NoItemsFound => format!(
            "{flag} {}: no private key in it (expected a PEM \"BEGIN PRIVATE KEY\" block)",
            path.display()
        ),
        other => format!("{flag} {}: bad PEM: {other}", path.display()),
    })
}

/// The certificates of a PEM file as trust anchors.
fn load_roots(path: &Path, flag: &str) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    for cert in load_certs(path, flag)? {
        roots
            .add(cert)
            .map_err(|e| format!("{flag} {}: not a usable CA: {e}", path.display()))?;
    }
    Ok(roots)
}

/// The terminal's TLS settings: trust `ca` (or the Mozilla root set when `None`) and, for
/// mutual TLS, present `cert` signed for `key`.
pub fn client_config(
    ca: Option<&Path>,
    cert_and_key: Option<(&Path, &Path)>,
) -> Result<Arc<ClientConfig>, String> {
    let roots = match ca {
        Some(path) => load_roots(path, "--ca")?,
        None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls: {e}"))?
        .with_root_certificates(roots);
    let config = match cert_and_key {
        Some((cert, key)) => builder
            .with_client_auth_cert(load_certs(cert, "--cert")?, load_key(key, "--key")?)
            .map_err(|e| format!("--cert/--key: {e}"))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The broker's TLS settings: present `cert` (the chain, leaf first) signed for `key`; with
/// `client_ca`, demand a client certificate issued by it (mutual TLS).
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<Arc<ServerConfig>, String> {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls: {e}"))?;
    let builder = match client_ca {
        Some(path) => {
            let roots = Arc::new(load_roots(path, "--client-ca")?);
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider())
                .build()
                .map_err(|e| format!("--client-ca {}: {e}", path.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder
        .with_single_cert(load_certs(cert, "--tls-cert")?, load_key(key, "--tls-key")?)
        .map_err(|e| format!("--tls-cert/--tls-key: {e}"))?;
    Ok(Arc::new(config))
}

/// A client connection to `host` (a DNS name or an IP address, checked against the
/// broker's certificate).
pub fn client(config: &Arc<ClientConfig>, host: &str) -> Result<Connection, String> {
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| format!("{host:?} is not a valid TLS server name: {e}"))?;
    let conn = ClientConnection::new(config.clone(), name).map_err(|e| e.to_string())?;
    Ok(conn.into())
}

/// A server connection for one accepted terminal.
pub fn server(config: &Arc<ServerConfig>) -> Result<Connection, String> {
    let conn = ServerConnection::new(config.clone()).map_err(|e| e.to_string())?;
    Ok(conn.into())
}

/// Runs the handshake of `conn` over `sock` to the end, within `timeout`; the error says
/// why the peer or the certificates were refused.
pub fn handshake(
    conn: &mut Connection,
    sock: &mut TcpStream,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = now() + timeout;
    let _ = sock.set_write_timeout(Some(timeout));
    while conn.is_handshaking() {
        let left = deadline.saturating_duration_since(now());
        if left.is_zero() {
            return Err("tls handshake timed out".into());
        }
        let _ = sock.set_read_timeout(Some(left));
        match conn.complete_io(sock) {
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err("tls handshake timed out".into());
            }
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                return Err("tls handshake: the peer closed the connection".into());
            }
            Err(e) => return Err(format!("tls handshake: {e}")),
        }
    }
    Ok(())
}

/// The sending half of an established TLS connection; the I/O thread owns the rest.
pub struct TlsPipe {
    writes: Sender<Vec<u8>>,
}

impl TlsPipe {
    /// Queues plaintext for the I/O thread; an error once that thread has ended.
    pub fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        self.writes
            .send(bytes.to_vec())
            .map_err(|_| std::io::Error::new(ErrorKind::BrokenPipe, "tls connection ended"))
    }
}

/// Moves an established `conn` over `sock` to one I/O thread that both writes (what
/// [`TlsPipe::write`] queues) and reads (handing plaintext to `deliver`), since a rustls
/// connection cannot be shared between a reader and a writer thread. The thread ends on
/// EOF, a TLS error, the socket being shut down, or `deliver` returning `false`.
pub fn spawn(
    mut conn: Connection,
    mut sock: TcpStream,
    mut deliver: impl FnMut(Chunk) -> bool + Send + 'static,
) -> TlsPipe {
    let (writes, queued) = mpsc::channel::<Vec<u8>>();
    let _ = sock.set_read_timeout(Some(POLL));
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            loop {
                match queued.try_recv() {
                    Ok(bytes) => {
                        if conn.writer().write_all(&bytes).is_err() {
                            deliver(Chunk::Eof);
                            return;
                        }
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        conn.send_close_notify();
                        let _ = conn.write_tls(&mut sock);
                        return;
                    }
                }
            }
            while conn.wants_write() {
                if conn.write_tls(&mut sock).is_err() {
                    deliver(Chunk::Eof);
                    return;
                }
            }
            match conn.read_tls(&mut sock) {
                Ok(0) => {
                    deliver(Chunk::Eof);
                    return;
                }
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    continue;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    deliver(Chunk::Eof);
                    return;
                }
            }
            let state = match conn.process_new_packets() {
                Ok(state) => state,
                Err(e) => {
                    // Tell the peer why (the alert rustls queued), then report.
                    let _ = conn.write_tls(&mut sock);
                    deliver(Chunk::Failed(e.to_string()));
                    return;
                }
            };
            let mut left = state.plaintext_bytes_to_read();
            while left > 0 {
                let n = match conn.reader().read(&mut buf) {
                    Ok(n) if n > 0 => n,
                    _ => break,
                };
                left = left.saturating_sub(n);
                if !deliver(Chunk::Bytes(buf[..n].to_vec())) {
                    return;
                }
            }
            if state.peer_has_closed() {
                deliver(Chunk::Eof);
                return;
            }
        }
    });
    TlsPipe { writes }
}
