//! Request -> response cycles through the terminal machine: frame decode, XML parse, dispatch,
//! XML write, frame encode, for a 250-byte TRANSACTION; against bare XML parse + write of the
//! same documents.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group};
use sca_ws::{
    handshake::{ServerConfig as ServerHandshakeConfig, decode_request, encode_accept},
    terminal::{
        Config as TerminalConfig, Event as TerminalEvent, Output as TerminalOutput, Terminal,
    },
    ws::{Config as WsConfig, Connection, Output, Role},
    xml::{Response, Transaction},
};

/// A DEVICE VERSION request padded with realistic fields to 250 bytes.
fn request_xml() -> String {
    let mut xml = String::from(
        "<TRANSACTION>\n<FUNCTION_TYPE>DEVICE</FUNCTION_TYPE>\n<COMMAND>VERSION</COMMAND>\n\
         <POS_RECON>recon-0001</POS_RECON>\n<INVOICE>123456</INVOICE>\n<NOTE>",
    );
    let tail = "</NOTE>\n</TRANSACTION>";
    while xml.len() + tail.len() < 250 {
        xml.push('x');
    }
    xml.push_str(tail);
    assert_eq!(xml.len(), 250);
    xml
}

fn response() -> Response {
    Response::success("Version")
        .with_field("VERSION_INFO", "SCA 2.19.5")
        .expect("field")
}

/// A terminal with its link up, and the frame bytes the broker sends for one request.
fn connected_terminal(now: Instant) -> (Terminal, Bytes) {
    let config = TerminalConfig {
        skip_pos_auth: true,
        tls: false,
        host: "bench".into(),
        port: 80,
        ping_interval: None,
        ..TerminalConfig::default()
    };
    let mut terminal = Terminal::new(config, now, 7);
    while terminal.poll_output().is_some() {}
    terminal.handle_connected(now);
    let mut upgrade = BytesMut::new();
    while let Some(output) = terminal.poll_output() {
        if let TerminalOutput::Transmit(bytes) = output {
            upgrade.extend_from_slice(&bytes);
        }
    }
    let (request, _) = decode_request(&upgrade, &ServerHandshakeConfig::default())
        .expect("upgrade")
        .expect("complete");
    let mut accept = BytesMut::new();
    encode_accept(&request, Some("sci"), &[], &mut accept).expect("accept");
    terminal.handle_input(now, &accept);
    while terminal.poll_output().is_some() {}
    assert!(terminal.is_connected());

    let mut broker = Connection::new(Role::Server, WsConfig::default(), now, 1);
    broker.send_text(now, &request_xml()).expect("send");
    let mut frame = BytesMut::new();
    while let Some(output) = broker.poll_output() {
        if let Output::Transmit(bytes) = output {
            frame.extend_from_slice(&bytes);
        }
    }
    (terminal, frame.freeze())
}

fn cycle(terminal: &mut Terminal, now: Instant, frame: &[u8], answer: &Response) -> usize {
    terminal.handle_input(now, frame);
    let mut id = None;
    while let Some(output) = terminal.poll_output() {
        if let TerminalOutput::Event(TerminalEvent::Request {
            id: got,
            transaction,
            ..
        }) = output
        {
            black_box(&transaction);
            id = Some(got);
        }
    }
    let id = id.expect("request delivered");
    terminal.respond(now, id, answer.clone()).expect("respond");
    let mut sent = 0;
    while let Some(output) = terminal.poll_output() {
        if let TerminalOutput::Transmit(bytes) = output {
            sent += bytes.len();
        }
    }
    sent
}

fn bench(c: &mut Criterion) {
    // Virtual time for a benchmark: one reading as the origin.
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    let xml = request_xml();
    let answer = response();

    let mut group = c.benchmark_group("terminal");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));

    let (mut terminal, frame) = connected_terminal(now);
    group.bench_function("request_response_cycle_250B", |b| {
        b.iter(|| black_box(cycle(&mut terminal, now, &frame, &answer)));
    });

    let mut out = BytesMut::with_capacity(512);
    group.bench_function("bare_xml_parse_and_write_250B", |b| {
        b.iter(|| black_box(bare_parse_and_write(&xml, &answer, &mut out)));
    });
    group.finish();
}

/// The same documents without the terminal: parse the request, echo POS_RECON, write the
/// answer.
fn bare_parse_and_write(xml: &str, answer: &Response, out: &mut BytesMut) -> usize {
    let transaction = Transaction::decode(black_box(xml.as_bytes())).expect("parse");
    black_box(&transaction);
    out.clear();
    let mut r = answer.clone();
    r.push_field("POS_RECON", transaction.pos_recon().unwrap_or(""))
        .expect("field");
    r.encode(out);
    out.len()
}

/// A fixed number of iterations without criterion, for instruction counts that do not depend
/// on load: `TERMINAL_BENCH_CYCLES=N` runs N cycles, `TERMINAL_BENCH_BARE=N` N bare parse +
/// write. Under `valgrind --tool=callgrind`, (count at 12 000 − count at 2 000) / 10 000 is
/// the cost of one, setup cancelled out.
fn fixed_iterations() -> bool {
    let count = |name| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    let answer = response();
    if let Some(n) = count("TERMINAL_BENCH_CYCLES") {
        let (mut terminal, frame) = connected_terminal(now);
        let sent: usize = (0..n)
            .map(|_| cycle(&mut terminal, now, &frame, &answer))
            .sum();
        println!("{n} cycles, {sent} bytes sent");
        return true;
    }
    if let Some(n) = count("TERMINAL_BENCH_BARE") {
        let (xml, mut out) = (request_xml(), BytesMut::with_capacity(512));
        let written: usize = (0..n)
            .map(|_| bare_parse_and_write(&xml, &answer, &mut out))
            .sum();
        println!("{n} bare parse + write, {written} bytes written");
        return true;
    }
    false
}

criterion_group!(benches, bench);

fn main() {
    if fixed_iterations() {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
