//! `pos_broker`'s line mode over the links themselves: `ID close` runs the close handshake
//! (1000) and `ID drop` cuts TCP, each followed by `disconnected ID` and the terminal's
//! redial; an unknown id gets an `error` line. A second link with an id already up replaces
//! the first: the older is closed with the replaced code, stdout says `replaced ID` (never
//! `disconnected ID`), and the next request reaches the newer link.

mod support;

use std::io::Write;
use std::time::Duration;

use sca_ws::broker::CLOSE_REPLACED;
use sca_ws::ws::Event;
use support::process::{Lines, broker, terminal};
use support::raw_terminal::{RawTerminal, field};

#[test]
fn close_and_drop_end_one_link_and_the_terminal_comes_back() {
    let mut lines = Lines::default();
    let mut pos = broker(&mut lines, &[], true);
    let _term = terminal(&mut lines, &pos.url, "5", &[]);
    lines.expect("pos", "connected 5");
    let stdin = pos.stdin.as_mut().unwrap();

    writeln!(stdin, "5 close").unwrap();
    lines.expect("pos", "disconnected 5");
    lines.expect("pos-err", "5: closed 1000");
    lines.expect("pos", "connected 5");

    writeln!(stdin, "5 drop").unwrap();
    lines.expect("pos", "disconnected 5");
    let reason = lines.expect("pos-err", "5: ");
    assert!(
        !reason.contains("closed 1000"),
        "a drop has no close handshake: {reason}"
    );
    lines.expect("pos", "connected 5");

    writeln!(stdin, "nobody close").unwrap();
    lines.expect("pos", "error nobody not connected");
    writeln!(stdin, "nobody drop").unwrap();
    lines.expect("pos", "error nobody not connected");
}

#[test]
fn a_second_link_with_the_id_replaces_the_first() {
    let mut lines = Lines::default();
    let mut pos = broker(&mut lines, &[], true);
    let addr = pos
        .url
        .trim_start_matches("ws://")
        .trim_end_matches('/')
        .to_owned();
    let mut older = RawTerminal::connect(&addr, "1");
    lines.expect("pos", "connected 1");
    let mut newer = RawTerminal::connect(&addr, "1");
    lines.expect("pos", "connected 1");

    let close = older.wait_for(|e| matches!(e, Event::Close { .. }));
    let Event::Close { code, .. } = close else {
        unreachable!()
    };
    assert_eq!(code, CLOSE_REPLACED, "the older link is closed as replaced");
    lines.expect("pos", "replaced 1");

    let stdin = pos.stdin.as_mut().unwrap();
    writeln!(
        stdin,
        "1 <TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND>\
         <INVOICE>5</INVOICE></TRANSACTION>"
    )
    .unwrap();
    let request = newer.wait_for(|e| matches!(e, Event::Text(_)));
    let Event::Text(text) = request else {
        unreachable!()
    };
    assert_eq!(field(text.as_str(), "INVOICE"), Some("5"));
    let recon = field(text.as_str(), "POS_RECON").expect("the broker's POS_RECON");
    newer.send(&format!(
        "<RESPONSE><RESPONSE_TEXT>OK</RESPONSE_TEXT><RESULT>OK</RESULT>\
         <RESULT_CODE>-1</RESULT_CODE><TERMINATION_STATUS>SUCCESS</TERMINATION_STATUS>\
         <POS_RECON>{recon}</POS_RECON></RESPONSE>"
    ));
    lines.expect("pos", "response 1");
    // The older link's end, long done, was never told as a disconnection.
    assert!(
        !lines.arrives("pos", "disconnected 1", Duration::from_millis(300)),
        "the id was reported disconnected while its newer link was up: {:#?}",
        lines.seen
    );
}
