//! Rule 5: PAYMENT / LINE_ITEM need a session; START while open gets 59003; START, FINISH and
//! LANE_CLOSED are tracked from the application's successful answers.

mod common;

use std::time::Duration;

use common::{Pair, code, transaction};
use sca_ws::xml::Response;

fn connected() -> Pair {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    pair
}

fn answer(pair: &mut Pair, function_type: &str, command: &str, response: Response) {
    pair.send(&transaction(function_type, command, &[]));
    let (id, _, _) = pair.one_request();
    pair.respond(id, response);
    pair.take_responses();
}

#[test]
fn payment_and_line_item_need_a_session() {
    let mut pair = connected();
    for (ft, cmd) in [("PAYMENT", "CAPTURE"), ("LINE_ITEM", "ADD")] {
        pair.send(&transaction(ft, cmd, &[]));
        let response = pair.one_response();
        assert_eq!(code(&response), 59004);
        assert_eq!(response.response_text.as_deref(), Some("No Session"));
    }
    answer(
        &mut pair,
        "SESSION",
        "START",
        Response::success("Session Started"),
    );
    pair.send(&transaction("LINE_ITEM", "ADD", &[]));
    assert_eq!(pair.take_requests().len(), 1);
}

#[test]
fn start_while_open_is_59003_and_finish_closes() {
    let mut pair = connected();
    answer(
        &mut pair,
        "SESSION",
        "START",
        Response::success("Session Started"),
    );
    pair.send(&transaction("SESSION", "START", &[]));
    assert_eq!(code(&pair.one_response()), 59003);
    answer(
        &mut pair,
        "SESSION",
        "FINISH",
        Response::success("Session Finished"),
    );
    assert!(!pair.terminal.is_session_open());
    pair.send(&transaction("SESSION", "START", &[]));
    assert_eq!(pair.take_requests().len(), 1);
}

#[test]
fn failed_start_opens_nothing_and_lane_closed_closes() {
    let mut pair = connected();
    answer(&mut pair, "SESSION", "START", Response::device_busy());
    assert!(!pair.terminal.is_session_open());
    answer(
        &mut pair,
        "SESSION",
        "START",
        Response::success("Session Started"),
    );
    answer(
        &mut pair,
        "ADMIN",
        "LANE_CLOSED",
        Response::success("Lane Closed"),
    );
    assert!(!pair.terminal.is_session_open());
}
