//! wss with mutual TLS, certificates generated at run time: any valid client certificate is
//! enough without the id binding; with it the pinpad id must be the certificate's CN or a
//! SAN entry (else 403); a terminal without a certificate sees a TLS error on its screen,
//! although with TLS 1.3 the refusal only arrives as an alert on its first read.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rcgen::{ExtendedKeyUsagePurpose, KeyUsagePurpose};
use sca_ws::TransportFailure;
use sca_ws::terminal::{LinkError, ScreenMessage};
use sca_ws_tokio::broker::{Event, ServerConfig};
use sca_ws_tokio::terminal::{self, Client, ClientConfig, ClientIdentity};
use sca_ws_tokio::tls;
use support::*;

struct Pki {
    ca: String,
    server: (String, String),
    /// CN `T-CN`, no SAN.
    by_cn: ClientIdentity,
    /// CN `someone else`, SAN DNS `T-SAN`.
    by_san: ClientIdentity,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "sca-ws-tokio test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key"))
        .expect("self-sign");
    let leaf = |names: Vec<String>, cn: &str, usage| {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(names).expect("params");
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, &ca).expect("sign");
        (cert.pem(), key.serialize_pem())
    };
    let identity = |(cert, key): (String, String)| ClientIdentity {
        cert_chain_pem: cert.into_bytes(),
        key_pem: key.into_bytes(),
    };
    Pki {
        ca: ca.pem(),
        server: leaf(
            vec!["localhost".into(), "127.0.0.1".into()],
            "broker",
            ExtendedKeyUsagePurpose::ServerAuth,
        ),
        by_cn: identity(leaf(
            Vec::new(),
            "T-CN",
            ExtendedKeyUsagePurpose::ClientAuth,
        )),
        by_san: identity(leaf(
            vec!["T-SAN".into()],
            "someone else",
            ExtendedKeyUsagePurpose::ClientAuth,
        )),
    }
}

fn server_config(pki: &Pki, bind_id: bool) -> ServerConfig {
    let mut config = ServerConfig::new(loopback());
    config.tls = Some(
        tls::server_config(
            pki.server.0.as_bytes(),
            pki.server.1.as_bytes(),
            Some(pki.ca.as_bytes()),
        )
        .expect("server tls"),
    );
    config.bind_pinpad_id_to_certificate = bind_id;
    config
}

/// A wss terminal trusting the test CA through its `WEBSOCKETSSL_CA_CERT_FILE` key.
fn wss_terminal(
    addr: std::net::SocketAddr,
    id: &str,
    ca_file: &std::path::Path,
    who: Option<&ClientIdentity>,
) -> ClientConfig {
    let mut config = terminal_config(addr, id);
    config.terminal.tls = true;
    config.terminal.extra.push((
        "WEBSOCKETSSL_CA_CERT_FILE".into(),
        ca_file.display().to_string(),
    ));
    config.identity = who.cloned();
    config
}

/// The CA written to a fresh temporary file (removed on drop).
struct CaFile(PathBuf);

impl CaFile {
    fn new(pki: &Pki, tag: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("sca-ws-tokio-{tag}-{}.pem", std::process::id()));
        std::fs::write(&path, &pki.ca).expect("write CA");
        Self(path)
    }
}

impl Drop for CaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The first `Failed` screen message of a client, within a bound.
async fn first_failure(
    events: &mut tokio::sync::broadcast::Receiver<terminal::Event>,
) -> LinkError {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(terminal::Event::Screen(ScreenMessage::Failed { error, .. })) =
                events.recv().await
            {
                return error;
            }
        }
    })
    .await
    .expect("a failure on screen")
}

#[tokio::test]
async fn without_the_binding_any_valid_client_certificate_serves_any_id() {
    let pki = pki();
    let ca = CaFile::new(&pki, "nobind");
    let (broker, addr) = start_server(server_config(&pki, false));
    let mut events = broker.subscribe();
    let (_client, _task) = Client::spawn(
        wss_terminal(addr, "unrelated-id", &ca.0, Some(&pki.by_cn)),
        Answer {
            delay: Some(Duration::ZERO),
        },
    );
    connected(&mut events, "unrelated-id").await;
    let answer = broker
        .submit("unrelated-id", session_start())
        .await
        .expect("answer over wss");
    assert!(answer.is_success());
    // A handshake that succeeded is no TLS failure.
    while let Ok(event) = events.try_recv() {
        assert!(!matches!(event, Event::TlsFailed { .. }), "{event:?}");
    }
}

#[tokio::test]
async fn with_the_binding_the_id_must_be_the_cn_or_a_san_entry_else_403() {
    let pki = pki();
    let ca = CaFile::new(&pki, "bind");
    let (broker, addr) = start_server(server_config(&pki, true));
    let mut events = broker.subscribe();
    let answer = Answer {
        delay: Some(Duration::ZERO),
    };
    let (_a, _ta) = Client::spawn(wss_terminal(addr, "T-CN", &ca.0, Some(&pki.by_cn)), answer);
    connected(&mut events, "T-CN").await;
    let answer = Answer {
        delay: Some(Duration::ZERO),
    };
    let (_b, _tb) = Client::spawn(
        wss_terminal(addr, "T-SAN", &ca.0, Some(&pki.by_san)),
        answer,
    );
    connected(&mut events, "T-SAN").await;
    assert!(
        broker
            .submit("T-SAN", session_start())
            .await
            .expect("answer")
            .is_success()
    );

    // The CN certificate claiming the SAN certificate's id, and the SAN certificate claiming
    // its own CN (a CN that is not the id either): both refused.
    for (id, who) in [("T-SAN", &pki.by_cn), ("someone", &pki.by_san)] {
        let client = Client::new(
            wss_terminal(addr, id, &ca.0, Some(who)),
            Answer { delay: None },
        );
        let mut screen = client.handle().subscribe();
        let handle = client.handle();
        tokio::spawn(client.run());
        assert_eq!(
            first_failure(&mut screen).await,
            LinkError::HandshakeRejected { status: 403 },
            "{id}"
        );
        handle.close();
    }
    // The refused claims did not disturb the rightful holder.
    let holders: Vec<String> = broker
        .terminals()
        .into_iter()
        .map(|t| t.pinpad_id)
        .collect();
    assert!(holders.contains(&"T-SAN".to_owned()) && holders.contains(&"T-CN".to_owned()));
}

#[tokio::test]
async fn the_binding_without_tls_refuses_every_upgrade() {
    let mut config = ServerConfig::new(loopback());
    config.bind_pinpad_id_to_certificate = true;
    let (_broker, addr) = start_server(config);
    assert_eq!(raw_connect(addr, "T-CN").await.status, 403);
}

#[tokio::test]
async fn a_terminal_without_a_certificate_shows_a_tls_error() {
    let pki = pki();
    let ca = CaFile::new(&pki, "nocert");
    let (broker, addr) = start_server(server_config(&pki, false));
    let mut broker_events = broker.subscribe();
    let client = Client::new(
        wss_terminal(addr, "T-CN", &ca.0, None),
        Answer { delay: None },
    );
    let mut screen = client.handle().subscribe();
    tokio::spawn(client.run());
    let error = first_failure(&mut screen).await;
    assert!(
        matches!(&error, LinkError::Transport(TransportFailure::Tls(_))),
        "a TLS error, not 'connection closed by peer': {error:?} ({error})"
    );
    println!("screen: {error}");
    // The broker's side of the same refusal is an event naming the peer and the cause.
    let event = next_event(&mut broker_events, Duration::from_secs(10), |e| {
        matches!(e, Event::TlsFailed { .. })
    })
    .await;
    let Event::TlsFailed {
        remote_addr,
        reason,
    } = event
    else {
        unreachable!()
    };
    assert!(remote_addr.ip().is_loopback(), "{remote_addr}");
    assert!(reason.contains("certificate"), "{reason}");
    assert!(broker.terminals().is_empty());
}

#[tokio::test]
async fn a_plain_text_peer_on_the_tls_port_is_a_tls_failure_event() {
    let pki = pki();
    let (broker, addr) = start_server(server_config(&pki, false));
    let mut events = broker.subscribe();
    let raw = raw_connect(addr, "T-CN").await;
    assert_ne!(raw.status, 101, "no upgrade over plain text");
    let event = next_event(&mut events, Duration::from_secs(10), |e| {
        matches!(e, Event::TlsFailed { .. })
    })
    .await;
    let Event::TlsFailed { remote_addr, .. } = event else {
        unreachable!()
    };
    let peer = raw.stream.local_addr().expect("addr");
    assert_eq!(remote_addr, peer, "the event names the peer that failed");
}

#[tokio::test]
async fn a_terminal_that_does_not_trust_the_broker_shows_a_tls_error() {
    let pki = pki();
    let other = self::pki(); // another CA altogether
    let ca = CaFile::new(&other, "untrusted");
    let (_broker, addr) = start_server(server_config(&pki, false));
    let client = Client::new(
        wss_terminal(addr, "T-CN", &ca.0, Some(&pki.by_cn)),
        Answer { delay: None },
    );
    let mut screen = client.handle().subscribe();
    tokio::spawn(client.run());
    let error = first_failure(&mut screen).await;
    assert!(
        matches!(&error, LinkError::Transport(TransportFailure::Tls(_))),
        "{error:?}"
    );
}
