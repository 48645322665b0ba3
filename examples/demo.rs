//! The five-minute demo: an embedded POS broker and a simulated SCA terminal talk over
//! loopback TCP (127.0.0.1 only) and play a scripted scenario, printing a transcript.
//!
//! ```text
//! cargo run --example demo
//! ```
//!
//! Exits 0 only if every step behaved as expected.

mod support;

fn main() -> std::process::ExitCode {
    match support::scenario::run(&mut |line| println!("{line}")) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
