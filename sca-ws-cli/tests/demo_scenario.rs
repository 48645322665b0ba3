//! `cargo run --example demo` plays its scenario correctly: the same scenario function runs
//! here, bounded by a timeout, and the transcript shows the steps that matter.

use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_scenario_passes_every_step() {
    let mut transcript = Vec::new();
    let played = tokio::time::timeout(
        Duration::from_secs(90),
        sca_ws_cli::demo::run(&mut |line| transcript.push(line.to_owned())),
    )
    .await;
    let text = transcript.join("\n");
    let result = played.unwrap_or_else(|_| panic!("the demo finishes within 90 s:\n{text}"));
    assert_eq!(result, Ok(()), "transcript:\n{text}");
    assert!(text.contains("<RESULT_CODE>59001</RESULT_CODE>"), "{text}");
    assert!(text.contains("screen: Reconnecting to POS"), "{text}");
    assert!(
        text.contains("[demo-2] screen: Enter pairing code"),
        "{text}"
    );
    assert!(text.ends_with("all steps behaved as expected"), "{text}");
}
