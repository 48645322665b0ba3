//! `examples/tokio_link.rs` as a process: the tokio drivers of the core play their short
//! session over loopback and print the approval. (Moved here from the end-to-end test of the
//! example CLIs, whose other tests now run the sca-ws-cli binaries.)

use std::io::Read;
use std::process::{Command, Stdio};

#[allow(dead_code)] // this test uses only part of the helpers
mod cli_support;
use cli_support::{Killed, example};

#[test]
fn tokio_link_example_plays_its_session() {
    let mut child = Killed(
        Command::new(example("tokio_link"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tokio_link"),
    );
    // At most 60 s (600 checks of 100 ms).
    let status = child.wait_bounded(600);
    let mut out = String::new();
    let _ = child.0.stdout.take().unwrap().read_to_string(&mut out);
    assert!(
        status.is_some_and(|s| s.success()),
        "tokio_link: {status:?}\n{out}"
    );
    assert!(
        out.contains("<APPROVED_AMOUNT>9.99</APPROVED_AMOUNT>"),
        "{out}"
    );
}
