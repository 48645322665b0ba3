//! Interop with Python `websockets` as the terminal, over loopback TCP: the broker link
//! accepts it, sends SESSION START and a MAC'd PAYMENT (the script checks the MAC), receives a
//! notification, learns the counter by GET COUNTER, then closes cleanly.
//!
//! `websockets` is pip-installed into the target's temp dir when missing; the test skips with a
//! printed reason only when Python is absent or pip cannot reach its registry.
#![allow(clippy::disallowed_methods)] // virtual time starts at one wall-clock reading

mod broker_support;
mod python_support;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use broker_support::*;
use sca_ws::broker::{CloseReason, CounterBook, Event as BrokerEvent, Link};

const KEY: [u8; 16] = *b"fedcba9876543210";

const TERMINAL_PY: &str = r#"# A stand-in SCA terminal on Python `websockets` (sync client), for the broker interop test.
# argv: uri, hex MAC key. Prints one line per step so the Rust test can check them.
import base64, hashlib, hmac, sys
import xml.etree.ElementTree as ET
from websockets.sync.client import connect
from websockets.exceptions import ConnectionClosed

uri, key = sys.argv[1], bytes.fromhex(sys.argv[2])
last_counter = 0

def response(text, code, status, counter=None, recon=None, extra=()):
    parts = ["<RESPONSE>", f"<RESPONSE_TEXT>{text}</RESPONSE_TEXT>",
             f"<RESULT>{'OK' if code == -1 else 'FAILED'}</RESULT>",
             f"<RESULT_CODE>{code}</RESULT_CODE>",
             f"<TERMINATION_STATUS>{status}</TERMINATION_STATUS>"]
    if counter is not None:
        parts.append(f"<COUNTER>{counter}</COUNTER>")
    if recon is not None:
        parts.append(f"<POS_RECON>{recon}</POS_RECON>")
    parts.extend(f"<{k}>{v}</{k}>" for k, v in extra)
    parts.append("</RESPONSE>")
    return "\n".join(parts)

with connect(uri, subprotocols=["sci"], origin="http://127.0.0.1",
             additional_headers={"x-vfi-pinpad-id": "1"},
             open_timeout=10, close_timeout=5) as ws:
    print("subprotocol", ws.subprotocol, flush=True)
    try:
        for _ in range(20):
            msg = ws.recv(timeout=15)
            doc = ET.fromstring(msg)
            get = lambda name: (doc.findtext(name) or None)
            ft, cmd = get("FUNCTION_TYPE"), get("COMMAND")
            counter, mac, label, recon = get("COUNTER"), get("MAC"), get("MAC_LABEL"), get("POS_RECON")
            print("request", ft, cmd, counter, label, flush=True)
            if mac is not None:
                want = base64.b64encode(hmac.new(key, counter.encode(), hashlib.sha256).digest()).decode()
                if mac != want or int(counter) <= last_counter:
                    print("mac bad", flush=True)
                    ws.send(response("MAC verification failed", 40007, "FAILURE", counter, recon))
                    continue
                print("mac ok", counter, flush=True)
                last_counter = int(counter)
            if (ft, cmd) == ("ADMIN", "GET_COUNTER"):
                ws.send(response("Counter", -1, "SUCCESS", max(last_counter, 1)))
            elif ft == "PAYMENT":
                ws.send(response("Consumer pressed a button", -1, "SUCCESS",
                                 extra=[("NOTIFICATION", "CUST_BUTTON")]))
                ws.send(response("APPROVED", -1, "SUCCESS", counter, recon,
                                 [("APPROVED_AMOUNT", get("TRANS_AMOUNT"))]))
            else:
                ws.send(response("Session Started", -1, "SUCCESS", counter, recon,
                                 [("TRAINING_MODE", "OFF")]))
    except ConnectionClosed as closed:
        rcvd = closed.rcvd
        print("closed", rcvd.code if rcvd else None, flush=True)
"#;

#[test]
#[allow(clippy::disallowed_methods)] // the test's clock
fn python_websockets_terminal() {
    let path = match python_support::python_path(
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        "py-websockets",
        "import websockets.sync.client",
        &["websockets>=12"],
    ) {
        Ok(p) => p,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    let script = Path::new(env!("CARGO_TARGET_TMPDIR")).join("broker_terminal.py");
    std::fs::write(&script, TERMINAL_PY).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let key_hex: String = KEY.iter().map(|b| format!("{b:02x}")).collect();
    let mut cmd = Command::new("python3");
    cmd.arg(&script)
        .arg(format!("ws://127.0.0.1:{port}/"))
        .arg(key_hex);
    if let Some(p) = &path {
        cmd.env("PYTHONPATH", p);
    }
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    listener.set_nonblocking(true).unwrap();
    let start = Instant::now();
    let stream = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(_) => {
                assert!(
                    start.elapsed() < Duration::from_secs(20),
                    "python never connected"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    stream.set_nonblocking(false).unwrap();

    let payment = "<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND>\
<TRANS_AMOUNT>12.34</TRANS_AMOUNT><POS_RECON>pr-1</POS_RECON></TRANSACTION>";
    let get_counter = "<TRANSACTION><FUNCTION_TYPE>ADMIN</FUNCTION_TYPE><COMMAND>GET_COUNTER</COMMAND>\
<MAC_LABEL>P_042</MAC_LABEL></TRANSACTION>";
    let mut step = 0;
    let mut link = Link::new(Arc::new(quiet_config()), Instant::now(), 11);
    let events = serve_tcp(
        stream,
        &mut link,
        Duration::from_secs(30),
        |link, now, e| match e {
            BrokerEvent::UpgradeRequested(info) => {
                assert_eq!(info.pinpad_id.as_deref(), Some("1"));
                assert_eq!(info.origin.as_deref(), Some("http://127.0.0.1"));
                assert_eq!(info.protocols, ["sci"]);
                link.accept(now, Some("sci")).unwrap();
            }
            BrokerEvent::Open => {
                link.submit(now, tx(SEED_SESSION_START)).unwrap();
            }
            BrokerEvent::Answered { .. } => {
                step += 1;
                match step {
                    1 => {
                        let mut book = CounterBook::new();
                        book.insert("P_042", &KEY, 0).unwrap();
                        link.set_counters(book);
                        link.submit(now, tx(payment)).unwrap();
                    }
                    2 => {
                        link.submit(now, tx(get_counter)).unwrap();
                    }
                    _ => link.close(now, sca_ws::CloseCode(1000), "bye").unwrap(),
                }
            }
            _ => {}
        },
    );
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python failed: {stdout}\n{stderr}");
    assert!(stdout.contains("subprotocol sci"), "{stdout}");
    assert!(stdout.contains("mac ok 1"), "{stdout}");
    assert!(!stdout.contains("mac bad"), "{stdout}");
    assert!(stdout.contains("closed 1000"), "{stdout}");

    let mut answered = Vec::new();
    let mut unsolicited = 0;
    for e in &events {
        match e {
            BrokerEvent::Answered { response, .. } => answered.push((
                response.response_text.as_deref().unwrap_or("").to_owned(),
                response.counter.map(|c| c.get()),
            )),
            BrokerEvent::Unsolicited(r) => {
                assert_eq!(r.fields().get("NOTIFICATION"), Some("CUST_BUTTON"));
                unsolicited += 1;
            }
            BrokerEvent::Failed { .. } | BrokerEvent::BadMessage(_) => panic!("{e:?}"),
            _ => {}
        }
    }
    assert_eq!(
        answered,
        [
            ("Session Started".to_owned(), None),
            ("APPROVED".to_owned(), Some(1)),
            ("Counter".to_owned(), Some(1)),
        ]
    );
    assert_eq!(unsolicited, 1);
    assert_eq!(link.counters().last_counter("P_042"), Some(1));
    assert!(
        matches!(events.last(), Some(BrokerEvent::Closed(CloseReason::Closed { code, .. })) if code.0 == 1000),
        "{events:?}"
    );
}
