//! The HTTP API over a fake broker that gives each outcome on demand: every status code,
//! the bearer token, the terminal list, the event stream and the metrics. (The same API
//! over the real broker, as a process, is in `pos_broker_http_api.rs`.)

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sca_ws::{Response, Transaction};
use sca_ws_cli::api::{self, Api, auth::ApiToken, metrics::Metrics};
use sca_ws_cli::brokerage::{Brokerage, ByteCounts, LinkEvent, Refusal, TerminalView};
use support::http::{next_event, request, stream};
use tokio::sync::{broadcast, watch};

const START: &str =
    "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND></TRANSACTION>";

/// Each pinpad id stands for one outcome.
struct Fake {
    events: broadcast::Sender<LinkEvent>,
}

impl Brokerage for Fake {
    async fn submit(&self, pinpad_id: &str, tx: Transaction) -> Result<Response, Refusal> {
        assert_eq!(
            tx.command.as_str(),
            "START",
            "the body reached the broker decoded"
        );
        match pinpad_id {
            "ok" => Ok(Response::success("Session Started")),
            "full" => Err(Refusal::QueueFull),
            "mute" => Err(Refusal::Timeout),
            "gone" => Err(Refusal::LinkLost),
            _ => Err(Refusal::NotConnected),
        }
    }
    fn terminals(&self) -> Vec<TerminalView> {
        vec![TerminalView {
            pinpad_id: "ok".into(),
            remote: "127.0.0.1:4242".parse().unwrap(),
            since: SystemTime::UNIX_EPOCH + Duration::from_secs(1_798_761_600),
            node: None,
        }]
    }
    fn subscribe(&self) -> broadcast::Receiver<LinkEvent> {
        self.events.subscribe()
    }
    fn bytes(&self) -> ByteCounts {
        ByteCounts {
            received: 1234,
            sent: 5678,
        }
    }
}

/// Serves the API on an ephemeral loopback port; the runtime lives as long as the guard.
fn serve(
    token: Option<&str>,
) -> (
    SocketAddr,
    broadcast::Sender<LinkEvent>,
    tokio::runtime::Runtime,
) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (events, _) = broadcast::channel(16);
    let (_stop, stopping) = watch::channel(false);
    let api = Arc::new(Api {
        broker: Arc::new(Fake {
            events: events.clone(),
        }),
        token: token.map(ApiToken::new),
        metrics: Metrics::new(),
        stopping,
    });
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        let _keep = _stop;
        axum::serve(listener, api::router(api)).await.unwrap();
    });
    (addr, events, rt)
}

fn post(addr: SocketAddr, id: &str, body: &str, headers: &[(&str, &str)]) -> support::http::Reply {
    request(
        addr,
        "POST",
        &format!("/terminals/{id}/transactions"),
        headers,
        body,
    )
}

#[test]
fn every_outcome_has_its_status_and_says_why() {
    let (addr, _events, _rt) = serve(None);
    let ok = post(addr, "ok", START, &[]);
    assert_eq!(ok.status, 200, "{ok:?}");
    assert!(
        ok.header("content-type")
            .unwrap()
            .starts_with("application/xml")
    );
    let answer = Response::decode(ok.body.as_bytes()).expect("a RESPONSE document");
    assert_eq!(answer.response_text.as_deref(), Some("Session Started"));

    for (id, body, status, why) in [
        ("ok", "<RESPONSE></RESPONSE>", 400, "not a TRANSACTION"),
        ("ok", "\u{feff}garbage", 400, "not a TRANSACTION"),
        ("nobody", START, 404, "not connected"),
        ("full", START, 503, "queue is full"),
        ("mute", START, 504, "did not answer in time"),
        ("gone", START, 502, "link was lost"),
    ] {
        let reply = post(addr, id, body, &[]);
        assert_eq!(reply.status, status, "{id} {body}: {reply:?}");
        assert!(reply.body.contains(why), "{id}: {:?}", reply.body);
    }
    // An id that is not UTF-8 once decoded is refused by the router, not a panic.
    let odd = post(addr, "%FF%FE", START, &[]);
    assert_eq!(odd.status, 400, "{odd:?}");
    let huge = format!("<TRANSACTION>{}</TRANSACTION>", "x".repeat(api::BODY_LIMIT));
    assert_eq!(post(addr, "ok", &huge, &[]).status, 413);
}

#[test]
fn a_token_guards_every_route_and_only_the_exact_one_opens_them() {
    let (addr, _events, _rt) = serve(Some("s3cret"));
    for (method, path) in [
        ("POST", "/terminals/ok/transactions"),
        ("GET", "/terminals"),
        ("GET", "/events"),
        ("GET", "/metrics"),
    ] {
        for headers in [
            &[][..],
            &[("Authorization", "Bearer wrong")][..],
            &[("Authorization", "Bearer s3cre")][..],
            &[("Authorization", "Basic s3cret")][..],
        ] {
            let reply = request(addr, method, path, headers, START);
            assert_eq!(reply.status, 401, "{method} {path} {headers:?}");
            assert!(reply.body.contains("bearer token"), "{}", reply.body);
            assert!(
                !reply.body.contains("s3cret"),
                "the token leaked: {}",
                reply.body
            );
        }
    }
    let good = [("Authorization", "Bearer s3cret")];
    assert_eq!(post(addr, "ok", START, &good).status, 200);
    assert_eq!(request(addr, "GET", "/terminals", &good, "").status, 200);
}

#[test]
fn terminals_list_and_metrics() {
    let (addr, _events, _rt) = serve(None);
    let list = request(addr, "GET", "/terminals", &[], "");
    assert_eq!(list.status, 200);
    let json: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{
            "pinpad_id": "ok",
            "remote_addr": "127.0.0.1:4242",
            "connected_since": "2027-01-01T00:00:00Z"
        }])
    );

    post(addr, "ok", START, &[]);
    post(addr, "full", START, &[]);
    post(addr, "full", START, &[]);
    post(addr, "ok", "<nope/>", &[]);
    let metrics = request(addr, "GET", "/metrics", &[], "");
    assert_eq!(metrics.status, 200);
    let text = metrics.body;
    for line in [
        "sca_requests_total{outcome=\"answered\"} 1",
        "sca_requests_total{outcome=\"queue_full\"} 2",
        "sca_requests_total{outcome=\"bad_request\"} 1",
        "sca_answer_latency_seconds_count 1",
        "sca_connected_terminals 1",
        "sca_received_bytes_total 1234",
        "sca_sent_bytes_total 5678",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
}

#[test]
fn events_arrive_as_json_with_the_pinpad_id() {
    let (addr, events, _rt) = serve(None);
    let (status, mut sse) = stream(addr, "/events", &[]);
    assert_eq!(status, 200);
    // The handler subscribes when the request arrives: send until the receiver is there.
    for _ in 0..200 {
        if events.receiver_count() > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    events
        .send(LinkEvent::Connected {
            pinpad_id: "7".into(),
            remote: "127.0.0.1:9".parse().unwrap(),
        })
        .unwrap();
    events
        .send(LinkEvent::Unsolicited {
            pinpad_id: "7".into(),
            response: Response::success("Note"),
        })
        .unwrap();
    let connected: serde_json::Value =
        serde_json::from_str(&next_event(&mut sse, "connected", "", 50)).unwrap();
    assert_eq!(connected["pinpad_id"], "7");
    assert_eq!(connected["remote_addr"], "127.0.0.1:9");
    let note: serde_json::Value =
        serde_json::from_str(&next_event(&mut sse, "unsolicited", "", 50)).unwrap();
    assert_eq!(note["pinpad_id"], "7");
    assert!(
        note["response"]
            .as_str()
            .unwrap()
            .contains("<RESPONSE_TEXT>Note</RESPONSE_TEXT>")
    );

    events
        .send(LinkEvent::Replaced {
            pinpad_id: "7".into(),
            remote: "127.0.0.1:10".parse().unwrap(),
        })
        .unwrap();
    events
        .send(LinkEvent::TlsFailed {
            remote: "127.0.0.1:11".parse().unwrap(),
            reason: "peer sent no certificates".into(),
        })
        .unwrap();
    let replaced: serde_json::Value =
        serde_json::from_str(&next_event(&mut sse, "replaced", "", 50)).unwrap();
    assert_eq!(replaced["pinpad_id"], "7");
    assert_eq!(replaced["remote_addr"], "127.0.0.1:10");
    let tls: serde_json::Value =
        serde_json::from_str(&next_event(&mut sse, "tls_failed", "", 50)).unwrap();
    assert_eq!(tls["remote_addr"], "127.0.0.1:11");
    assert_eq!(tls["reason"], "peer sent no certificates");
}
