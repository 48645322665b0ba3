//! The listening socket and its accept loop: one task per accepted transport, TLS first
//! when configured (bounded by the core's handshake timeout), at most `max_links` at once.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::config::ServerConfig;
use super::event::Event;
use super::link_task::{self, TaskGuard};
use super::shared::{Control, Handle, Shared};
use crate::tls::{certificate_names, tls_failure};

/// Pause after a failed `accept` (out of descriptors, ...) so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// A bound broker: get a [`Handle`] with [`Server::handle`], then drive the accept loop with
/// [`Server::run`] (usually `tokio::spawn(server.run())`).
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.listener.local_addr().ok())
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Binds the listening socket (address reuse on, backlog from the config). Call it from
    /// inside a tokio runtime; nothing is accepted until [`Server::run`] is polled.
    pub fn bind(config: ServerConfig) -> io::Result<Server> {
        let socket = match config.bind {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        socket.bind(config.bind)?;
        let listener = socket.listen(config.backlog)?;
        let tls = config.tls.clone().map(TlsAcceptor::from);
        Ok(Server {
            listener,
            shared: Arc::new(Shared::new(config)),
            tls,
        })
    }

    /// The address actually bound (the port chosen for `:0`).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle to submit requests, list terminals, subscribe to events and shut down.
    pub fn handle(&self) -> Handle {
        Handle {
            shared: self.shared.clone(),
        }
    }

    /// Accepts terminals until [`Handle::shutdown`] is called, spawning one task per
    /// transport; returns then (the link tasks finish closing on their own).
    ///
    /// Cancel safety: dropping this future stops accepting new transports and closes the
    /// listening socket; links already accepted keep running.
    pub async fn run(self) -> io::Result<()> {
        let mut stopping = self.shared.stopping.subscribe();
        loop {
            if *stopping.borrow_and_update() {
                return Ok(());
            }
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((tcp, remote_addr)) => self.serve(tcp, remote_addr),
                    Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
                },
                _ = stopping.changed() => {}
            }
        }
    }

    /// Starts the task of one accepted transport, unless the server is full or stopping.
    fn serve(&self, tcp: TcpStream, remote_addr: SocketAddr) {
        let serial = self.shared.next_serial();
        let control_rx = {
            let mut state = self.shared.state();
            if state.shutting_down || state.tasks.len() >= self.shared.config.max_links {
                return; // dropping `tcp` closes it
            }
            let (control, control_rx) = watch::channel(Control::Run);
            state.tasks.insert(serial, control);
            control_rx
        };
        let _ = tcp.set_nodelay(true);
        let shared = self.shared.clone();
        let tls = self.tls.clone();
        tokio::spawn(async move {
            let _guard = TaskGuard {
                shared: shared.clone(),
                serial,
            };
            match tls {
                None => link_task::run(shared, serial, tcp, remote_addr, None, control_rx).await,
                Some(acceptor) => {
                    let limit = shared.core.handshake_timeout;
                    let stream = match tokio::time::timeout(limit, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(e)) => {
                            let reason = tls_failure(&e).unwrap_or_else(|| e.to_string());
                            shared.emit(Event::TlsFailed {
                                remote_addr,
                                reason,
                            });
                            return;
                        }
                        Err(_) => {
                            let reason = "no TLS handshake within the handshake timeout".into();
                            shared.emit(Event::TlsFailed {
                                remote_addr,
                                reason,
                            });
                            return;
                        }
                    };
                    let names = stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|chain| chain.first())
                        .map(|leaf| certificate_names(leaf));
                    link_task::run(shared, serial, stream, remote_addr, names, control_rx).await
                }
            }
        });
    }
}
