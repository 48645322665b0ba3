//! `sca_terminal --count 50`: fifty terminals in one process, `ID-1` .. `ID-50`, each
//! answering through `pos_broker`'s HTTP API, and the summary counting them.

mod support;

use std::time::{Duration, Instant};

use support::http::request;
use support::process::{Lines, START, broker, terminal};

#[test]
fn fifty_terminals_answer_through_the_api() {
    let mut lines = Lines::default();
    let pos = broker(&mut lines, &["--http", "127.0.0.1:0"], false);
    let api = pos.api.unwrap();
    let mut swarm = terminal(&mut lines, &pos.url, "S", &["--count", "50"]);
    let until = Instant::now() + Duration::from_secs(60);
    let ids = loop {
        let list: serde_json::Value =
            serde_json::from_str(&request(api, "GET", "/terminals", &[], "").body).unwrap();
        let ids: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["pinpad_id"].as_str().unwrap().to_owned())
            .collect();
        if ids.len() == 50 || Instant::now() > until {
            break ids;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut expected: Vec<String> = (1..=50).map(|i| format!("S-{i}")).collect();
    expected.sort();
    assert_eq!(ids, expected);

    let posts: Vec<_> = (1..=50)
        .map(|i| {
            std::thread::spawn(move || {
                request(
                    api,
                    "POST",
                    &format!("/terminals/S-{i}/transactions"),
                    &[],
                    START,
                )
            })
        })
        .collect();
    for post in posts {
        let reply = post.join().unwrap();
        assert_eq!(reply.status, 200, "{reply:?}");
        assert!(reply.body.contains("Session Started"), "{}", reply.body);
    }
    swarm.terminate();
    let summary = lines.expect("term-out", "summary: connected");
    // Taken when the signal came, before the links closed.
    assert!(
        summary.contains("connected 50/50, answered 50,"),
        "{summary}"
    );
    assert!(
        swarm
            .wait_for_exit(Duration::from_secs(15))
            .is_some_and(|s| s.success())
    );
}
