//! The load and footprint measurements of `scripts/measure_broker.sh`: it starts
//! `pos_broker` and an `sca_terminal --count` swarm as processes on loopback and measures
//!
//! - `idle N`: the time until N terminals are connected, and both processes' resident memory
//!   per link (against the broker's memory before the swarm);
//! - `http N REQUESTS [IN_FLIGHT]`: POST -> RESPONSE latency through the HTTP API with N
//!   terminals connected and IN_FLIGHT requests outstanding (default N), never two on one
//!   terminal;
//! - `stdin N REQUESTS [IN_FLIGHT]`: the same through the stdin line mode.
//!
//! ```text
//! cargo run --release -p sca-ws-cli --example broker_load -- target/release idle 10000
//! ```

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sca_ws_cli::latency::Latency;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

/// What each load request asks: answered at once by the simulator, no session needed.
const VERSION: &str =
    "<TRANSACTION><FUNCTION_TYPE>DEVICE</FUNCTION_TYPE><COMMAND>VERSION</COMMAND></TRANSACTION>";
/// The longest any phase may take.
const PHASE_LIMIT: Duration = Duration::from_secs(600);

/// A child killed on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: broker_load BIN_DIR (idle N | http N REQUESTS [IN_FLIGHT] | stdin N REQUESTS [IN_FLIGHT])";
    let bin = PathBuf::from(args.first().expect(usage));
    let number = |i: usize| -> usize { args.get(i).and_then(|s| s.parse().ok()).expect(usage) };
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    match args.get(1).map(String::as_str) {
        Some("idle") => idle(&bin, number(2)),
        Some("http") => http(&bin, number(2), number(3), in_flight(&args)),
        Some("stdin") => stdin(&bin, number(2), number(3), in_flight(&args)),
        _ => panic!("{usage}"),
    }
}

/// A broker with its API on ephemeral ports; its ws URL and API address.
fn broker(
    bin: &Path,
    piped_stdin: bool,
) -> (
    Killed,
    String,
    SocketAddr,
    Option<std::process::ChildStdout>,
) {
    let mut child = Command::new(bin.join("pos_broker"))
        .args(["--listen", "127.0.0.1:0", "--http", "127.0.0.1:0"])
        .stdin(if piped_stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(if piped_stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pos_broker");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (mut url, mut api) = (None, None);
    while url.is_none() || api.is_none() {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).expect("pos_broker stderr") > 0,
            "pos_broker ended"
        );
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("api on http://") {
            api = Some(rest.trim_end_matches('/').parse().expect("api address"));
        } else if let Some(rest) = line.strip_prefix("listening on ") {
            url = Some(rest.to_owned());
        } else {
            eprintln!("pos_broker: {line}");
        }
    }
    // Keep draining stderr so the broker never blocks on it.
    std::thread::spawn(move || for _ in err.lines() {});
    let stdout = child.stdout.take();
    (Killed(child), url.unwrap(), api.unwrap(), stdout)
}

fn swarm(bin: &Path, url: &str, count: usize) -> Killed {
    Killed(
        Command::new(bin.join("sca_terminal"))
            .args(["--url", url, "--pinpad-id", "L", "--skip-pos-auth"])
            .args(["--count", &count.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sca_terminal"),
    )
}

/// Resident memory of `pid` in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// One blocking GET, the body.
fn get(api: SocketAddr, path: &str) -> String {
    let mut sock = std::net::TcpStream::connect(api).expect("connect to the API");
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        sock,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    let _ = std::io::Read::read_to_string(&mut sock, &mut text);
    text.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

/// Waits until the broker counts `count` connected terminals; how long that took.
fn wait_connected(api: SocketAddr, count: usize) -> Duration {
    let started = Instant::now();
    loop {
        let metrics = get(api, "/metrics");
        let connected = metrics
            .lines()
            .find_map(|l| l.strip_prefix("sca_connected_terminals "))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if connected >= count {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < PHASE_LIMIT,
            "only {connected} of {count} connected"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn idle(bin: &Path, count: usize) {
    let (pos, url, api, _) = broker(bin, false);
    std::thread::sleep(Duration::from_millis(500));
    let before = rss_kib(pos.0.id());
    let swarm = swarm(bin, &url, count);
    let took = wait_connected(api, count);
    // Let the last handshakes' buffers settle before reading memory.
    std::thread::sleep(Duration::from_secs(3));
    let after = rss_kib(pos.0.id());
    let swarm_rss = rss_kib(swarm.0.id());
    println!("terminals: {count}");
    println!("time to connect all: {:.2} s", took.as_secs_f64());
    println!("pos_broker RSS: {before} KiB before, {after} KiB with the links");
    println!(
        "pos_broker RSS per idle link: {:.1} KiB",
        (after.saturating_sub(before)) as f64 / count as f64
    );
    println!("sca_terminal RSS: {swarm_rss} KiB");
    println!(
        "sca_terminal RSS per simulated terminal: {:.1} KiB",
        swarm_rss as f64 / count as f64
    );
}

fn report(mode: &str, latency: &Latency, took: Duration, failures: u64) {
    let ms = |q| {
        latency
            .quantile(q)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{mode}: {} answers in {:.2} s ({:.0}/s), {failures} failures, p50 {:.2} ms, p99 {:.2} ms",
        latency.count(),
        took.as_secs_f64(),
        latency.count() as f64 / took.as_secs_f64(),
        ms(0.5),
        ms(0.99)
    );
}

/// The optional IN_FLIGHT argument.
fn in_flight(args: &[String]) -> Option<usize> {
    args.get(4)
        .map(|s| s.parse().expect("IN_FLIGHT is a number"))
}

/// The terminal after `i` (1-based) in the same lane of `lanes` lanes, cycling.
fn next_in_lane(i: usize, lanes: usize, terminals: usize) -> usize {
    (i - 1 + lanes) % terminals + 1
}

fn http(bin: &Path, terminals: usize, requests: usize, in_flight: Option<usize>) {
    let lanes = in_flight.unwrap_or(terminals).clamp(1, terminals);
    let (_pos, url, api, _) = broker(bin, false);
    let _swarm = swarm(bin, &url, terminals);
    wait_connected(api, terminals);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let latency = Arc::new(Latency::default());
    let failures = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let per_lane = requests.div_ceil(lanes);
    let started = Instant::now();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for lane in 1..=lanes {
            let (latency, failures) = (latency.clone(), failures.clone());
            tasks.push(tokio::spawn(async move {
                let sock = tokio::net::TcpStream::connect(api).await.expect("connect");
                let mut sock = tokio::io::BufReader::new(sock);
                let mut i = lane;
                for _ in 0..per_lane {
                    let request = format!(
                        "POST /terminals/L-{i}/transactions HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{VERSION}",
                        VERSION.len()
                    );
                    i = next_in_lane(i, lanes, terminals);
                    let sent = Instant::now();
                    sock.get_mut().write_all(request.as_bytes()).await.expect("send");
                    let (status, _) = read_reply(&mut sock).await;
                    if status == 200 {
                        latency.observe(sent.elapsed());
                    } else {
                        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }));
        }
        for task in tasks {
            task.await.expect("load task");
        }
    });
    report(
        &format!("http ({terminals} terminals, {lanes} in flight)"),
        &latency,
        started.elapsed(),
        failures.load(std::sync::atomic::Ordering::Relaxed),
    );
}

/// Reads one HTTP/1.1 answer with a Content-Length body; its status and body.
async fn read_reply(sock: &mut tokio::io::BufReader<tokio::net::TcpStream>) -> (u16, Vec<u8>) {
    let mut line = String::new();
    sock.read_line(&mut line).await.expect("status line");
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0;
    loop {
        line.clear();
        sock.read_line(&mut line).await.expect("header");
        let header = line.trim();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    sock.read_exact(&mut body).await.expect("body");
    (status, body)
}

fn stdin(bin: &Path, terminals: usize, requests: usize, in_flight: Option<usize>) {
    let lanes = in_flight.unwrap_or(terminals).clamp(1, terminals);
    let (mut pos, url, api, stdout) = broker(bin, true);
    let _swarm = swarm(bin, &url, terminals);
    wait_connected(api, terminals);
    let mut input = pos.0.stdin.take().unwrap();
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let latency = Arc::new(Latency::default());
    let (done_tx, done_rx) = mpsc::channel::<(String, bool)>();
    let reader = {
        let (sent_at, latency) = (sent_at.clone(), latency.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stdout.unwrap()).lines() {
                let Ok(line) = line else { return };
                let (ok, rest) = if let Some(rest) = line.strip_prefix("response ") {
                    (true, rest)
                } else if let Some(rest) = line.strip_prefix("error ") {
                    (false, rest)
                } else {
                    continue;
                };
                let id = rest.split_whitespace().next().unwrap_or("").to_owned();
                if let Some(sent) = sent_at.lock().unwrap().remove(&id) {
                    if ok {
                        latency.observe(sent.elapsed());
                    }
                    if done_tx.send((id, ok)).is_err() {
                        return;
                    }
                }
            }
        })
    };
    let started = Instant::now();
    let send = |input: &mut std::process::ChildStdin, id: &str| {
        sent_at
            .lock()
            .unwrap()
            .insert(id.to_owned(), Instant::now());
        writeln!(input, "{id} {VERSION}").expect("write to pos_broker");
    };
    for i in 1..=lanes {
        send(&mut input, &format!("L-{i}"));
    }
    input.flush().unwrap();
    let (mut answered, mut failures) = (lanes, 0u64);
    let mut outstanding = lanes;
    while outstanding > 0 {
        let (id, ok) = done_rx
            .recv_timeout(Duration::from_secs(60))
            .expect("an answer");
        outstanding -= 1;
        if !ok {
            failures += 1;
        }
        if answered < requests {
            answered += 1;
            outstanding += 1;
            let i: usize = id
                .trim_start_matches("L-")
                .parse()
                .expect("an id of the swarm");
            send(
                &mut input,
                &format!("L-{}", next_in_lane(i, lanes, terminals)),
            );
            input.flush().unwrap();
        }
        assert!(started.elapsed() < PHASE_LIMIT, "stdin phase too long");
    }
    report(
        &format!("stdin ({terminals} terminals, {lanes} in flight)"),
        &latency,
        started.elapsed(),
        failures,
    );
    drop(input);
    drop(pos);
    let _ = reader.join();
}
