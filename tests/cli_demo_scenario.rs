//! `cargo run --example demo` plays its scenario correctly: the same scenario function runs
//! here, on its own thread, bounded by a timeout.

#[path = "../examples/support/mod.rs"]
mod support;

use std::sync::mpsc;
use std::time::Duration;

#[test]
fn demo_scenario_passes_every_step() {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut transcript = Vec::new();
        let result = support::scenario::run(&mut |line| transcript.push(line.to_owned()));
        let _ = tx.send((result, transcript));
    });
    let (result, transcript) = rx
        .recv_timeout(Duration::from_secs(90))
        .expect("the demo finishes within 90 s");
    let text = transcript.join("\n");
    assert_eq!(result, Ok(()), "transcript:\n{text}");
    assert!(text.contains("<RESULT_CODE>59001</RESULT_CODE>"), "{text}");
    assert!(text.contains("screen: Reconnecting to POS"), "{text}");
    assert!(text.ends_with("all steps behaved as expected"), "{text}");
}
