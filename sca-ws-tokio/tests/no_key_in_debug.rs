//! TLS keys never show in `Debug` output of the configurations that carry them.

mod support;

use rcgen::{CertificateParams, KeyPair};
use sca_ws_tokio::broker::ServerConfig;
use sca_ws_tokio::terminal::ClientIdentity;
use sca_ws_tokio::tls;
use support::*;

/// Pieces of the key that would betray it: lines of its PEM body, and its DER bytes
/// printed the way `Debug` prints a byte list.
fn fingerprints(key: &KeyPair) -> Vec<String> {
    let pem = key.serialize_pem();
    let mut parts: Vec<String> = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(|l| l[..l.len().min(24)].to_owned())
        .collect();
    let der = key.serialize_der();
    parts.push(
        format!("{:?}", &der[der.len() - 8..])
            .trim_matches(['[', ']'])
            .to_owned(),
    );
    parts
}

#[test]
fn server_and_client_configs_hide_their_keys() {
    let key = KeyPair::generate().expect("key");
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    let mut server = ServerConfig::new(loopback());
    server.tls = Some(
        tls::server_config(cert.pem().as_bytes(), key.serialize_pem().as_bytes(), None)
            .expect("tls"),
    );
    let mut client = terminal_config("127.0.0.1:9".parse().expect("addr"), "T");
    client.identity = Some(ClientIdentity {
        cert_chain_pem: cert.pem().into_bytes(),
        key_pem: key.serialize_pem().into_bytes(),
    });
    client.tls = Some(
        tls::client_config(
            Some(cert.pem().as_bytes()),
            Some((cert.pem().as_bytes(), key.serialize_pem().as_bytes())),
        )
        .expect("client tls"),
    );
    let shown = format!("{server:?}\n{server:#?}\n{client:?}\n{client:#?}");
    assert!(shown.contains("tls: true"), "{shown}");
    for part in fingerprints(&key) {
        assert!(!shown.contains(&part), "key material {part:?} in {shown}");
    }
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
}
