//! The broker server: accept terminals, keep one link per pinpad id, send them POS requests
//! and hand back their answers.
//!
//! [`Server::bind`] opens the listening socket, [`Server::run`] accepts, and every
//! transport gets its own task driving a core [`sca_ws::broker::Link`]. A [`Handle`] (cheap
//! to clone) submits requests, lists terminals, streams [`Event`]s, ends one link
//! ([`Handle::close`], [`Handle::drop_link`]) and shuts down.
//!
//! Bounds: a link holds at most [`ServerConfig::outbound_high_water`] bytes for a slow
//! reader (then it stops reading from it), a write that makes no progress for
//! [`ServerConfig::write_deadline`] cuts it, each link takes at most
//! [`ServerConfig::submit_queue`] requests ahead of its task, the event stream keeps at most
//! [`ServerConfig::event_capacity`] events per receiver, and the core's limits (handshake,
//! frame, message, XML, request queue) apply to everything read.
//!
//! Pairing: [`Handle::register`] pairs with a terminal; its label, key and counters live in
//! a book per pinpad id that outlives the id's links (every later request to the id is
//! signed), [`Handle::books`] / [`Handle::set_book`] move the books to and from storage.

mod books;
mod config;
mod error;
mod event;
mod link_books;
mod link_task;
mod server;
pub(crate) mod shared;

pub use books::{decode_books, encode_books};
pub use config::ServerConfig;
pub use error::{CloseError, SubmitError};
pub use event::{Event, TerminalInfo};
pub use server::Server;
pub use shared::Handle;

#[cfg(test)]
mod tests {
    /// The handle crosses tasks and threads, the server moves into a spawned task.
    #[test]
    fn handle_is_clone_send_sync_and_server_is_send() {
        fn clone_send_sync<T: Clone + Send + Sync + 'static>() {}
        fn send<T: Send + 'static>() {}
        clone_send_sync::<super::Handle>();
        send::<super::Server>();
        clone_send_sync::<super::Event>();
    }
}
