//! The two command-line programs of the workspace, `pos_broker` and `sca_terminal`, and
//! the service code they share. The protocol lives in `sca-ws`, the sockets in
//! `sca-ws-tokio`; this crate adds what an operator needs around them: the POS-facing HTTP
//! API, the stdin line mode, the terminal swarm and its figures, descriptor limits.

pub mod api;
pub mod broker_args;
pub mod brokerage;
pub mod cluster_args;
pub mod cluster_broker;
pub mod demo;
pub mod engine;
pub mod key_store;
pub mod latency;
pub mod nofile;
pub mod output;
pub mod pos_pairing;
pub mod shutdown;
pub mod sim_handler;
pub mod sim_pairing;
pub mod stdin_lines;
pub mod swarm_stats;
pub mod terminal_args;
pub mod terminal_lines;
pub mod tokio_broker;
