//! Configuration that would fail silently is reported: unknown and misspelled keys come back
//! as warnings (with the likely intended key), and so does SKIPPOSAUTH over plain ws. Neither
//! is fatal: a real SCA file holds many keys this crate does not read.

use sca_ws::terminal::{Config, ConfigWarning, config_keys};

#[test]
fn a_misspelled_key_is_reported_with_the_key_it_resembles() {
    let parsed = Config::parse("WEBSOCKETADDRESS=10.0.0.2\nWEBSOCKETPINGINTERVAL=10\n").unwrap();
    assert_eq!(
        parsed.warnings,
        [ConfigWarning::UnknownKey {
            key: "WEBSOCKETPINGINTERVAL".into(),
            line: 2,
            suggestion: Some(config_keys::PING_INTERVAL),
        }]
    );
    let text = parsed.warnings[0].to_string();
    assert!(
        text.contains("line 2") && text.contains("WEBSOCKETPINGINTERVAL_1"),
        "{text}"
    );
    // Not applied, and not fatal: the rest of the file is read, the default stays.
    assert_eq!(parsed.config.host, "10.0.0.2");
    assert_eq!(parsed.config.ping_interval, Config::default().ping_interval);
    // Kept for the application, as before.
    assert_eq!(
        parsed.config.extra_value("WEBSOCKETPINGINTERVAL"),
        Some("10")
    );
}

#[test]
fn other_device_keys_are_reported_without_a_suggestion() {
    let parsed = Config::parse("# SCA\nCONTACTLESSMODE=1\nwebsocketprot=8080\n").unwrap();
    assert_eq!(
        parsed.warnings,
        [
            ConfigWarning::UnknownKey {
                key: "CONTACTLESSMODE".into(),
                line: 2,
                suggestion: None,
            },
            ConfigWarning::UnknownKey {
                key: "websocketprot".into(),
                line: 3,
                suggestion: Some(config_keys::PORT),
            },
        ]
    );
}

#[test]
fn known_keys_and_io_layer_keys_raise_nothing() {
    let parsed = Config::parse(
        "POSCONNECTALLOW=WEBSOCKETS\nWEBSOCKETPORT=443\nWEBSOCKETKEEPALIVECNT=5\n\
         WEBSOCKETSSL_CA_CERT_FILE=/etc/ca.pem\nwebsocketpongtimeout_ms=5000\n",
    )
    .unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(parsed.config.extra.len(), 2, "I/O keys kept for the driver");
}

#[test]
fn skip_auth_over_plain_ws_is_reported() {
    let parsed =
        Config::parse("POSCONNECTALLOW=WEBSOCKETS\nSKIPPOSAUTH=1\nWEBSOCKETTLS=0\n").unwrap();
    assert_eq!(parsed.warnings, [ConfigWarning::SkipAuthWithoutTls]);
    assert!(parsed.config.auth_skipped(), "reported, not refused");
    assert!(parsed.warnings[0].to_string().contains("SKIPPOSAUTH"));
    // The same check for a configuration built in code.
    assert_eq!(
        parsed.config.warnings(),
        [ConfigWarning::SkipAuthWithoutTls]
    );
    // Over TLS, or with authentication on, there is nothing to say.
    for text in [
        "POSCONNECTALLOW=WEBSOCKETS\nSKIPPOSAUTH=1\nWEBSOCKETTLS=1\n",
        "POSCONNECTALLOW=WEBSOCKETS\nSKIPPOSAUTH=0\nWEBSOCKETTLS=0\n",
        "POSCONNECTALLOW=TCPIP\nSKIPPOSAUTH=1\nWEBSOCKETTLS=0\n",
    ] {
        assert!(Config::parse(text).unwrap().warnings.is_empty(), "{text}");
    }
}
