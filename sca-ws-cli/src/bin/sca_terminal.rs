//! `sca_terminal`: simulated SCA payment terminals. One by default, dialling a POS broker,
//! reconnecting forever and answering from a simulated payment engine (status and screen
//! lines on stderr); `--count N` runs N of them in one process (`ID-1` .. `ID-N`) to load a
//! broker, with a summary line on stdout every 10 s and on exit.
//!
//! ```text
//! sca_terminal --url ws://127.0.0.1:8080/ --pinpad-id 1 --skip-pos-auth
//! sca_terminal --url ws://127.0.0.1:8080/ --pinpad-id LOAD --skip-pos-auth --count 10000
//! sca_terminal --url ws://127.0.0.1:8080/ --pinpad-id 1 --pairing-code 1234 --key-store KEYS
//! ```
//!
//! Pairing: a SECURITY REGISTER prints `screen: Enter pairing code` and the simulated cashier
//! types `--pairing-code` (else the POS's code). `--key-store FILE` keeps the keys and
//! counters (mode 0600, replaced atomically, saved before the answer that depends on them)
//! and restores them at start; when saving fails the terminal stops rather than answer.
//!
//! Stop it with SIGTERM or ctrl-c: every link is closed (1000) and the summary printed.

use std::hash::BuildHasher;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use sca_ws_cli::output::say;
use sca_ws_cli::sim_handler::{LineSink, SimHandler};
use sca_ws_cli::swarm_stats::SwarmStats;
use sca_ws_cli::terminal_args::{self, TerminalArgs, USAGE, pinpad_ids};
use sca_ws_cli::terminal_lines::event_line;
use sca_ws_cli::{nofile, shutdown};
use sca_ws_tokio::terminal::{Client, ClientConfig, ClientIdentity, Event, Handle};
use tokio::sync::broadcast;

/// How often the summary line is printed.
const SUMMARY_EVERY: Duration = Duration::from_secs(10);
/// Descriptors kept for everything but the links (stdio, the runtime's own).
const SPARE_DESCRIPTORS: u64 = 64;
/// How long the links get to close on exit.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// Terminals started at once before the next batch, so ten thousand do not all dial in the
/// same millisecond and overflow the broker's listen backlog.
const DIAL_BATCH: usize = 250;

fn main() -> ExitCode {
    let args = match terminal_args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("sca_terminal: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    for warning in &args.warnings {
        eprintln!("sca_terminal: warning: {warning}");
    }
    let count = args.count.unwrap_or(1);
    if let Some(warning) = nofile::raise_for(count as u64 + SPARE_DESCRIPTORS) {
        eprintln!("sca_terminal: {warning} for --count {count}");
    }
    let base = match client_config(&args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("sca_terminal: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("sca_terminal: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args, base));
    ExitCode::SUCCESS
}

/// The configuration shared by every terminal (TLS built once for all of them).
fn client_config(args: &TerminalArgs) -> Result<ClientConfig, String> {
    let mut config = ClientConfig::new(args.config.clone());
    let read = |flag: &str, path: &std::path::Path| {
        std::fs::read(path).map_err(|e| format!("{flag} {}: cannot read: {e}", path.display()))
    };
    if args.config.tls {
        let ca = match &args.ca {
            Some(path) => {
                let pem = read("--ca", path)?;
                // Checked on its own first, so a bad CA file is blamed on --ca alone.
                let tls = sca_ws_tokio::tls::client_config(Some(&pem), None)
                    .map_err(|e| format!("--ca {}: {e}", path.display()))?;
                config.tls = Some(tls);
                Some(pem)
            }
            None => None,
        };
        let identity = match &args.client_cert {
            Some((cert, key)) => Some(ClientIdentity {
                cert_chain_pem: read("--cert", cert)?,
                key_pem: read("--key", key)?,
            }),
            None => None,
        };
        // Without --ca the client reads the configuration's CA file key, else the Mozilla
        // roots; with it, the file given wins.
        if let (Some(id), Some((cert, key))) = (&identity, &args.client_cert) {
            let pair = (id.cert_chain_pem.as_slice(), id.key_pem.as_slice());
            let tls = sca_ws_tokio::tls::client_config(ca.as_deref(), Some(pair))
                .map_err(|e| format!("--cert {} / --key {}: {e}", cert.display(), key.display()))?;
            config.tls = Some(tls);
        }
    }
    match args.pairing.load() {
        Ok(Some(state)) => {
            eprintln!("key store: {} labels restored", state.labels.len());
            config.auth_state = Some(state);
        }
        Ok(None) => {}
        Err(e) => return Err(format!("--key-store: {e}")),
    }
    if args.count.is_some() {
        // Thousands of terminals nobody watches one by one: keep each one's buffers small.
        config.event_capacity = 4;
    }
    Ok(config)
}

async fn run(args: TerminalArgs, base: ClientConfig) {
    let stats = Arc::new(SwarmStats::default());
    let base_id = args.config.pinpad_id.clone().unwrap_or_default();
    let ids = pinpad_ids(&base_id, args.count);
    let total = ids.len();
    let single = args.count.is_none();
    // Nonces, masks and backoff jitter come from this seed: the OS-seeded hasher is enough.
    let seed = std::collections::hash_map::RandomState::new().hash_one(0u8);
    let mut handles: Vec<Handle> = Vec::with_capacity(total);
    let mut tasks = Vec::with_capacity(total);
    let pairing = Arc::new(args.pairing.clone());
    let ticker = tokio::spawn(summaries(stats.clone(), total));
    let mut started = 0;
    let mut logger = None;
    for (index, id) in ids.into_iter().enumerate() {
        let mut config = base.clone();
        config.terminal.pinpad_id = Some(id.clone());
        config.seed = seed.wrapping_add(index as u64);
        let lines: Option<LineSink> = single.then(|| Arc::new(|line| eprintln!("{line}")) as _);
        let handler = SimHandler::new(&id, args.capture_delay, stats.clone(), lines)
            .with_pairing(pairing.clone());
        let client = Client::new(config, handler);
        let handle = client.handle();
        if single {
            // Subscribed before the client runs, so its first status line is not missed.
            logger = Some(tokio::spawn(log_events(handle.subscribe(), stats.clone())));
        }
        tasks.push(tokio::spawn(client.run()));
        handles.push(handle);
        started += 1;
        if started % DIAL_BATCH == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let watcher = (!single).then(|| tokio::spawn(count_links(handles.clone(), stats.clone())));

    let signal = shutdown::signalled().await;
    // The figures as they stood when asked to stop, before the links close.
    let last = summary_now(&handles, &stats);
    eprintln!("sca_terminal: {signal}: closing {total} link(s)");
    for handle in &handles {
        handle.close();
    }
    let all_closed = async {
        for task in tasks {
            let _ = task.await;
        }
    };
    if tokio::time::timeout(CLOSE_GRACE, all_closed).await.is_err() {
        eprintln!("sca_terminal: some links did not close within {CLOSE_GRACE:?}");
    }
    ticker.abort();
    for task in watcher.into_iter().chain(logger) {
        task.abort();
    }
    say(&last);
}

/// The summary with the connected count read from the handles.
fn summary_now(handles: &[Handle], stats: &SwarmStats) -> String {
    let connected = handles.iter().filter(|h| h.is_connected()).count();
    stats.set_connected(connected as u64);
    stats.summary(handles.len())
}

/// A single terminal's status and screen lines on stderr, and its connected count.
async fn log_events(mut events: broadcast::Receiver<Event>, stats: Arc<SwarmStats>) {
    loop {
        match events.recv().await {
            Ok(event @ (Event::Status(_) | Event::Screen(_))) => {
                if let Event::Status(status) = &event {
                    stats.set_connected(u64::from(status.connected));
                }
                if let Some(line) = event_line(&event) {
                    eprintln!("{line}");
                }
            }
            Ok(Event::AuthNotRestored(why)) => {
                eprintln!("key store: {why}");
                std::process::exit(1);
            }
            Ok(Event::AuthNotSaved(why)) => {
                // Answering with an unsaved key could accept a COUNTER twice later.
                eprintln!("key store: {why}; stopping before answering");
                std::process::exit(1);
            }
            Ok(Event::Stopped) | Err(broadcast::error::RecvError::Closed) => return,
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                eprintln!("sca_terminal: {missed} status lines lost");
            }
        }
    }
}

/// Keeps the swarm's connected count, read from the handles once a second.
async fn count_links(handles: Vec<Handle>, stats: Arc<SwarmStats>) {
    loop {
        let connected = handles.iter().filter(|h| h.is_connected()).count();
        stats.set_connected(connected as u64);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Prints the summary every [`SUMMARY_EVERY`].
async fn summaries(stats: Arc<SwarmStats>, total: usize) {
    let mut every = tokio::time::interval(SUMMARY_EVERY);
    every.tick().await;
    loop {
        every.tick().await;
        say(&stats.summary(total));
    }
}
