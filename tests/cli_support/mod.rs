//! Helpers shared by the tests that run the example CLIs as processes.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc;
use std::time::Duration;

/// A child process killed when the test ends, on every path.
pub(crate) struct Killed(pub(crate) Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Killed {
    /// Waits for the process to exit, checking every 100 ms at most `checks` times; `None`
    /// if it is still running then.
    pub(crate) fn wait_bounded(&mut self, checks: u32) -> Option<ExitStatus> {
        for _ in 0..checks {
            if let Some(status) = self.0.try_wait().expect("wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }
}

/// The path of example `name`, built first (a plain `cargo test` builds the examples, but
/// `cargo test --test cli_end_to_end` alone does not, and a stale binary would pass).
pub(crate) fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> -> target/<profile>/examples/<name>
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let profile = match dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev".to_owned(),
        Some(other) => other.to_owned(),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--profile", &profile, "--example", name])
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build --example {name} failed");
    let path = dir.join("examples").join(name);
    assert!(path.exists(), "{} missing after the build", path.display());
    path
}

/// Lines of `stream`, read on a thread, tagged with `tag`.
pub(crate) fn lines(
    stream: impl Read + Send + 'static,
    tag: &'static str,
    tx: mpsc::Sender<(&'static str, String)>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            if tx.send((tag, line)).is_err() {
                return;
            }
        }
    });
}
