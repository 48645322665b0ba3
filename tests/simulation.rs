//! Seeded simulation of a terminal and a broker over a bad network: reads cut and glued at
//! random, links dropped mid-request, refused and silent connects, rejected upgrades, timers
//! checked early and late. `SIM_SEEDS=<n>` runs more seeds (default 2000), `SIM_SEED=<s>`
//! replays one.
//!
//! Invariants: no panic; every delivered request gets exactly one answer or one
//! `RequestAbandoned`; `respond` for an abandoned one is `LinkGone`; the broker never gets more
//! responses than it sent requests on a link; GET COUNTER answers never go back; pending
//! requests stay within the configured bound; the link always comes back.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Accept, Pair, TestRng, signed, transaction};
use sca_ws::{
    terminal::{Error as TerminalError, Event as TerminalEvent, RequestId},
    xml::Response,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Pending,
    Answered,
    Abandoned,
}

/// What one run saw, so the test can show the network really was bad.
#[derive(Debug, Default)]
struct Tally {
    answered: usize,
    abandoned: usize,
    reconnects: usize,
}

fn run(seed: u64, tally: &mut Tally) {
    let mut rng = TestRng(seed);
    let auth = rng.chance(50);
    let mut config = if auth {
        Pair::auth_config()
    } else {
        Pair::skip_auth_config()
    };
    config.reconnect.first = Duration::from_millis(200 + rng.below(800));
    config.reconnect.max = Duration::from_secs(5);
    config.connect_timeout = Duration::from_secs(3);
    config.ping_interval = rng
        .chance(70)
        .then(|| Duration::from_secs(1 + rng.below(20)));
    config.max_pending_requests = 1 + rng.below(6) as usize;
    let max_pending = config.max_pending_requests;
    let mut pair = Pair::with_seed(config, seed);
    if auth {
        pair = pair.with_mac_key();
    }
    pair.chop = Some(TestRng(seed ^ 0xC0FF_EE00));
    for _ in 0..rng.below(4) {
        pair.plan.push_back(match rng.below(3) {
            0 => Accept::Refuse,
            1 => Accept::Silent,
            _ => Accept::RejectUpgrade(503),
        });
    }

    let mut fates: BTreeMap<RequestId, Fate> = BTreeMap::new();
    let mut counter = 0u32;
    let mut last_get_counter = 0u32;
    let mut sent_on_link = 0usize;
    let mut connects_seen = 0usize;

    for _step in 0..40 {
        if pair.connects.len() != connects_seen {
            connects_seen = pair.connects.len();
            sent_on_link = 0;
        }
        match rng.below(12) {
            0..=4 if pair.link_open() => {
                let xml = random_request(&mut rng, auth, &mut counter);
                sent_on_link += 1;
                pair.send_or_inject(&xml);
            }
            5..=7 => {
                let pending: Vec<RequestId> = fates
                    .iter()
                    .filter(|(_, f)| **f == Fate::Pending)
                    .map(|(id, _)| *id)
                    .collect();
                if let Some(id) = pending.get(rng.below(pending.len() as u64) as usize) {
                    let response = if rng.chance(70) {
                        Response::success("ok")
                    } else {
                        Response::cancelled()
                    };
                    let result = pair.terminal.respond(pair.now, *id, response);
                    assert_eq!(result, Ok(()), "seed {seed}: respond to pending {id}");
                    fates.insert(*id, Fate::Answered);
                    // A second answer is always refused.
                    assert!(
                        pair.terminal
                            .respond(pair.now, *id, Response::success("again"))
                            .is_err()
                    );
                    pair.settle();
                }
            }
            8 => match rng.below(3) {
                0 => pair.cut_wire(),
                1 if pair.link_open() => pair.broker_close(1001),
                _ => pair.broker_goes_silent(),
            },
            _ => {
                // Timer skew: sometimes a spurious early wake-up, then a jump of odd length.
                if rng.chance(30) {
                    pair.terminal.handle_timeout(pair.now);
                }
                pair.advance(Duration::from_millis(rng.below(8_000)));
            }
        }
        absorb_events(seed, &mut pair, &mut fates, &mut last_get_counter);
        assert!(
            pair.terminal.pending_requests() <= max_pending,
            "seed {seed}"
        );
        let open = fates.values().filter(|f| **f == Fate::Pending).count();
        assert_eq!(open, pair.terminal.pending_requests(), "seed {seed}");
        assert!(
            pair.responses.len() <= sent_on_link,
            "seed {seed}: more responses than requests on this link"
        );
        for response in std::mem::take(&mut pair.responses) {
            sent_on_link -= 1;
            if response.response_text.as_deref() == Some("Counter") {
                let value = response.counter.map_or(0, |c| c.get());
                assert!(
                    value >= last_get_counter,
                    "seed {seed}: GET COUNTER went back"
                );
                last_get_counter = value;
            }
        }
        // Abandoned requests are refused with LinkGone.
        if let Some((id, _)) = fates.iter().find(|(_, f)| **f == Fate::Abandoned) {
            assert_eq!(
                pair.terminal
                    .respond(pair.now, *id, Response::success("late")),
                Err(TerminalError::LinkGone { id: *id }),
                "seed {seed}"
            );
        }
    }
    tally.answered += fates.values().filter(|f| **f == Fate::Answered).count();
    tally.abandoned += fates.values().filter(|f| **f == Fate::Abandoned).count();
    tally.reconnects += pair.connects.len().saturating_sub(1);
    // The network heals: the link must come back.
    pair.chop = None;
    pair.plan.clear();
    pair.connect_within(Duration::from_secs(30));
}

fn absorb_events(
    seed: u64,
    pair: &mut Pair,
    fates: &mut BTreeMap<RequestId, Fate>,
    _last_get_counter: &mut u32,
) {
    for event in std::mem::take(&mut pair.events) {
        match event {
            TerminalEvent::Request { id, .. } => {
                assert!(
                    fates.insert(id, Fate::Pending).is_none(),
                    "seed {seed}: id reused"
                );
            }
            TerminalEvent::RequestAbandoned { id } => {
                let fate = fates.get_mut(&id).expect("abandoned id was delivered");
                assert_eq!(*fate, Fate::Pending, "seed {seed}: {id} ended twice");
                *fate = Fate::Abandoned;
            }
            TerminalEvent::Cancel { id } => {
                assert_eq!(fates.get(&id), Some(&Fate::Pending), "seed {seed}");
            }
            _ => {}
        }
    }
}

fn random_request(rng: &mut TestRng, auth: bool, counter: &mut u32) -> String {
    const CATALOGUE: [(&str, &str); 9] = [
        ("DEVICE", "VERSION"),
        ("SESSION", "START"),
        ("SESSION", "FINISH"),
        ("PAYMENT", "CAPTURE"),
        ("LINE_ITEM", "ADD"),
        ("SECONDARYPORT", "CANCEL"),
        ("SECONDARYPORT", "STATUS"),
        ("ADMIN", "GET_COUNTER"),
        ("ADMIN", "LANE_CLOSED"),
    ];
    if rng.chance(5) {
        return "<TRANSACTION><FUNCTION_TYPE>broken".to_owned();
    }
    let (ft, cmd) = CATALOGUE[rng.below(CATALOGUE.len() as u64) as usize];
    let recon = format!("r{}", rng.below(1000));
    let fields = [("POS_RECON", recon.as_str())];
    if auth && rng.chance(90) {
        // Mostly fresh counters, sometimes a replay.
        if rng.chance(90) || *counter == 0 {
            *counter += 1 + rng.below(3) as u32;
        }
        signed(ft, cmd, *counter, &fields)
    } else {
        transaction(ft, cmd, &fields)
    }
}

#[test]
fn random_networks_keep_the_invariants() {
    if let Some(seed) = std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()) {
        run(seed, &mut Tally::default());
        return;
    }
    let seeds: u64 = std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let mut tally = Tally::default();
    for seed in 0..seeds {
        run(seed, &mut tally);
    }
    if seeds >= 100 {
        assert!(
            tally.answered > 0 && tally.abandoned > 0 && tally.reconnects > 0,
            "{tally:?}"
        );
    }
    eprintln!("simulation: {seeds} seeds, {tally:?}");
}
