//! Rule 1: a document that is not well-formed, or not a TRANSACTION, gets -2 "XML Format
//! Incorrect" from the machine; nothing reaches the application.

mod common;

use std::time::Duration;

use common::{Pair, code};

#[test]
fn garbage_and_responses_get_minus_two() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    for bad in [
        "not xml at all",
        "<TRANSACTION><FUNCTION_TYPE>ADMIN</FUNCTION_TYPE>",
        "<RESPONSE><RESULT>OK</RESULT></RESPONSE>",
        "<TRANSACTION><FUNCTION_TYPE>ADMIN</FUNCTION_TYPE></TRANSACTION><X/>",
        "",
    ] {
        pair.inject(bad);
        let response = pair.one_response();
        assert_eq!(code(&response), -2, "{bad:?}");
        assert_eq!(
            response.response_text.as_deref(),
            Some("XML Format Incorrect")
        );
    }
    assert!(pair.take_requests().is_empty());
    assert!(pair.terminal.is_connected());
}
