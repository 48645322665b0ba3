//! The cluster figures of `scripts/measure_cluster.sh`: request → RESPONSE latency for a
//! terminal on the same node against one on the other node, with TERMINALS terminals
//! spread over two broker nodes joined through a real `nats-server` on loopback.
//!
//! Both nodes and the terminals run in this one process (as in the cluster tests); the
//! requests go through node A's [`Cluster::submit`], so the two figures differ by exactly
//! the NATS round trip and the other node's work. The HTTP leg in front, the same for both,
//! is measured by `scripts/measure_broker.sh`.
//!
//! ```text
//! cargo run --release -p sca-ws-cli --example cluster_latency -- TERMINALS REQUESTS CONCURRENCY
//! ```

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sca_ws::{Response, Transaction};
use sca_ws_tokio::broker::{Server, ServerConfig};
use sca_ws_tokio::cluster::{Cluster, ClusterConfig};
use sca_ws_tokio::terminal::{Client, ClientConfig, Handler, Request};
use tokio::time::Instant;

/// Answered at once, no session needed.
const VERSION: &[u8] =
    b"<TRANSACTION><FUNCTION_TYPE>DEVICE</FUNCTION_TYPE><COMMAND>VERSION</COMMAND></TRANSACTION>";

/// Answers every request at once.
struct AtOnce;

impl Handler for AtOnce {
    async fn request(&self, _request: Request) -> Response {
        Response::success("ok")
    }
}

/// The nats-server child, killed on drop.
struct Nats(Child);

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_nats() -> (Nats, u16) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let binary = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nats-server"))
        .find(|candidate| candidate.is_file())
        .expect("nats-server installed (Debian package nats-server)");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    // Owned by the killing guard at once, so every path below ends the server.
    let nats = Nats(
        Command::new(binary)
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server"),
    );
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    for _ in 0..200 {
        if TcpStream::connect(addr).is_ok() {
            return (nats, port);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("nats-server did not listen within 5 s");
}

async fn node(url: &str, name: &str) -> (Cluster, SocketAddr) {
    let server = Server::bind(ServerConfig::default()).expect("bind");
    let addr = server.local_addr().expect("addr");
    let handle = server.handle();
    tokio::spawn(server.run());
    let cluster = Cluster::join(handle, ClusterConfig::new(url, name))
        .await
        .expect("join");
    (cluster, addr)
}

fn terminal_config(addr: SocketAddr, id: &str) -> ClientConfig {
    let text = format!(
        "WEBSOCKETADDRESS=127.0.0.1\nWEBSOCKETPORT={}\nWEBSOCKETTLS=0\nWEBSOCKETPINPADID={id}\n\
         SKIPPOSAUTH=1\nWEBSOCKETRECONNECTFIRST_MS=100\nWEBSOCKETRECONNECTMAX_MS=1000",
        addr.port()
    );
    let config = sca_ws::terminal::Config::parse(&text)
        .expect("config")
        .config;
    ClientConfig::new(config)
}

/// p50 and p99 of `samples`, in microseconds.
fn quantiles(samples: &mut [Duration]) -> (f64, f64) {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1e6
    };
    (at(0.50), at(0.99))
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| {
            a.parse()
                .expect("usage: cluster_latency TERMINALS REQUESTS CONCURRENCY")
        })
        .collect();
    let terminals = args.first().copied().unwrap_or(1000).max(2);
    let requests = args.get(1).copied().unwrap_or(20_000);
    let concurrency = args.get(2).copied().unwrap_or(8).max(1);
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let (_nats, port) = start_nats();
    let url = format!("nats://127.0.0.1:{port}");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let (a, addr_a) = node(&url, "node-a").await;
        let (b, addr_b) = node(&url, "node-b").await;
        let half = terminals / 2;
        let mut clients = Vec::new();
        for i in 0..half {
            clients.push(Client::spawn(terminal_config(addr_a, &format!("A-{i}")), AtOnce));
            clients.push(Client::spawn(terminal_config(addr_b, &format!("B-{i}")), AtOnce));
        }
        let started = Instant::now();
        while a.served_count() < half || b.served_count() < half {
            assert!(started.elapsed() < Duration::from_secs(120), "terminals up in 2 min");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let tx = Transaction::decode(VERSION).expect("VERSION");
        // Warm-up: every terminal once from node A, so both paths are open.
        for i in 0..half {
            for id in [format!("A-{i}"), format!("B-{i}")] {
                for _ in 0..100 {
                    if a.submit(&id, tx.clone()).await.is_ok() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        println!(
            "{terminals} terminals ({half} per node) up and answering after {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let same = Arc::new(Mutex::new(Vec::with_capacity(requests / 2)));
        let other = Arc::new(Mutex::new(Vec::with_capacity(requests / 2)));
        let failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = Instant::now();
        let mut workers = Vec::new();
        for w in 0..concurrency {
            let (a, tx) = (a.clone(), tx.clone());
            let (same, other, failures) = (same.clone(), other.clone(), failures.clone());
            workers.push(tokio::spawn(async move {
                let mut n = w;
                while n < requests {
                    // Alternate the two paths, each over every terminal of its node.
                    let (id, sink) = if n % 2 == 0 {
                        (format!("A-{}", (n / 2) % half), &same)
                    } else {
                        (format!("B-{}", (n / 2) % half), &other)
                    };
                    let sent = Instant::now();
                    match a.submit(&id, tx.clone()).await {
                        Ok(_) => sink.lock().expect("samples").push(sent.elapsed()),
                        Err(_) => {
                            failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                    n += concurrency;
                }
            }));
        }
        for worker in workers {
            worker.await.expect("worker");
        }
        let took = started.elapsed();
        let mut same = same.lock().expect("samples").clone();
        let mut other = other.lock().expect("samples").clone();
        let (s50, s99) = quantiles(&mut same);
        let (o50, o99) = quantiles(&mut other);
        println!(
            "{requests} requests from node A, {concurrency} in flight, in {:.1} s ({:.0}/s), {} failed",
            took.as_secs_f64(),
            requests as f64 / took.as_secs_f64(),
            failures.load(std::sync::atomic::Ordering::Relaxed)
        );
        println!("same node  (A -> terminal on A): p50 {s50:.0} µs, p99 {s99:.0} µs ({} samples)", same.len());
        println!("other node (A -> NATS -> B -> terminal on B): p50 {o50:.0} µs, p99 {o99:.0} µs ({} samples)", other.len());
        println!("NATS overhead at p50: {:.0} µs", o50 - s50);
        drop(clients);
    });
}
