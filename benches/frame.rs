//! Frame throughput (issues 2, 16): server-side decode of masked frames and client-side encode,
//! through sca-ws, tungstenite, fastwebsockets and tokio-websockets on the same bytes, with a
//! memcpy baseline.
//!
//! Run: `cargo bench --bench frame -- --warm-up-time 1 --measurement-time 3`. After criterion's
//! own lines, a table prints each library's throughput and the ratios the goals use,
//! and, for decode, the least decoder (`frame/least.rs`: copy, unmask, check, nothing else)
//! over the best peer: the most any decoder on the crate's loops can lead by.
//! `FRAME_BENCH_INTERLEAVED=1500 cargo bench --bench frame` skips criterion and lets the
//! libraries take turns instead, each running an untimed then a timed batch per round, and
//! keeps each one's fastest timed batch (the same table, from best batches rather than
//! medians): on a host whose speed drifts, that compares libraries measured in the same
//! moments. `FRAME_BENCH_ROWS=decode-binary/16384,...` limits that mode to the rows named.
//!
//! Fairness: every library gets the same wire bytes, delivered in reads of at most 64 KiB
//! from an in-memory stream (one copy, as from a socket; done in 2 KiB pieces so glibc's
//! alignment-sensitive `rep movsb` path does not favour whoever's buffer landed well), and
//! must hand each payload over unmasked (text checked as UTF-8). Encoders take the payload in
//! the form their API prefers (`Bytes` for tungstenite, tokio-websockets and sca-ws, a
//! borrowed slice for fastwebsockets) and end with the masked frames copied into an in-memory
//! sink, as a socket write would. sca-ws, being sans-IO, also pays the socket read: the driver
//! reads into its own buffer and feeds `handle_input` ("sca-ws"), or reads into a `BytesMut`
//! sized by `reserve_input_buf` and decodes it with `handle_input_buf` ("owned"); on encode,
//! "owned" writes straight from the connection's buffer (`pending_transmit` +
//! `transmitted`) instead of draining `Output::Transmit`.
//!
//! Times are this thread's CPU time (all run on the bench thread; fastwebsockets and
//! tokio-websockets on a current-thread runtime), so load from other processes does not skew the ratios; set
//! `FRAME_BENCH_CLOCK=wall` for wall-clock times.
#![allow(clippy::disallowed_methods)] // a benchmark measures wall time; the clock ban is for the library

#[path = "frame/least.rs"]
mod least;
#[path = "frame/ours.rs"]
mod ours;
#[path = "frame/peers.rs"]
mod peers;
#[path = "frame/streams.rs"]
mod streams;

use criterion::{BenchmarkId, Criterion, Throughput};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::Instant;

/// Payload bytes decoded or encoded per iteration (fewer frames for larger sizes).
const BATCH_PAYLOAD: usize = 256 * 1024;
/// Most frames per iteration (bounds the small-frame batches).
const MAX_BATCH: usize = 4096;

const BINARY_SIZES: [usize; 5] = [16, 125, 1024, 16 * 1024, 1024 * 1024];
const TEXT_SIZES: [usize; 2] = [125, 64 * 1024];

/// Binary (opaque) or text (UTF-8 checked) messages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Binary,
    Text,
}

/// One benchmark input: `frames` messages of `size` bytes each.
pub(crate) struct Workload {
    pub(crate) kind: Kind,
    pub(crate) size: usize,
    pub(crate) frames: usize,
    /// The unmasked payload of every message.
    pub(crate) payload: Vec<u8>,
    /// `frames` single-frame messages as a client sends them (masked, each with its own key).
    pub(crate) wire: Vec<u8>,
}

impl Workload {
    fn new(kind: Kind, size: usize) -> Self {
        let frames = (BATCH_PAYLOAD / size).clamp(1, MAX_BATCH);
        let payload = match kind {
            Kind::Binary => noise(size),
            Kind::Text => mixed_text(size),
        };
        let opcode = if kind == Kind::Text { 0x1 } else { 0x2 };
        let mut wire = Vec::with_capacity(frames * (size + 14));
        let mut seed = 0x5ca_u64;
        for _ in 0..frames {
            seed = splitmix(seed);
            masked_frame(opcode, &payload, (seed as u32).to_be_bytes(), &mut wire);
        }
        Self {
            kind,
            size,
            frames,
            payload,
            wire,
        }
    }

    fn payload_bytes(&self) -> u64 {
        (self.frames * self.size) as u64
    }
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Pseudo-random binary payload.
fn noise(len: usize) -> Vec<u8> {
    let mut seed = 1;
    (0..len)
        .map(|_| {
            seed = splitmix(seed);
            seed as u8
        })
        .collect()
}

/// Text such as a payment terminal sends, mixing ASCII with 2-, 3- and 4-byte characters,
/// cut at a character boundary and padded with spaces to exactly `len` bytes.
fn mixed_text(len: usize) -> Vec<u8> {
    const SAMPLE: &str = "<TRANSACTION><AMOUNT>12,50 €</AMOUNT> Zahlung genehmigt ✓ Café Größe \
                          日本語のレシート 😀 señor naïve ";
    let mut text = String::with_capacity(len + SAMPLE.len());
    while text.len() < len {
        text.push_str(SAMPLE);
    }
    let mut cut = len;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    while text.len() < len {
        text.push(' ');
    }
    text.into_bytes()
}

/// One final frame, masked as RFC 6455 §5.3 says (written here, independent of every library).
fn masked_frame(opcode: u8, payload: &[u8], mask: [u8; 4], out: &mut Vec<u8>) {
    out.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= 0xffff => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
}

/// (group, library, message size).
type TallyKey = (String, &'static str, usize);

/// Median nanoseconds per iteration of each (group, library, size), kept beside criterion's
/// own statistics so the run can end with ratios.
static TALLY: Mutex<BTreeMap<TallyKey, Vec<f64>>> = Mutex::new(BTreeMap::new());

/// Whether to time with the wall clock (`FRAME_BENCH_CLOCK=wall`) rather than this thread's
/// CPU time. CPU time is the default: on a shared machine it leaves out the time other
/// processes hold the core, which would otherwise swamp the differences being measured.
fn wall_clock() -> bool {
    std::env::var("FRAME_BENCH_CLOCK").is_ok_and(|v| v == "wall")
}

/// Nanoseconds `iters` calls of `routine` take, on the clock [`wall_clock`] picks.
fn time_ns(iters: u64, routine: &mut dyn FnMut()) -> f64 {
    let elapsed = if wall_clock() {
        let start = Instant::now();
        for _ in 0..iters {
            routine();
        }
        start.elapsed()
    } else {
        let start = cpu_time::ThreadTime::now();
        for _ in 0..iters {
            routine();
        }
        start.elapsed()
    };
    elapsed.as_nanos() as f64
}

fn measure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    library: &'static str,
    size: usize,
    routine: &mut dyn FnMut(),
) {
    group.bench_function(BenchmarkId::new(library, size), |b| {
        b.iter_custom(|iters| {
            let ns = time_ns(iters, routine);
            let mut tally = TALLY.lock().expect("tally");
            tally
                .entry((name.to_string(), library, size))
                .or_default()
                .push(ns / iters as f64);
            std::time::Duration::from_nanos(ns as u64)
        })
    });
}

/// Copies the batch's payload bytes once: the floor any decoder or encoder has to pay.
fn memcpy_routine(w: &Workload) -> impl FnMut() + use<> {
    let src: Vec<u8> = w.payload.repeat(w.frames);
    let mut dst = vec![0u8; src.len() + 4096];
    // Start the copy 2 KiB away from src's offset in its page: with glibc before 2.39 on AMD
    // Zen, memcpy between 4 KiB-aliased buffers takes a slow `rep movsb` path (~2 GB/s), which
    // would make the baseline depend on where the allocator happened to put the two buffers.
    let start = (src.as_ptr() as usize + 2048).wrapping_sub(dst.as_ptr() as usize) % 4096;
    let len = src.len();
    move || {
        dst[start..start + len].copy_from_slice(black_box(&src));
        black_box(&dst);
    }
}

/// One library's (or baseline's) routine for a workload: a batch per call.
type Routine = (&'static str, Box<dyn FnMut()>);

/// The decoders and baselines run on `w`.
fn decode_routines(w: &Workload) -> Vec<Routine> {
    let mut o = ours::Reader::new(w, Instant::now());
    let mut owned = ours::OwnedReader::new(w, Instant::now());
    let mut t = peers::TungsteniteReader::new(w);
    let mut f = peers::FastReader::new(w);
    let mut k = peers::TokioWsReader::new(w);
    let mut l = least::LeastDecoder::new(w);
    vec![
        (OURS, Box::new(move || o.run())),
        (OURS_OWNED, Box::new(move || owned.run())),
        ("tungstenite", Box::new(move || t.run())),
        ("fastwebsockets", Box::new(move || f.run())),
        (TOKIO_WS, Box::new(move || k.run())),
        ("memcpy", Box::new(memcpy_routine(w))),
        (FLOOR, Box::new(floor_routine(w))),
        (LEAST, Box::new(move || l.run())),
    ]
}

/// The encoders and the memcpy baseline run on `w`.
fn encode_routines(w: &Workload) -> Vec<Routine> {
    let mut o = ours::Writer::new(w, Instant::now());
    let mut in_place = ours::Writer::in_place(w, Instant::now());
    let mut t = peers::TungsteniteWriter::new(w);
    let mut f = peers::FastWriter::new(w);
    let mut k = peers::TokioWsWriter::new(w);
    vec![
        (OURS, Box::new(move || o.run())),
        (OURS_OWNED, Box::new(move || in_place.run())),
        ("tungstenite", Box::new(move || t.run())),
        ("fastwebsockets", Box::new(move || f.run())),
        (TOKIO_WS, Box::new(move || k.run())),
        ("memcpy", Box::new(memcpy_routine(w))),
    ]
}

/// The four groups: name, kind, sizes, and the routines for a workload.
type Group = (
    &'static str,
    Kind,
    &'static [usize],
    fn(&Workload) -> Vec<Routine>,
);

const GROUPS: [Group; 4] = [
    (
        "decode-binary",
        Kind::Binary,
        &BINARY_SIZES,
        decode_routines,
    ),
    ("decode-text", Kind::Text, &TEXT_SIZES, decode_routines),
    (
        "encode-binary",
        Kind::Binary,
        &BINARY_SIZES,
        encode_routines,
    ),
    ("encode-text", Kind::Text, &TEXT_SIZES, encode_routines),
];

/// Each group under criterion, one library after another.
fn run_criterion() {
    let mut c = Criterion::default().configure_from_args();
    for (name, kind, sizes, routines) in GROUPS {
        let mut group = c.benchmark_group(name);
        for &size in sizes {
            let w = Workload::new(kind, size);
            group.throughput(Throughput::Bytes(w.payload_bytes()));
            for (library, mut routine) in routines(&w) {
                measure(&mut group, name, library, size, &mut routine);
            }
        }
        group.finish();
    }
    c.final_summary();
}

/// `FRAME_BENCH_INTERLEAVED=N`: instead of criterion, every library runs in turn, N rounds
/// (a batch to warm up, then a timed one), and each keeps its fastest timed batch. On a
/// machine whose speed drifts over seconds (a shared host), criterion's one library after
/// another compares libraries measured in different moments; taking turns within
/// milliseconds compares them in the same ones. A value that is not a positive number stops
/// the bench with a message rather than silently running criterion.
fn interleaved_rounds() -> Option<usize> {
    let value = std::env::var("FRAME_BENCH_INTERLEAVED").ok()?;
    match value.parse::<usize>() {
        Ok(rounds) if rounds > 0 => Some(rounds),
        _ => {
            eprintln!("FRAME_BENCH_INTERLEAVED={value:?}: expected a number of rounds, 1 or more");
            std::process::exit(2);
        }
    }
}

/// `FRAME_BENCH_ROWS=decode-binary/16384,encode-text/65536`: the rows the interleaved mode
/// runs (all when unset), so a change aimed at a few rows is measured in seconds.
fn row_selected(group: &str, size: usize) -> bool {
    match std::env::var("FRAME_BENCH_ROWS") {
        Err(_) => true,
        Ok(rows) => rows
            .split(',')
            .any(|row| row.trim() == format!("{group}/{size}")),
    }
}

fn run_interleaved(rounds: usize) {
    let mut rows_run = 0;
    for (name, kind, sizes, routines) in GROUPS {
        for &size in sizes {
            if !row_selected(name, size) {
                continue;
            }
            rows_run += 1;
            let w = Workload::new(kind, size);
            let mut routines = routines(&w);
            let mut best = vec![f64::INFINITY; routines.len()];
            for _ in 0..rounds {
                for ((_, routine), best) in routines.iter_mut().zip(&mut best) {
                    // One batch untimed first, so the timed one finds its own data in the
                    // caches, not the previous library's, as in a steady run.
                    routine();
                    *best = best.min(time_ns(1, routine));
                }
            }
            let mut tally = TALLY.lock().expect("tally");
            for ((library, _), best) in routines.iter().zip(best) {
                tally
                    .entry((name.to_string(), library, size))
                    .or_default()
                    .push(best);
            }
        }
    }
    if rows_run == 0 {
        let rows: Vec<String> = GROUPS
            .iter()
            .flat_map(|(name, _, sizes, _)| sizes.iter().map(move |size| format!("{name}/{size}")))
            .collect();
        eprintln!(
            "FRAME_BENCH_ROWS names no row; the rows are {}",
            rows.join(",")
        );
        std::process::exit(2);
    }
    println!("best batch of {rounds} interleaved rounds per library");
}

/// The one pass over the payload every decoder needs besides receiving it: unmasking in
/// place for binary, the UTF-8 check for text (the crate's own, through
/// `Utf8Bytes::from_bytes`), timed alone over the whole batch. A component's cost, not a
/// bound: decoders make this pass on a piece still in L1, faster than here (the least
/// decoder is the bound).
fn floor_routine(w: &Workload) -> impl FnMut() + use<> {
    let mut batch: Vec<u8> = w.payload.repeat(w.frames);
    let text = bytes::Bytes::from(batch.clone());
    let kind = w.kind;
    move || match kind {
        Kind::Binary => {
            sca_ws::frame::apply_mask(black_box(&mut batch), [1, 2, 3, 4], 0);
            black_box(&batch);
        }
        Kind::Text => {
            let checked = sca_ws::ws::Utf8Bytes::from_bytes(black_box(text.clone()));
            black_box(checked.is_some());
        }
    }
}

const OURS: &str = "sca-ws";
/// The second sca-ws path: decoding through `handle_input_buf` (owned buffer, payloads
/// unmasked in place), encoding through `pending_transmit` + `transmitted` (written from the
/// connection's buffer, no `Bytes` per write). Printed in the "owned" column.
const OURS_OWNED: &str = "sca-ws (owned)";
const TOKIO_WS: &str = "tokio-websockets";
const PEERS: [&str; 3] = ["tungstenite", "fastwebsockets", TOKIO_WS];
/// The unmask (binary) or UTF-8 check (text) pass alone.
const FLOOR: &str = "floor (unmask or utf-8 pass)";
/// The least decoder (`frame/least.rs`).
const LEAST: &str = "least decoder";

/// Prints throughput per library and the ratios the goals are stated in.
fn report() {
    let tally = TALLY.lock().expect("tally");
    let median = |key: &TallyKey| -> Option<f64> {
        let mut v = tally.get(key)?.clone();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let mut groups: Vec<&String> = tally.keys().map(|(g, _, _)| g).collect();
    groups.dedup();
    println!();
    println!(
        "{:<14} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8} {:>8} {:>11} {:>11} {:>11} {:>8} {:>10}",
        "workload",
        "size",
        "sca-ws",
        "owned",
        "tungsten.",
        "fastws",
        "tokio-ws",
        "memcpy",
        "Mframes/s",
        "vs best",
        "vs memcpy",
        "least",
        "least"
    );
    println!(
        "{:<14} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8} {:>8} {:>11} {:>11} {:>11} {:>8} {:>10}",
        "",
        "",
        "GB/s",
        "GB/s",
        "GB/s",
        "GB/s",
        "GB/s",
        "GB/s",
        "ours|best",
        "sca|owned",
        "sca|owned",
        "GB/s",
        "vs best"
    );
    for group in groups {
        let mut sizes: Vec<usize> = tally
            .keys()
            .filter(|(g, _, _)| g == group)
            .map(|(_, _, s)| *s)
            .collect();
        sizes.sort_unstable();
        sizes.dedup();
        for size in sizes {
            let frames = (BATCH_PAYLOAD / size).clamp(1, MAX_BATCH) as f64;
            let bytes = frames * size as f64;
            let ns = |lib: &'static str| median(&(group.clone(), lib, size));
            let gbps = |lib| ns(lib).map(|n| bytes / n);
            let fmt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
            let best_peer = PEERS
                .iter()
                .filter_map(|p| ns(p))
                .fold(f64::INFINITY, f64::min);
            let ours = ns(OURS);
            let fps = |n: f64| frames / n * 1e3; // Mframes/s
            let frames_col = format!(
                "{}|{}",
                ours.map_or("-".to_string(), |n| format!("{:.1}", fps(n))),
                if best_peer.is_finite() {
                    format!("{:.1}", fps(best_peer))
                } else {
                    "-".into()
                }
            );
            // Ratios for both of our input paths: borrowed `handle_input` | owned
            // `handle_input_buf` (decode only).
            let pair = |ratio: &dyn Fn(f64) -> Option<f64>| {
                let one = |lib| ns(lib).and_then(ratio);
                format!("{}|{}", fmt(one(OURS)), fmt(one(OURS_OWNED)))
            };
            let vs_best = pair(&|n| best_peer.is_finite().then(|| best_peer / n));
            let vs_memcpy = pair(&|n| ns("memcpy").map(|m| m / n));
            // The least decoder over the best peer: what a decoder on these loops can lead
            // by at most (below 1.15, that row's goal is out of any such decoder's reach).
            let least_vs_best =
                ns(LEAST).and_then(|n| best_peer.is_finite().then(|| best_peer / n));
            println!(
                "{:<14} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8} {:>8} {:>11} {:>11} {:>11} {:>8} {:>10}",
                group,
                size,
                fmt(gbps(OURS)),
                fmt(gbps(OURS_OWNED)),
                fmt(gbps("tungstenite")),
                fmt(gbps("fastwebsockets")),
                fmt(gbps(TOKIO_WS)),
                fmt(gbps("memcpy")),
                frames_col,
                vs_best,
                vs_memcpy,
                fmt(gbps(LEAST)),
                fmt(least_vs_best),
            );
        }
    }
}

fn main() {
    match interleaved_rounds() {
        Some(rounds) => run_interleaved(rounds),
        None => run_criterion(),
    }
    report();
}
