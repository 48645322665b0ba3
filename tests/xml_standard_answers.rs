//! Each standard answer writes exactly the expected bytes, and reads back equal.

use bytes::BytesMut;
use sca_ws::xml::{Counter, Response, StandardAnswer};

fn written(response: &Response) -> String {
    let mut out = BytesMut::new();
    response.encode(&mut out);
    String::from_utf8(out.to_vec()).unwrap()
}

fn failure(text: &str, result: &str, code: i64) -> String {
    format!(
        "<RESPONSE>\n<RESPONSE_TEXT>{text}</RESPONSE_TEXT>\n<RESULT>{result}</RESULT>\n\
         <RESULT_CODE>{code}</RESULT_CODE>\n<TERMINATION_STATUS>FAILURE</TERMINATION_STATUS>\n\
         </RESPONSE>\n"
    )
}

#[test]
fn success_answer_bytes() {
    assert_eq!(
        written(&Response::success("Session Finished")),
        "<RESPONSE>\n<RESPONSE_TEXT>Session Finished</RESPONSE_TEXT>\n<RESULT>OK</RESULT>\n\
         <RESULT_CODE>-1</RESULT_CODE>\n<TERMINATION_STATUS>SUCCESS</TERMINATION_STATUS>\n\
         </RESPONSE>\n"
    );
}

#[test]
fn get_counter_answer_carries_counter_after_status() {
    let response = Response::success("Counter").with_counter(Counter::ONE);
    assert!(written(&response).ends_with(
        "<TERMINATION_STATUS>SUCCESS</TERMINATION_STATUS>\n<COUNTER>1</COUNTER>\n</RESPONSE>\n"
    ));
}

#[test]
fn xml_format_incorrect_bytes() {
    assert_eq!(
        written(&Response::xml_format_incorrect()),
        failure("XML Format Incorrect", "ERROR", -2)
    );
}

#[test]
fn unknown_command_bytes() {
    assert_eq!(
        written(&Response::unknown_command()),
        failure("Unknown Command", "ERROR", 0)
    );
}

#[test]
fn cancelled_bytes() {
    assert_eq!(
        written(&Response::cancelled()),
        failure("Transaction Cancelled", "CANCELLED", 59001)
    );
}

#[test]
fn device_busy_bytes() {
    assert_eq!(
        written(&Response::device_busy()),
        failure("DEVICE IS BUSY", "BUSY", 59002)
    );
}

#[test]
fn session_in_progress_bytes() {
    assert_eq!(
        written(&Response::session_in_progress()),
        failure("SESSION in progress", "BUSY", 59003)
    );
}

#[test]
fn no_session_bytes() {
    assert_eq!(
        written(&Response::no_session()),
        failure("No Session", "FAILED", 59004)
    );
}

#[test]
fn mac_missing_bytes() {
    assert_eq!(
        written(&Response::mac_missing()),
        failure(
            "MAC/MAC_LABEL not found or MAC_LABEL missing",
            "FAILED",
            40007
        )
    );
}

#[test]
fn unknown_mac_label_bytes() {
    assert_eq!(
        written(&Response::unknown_mac_label()),
        failure("MAC_LABEL does not exist", "FIELD_ERROR", 19)
    );
}

#[test]
fn bad_mac_bytes() {
    assert_eq!(
        written(&Response::bad_mac()),
        failure("MAC verification failed", "FAILED", 40007)
    );
}

#[test]
fn invalid_counter_bytes() {
    assert_eq!(
        written(&Response::invalid_counter()),
        failure("COUNTER missing or invalid", "FAILED", 40007)
    );
}

#[test]
fn stale_counter_bytes() {
    assert_eq!(
        written(&Response::stale_counter()),
        failure("COUNTER not higher than the last one", "FAILED", 40007)
    );
}

#[test]
fn security_refused_bytes() {
    assert_eq!(
        written(&Response::security_refused()),
        failure("SECURITY commands not allowed with SKIPPOSAUTH", "ERROR", 0)
    );
}

#[test]
fn every_standard_answer_reads_back_equal() {
    for answer in StandardAnswer::ALL {
        let response = Response::standard(answer);
        let entry = answer.entry();
        assert_eq!(response.result_code, Some(entry.code));
        assert!(!response.is_success());
        let reparsed = Response::decode(written(&response).as_bytes()).unwrap();
        assert_eq!(reparsed, response, "{answer:?}");
    }
}

#[test]
fn answers_echo_pos_recon_after_the_leading_fields() {
    let response = Response::device_busy()
        .with_field("POS_RECON", "abc<1>")
        .unwrap();
    assert!(written(&response).ends_with(
        "<TERMINATION_STATUS>FAILURE</TERMINATION_STATUS>\n<POS_RECON>abc&lt;1&gt;</POS_RECON>\n</RESPONSE>\n"
    ));
    assert_eq!(response.pos_recon(), Some("abc<1>"));
}
