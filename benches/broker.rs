//! Broker link costs: state per idle link (100 000 links in one process, measured with a
//! counting global allocator plus `size_of`), and one request → response cycle on a busy link.
#![allow(missing_docs)]
#![allow(clippy::disallowed_methods)] // a bench reads the wall clock; the library never does

use std::alloc::System;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sca_ws::{
    broker::{
        Config as BrokerConfig, CounterBook, Event as BrokerEvent, Link, Output as BrokerOutput,
    },
    ws::{Config as WsConfig, Connection, Output, Role},
    xml::{Response, Transaction},
};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const LINKS: usize = 100_000;

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n\
Host: 192.168.29.207\r\nOrigin: http://192.168.29.207\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: CujtCKpQPzowD1oV4qp+hQ==\r\n\
Sec-WebSocket-Protocol: sci\r\nSec-WebSocket-Version: 13\r\nx-vfi-pinpad-id : 1\r\n\r\n";

const PAYMENT: &str = "<TRANSACTION>\n<FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE>\n<COMMAND>CAPTURE</COMMAND>\n\
<TRANS_AMOUNT>12.34</TRANS_AMOUNT>\n<POS_RECON>recon-0001</POS_RECON>\n</TRANSACTION>";

fn drain(link: &mut Link) -> usize {
    let mut answered = 0;
    while let Some(o) = link.poll_output() {
        match o {
            BrokerOutput::Event(BrokerEvent::Answered { .. }) => answered += 1,
            BrokerOutput::Event(BrokerEvent::Failed { .. }) => panic!("request failed"),
            _ => {}
        }
    }
    answered
}

fn open_link(config: &Arc<BrokerConfig>, now: Instant, seed: u64) -> Link {
    let mut link = Link::new(config.clone(), now, seed);
    link.handle_input(now, REQUEST);
    drain(&mut link);
    link.accept(now, Some("sci")).expect("accept");
    drain(&mut link);
    link
}

/// Prints the state per idle link, measured once (the figure the issue asks for).
fn idle_links_report() {
    let config = Arc::new(BrokerConfig::default());
    let now = Instant::now();
    let mut links: Vec<Link> = Vec::with_capacity(LINKS);
    let region = Region::new(GLOBAL);
    for i in 0..LINKS {
        links.push(open_link(&config, now, i as u64));
    }
    let stats = region.change();
    let heap =
        stats.bytes_allocated as isize - stats.bytes_deallocated as isize + stats.bytes_reallocated;
    let live_allocs = stats.allocations as isize - stats.deallocations as isize;
    let inline = std::mem::size_of::<Link>();
    let per_link = inline as f64 + heap as f64 / LINKS as f64;
    println!(
        "broker idle links: {LINKS} open links, size_of::<Link>() = {inline} B, heap {:.0} B/link \
         in {:.2} live allocations/link, total {per_link:.0} B/link (goal <= 2048)",
        heap as f64 / LINKS as f64,
        live_allocs as f64 / LINKS as f64,
    );
    // Idle links allocate nothing when time passes with nothing to do.
    let region = Region::new(GLOBAL);
    for link in links.iter_mut().take(1000) {
        link.handle_timeout(now + Duration::from_secs(1));
        drain(link);
    }
    println!(
        "broker idle links: allocations while idle: {}",
        region.change().allocations
    );
    black_box(links);
}

/// A client frame carrying `text` (the terminal's side), made once and fed repeatedly.
fn client_frame(text: &str) -> Vec<u8> {
    let config = WsConfig {
        ping_interval: None,
        ..WsConfig::default()
    };
    let mut ws = Connection::new(Role::Client, config, Instant::now(), 3);
    ws.send_text(Instant::now(), text).expect("send");
    let mut out = Vec::new();
    while let Some(o) = ws.poll_output() {
        if let Output::Transmit(b) = o {
            out.extend_from_slice(&b);
        }
    }
    out
}

fn response_text(counter: Option<u32>) -> String {
    let mut r = Response::success("APPROVED");
    if let Some(c) = counter.and_then(sca_ws::xml::Counter::new) {
        r = r.with_counter(c);
    }
    r.push_field("POS_RECON", "recon-0001").expect("field");
    r.push_field("APPROVED_AMOUNT", "12.34").expect("field");
    let mut b = bytes::BytesMut::new();
    r.encode(&mut b);
    String::from_utf8(b.to_vec()).expect("utf-8")
}

fn busy_link(c: &mut Criterion) {
    idle_links_report();
    let config = Arc::new(BrokerConfig {
        ws: WsConfig {
            ping_interval: None,
            ..WsConfig::default()
        },
        ..BrokerConfig::default()
    });
    let tx = Transaction::decode(PAYMENT.as_bytes()).expect("request");
    let mut group = c.benchmark_group("broker");
    group.throughput(Throughput::Elements(1));

    let now = Instant::now();
    let mut link = open_link(&config, now, 1);
    let frame = client_frame(&response_text(None));
    group.bench_function("request_response_skip_auth", |b| {
        b.iter(|| {
            link.submit(now, tx.clone()).expect("submit");
            drain(&mut link);
            link.handle_input(now, black_box(&frame));
            assert_eq!(drain(&mut link), 1);
        })
    });

    // MAC mode: a fresh COUNTER and HMAC per request, and the answer echoes that COUNTER.
    // The answer frame is rebuilt each time (zero mask key, so the payload is plain text).
    let mut link = open_link(&config, now, 2);
    let mut book = CounterBook::new();
    book.insert("P_001", &[7; 16], 0).expect("label");
    link.set_counters(book);
    let text = response_text(Some(999_999_999));
    let (before, after) = text.split_once("999999999").expect("counter in text");
    let mut frame = Vec::with_capacity(text.len() + 8);
    group.bench_function("request_response_mac", |b| {
        b.iter(|| {
            link.submit(now, tx.clone()).expect("submit");
            drain(&mut link);
            let counter = link.counters().last_counter("P_001").unwrap_or(0);
            let digits = counter.to_string();
            let len = before.len() + digits.len() + after.len();
            frame.clear();
            if len < 126 {
                frame.extend_from_slice(&[0x81, 0x80 | len as u8]);
            } else {
                frame.extend_from_slice(&[0x81, 0x80 | 126]);
                frame.extend_from_slice(&(len as u16).to_be_bytes());
            }
            frame.extend_from_slice(&[0; 4]);
            frame.extend_from_slice(before.as_bytes());
            frame.extend_from_slice(digits.as_bytes());
            frame.extend_from_slice(after.as_bytes());
            link.handle_input(now, black_box(&frame));
            assert_eq!(drain(&mut link), 1);
        })
    });

    group.bench_function("accept_link", |b| {
        b.iter(|| black_box(open_link(&config, now, 3)))
    });
    group.finish();
}

criterion_group!(benches, busy_link);
criterion_main!(benches);
