//! The link writes a POS_RECON into every request the POS sent without one: unique on the
//! link, different on a link with another seed, never one the POS already has pending beside
//! it; a POS_RECON the POS set goes out unchanged.
#![allow(clippy::disallowed_methods)] // virtual time starts at one wall-clock reading

mod broker_support;

use std::collections::HashSet;
use std::time::Instant;

use broker_support::*;
use sca_ws::broker::{Error as BrokerError, Event as BrokerEvent};

const STATUS: &str = "<TRANSACTION><FUNCTION_TYPE>SECONDARYPORT</FUNCTION_TYPE><COMMAND>STATUS</COMMAND></TRANSACTION>";
const CAPTURE_R: &str = "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND>\
<POS_RECON>pos-1</POS_RECON></TRANSACTION>";
const CANCEL_R: &str = "<TRANSACTION><FUNCTION_TYPE>SECONDARYPORT</FUNCTION_TYPE><COMMAND>CANCEL</COMMAND>\
<POS_RECON>pos-1</POS_RECON></TRANSACTION>";

/// The POS_RECONs of `n` STATUS requests on one link, each answered with its echo.
fn recons_of_one_link(now: Instant, n: usize) -> Vec<String> {
    let (mut link, mut peer) = open_link(now, quiet_config());
    let mut seen = Vec::new();
    for _ in 0..n {
        let (id, got) = submit_and_read(&mut link, &mut peer, now, STATUS);
        let recon = field(&got[0], "POS_RECON").expect("added").to_owned();
        assert!(recon.len() <= 30, "the spec allows 30 characters: {recon}");
        let events = answer(
            &mut link,
            &mut peer,
            now,
            &response_xml(-1, None, Some(&recon)),
        );
        assert!(matches!(&events[..], [BrokerEvent::Answered { id: i, .. }] if *i == id));
        seen.push(recon);
    }
    seen
}

#[test]
fn every_request_without_one_gets_a_unique_pos_recon() {
    let now = Instant::now();
    let seen = recons_of_one_link(now, 200);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
}

#[test]
fn links_with_other_seeds_use_other_pos_recons() {
    let now = Instant::now();
    let (mut a, mut peer_a) = open_link(now, quiet_config());
    let mut b = sca_ws::broker::Link::new(std::sync::Arc::new(quiet_config()), now, 8);
    b.handle_input(now, SEED_REQUEST);
    drain(&mut b);
    b.accept(now, Some("sci")).unwrap();
    let head = drain(&mut b).bytes;
    let (_, frames) = split_head(&head);
    let mut peer_b = Peer::new(now);
    peer_b.read(now, frames);
    let (_, got_a) = submit_and_read(&mut a, &mut peer_a, now, STATUS);
    let (_, got_b) = submit_and_read(&mut b, &mut peer_b, now, STATUS);
    assert_ne!(field(&got_a[0], "POS_RECON"), field(&got_b[0], "POS_RECON"));
}

#[test]
fn pos_set_recon_is_kept_and_a_duplicate_beside_it_is_refused() {
    let now = Instant::now();
    let (mut link, mut peer) = open_link(now, quiet_config());
    let (_, got) = submit_and_read(&mut link, &mut peer, now, CAPTURE_R);
    assert_eq!(field(&got[0], "POS_RECON"), Some("pos-1"));
    assert_eq!(
        link.submit(now, tx(CANCEL_R)),
        Err(BrokerError::DuplicatePosRecon)
    );
    // A second primary with it waits behind the first and is never in flight beside it.
    assert!(link.submit(now, tx(CAPTURE_R)).is_ok());
    assert_eq!(link.pending_requests(), 2);
}
