//! The five-minute demo: a POS broker and two simulated SCA terminals of this workspace talk
//! over loopback TCP (127.0.0.1 only) and play a scripted scenario, printing a transcript.
//!
//! ```text
//! cargo run --example demo
//! ```
//!
//! Exits 0 only if every step behaved as expected.

use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("demo: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let played = runtime.block_on(sca_ws_cli::demo::run(&mut |line| println!("{line}")));
    match played {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo failed: {e}");
            ExitCode::FAILURE
        }
    }
}
