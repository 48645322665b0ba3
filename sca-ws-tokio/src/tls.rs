//! TLS settings for both sides from PEM text, and the two facts the drivers need from TLS:
//! the names in a client certificate (for binding a pinpad id to it) and whether an I/O error
//! came from the TLS layer (so a terminal shows a TLS error, not "connection closed").
//!
//! Only the ring provider is used, named explicitly, so no process-wide default is needed.

use std::fmt;
use std::io;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

/// Why PEM text could not become a TLS configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError(String);

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsError {}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certs(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError(format!("{what}: bad PEM: {e}")))?;
    if certs.is_empty() {
        return Err(TlsError(format!("{what}: no certificate in the PEM text")));
    }
    Ok(certs)
}

fn key(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| TlsError(format!("{what}: {e}")))
}

fn roots(pem: &[u8], what: &str) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in certs(pem, what)? {
        roots
            .add(cert)
            .map_err(|e| TlsError(format!("{what}: not a usable CA: {e}")))?;
    }
    Ok(roots)
}

/// A broker's TLS settings: present `cert_chain_pem` (leaf first) signed for `key_pem`; with
/// `client_ca_pem`, require a client certificate issued by one of its CAs (mutual TLS).
pub fn server_config(
    cert_chain_pem: &[u8],
    key_pem: &[u8],
    client_ca_pem: Option<&[u8]>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(format!("tls: {e}")))?;
    let builder = match client_ca_pem {
        Some(pem) => {
            let roots = Arc::new(roots(pem, "client CA")?);
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider())
                .build()
                .map_err(|e| TlsError(format!("client CA: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder
        .with_single_cert(certs(cert_chain_pem, "certificate")?, key(key_pem, "key")?)
        .map_err(|e| TlsError(format!("certificate and key: {e}")))?;
    Ok(Arc::new(config))
}

/// A terminal's TLS settings: trust the CAs of `ca_pem` (the Mozilla root set when `None`)
/// and, for mutual TLS, present `client_cert` = (certificate chain PEM, key PEM).
pub fn client_config(
    ca_pem: Option<&[u8]>,
    client_cert: Option<(&[u8], &[u8])>,
) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let roots = match ca_pem {
        Some(pem) => roots(pem, "CA")?,
        None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(format!("tls: {e}")))?
        .with_root_certificates(roots);
    let config = match client_cert {
        Some((chain, key_pem)) => builder
            .with_client_auth_cert(
                certs(chain, "client certificate")?,
                key(key_pem, "client key")?,
            )
            .map_err(|e| TlsError(format!("client certificate and key: {e}")))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The subject CNs and SAN entries (DNS, e-mail, URI, IP) of a DER certificate; empty when
/// it cannot be read.
pub(crate) fn certificate_names(der: &[u8]) -> Vec<String> {
    use x509_parser::extensions::GeneralName;
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return Vec::new();
    };
    let mut names: Vec<String> = cert
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok().map(str::to_owned))
        .collect();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(s) | GeneralName::RFC822Name(s) | GeneralName::URI(s) => {
                    names.push((*s).to_owned())
                }
                GeneralName::IPAddress(bytes) => match bytes.len() {
                    4 => names.push(
                        std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*bytes).unwrap_or_default())
                            .to_string(),
                    ),
                    16 => names.push(
                        std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*bytes).unwrap_or_default())
                            .to_string(),
                    ),
                    _ => {}
                },
                _ => {}
            }
        }
    }
    names
}

/// The TLS layer's description when `error` came from it (a refused certificate, an alert
/// received on the first read after a TLS 1.3 handshake, a bad record).
pub(crate) fn tls_failure(error: &io::Error) -> Option<String> {
    let inner = error.get_ref()?;
    inner.downcast_ref::<rustls::Error>().map(|e| e.to_string())
}
