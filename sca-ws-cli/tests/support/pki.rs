//! A throw-away PKI for the wss tests, made with rcgen at run time (no key material is kept
//! in the repository): a CA, a broker certificate for `localhost` and `127.0.0.1`, and a
//! terminal's client certificate, written as PEM files into a folder of the test's.

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// The paths of the PEM files, as the binaries' flags take them.
pub struct Pki {
    /// The CA that issued both leaves.
    pub ca: String,
    /// The broker's certificate (server auth).
    pub server_cert: String,
    /// Its private key.
    pub server_key: String,
    /// The terminal's certificate (client auth).
    pub client_cert: String,
    /// Its private key.
    pub client_key: String,
}

/// Makes a fresh CA and two leaves signed by it, and writes them under `dir`.
pub fn generate(dir: &Path) -> Pki {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "sca-ws-cli test CA");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().expect("CA key"))
        .expect("self-signed CA");

    let leaf = |names: &[&str], common_name: &str, usage: ExtendedKeyUsagePurpose| {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let key = KeyPair::generate().expect("leaf key");
        let mut params = CertificateParams::new(names).expect("leaf params");
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, &ca).expect("leaf signed by the CA");
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf(
        &["localhost", "127.0.0.1"],
        "pos broker",
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let (client_cert, client_key) = leaf(&[], "terminal", ExtendedKeyUsagePurpose::ClientAuth);

    let write = |name: &str, pem: &str| -> String {
        let path = dir.join(name);
        std::fs::write(&path, pem).expect("write a PEM file");
        path.to_str().expect("a UTF-8 path").to_owned()
    };
    Pki {
        ca: write("ca.pem", &ca.pem()),
        server_cert: write("server.pem", &server_cert),
        server_key: write("server-key.pem", &server_key),
        client_cert: write("client.pem", &client_cert),
        client_key: write("client-key.pem", &client_key),
    }
}
