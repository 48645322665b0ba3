//! The workspace's `sca_terminal` against an independent POS written in Python (`websockets` server, `cryptography` for
//! RSA, `hmac` for the MAC): it pairs `sca_terminal` with REGISTER, checks TEST_MAC, sends
//! signed requests, replays a COUNTER, forges a MAC, asks GET_COUNTER and UNREGISTERs. The POS
//! does its own RSA key generation, SPKI encoding, PKCS#1 v1.5 decryption and HMAC, so the
//! crate is checked against code it did not write. (Ported from the core's test of the
//! example CLI.)
//!
//! The packages are pip-installed into the target's temp dir when missing; the test skips with
//! a printed reason only when Python is absent or pip cannot reach its registry.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

#[path = "../../tests/python_support/mod.rs"]
mod python_support;
mod support;

use std::time::Duration;

use support::process::Killed;

const POS_PY: &str = r#"# A stand-in POS on Python `websockets` (sync server) + `cryptography`.
# Prints "port N", then one line per step for the Rust test.
import base64, hashlib, hmac, sys, threading
import xml.etree.ElementTree as ET
from cryptography.hazmat.primitives.asymmetric import rsa, padding
from cryptography.hazmat.primitives import serialization
from websockets.sync.server import serve

private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
spki = private.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
done = threading.Event()

def tx(ft, cmd, **fields):
    body = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return f"<TRANSACTION><FUNCTION_TYPE>{ft}</FUNCTION_TYPE><COMMAND>{cmd}</COMMAND>{body}</TRANSACTION>"

def mac(key, counter):
    return base64.b64encode(hmac.new(key, str(counter).encode(), hashlib.sha256).digest()).decode()

def handler(ws):
    def ask(doc):
        ws.send(doc)
        answer = ET.fromstring(ws.recv(timeout=20))
        return {child.tag: (child.text or "") for child in answer}
    try:
        print("pinpad", ws.request.headers.get("x-vfi-pinpad-id"), flush=True)
        a = ask(tx("SECURITY", "REGISTER", KEY=base64.b64encode(spki).decode(),
                   ENTRY_CODE="4821", REG_VER="1"))
        label = a["MAC_LABEL"]
        key = private.decrypt(base64.b64decode(a["MAC_KEY"]), padding.PKCS1v15())
        print("registered", a["RESULT_CODE"], label, len(key), flush=True)
        signed = lambda ft, cmd, n, m=None: tx(ft, cmd, MAC_LABEL=label, COUNTER=n, MAC=m or mac(key, n))
        a = ask(signed("SECURITY", "TEST_MAC", 1))
        print("testmac", a.get("RESPONSE_TEXT"), a.get("COUNTER"), flush=True)
        a = ask(signed("SESSION", "START", 2))
        print("start", a.get("RESULT_CODE"), a.get("COUNTER"), flush=True)
        a = ask(signed("SESSION", "FINISH", 2))
        print("replay", a.get("RESULT_CODE"), a.get("RESPONSE_TEXT"), flush=True)
        a = ask(signed("SESSION", "FINISH", 3, mac(b"not the key 1234", 3)))
        print("forged", a.get("RESULT_CODE"), a.get("RESPONSE_TEXT"), flush=True)
        a = ask(tx("ADMIN", "GET_COUNTER", MAC_LABEL=label))
        print("counter", a.get("COUNTER"), flush=True)
        a = ask(signed("SECURITY", "UNREGISTER", 3))
        print("unregister", a.get("RESULT_CODE"), flush=True)
        a = ask(signed("SECURITY", "TEST_MAC", 4))
        print("after", a.get("RESULT_CODE"), flush=True)
    except Exception as e:
        print("error", repr(e), flush=True)
    finally:
        done.set()

with serve(handler, "127.0.0.1", 0, subprotocols=["sci"]) as server:
    print("port", server.socket.getsockname()[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    done.wait(90)
    server.shutdown()
"#;

#[test]
fn sca_terminal_pairs_with_an_independent_python_pos() {
    let path = match python_support::python_path(
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        "py-pos",
        "import websockets.sync.server, cryptography.hazmat.primitives.asymmetric.rsa",
        &["websockets>=12", "cryptography>=41"],
    ) {
        Ok(p) => p,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    let terminal_exe = env!("CARGO_BIN_EXE_sca_terminal");
    let script = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python_pos.py");
    std::fs::write(&script, POS_PY).unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(&script);
    if let Some(p) = &path {
        cmd.env("PYTHONPATH", p);
    }
    let mut pos = Killed(
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(pos.0.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a port line").unwrap();
    let port = first.strip_prefix("port ").expect("port N").to_owned();

    let _terminal = Killed(
        Command::new(terminal_exe)
            .args([
                "--url",
                &format!("ws://127.0.0.1:{port}/"),
                "--pinpad-id",
                "5",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sca_terminal"),
    );
    // Bounded: the script prints at most 10 lines and gives up after 90 s.
    let out: Vec<String> = lines.take(20).map_while(Result::ok).collect();
    assert!(
        pos.wait_for_exit(Duration::from_secs(120)).is_some(),
        "python POS never finished: {out:?}"
    );
    let expected = [
        "pinpad 5",
        "registered -1 P_1 16",
        "testmac Match 1",
        "start -1 2",
        "replay 40007 COUNTER not higher than the last one",
        "forged 40007 MAC verification failed",
        "counter 2",
        "unregister -1",
        "after 19",
    ];
    assert_eq!(out, expected);
}
