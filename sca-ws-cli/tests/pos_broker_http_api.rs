//! `pos_broker --http` as a process with a simulated terminal: every status of
//! `POST /terminals/{id}/transactions` for real (200, 400, 404, 504, 503 queue full), the
//! bearer token, the terminal list, the event stream, the metrics, and close / drop of one
//! link.

mod support;

use std::time::Duration;

use support::http::{next_event, request, stream};
use support::process::{CAPTURE, Lines, START, broker, terminal};

fn post(api: std::net::SocketAddr, id: &str, body: &str) -> support::http::Reply {
    request(
        api,
        "POST",
        &format!("/terminals/{id}/transactions"),
        &[],
        body,
    )
}

#[test]
fn every_status_of_a_transaction_post() {
    let mut lines = Lines::default();
    // A 2 s deadline for the 504, one request waiting behind the one in flight for the 503.
    let pos = broker(
        &mut lines,
        &[
            "--http",
            "127.0.0.1:0",
            "--request-timeout",
            "2",
            "--queue",
            "1",
        ],
        false,
    );
    let api = pos.api.unwrap();
    // The customer never comes: a CAPTURE stays in flight until the deadline.
    let _term = terminal(&mut lines, &pos.url, "7", &["--capture-delay", "3600"]);
    lines.expect("pos", "connected 7");

    let ok = post(api, "7", START);
    assert_eq!(ok.status, 200, "{ok:?}");
    assert!(
        ok.header("content-type")
            .unwrap()
            .starts_with("application/xml")
    );
    assert!(
        ok.body
            .contains("<RESPONSE_TEXT>Session Started</RESPONSE_TEXT>"),
        "{}",
        ok.body
    );
    let decoded = sca_ws::Response::decode(ok.body.as_bytes()).expect("a RESPONSE document");
    assert!(decoded.is_success());

    let bad = post(api, "7", "<TRANSACTION><FUNCTION_TYPE>");
    assert_eq!(bad.status, 400, "{bad:?}");
    assert!(bad.body.contains("not a TRANSACTION"), "{}", bad.body);
    let nobody = post(api, "8", START);
    assert_eq!(nobody.status, 404, "{nobody:?}");
    assert!(nobody.body.contains("not connected"), "{}", nobody.body);

    // In flight, then queued, then refused: the queue holds one.
    let in_flight = std::thread::spawn(move || post(api, "7", CAPTURE));
    std::thread::sleep(Duration::from_millis(300));
    let queued = std::thread::spawn(move || post(api, "7", CAPTURE));
    std::thread::sleep(Duration::from_millis(300));
    let full = post(api, "7", CAPTURE);
    assert_eq!(full.status, 503, "{full:?}");
    assert!(full.body.contains("queue is full"), "{}", full.body);
    let timed_out = in_flight.join().unwrap();
    assert_eq!(timed_out.status, 504, "{timed_out:?}");
    assert!(
        timed_out.body.contains("did not answer in time"),
        "{}",
        timed_out.body
    );
    // The queued one went out after it; whatever the terminal said, it got an answer.
    let _ = queued.join().unwrap();
}

#[test]
fn the_token_is_required_and_a_public_address_needs_one() {
    let mut lines = Lines::default();
    let pos = broker(
        &mut lines,
        &["--http", "127.0.0.1:0", "--api-token", "tok-123"],
        false,
    );
    let api = pos.api.unwrap();
    let denied = request(api, "GET", "/terminals", &[], "");
    assert_eq!(denied.status, 401);
    let wrong = request(
        api,
        "GET",
        "/metrics",
        &[("Authorization", "Bearer tok-12")],
        "",
    );
    assert_eq!(wrong.status, 401);
    let post = request(api, "POST", "/terminals/7/transactions", &[], START);
    assert_eq!(
        post.status, 401,
        "a POST without the token must not reach the broker"
    );
    let allowed = request(
        api,
        "GET",
        "/terminals",
        &[("Authorization", "Bearer tok-123")],
        "",
    );
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.body, "[]");
    drop(pos);
    assert!(
        !lines.seen.iter().any(|(_, l)| l.contains("tok-123")),
        "the token was printed"
    );

    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_pos_broker"))
        .args(["--listen", "127.0.0.1:0", "--http", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("--api-token") && err.contains("--api-insecure-public"),
        "{err}"
    );
}

#[test]
fn terminals_events_and_metrics() {
    let mut lines = Lines::default();
    let pos = broker(&mut lines, &["--http", "127.0.0.1:0"], false);
    let api = pos.api.unwrap();
    let (status, mut events) = stream(api, "/events", &[]);
    assert_eq!(status, 200);
    let term = terminal(&mut lines, &pos.url, "42", &[]);
    let connected = next_event(&mut events, "connected", "\"42\"", 100);
    let connected: serde_json::Value = serde_json::from_str(&connected).unwrap();
    assert_eq!(connected["pinpad_id"], "42");
    assert!(
        connected["remote_addr"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );

    let list: serde_json::Value =
        serde_json::from_str(&request(api, "GET", "/terminals", &[], "").body).unwrap();
    assert_eq!(list[0]["pinpad_id"], "42");
    assert!(
        list[0]["remote_addr"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    assert!(list[0]["connected_since"].as_str().unwrap().ends_with('Z'));

    assert_eq!(post(api, "42", START).status, 200);
    let metrics = request(api, "GET", "/metrics", &[], "").body;
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in\n{metrics}"))
    };
    assert_eq!(value("sca_connected_terminals"), 1.0);
    assert_eq!(value("sca_requests_total{outcome=\"answered\"}"), 1.0);
    assert_eq!(value("sca_answer_latency_seconds_count"), 1.0);
    assert!(value("sca_received_bytes_total") > 0.0);
    assert!(value("sca_sent_bytes_total") > 0.0);

    drop(term);
    let gone = next_event(&mut events, "disconnected", "\"42\"", 100);
    assert!(gone.contains("\"pinpad_id\":\"42\""), "{gone}");
}

#[test]
fn close_and_drop_end_a_link_over_http() {
    let mut lines = Lines::default();
    let pos = broker(&mut lines, &["--http", "127.0.0.1:0"], false);
    let api = pos.api.unwrap();
    let _term = terminal(&mut lines, &pos.url, "7", &[]);
    lines.expect("pos", "connected 7");

    let closed = request(api, "POST", "/terminals/7/close", &[], "");
    assert_eq!(closed.status, 204, "{closed:?}");
    lines.expect("pos", "disconnected 7");
    lines.expect("pos-err", "7: closed 1000");
    // The terminal dials again by itself, and is reachable.
    lines.expect("pos", "connected 7");
    assert_eq!(post(api, "7", START).status, 200);

    let dropped = request(api, "POST", "/terminals/7/drop", &[], "");
    assert_eq!(dropped.status, 204, "{dropped:?}");
    lines.expect("pos", "disconnected 7");
    lines.expect("pos", "connected 7");

    let nobody = request(api, "POST", "/terminals/nobody/close", &[], "");
    assert_eq!(nobody.status, 404, "{nobody:?}");
    assert!(nobody.body.contains("not connected"), "{nobody:?}");
    let nobody = request(api, "POST", "/terminals/nobody/drop", &[], "");
    assert_eq!(nobody.status, 404, "{nobody:?}");
}
