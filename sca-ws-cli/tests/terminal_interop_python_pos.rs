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
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

/// Where `websockets` and `cryptography` import from: `Ok(None)` = the default path.
fn python_path() -> Result<Option<PathBuf>, String> {
    let importable = |path: Option<&Path>| {
        let mut c = Command::new("python3");
        c.args([
            "-c",
            "import websockets.sync.server, cryptography.hazmat.primitives.asymmetric.rsa",
        ]);
        if let Some(p) = path {
            c.env("PYTHONPATH", p);
        }
        c.stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if Command::new("python3").arg("--version").output().is_err() {
        return Err("python3 is not installed".into());
    }
    if importable(None) {
        return Ok(None);
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("py-pos");
    if importable(Some(&dir)) {
        return Ok(Some(dir));
    }
    let out = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
        ])
        .arg(&dir)
        .args(["--timeout", "30", "websockets>=12", "cryptography>=41"])
        .output()
        .map_err(|e| format!("pip could not run: {e}"))?;
    if out.status.success() && importable(Some(&dir)) {
        return Ok(Some(dir));
    }
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let unreachable = [
        "connection",
        "network",
        "resolve",
        "timed out",
        "no matching distribution",
    ]
    .iter()
    .any(|w| err.to_lowercase().contains(w));
    assert!(
        unreachable,
        "pip failed for a reason other than the network: {err}"
    );
    Err(format!(
        "pip cannot reach its registry: {}",
        err.lines().last().unwrap_or("")
    ))
}

#[test]
fn sca_terminal_pairs_with_an_independent_python_pos() {
    let path = match python_path() {
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
