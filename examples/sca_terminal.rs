//! A simulated SCA payment terminal: dials a POS broker, keeps the link up forever and
//! answers requests from a simulated payment engine. Status and screen lines go to stderr.
//!
//! ```text
//! cargo run --release --example sca_terminal -- --url ws://127.0.0.1:8080/ --pinpad-id 1 \
//!     [--skip-pos-auth] [--ping-interval SECS] [--pong-timeout SECS] [--config FILE]
//!     [--capture-delay SECS] [--key-store FILE] [--pairing-code CODE]
//! cargo run --release --example sca_terminal -- --url wss://broker.example:8443/ --pinpad-id 1 \
//!     [--ca CA.pem] [--cert CLIENT.pem --key CLIENT-KEY.pem]
//! ```
//!
//! `wss://` connects with rustls: `--ca` is the PEM file of the CA(s) to trust instead of the
//! Mozilla root set; `--cert` and `--key` present a client certificate (mutual TLS).
//!
//! Without `--skip-pos-auth` every request must be signed with a key a POS registered
//! (SECURITY REGISTER): the screen shows `Enter pairing code` and the simulated cashier types
//! the code the POS sent, or `--pairing-code CODE`. `--key-store FILE` keeps labels, keys and
//! last COUNTERs across restarts (mode 0600, saved before each answer that depends on it).
//!
//! `--config` reads SCA-style `KEY=VALUE` lines (see `sca_ws::terminal::config_keys`); the other flags
//! override it. Stop it with Ctrl-C.

mod support;

use std::hash::BuildHasher;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use rustls::ClientConfig;
use sca_ws::terminal::{Config as TerminalConfig, ConfigWarning};
use support::engine::Engine;
use support::key_store::KeyFile;
use support::pairing::TerminalPairing;

const USAGE: &str = "usage: sca_terminal --url ws://HOST:PORT/PATH --pinpad-id ID \
[--skip-pos-auth] [--ping-interval SECS] [--pong-timeout SECS] [--config FILE] \
[--capture-delay SECS] [--key-store FILE] [--pairing-code CODE] \
[--ca FILE] [--cert FILE --key FILE] (the last three for wss:// only)";

fn main() -> ExitCode {
    let (config, tls, capture_delay, pairing) = match parse_args(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("sca_terminal: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let serial = config.pinpad_id.clone().unwrap_or_default();
    // Nonces, masks and backoff jitter come from this seed: the OS-seeded hasher is enough.
    let seed = std::collections::hash_map::RandomState::new().hash_one(0u8);
    let stop = AtomicBool::new(false);
    let engine = Engine::new(capture_delay, &serial);
    support::std_terminal::run_paired(
        config,
        tls,
        engine,
        seed,
        &stop,
        |line| eprintln!("{line}"),
        pairing,
    );
    ExitCode::SUCCESS
}

type Parsed = (
    TerminalConfig,
    Option<Arc<ClientConfig>>,
    Duration,
    TerminalPairing,
);

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Parsed, String> {
    let (mut url, mut pinpad, mut skip, mut ping, mut file) = (None, None, false, None, None);
    let (mut ca, mut cert, mut key) = (None::<PathBuf>, None::<PathBuf>, None::<PathBuf>);
    let mut capture_delay = Duration::from_secs(3);
    let mut pong = None;
    let mut pairing = TerminalPairing::default();
    let secs = |flag: &str, value: Option<String>| -> Result<u64, String> {
        let value = value.ok_or(format!("{flag} needs a number of seconds"))?;
        value
            .parse()
            .map_err(|_| format!("{flag} {value:?} is not a number of seconds"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--url" => url = Some(args.next().ok_or("--url needs ws://HOST:PORT/PATH")?),
            "--pinpad-id" => pinpad = Some(args.next().ok_or("--pinpad-id needs an id")?),
            "--skip-pos-auth" => skip = true,
            "--ping-interval" => ping = Some(secs("--ping-interval", args.next())?),
            "--pong-timeout" => pong = Some(secs("--pong-timeout", args.next())?),
            "--capture-delay" => {
                capture_delay = Duration::from_secs(secs("--capture-delay", args.next())?)
            }
            "--key-store" => {
                let path = args.next().ok_or("--key-store needs a file")?;
                pairing.key_store = Some(KeyFile::new(path));
            }
            "--pairing-code" => {
                pairing.typed_code = Some(args.next().ok_or("--pairing-code needs a code")?)
            }
            "--config" => file = Some(args.next().ok_or("--config needs a file")?),
            "--ca" => ca = Some(args.next().ok_or("--ca needs a PEM file")?.into()),
            "--cert" => cert = Some(args.next().ok_or("--cert needs a PEM file")?.into()),
            "--key" => key = Some(args.next().ok_or("--key needs a PEM file")?.into()),
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let mut config = match &file {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            let parsed = TerminalConfig::parse(&text).map_err(|e| format!("{path}: {e}"))?;
            // Unknown keys are reported, not fatal; the combination check runs again below.
            for warning in &parsed.warnings {
                if matches!(warning, ConfigWarning::UnknownKey { .. }) {
                    eprintln!("sca_terminal: warning: {path}: {warning}");
                }
            }
            parsed.config
        }
        None => TerminalConfig::default(),
    };
    if let Some(url) = url {
        apply_url(&mut config, &url)?;
    } else if file.is_none() {
        return Err("--url is required".into());
    }
    if let Some(id) = pinpad {
        config.pinpad_id = Some(id);
    }
    let cert_and_key = match (&cert, &key) {
        (Some(cert), Some(key)) => Some((cert.as_path(), key.as_path())),
        (None, None) => None,
        (Some(_), None) => return Err("--cert needs --key (the client certificate's key)".into()),
        (None, Some(_)) => return Err("--key needs --cert (the client certificate)".into()),
    };
    let tls = if config.tls {
        Some(support::tls::client_config(ca.as_deref(), cert_and_key)?)
    } else if ca.is_some() || cert.is_some() {
        return Err("--ca, --cert and --key are for wss:// URLs only".into());
    } else {
        None
    };
    if config.pinpad_id.as_deref().is_none_or(str::is_empty) {
        return Err("--pinpad-id is required".into());
    }
    if skip {
        config.skip_pos_auth = true;
        config.pos_connect_allow = "WEBSOCKETS".into();
    }
    if let Some(secs) = ping {
        config.ping_interval = (secs > 0).then(|| Duration::from_secs(secs));
    }
    if let Some(secs) = pong {
        if secs == 0 {
            return Err("--pong-timeout must be at least 1 second".into());
        }
        config.pong_timeout = Some(Duration::from_secs(secs));
    }
    for warning in config.warnings() {
        eprintln!("sca_terminal: warning: {warning}");
    }
    Ok((config, tls, capture_delay, pairing))
}

/// Sets host, port, path and TLS from `ws://HOST[:PORT][/PATH]` or `wss://...`.
fn apply_url(config: &mut TerminalConfig, url: &str) -> Result<(), String> {
    let bad = || format!("--url {url:?} is not ws://HOST:PORT/PATH or wss://HOST:PORT/PATH");
    let (tls, rest) = if let Some(rest) = url.strip_prefix("ws://") {
        (false, rest)
    } else if let Some(rest) = url.strip_prefix("wss://") {
        (true, rest)
    } else {
        return Err(bad());
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            (host, port.parse::<u16>().map_err(|_| bad())?)
        }
        _ => (authority, if tls { 443 } else { 80 }),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad());
    }
    config.host = host.to_owned();
    config.port = port;
    config.tls = tls;
    config.path = if path.is_empty() {
        "/".into()
    } else {
        path.to_owned()
    };
    Ok(())
}
