//! An SCA link's WebSocket message limit is the XML document limit: a message that could
//! never be a valid document is refused at its frame header with 1009, before its payload is
//! buffered, on the broker and on the terminal alike.

mod broker_support;
mod common;

use std::time::Duration;

use broker_support::{drain, open_link, quiet_config};
use common::{Pair, masked, server_frames, t0};
use sca_ws::broker::{CloseReason, Event as BrokerEvent};
use sca_ws::terminal::{Event as TerminalEvent, LinkError, ScreenMessage};
use sca_ws::ws::Error as WsError;
use sca_ws::xml::Limits as XmlLimits;

/// A text frame header (client side: masked) announcing `len` payload bytes, and no payload.
fn announce(len: u64, mask: bool) -> Vec<u8> {
    let mut header = vec![0x81, if mask { 0x80 | 127 } else { 127 }];
    header.extend_from_slice(&len.to_be_bytes());
    if mask {
        header.extend_from_slice(&[1, 2, 3, 4]);
    }
    header
}

#[test]
fn broker_refuses_a_frame_above_the_document_limit_at_its_header() {
    let limit = XmlLimits::default().max_document_bytes;
    // The ws defaults (16 MiB) are larger than the XML default (1 MiB): the XML limit wins.
    let config = quiet_config();
    assert!(config.ws.max_message_size > limit as u64);
    assert_eq!(config.link_ws_config().max_message_size, limit as u64);
    assert_eq!(config.link_ws_config().max_frame_payload, limit as u64);

    let now = t0();
    let (mut link, _peer) = open_link(now, config);
    link.handle_input(now, &announce(limit as u64 + 1, true));
    let d = drain(&mut link);
    let frames = server_frames(&d.bytes);
    assert_eq!(frames.len(), 1, "{d:?}");
    assert_eq!(frames[0].0, 0x88, "a close frame");
    assert_eq!(&frames[0].1[..2], &1009u16.to_be_bytes());
    assert!(
        d.events.iter().any(|e| matches!(
            e,
            BrokerEvent::Closed(CloseReason::Failed(WsError::FrameTooBig { .. }))
        )),
        "{d:?}"
    );
}

#[test]
fn broker_refuses_fragments_that_add_up_past_the_document_limit() {
    let mut config = quiet_config();
    config.xml.max_document_bytes = 1000;
    let now = t0();
    let (mut link, _peer) = open_link(now, config);
    // 600 + 600 bytes: each fragment fits, the message does not; refused at the second header.
    link.handle_input(now, &masked(0x01, &[b'a'; 600], [1, 2, 3, 4]));
    let first = drain(&mut link);
    assert!(first.bytes.is_empty(), "{first:?}");
    let mut second = vec![0x80, 0x80 | 126];
    second.extend_from_slice(&600u16.to_be_bytes());
    second.extend_from_slice(&[1, 2, 3, 4]);
    link.handle_input(now, &second);
    let d = drain(&mut link);
    let frames = server_frames(&d.bytes);
    assert_eq!(frames.first().map(|f| f.0), Some(0x88), "{d:?}");
    assert_eq!(&frames[0].1[..2], &1009u16.to_be_bytes());
}

#[test]
fn terminal_refuses_a_frame_above_its_document_limit_at_its_header() {
    let config = Pair::skip_auth_config();
    let limit = config.max_message_size as u64;
    let mut pair = Pair::new(config);
    pair.connect_within(Duration::from_secs(1));
    pair.events.clear();
    let now = pair.now;
    pair.terminal.handle_input(now, &announce(limit + 1, false));
    let mut sent = Vec::new();
    for _ in 0..100 {
        match pair.terminal.poll_output() {
            Some(sca_ws::terminal::Output::Transmit(bytes)) => sent.extend_from_slice(&bytes),
            Some(sca_ws::terminal::Output::Event(e)) => pair.events.push(e),
            Some(_) => {}
            None => break,
        }
    }
    let frames = server_frames(&sent);
    assert_eq!(frames.first().map(|f| f.0), Some(0x88), "a close frame");
    assert_eq!(&frames[0].1[..2], &1009u16.to_be_bytes());
    assert!(pair.events.iter().any(|e| matches!(
        e,
        TerminalEvent::Screen(ScreenMessage::Failed {
            error: LinkError::Protocol(WsError::FrameTooBig { .. }),
            ..
        })
    )));
}
