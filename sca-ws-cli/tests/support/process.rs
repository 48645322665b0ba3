//! The binaries as child processes: killed when the test ends on every path, their output
//! read on threads, every wait bounded.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

/// Longest wait for any one expected line.
pub const LINE_TIMEOUT: Duration = Duration::from_secs(30);

/// A child process killed when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Killed {
    /// Sends SIGTERM (through kill(1), so the tests need no libc bindings).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits at most `limit` for the process to exit.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if let Some(status) = self.0.try_wait().expect("wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

/// Lines from every stream of the children of one test, tagged with where they came from.
pub struct Lines {
    tx: Sender<(&'static str, String)>,
    rx: Receiver<(&'static str, String)>,
    /// Everything read so far, for failure messages.
    pub seen: Vec<(&'static str, String)>,
    pending: Vec<(&'static str, String)>,
}

impl Default for Lines {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        Self {
            tx,
            rx,
            seen: Vec::new(),
            pending: Vec::new(),
        }
    }
}

impl Lines {
    /// Reads `stream` on a thread, tagging its lines with `tag` (bytes that are not UTF-8
    /// are replaced, not fatal).
    pub fn read(&self, stream: impl Read + Send + 'static, tag: &'static str) {
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                if tx.send((tag, text)).is_err() {
                    return;
                }
            }
        });
    }

    /// Waits for a line from `tag` containing `needle` and returns it; lines before it
    /// stay readable by later calls for other needles.
    pub fn expect(&mut self, tag: &str, needle: &str) -> String {
        self.expect_within(tag, needle, LINE_TIMEOUT)
    }

    /// [`Self::expect`] with its own time limit.
    pub fn expect_within(&mut self, tag: &str, needle: &str, limit: Duration) -> String {
        let until = Instant::now() + limit;
        loop {
            if let Some(i) = self
                .pending
                .iter()
                .position(|(t, l)| *t == tag && l.contains(needle))
            {
                return self.pending.remove(i).1;
            }
            let left = until.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    self.pending.push(line);
                }
                Err(_) => panic!("no {tag} line with {needle:?}; seen: {:#?}", self.seen),
            }
        }
    }

    /// Whether a line from `tag` containing `needle` arrives within `limit`.
    pub fn arrives(&mut self, tag: &str, needle: &str, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        loop {
            if self
                .pending
                .iter()
                .any(|(t, l)| *t == tag && l.contains(needle))
            {
                return true;
            }
            let left = until.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    self.pending.push(line);
                }
                Err(_) => return false,
            }
        }
    }
}

/// A running `pos_broker` and what it said about where it listens.
pub struct Broker {
    pub child: Killed,
    pub stdin: Option<ChildStdin>,
    /// `ws://127.0.0.1:PORT/`, or `wss://` when started with `--tls-cert`.
    pub url: String,
    /// The API's address, when started with `--http`.
    pub api: Option<SocketAddr>,
}

/// Starts `pos_broker --listen 127.0.0.1:0` with `extra` flags, stdin a pipe the test
/// writes (`piped`) or `/dev/null`; its stdout lines are tagged `pos`, its stderr `pos-err`.
pub fn broker(lines: &mut Lines, extra: &[&str], piped: bool) -> Broker {
    let stdin = if piped { Stdio::piped() } else { Stdio::null() };
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_pos_broker"))
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pos_broker"),
    );
    lines.read(child.0.stdout.take().unwrap(), "pos");
    lines.read(child.0.stderr.take().unwrap(), "pos-err");
    let stdin = if piped { child.0.stdin.take() } else { None };
    let api = extra.contains(&"--http").then(|| {
        let line = lines.expect("pos-err", "api on http://");
        let addr = line
            .trim_start_matches("api on http://")
            .trim_end_matches('/');
        addr.parse().expect("API address")
    });
    // "listening on ws://..." or "listening on wss://...".
    let listening = lines.expect("pos-err", "listening on ws");
    let url = listening.trim_start_matches("listening on ").to_owned();
    Broker {
        child,
        stdin,
        url,
        api,
    }
}

/// Starts `sca_terminal --url URL --pinpad-id ID --skip-pos-auth` with `extra` flags; its
/// stderr lines are tagged `term`, stdout `term-out`.
pub fn terminal(lines: &mut Lines, url: &str, id: &str, extra: &[&str]) -> Killed {
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_sca_terminal"))
            .args(["--url", url, "--pinpad-id", id, "--skip-pos-auth"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sca_terminal"),
    );
    lines.read(child.0.stdout.take().unwrap(), "term-out");
    lines.read(child.0.stderr.take().unwrap(), "term");
    child
}

/// Starts `sca_terminal --url URL --pinpad-id ID` with MAC checks on (no
/// `--skip-pos-auth`) and `extra` flags; stderr tagged `term`, stdout `term-out`.
pub fn checking_terminal(lines: &mut Lines, url: &str, id: &str, extra: &[&str]) -> Killed {
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_sca_terminal"))
            .args(["--url", url, "--pinpad-id", id])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sca_terminal"),
    );
    lines.read(child.0.stdout.take().unwrap(), "term-out");
    lines.read(child.0.stderr.take().unwrap(), "term");
    child
}

/// The path of `pos_broker`, as Cargo built it for these tests.
pub const POS_BROKER: &str = env!("CARGO_BIN_EXE_pos_broker");

/// The path of `sca_terminal`, as Cargo built it for these tests.
pub const SCA_TERMINAL: &str = env!("CARGO_BIN_EXE_sca_terminal");

/// Runs `program` with `args` (stdin and stdout closed) and gives it at most `limit` to
/// exit: a binary that started despite bad arguments is killed, and `None` says so. Returns
/// the exit status and everything it wrote to stderr.
pub fn run_to_exit(program: &str, args: &[&str], limit: Duration) -> (Option<ExitStatus>, String) {
    let mut child = Killed(
        Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the binary"),
    );
    let mut stderr = child.0.stderr.take().expect("stderr");
    // Read on a thread: a child writing a long message must not block on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = child.wait_for_exit(limit);
    drop(child); // kills it when still running, which also ends the reader
    let text = reader.join().unwrap_or_default();
    (status, text)
}

/// Runs `program` (one of the two binaries) with `args`, which must stop it at start: exit
/// code 2 and stderr opening with `NAME: `. Returns that stderr.
pub fn refused_at_start(program: &str, args: &[&str]) -> String {
    let name = std::path::Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (status, err) = run_to_exit(program, args, Duration::from_secs(10));
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(2),
        "{name} {args:?}: {err}"
    );
    assert!(
        err.starts_with(&format!("{name}: ")),
        "{name} {args:?}: {err}"
    );
    err
}

/// A fresh, empty folder for one test's files (under the system's temporary folder).
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sca-ws-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// A SESSION START document.
pub const START: &str =
    "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND></TRANSACTION>";

/// A PAYMENT CAPTURE document.
pub const CAPTURE: &str = "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND><TRANS_AMOUNT>5.00</TRANS_AMOUNT></TRANSACTION>";
