//! A real `nats-server` for the cluster tests, on 127.0.0.1 and a free port, and broker
//! nodes that each run on their own tokio runtime, so that "killing" one ends its sockets
//! and tasks at once, as a process kill would.

#![allow(dead_code, unreachable_pub)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::time::Instant;

use sca_ws_tokio::broker::{Handle, Server, ServerConfig};
use sca_ws_tokio::cluster::{Cluster, ClusterConfig};
use tokio::runtime::Runtime;

/// Where `nats-server` is: on PATH, or in the sbin folder Debian puts it in (not on every
/// user's PATH).
pub fn nats_server_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|dir| dir.join("nats-server"))
        .find(|candidate| candidate.is_file())
}

/// A running `nats-server`; killed when dropped.
pub struct Nats {
    binary: PathBuf,
    pub port: u16,
    child: Option<Child>,
}

impl Nats {
    /// Starts one, or says why not (the caller skips its test then).
    pub fn start() -> Option<Nats> {
        let Some(binary) = nats_server_binary() else {
            eprintln!(
                "skipped: nats-server is not installed (Debian package nats-server; .ci/run installs it)"
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut nats = Nats {
            binary,
            port,
            child: None,
        };
        nats.restart();
        Some(nats)
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again) on the same port and waits until it takes connections.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new(&self.binary)
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        self.child = Some(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let until = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < until, "nats-server listening within 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server (SIGKILL) and waits for it to end.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One broker node: a server on 127.0.0.1 and its cluster membership, on a runtime of its
/// own.
pub struct Node {
    runtime: Option<Runtime>,
    pub cluster: Cluster,
    pub handle: Handle,
    pub addr: SocketAddr,
}

impl Node {
    /// Starts node `name` joined through `nats_url`. Call it from outside any runtime or
    /// from inside one: the node is built on a thread of its own.
    pub fn start(nats_url: &str, name: &str, config: ServerConfig) -> Node {
        let (url, name) = (nats_url.to_owned(), name.to_owned());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            let (cluster, handle, addr) = runtime.block_on(async move {
                let mut config = config;
                config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
                let server = Server::bind(config).expect("bind");
                let addr = server.local_addr().expect("addr");
                let handle = server.handle();
                tokio::spawn(server.run());
                let mut cluster_config = ClusterConfig::new(url, name);
                cluster_config.reconnect_delay_max = Duration::from_millis(200);
                let cluster = Cluster::join(handle.clone(), cluster_config)
                    .await
                    .expect("join");
                (cluster, handle, addr)
            });
            Node {
                runtime: Some(runtime),
                cluster,
                handle,
                addr,
            }
        })
        .join()
        .expect("node thread")
    }

    /// Ends the node at once: every task and socket of its runtime goes, its NATS
    /// connection and terminal links included, with no goodbye.
    pub fn kill(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `probe` every 50 ms until it returns `Some`, at most `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, mut probe: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let until = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = probe().await {
            return Some(value);
        }
        if tokio::time::Instant::now() >= until {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
