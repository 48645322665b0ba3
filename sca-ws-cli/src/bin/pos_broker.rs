//! `pos_broker`: a POS cloud broker as a service. Terminals connect over ws / wss; POS
//! applications reach them through the HTTP API (`--http`), or a person through stdin lines.
//!
//! ```text
//! pos_broker --listen 127.0.0.1:8080 --http 127.0.0.1:8081
//! pos_broker --listen 0.0.0.0:8443 --tls-cert SERVER.pem --tls-key KEY.pem --client-ca CA.pem \
//!     --http 0.0.0.0:8081 --api-token TOKEN
//! ```
//!
//! stdin, one command per line: `PINPAD_ID <TRANSACTION>...</TRANSACTION>` (the document on
//! one line); `PINPAD_ID register` pairs (the code the cashier must type goes to stderr,
//! then `registered ID LABEL`; every later request to it is signed), `PINPAD_ID unregister`
//! removes the label again, `PINPAD_ID testmac` sends SECURITY TEST_MAC. `--pos-key FILE`
//! is the POS's RSA key (made and saved, mode 0600, when absent), `--key-store FILE` keeps
//! every terminal's labels and counters across restarts.
//! stdout, one line per event: `connected ID`, `response ID <RESPONSE ...>`,
//! `unsolicited ID <RESPONSE ...>`, `error ID <reason>`, `disconnected ID` (its reason on
//! stderr). A bad stdin line gets an `error` line; end of stdin only ends the reading. The
//! service stops on SIGTERM or ctrl-c: links are closed with 1001 within the grace period.
//!
//! With `--nats URL --node-id NAME` the broker is one node of a cluster (docs/cluster.md):
//! requests, the terminal list and the events reach every node's terminals.

use std::process::ExitCode;
use std::sync::Arc;

use sca_ws_cli::api::{self, Api, metrics::Metrics};
use sca_ws_cli::broker_args::{self, BrokerArgs, USAGE};
use sca_ws_cli::brokerage::{Brokerage, LinkEvent, PairingCommand, PairingOutcome};
use sca_ws_cli::cluster_args::{self, ClusterArgs};
use sca_ws_cli::cluster_broker::NodeBroker;
use sca_ws_cli::output::{response_line, say};
use sca_ws_cli::pos_pairing::{PosPairing, entry_code};
use sca_ws_cli::stdin_lines::{self, Command};
use sca_ws_cli::{nofile, shutdown};
use sca_ws_tokio::broker::{Server, ServerConfig};
use tokio::sync::{broadcast, watch};

/// Descriptors below this many, the broker warns: the issue's 10 000 terminals and a margin.
const WANTED_DESCRIPTORS: u64 = 10_240;

fn main() -> ExitCode {
    let parsed = cluster_args::take(std::env::args().skip(1))
        .and_then(|(cluster, rest)| Ok((broker_args::parse(rest.into_iter())?, cluster)));
    let (args, cluster) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("pos_broker: {e}\n{USAGE} {}", cluster_args::USAGE);
            return ExitCode::from(2);
        }
    };
    if let Some(warning) = nofile::raise_for(WANTED_DESCRIPTORS) {
        eprintln!("pos_broker: {warning}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("pos_broker: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(args, cluster))
}

fn server_config(args: &BrokerArgs) -> Result<ServerConfig, String> {
    let mut config = ServerConfig::new(args.listen);
    if let Some(files) = &args.tls {
        let read = |flag: &str, path: &std::path::Path| {
            std::fs::read(path).map_err(|e| format!("{flag} {}: cannot read: {e}", path.display()))
        };
        let cert = read("--tls-cert", &files.cert)?;
        let key = read("--tls-key", &files.key)?;
        let ca = match &files.client_ca {
            Some(path) => {
                let pem = read("--client-ca", path)?;
                // The CAs checked on their own first, so a bad file is blamed on its flag
                // (the same check the server configuration makes of them below).
                sca_ws_tokio::tls::client_config(Some(&pem), None)
                    .map_err(|e| format!("--client-ca {}: {e}", path.display()))?;
                Some(pem)
            }
            None => None,
        };
        let tls = sca_ws_tokio::tls::server_config(&cert, &key, ca.as_deref()).map_err(|e| {
            format!(
                "--tls-cert {} / --tls-key {}: {e}",
                files.cert.display(),
                files.key.display()
            )
        })?;
        config.tls = Some(tls);
    }
    config.bind_pinpad_id_to_certificate = args.pinpad_id_from_cert;
    config.submit_timeout = args.request_timeout;
    config.core.request_timeout = args.request_timeout;
    config.core.max_waiting_requests = args.queue;
    Ok(config)
}

async fn serve(args: BrokerArgs, cluster: Option<ClusterArgs>) -> ExitCode {
    let config = match server_config(&args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("pos_broker: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let scheme = if config.tls.is_some() { "wss" } else { "ws" };
    let server = match Server::bind(config) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("pos_broker: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let local = server.local_addr().unwrap_or(args.listen);
    let (pairing, books) = match PosPairing::open(args.pos_key.clone(), args.key_store.clone()) {
        Ok(opened) => opened,
        Err(e) => {
            eprintln!("pos_broker: {e}");
            return ExitCode::FAILURE;
        }
    };
    let handle = server.handle();
    for (pinpad_id, book) in books {
        handle.set_book(&pinpad_id, book);
    }
    let broker = match &cluster {
        Some(cluster) => match NodeBroker::join(handle, cluster).await {
            Ok(broker) => broker,
            Err(e) => {
                eprintln!("pos_broker: {e}");
                return ExitCode::from(2);
            }
        },
        None => NodeBroker::single(handle),
    };
    let broker = Arc::new(broker.with_pairing(Arc::new(pairing)));
    let printer = tokio::spawn(print_events(broker.subscribe()));
    let accepting = tokio::spawn(server.run());
    let (stop, stopping) = watch::channel(false);

    let http = match args.http {
        Some(addr) => match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => {
                let bound = listener.local_addr().unwrap_or(addr);
                let api = Arc::new(Api {
                    broker: broker.clone(),
                    token: args.token,
                    metrics: match cluster {
                        Some(_) => Metrics::new().with_cluster(),
                        None => Metrics::new(),
                    },
                    stopping: stopping.clone(),
                });
                let mut until = stopping.clone();
                let serving =
                    axum::serve(listener, api::router(api)).with_graceful_shutdown(async move {
                        let _ = until.wait_for(|stop| *stop).await;
                    });
                eprintln!("api on http://{bound}/");
                Some(tokio::spawn(async move { serving.await }))
            }
            Err(e) => {
                eprintln!("pos_broker: cannot listen on --http {addr}: {e}");
                let _ = broker.handle().shutdown(args.shutdown_grace).await;
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    eprintln!("listening on {scheme}://{local}/");
    read_stdin(broker.clone());

    let signal = shutdown::signalled().await;
    eprintln!(
        "pos_broker: {signal}: closing the links (grace {:?})",
        args.shutdown_grace
    );
    let _ = stop.send(true);
    broker.leave(args.shutdown_grace).await;
    broker.handle().shutdown(args.shutdown_grace).await;
    if let Some(http) = http {
        let _ = http.await;
    }
    accepting.abort();
    printer.abort();
    eprintln!("pos_broker: stopped");
    ExitCode::SUCCESS
}

/// Prints one stdout line per link event (the reason of a disconnection on stderr).
async fn print_events(mut events: broadcast::Receiver<LinkEvent>) {
    loop {
        match events.recv().await {
            Ok(LinkEvent::Connected { pinpad_id, .. }) => say(&format!("connected {pinpad_id}")),
            Ok(LinkEvent::Disconnected { pinpad_id, reason }) => {
                say(&format!("disconnected {pinpad_id}"));
                eprintln!("{pinpad_id}: {reason}");
            }
            Ok(LinkEvent::Unsolicited {
                pinpad_id,
                response,
            }) => say(&format!(
                "unsolicited {pinpad_id} {}",
                response_line(&response)
            )),
            Ok(LinkEvent::Replaced { pinpad_id, remote }) => {
                say(&format!("replaced {pinpad_id}"));
                eprintln!("{pinpad_id}: a newer link from {remote} took over");
            }
            Ok(LinkEvent::TlsFailed { remote, reason }) => {
                eprintln!("pos_broker: TLS handshake with {remote} failed: {reason}");
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                eprintln!("pos_broker: stdout fell behind; {missed} event lines lost");
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Reads stdin on a thread of its own until it ends; every request runs as a task.
fn read_stdin(broker: Arc<NodeBroker>) {
    let runtime = tokio::runtime::Handle::current();
    let spawned = std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            stdin_lines::for_each_line(std::io::stdin().lock(), |line| {
                let parsed = line.and_then(stdin_lines::parse);
                match parsed {
                    Ok(None) => {}
                    Ok(Some((pinpad_id, Command::Submit(tx)))) => {
                        let broker = broker.clone();
                        runtime.spawn(async move {
                            match broker.submit(&pinpad_id, tx).await {
                                Ok(r) => {
                                    say(&format!("response {pinpad_id} {}", response_line(&r)))
                                }
                                Err(e) => say(&format!("error {pinpad_id} {e}")),
                            }
                        });
                    }
                    Ok(Some((pinpad_id, Command::Register))) => match entry_code() {
                        Ok(code) => {
                            eprintln!("pairing code for {pinpad_id}: {code}");
                            let command = PairingCommand::Register { entry_code: code };
                            pair(&runtime, &broker, pinpad_id, command);
                        }
                        Err(e) => say(&format!("error {pinpad_id} {e}")),
                    },
                    Ok(Some((pinpad_id, Command::Unregister))) => {
                        pair(&runtime, &broker, pinpad_id, PairingCommand::Unregister);
                    }
                    Ok(Some((pinpad_id, Command::TestMac))) => {
                        pair(&runtime, &broker, pinpad_id, PairingCommand::TestMac);
                    }
                    Ok(Some((pinpad_id, Command::Close))) => {
                        if let Err(e) = broker.close(&pinpad_id) {
                            say(&format!("error {pinpad_id} {e}"));
                        }
                    }
                    Ok(Some((pinpad_id, Command::Drop))) => {
                        if let Err(e) = broker.drop_link(&pinpad_id) {
                            say(&format!("error {pinpad_id} {e}"));
                        }
                    }
                    Err(bad) => say(&bad.line()),
                }
            });
            eprintln!("pos_broker: stdin ended; still serving (stop with SIGTERM or ctrl-c)");
        });
    if let Err(e) = spawned {
        eprintln!("pos_broker: no stdin line mode: {e}");
    }
}

/// Runs a pairing command as a task; prints `registered ID LABEL`, `unregistered ID` (with
/// the answer's `response` line), `response ID ...` or `error ID reason`.
fn pair(
    runtime: &tokio::runtime::Handle,
    broker: &Arc<NodeBroker>,
    pinpad_id: String,
    command: PairingCommand,
) {
    let broker = broker.clone();
    let unregister = command == PairingCommand::Unregister;
    runtime.spawn(async move {
        match broker.pairing(&pinpad_id, command).await {
            Ok(PairingOutcome::Registered(label)) => {
                say(&format!("registered {pinpad_id} {label}"))
            }
            Ok(PairingOutcome::Answered(response)) => {
                say(&format!(
                    "response {pinpad_id} {}",
                    response_line(&response)
                ));
                if unregister && response.is_success() {
                    say(&format!("unregistered {pinpad_id}"));
                }
            }
            Err(e) => say(&format!("error {pinpad_id} {e}")),
        }
    });
}
