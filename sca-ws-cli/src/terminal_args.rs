//! The command line of `sca_terminal`: today's flags and `--count N` for a swarm.

use std::path::PathBuf;
use std::time::Duration;

use sca_ws::terminal::{Config as TerminalConfig, ConfigWarning};

use crate::key_store::KeyFile;
use crate::sim_pairing::SimPairing;

/// The usage line printed with every argument error.
pub const USAGE: &str = "usage: sca_terminal --url ws://HOST:PORT/PATH --pinpad-id ID \
[--count N] [--skip-pos-auth] [--ping-interval SECS] [--pong-timeout SECS] [--config FILE] \
[--capture-delay SECS] [--pairing-code CODE] [--key-store FILE] [--ca FILE] [--cert FILE --key FILE] (the last three for wss:// only)";

/// The most terminals one process simulates: each needs a descriptor and some memory.
pub const MAX_COUNT: usize = 100_000;

/// Everything the command line says.
#[derive(Debug)]
pub struct TerminalArgs {
    /// The terminal's configuration (the file's, then the flags').
    pub config: TerminalConfig,
    /// `--count`: how many terminals; `None` for one with the id as given.
    pub count: Option<usize>,
    /// `--capture-delay`: how long a CAPTURE waits for the "customer".
    pub capture_delay: Duration,
    /// `--ca`: the broker's CA (PEM), for wss.
    pub ca: Option<PathBuf>,
    /// `--cert` and `--key`: a client certificate for mutual TLS.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Warnings about the configuration, for stderr.
    pub warnings: Vec<String>,
    /// `--pairing-code` and `--key-store`.
    pub pairing: SimPairing,
}

/// Parses the arguments after the program name; `Err` says what is wrong.
pub fn parse(mut args: impl Iterator<Item = String>) -> Result<TerminalArgs, String> {
    let (mut url, mut pinpad, mut skip, mut ping, mut file) = (None, None, false, None, None);
    let (mut ca, mut cert, mut key) = (None::<PathBuf>, None::<PathBuf>, None::<PathBuf>);
    let (mut pong, mut count) = (None, None);
    let mut capture_delay = Duration::from_secs(3);
    let mut warnings = Vec::new();
    let mut pairing = SimPairing::default();
    let number = |flag: &str, value: Option<String>| -> Result<u64, String> {
        let value = value.ok_or(format!("{flag} needs a number"))?;
        value
            .parse()
            .map_err(|_| format!("{flag} {value:?} is not a whole number"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--url" => url = Some(args.next().ok_or("--url needs ws://HOST:PORT/PATH")?),
            "--pinpad-id" => pinpad = Some(args.next().ok_or("--pinpad-id needs an id")?),
            "--count" => {
                let n = number("--count", args.next())?;
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                if n == 0 || n > MAX_COUNT {
                    return Err(format!("--count must be 1 to {MAX_COUNT}"));
                }
                count = Some(n);
            }
            "--skip-pos-auth" => skip = true,
            "--ping-interval" => ping = Some(number("--ping-interval", args.next())?),
            "--pong-timeout" => pong = Some(number("--pong-timeout", args.next())?),
            "--capture-delay" => {
                capture_delay = Duration::from_secs(number("--capture-delay", args.next())?);
            }
            "--pairing-code" => {
                pairing.typed_code = Some(args.next().ok_or("--pairing-code needs a code")?);
            }
            "--key-store" => {
                let path = args.next().ok_or("--key-store needs a file")?;
                pairing.key_store = Some(KeyFile::new(path));
            }
            "--config" => file = Some(args.next().ok_or("--config needs a file")?),
            "--ca" => ca = Some(args.next().ok_or("--ca needs a PEM file")?.into()),
            "--cert" => cert = Some(args.next().ok_or("--cert needs a PEM file")?.into()),
            "--key" => key = Some(args.next().ok_or("--key needs a PEM file")?.into()),
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if count.is_some() && pairing.key_store.is_some() {
        return Err("--key-store keeps one terminal's keys: not with --count".into());
    }
    let mut config = match &file {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            let parsed = TerminalConfig::parse(&text).map_err(|e| format!("{path}: {e}"))?;
            // Unknown keys are reported, not fatal; the combination check runs again below.
            for warning in &parsed.warnings {
                if matches!(warning, ConfigWarning::UnknownKey { .. }) {
                    warnings.push(format!("{path}: {warning}"));
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
    let client_cert = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        (Some(_), None) => return Err("--cert needs --key (the client certificate's key)".into()),
        (None, Some(_)) => return Err("--key needs --cert (the client certificate)".into()),
    };
    if !config.tls && (ca.is_some() || client_cert.is_some()) {
        return Err("--ca, --cert and --key are for wss:// URLs only".into());
    }
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
    warnings.extend(config.warnings().iter().map(ToString::to_string));
    Ok(TerminalArgs {
        config,
        count,
        capture_delay,
        ca,
        client_cert,
        warnings,
        pairing,
    })
}

/// The pinpad ids of the terminals: `ID` alone, or `ID-1` .. `ID-N` with `--count N`.
pub fn pinpad_ids(base: &str, count: Option<usize>) -> Vec<String> {
    match count {
        None => vec![base.to_owned()],
        Some(n) => (1..=n).map(|i| format!("{base}-{i}")).collect(),
    }
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

#[cfg(test)]
mod tests {
    use super::{parse, pinpad_ids};

    fn args(line: &str) -> Result<super::TerminalArgs, String> {
        parse(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn count_gives_numbered_ids_and_is_bounded() {
        let parsed =
            args("--url ws://127.0.0.1:9/x --pinpad-id T --count 3 --skip-pos-auth").unwrap();
        assert_eq!(parsed.count, Some(3));
        assert_eq!((parsed.config.port, parsed.config.path.as_str()), (9, "/x"));
        assert_eq!(pinpad_ids("T", parsed.count), ["T-1", "T-2", "T-3"]);
        assert_eq!(pinpad_ids("T", None), ["T"]);
        for (bad, why) in [
            ("--url ws://h:1/ --pinpad-id T --count 0", "--count must be"),
            (
                "--url ws://h:1/ --pinpad-id T --count 100001",
                "--count must be",
            ),
            (
                "--url ws://h:1/ --pinpad-id T --count x",
                "not a whole number",
            ),
            ("--url http://h:1/ --pinpad-id T", "is not ws://"),
            ("--url ws://h:1/", "--pinpad-id is required"),
            ("--url ws://h:1/ --pinpad-id T --ca x", "wss:// URLs only"),
            (
                "--url wss://h:1/ --pinpad-id T --cert x",
                "--cert needs --key",
            ),
        ] {
            let error = args(bad).unwrap_err();
            assert!(error.contains(why), "{bad:?}: {error}");
        }
    }
}
