//! The seed's TRANSACTION and RESPONSE, exactly as printed there, parse to the expected values,
//! are written in the conventional form, and parse∘write is idempotent on them.

use bytes::BytesMut;
use sca_ws::xml::{
    Command, Counter, FunctionType, Response, ResultCode, TerminationStatus, Transaction,
};

/// The seed's request, pretty-printed with newlines between elements.
const SEED_TRANSACTION: &str = "<TRANSACTION>
<FUNCTION_TYPE>SESSION</FUNCTION_TYPE>
<COMMAND>START</COMMAND>
<BUSINESSDATE>20210709</BUSINESSDATE>
<SWIPE_AHEAD>1</SWIPE_AHEAD>
<TRAINING_MODE>0</TRAINING_MODE>
<INVOICE>123456</INVOICE>
</TRANSACTION>
";

/// The seed's response, including the trailing spaces two of its lines carry.
const SEED_RESPONSE: &str = "<RESPONSE>
<RESPONSE_TEXT>Session Started</RESPONSE_TEXT>
<RESULT>OK</RESULT>
<RESULT_CODE>-1</RESULT_CODE>
<TERMINATION_STATUS>SUCCESS</TERMINATION_STATUS>  
<TRAINING_MODE>OFF</TRAINING_MODE>  
</RESPONSE>
";

fn encode_transaction(transaction: &Transaction) -> BytesMut {
    let mut out = BytesMut::new();
    transaction.encode(&mut out);
    out
}

fn encode_response(response: &Response) -> BytesMut {
    let mut out = BytesMut::new();
    response.encode(&mut out);
    out
}

#[test]
fn seed_transaction_parses_to_expected_values() {
    let transaction = Transaction::decode(SEED_TRANSACTION.as_bytes()).unwrap();
    assert_eq!(transaction.function_type, FunctionType::Session);
    assert_eq!(transaction.command, Command::Start);
    let fields: Vec<_> = transaction
        .fields()
        .iter()
        .map(|f| (f.name(), f.value().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("BUSINESSDATE", "20210709"),
            ("SWIPE_AHEAD", "1"),
            ("TRAINING_MODE", "0"),
            ("INVOICE", "123456"),
        ]
    );
    assert_eq!(transaction.counter(), None);
    assert_eq!(transaction.mac(), None);
    assert!(!transaction.is_mac_exempt());
    assert!(!transaction.needs_session());
}

#[test]
fn seed_transaction_is_written_back_byte_for_byte() {
    let transaction = Transaction::decode(SEED_TRANSACTION.as_bytes()).unwrap();
    assert_eq!(
        std::str::from_utf8(&encode_transaction(&transaction)).unwrap(),
        SEED_TRANSACTION
    );
}

#[test]
fn seed_response_parses_to_expected_values() {
    let response = Response::decode(SEED_RESPONSE.as_bytes()).unwrap();
    assert_eq!(response.response_text.as_deref(), Some("Session Started"));
    assert_eq!(response.result.as_deref(), Some("OK"));
    assert_eq!(response.result_code, Some(ResultCode(-1)));
    assert_eq!(
        response.termination_status,
        Some(TerminationStatus::Success)
    );
    assert_eq!(response.counter, None);
    assert!(response.is_success());
    assert_eq!(response.fields().get("TRAINING_MODE"), Some("OFF"));
    assert_eq!(response.fields().len(), 1);
}

#[test]
fn seed_response_equals_the_built_success_answer() {
    let built = Response::success("Session Started")
        .with_field("TRAINING_MODE", "OFF")
        .unwrap();
    let parsed = Response::decode(SEED_RESPONSE.as_bytes()).unwrap();
    assert_eq!(parsed, built);
    assert_eq!(
        std::str::from_utf8(&encode_response(&built)).unwrap(),
        SEED_RESPONSE.replace("  \n", "\n")
    );
}

#[test]
fn parse_write_is_idempotent_on_seed_documents() {
    let once = encode_transaction(&Transaction::decode(SEED_TRANSACTION.as_bytes()).unwrap());
    let twice = encode_transaction(&Transaction::decode(&once).unwrap());
    assert_eq!(once, twice);
    let once = encode_response(&Response::decode(SEED_RESPONSE.as_bytes()).unwrap());
    let twice = encode_response(&Response::decode(&once).unwrap());
    assert_eq!(once, twice);
}

#[test]
fn mac_fields_are_read_through_typed_accessors() {
    let doc = b"<TRANSACTION><FUNCTION_TYPE>PAYMENT</FUNCTION_TYPE><COMMAND>CAPTURE</COMMAND>\
        <COUNTER>42</COUNTER><MAC>q1w2e3==</MAC><MAC_LABEL>P_ABC</MAC_LABEL>\
        <POS_RECON>r-1</POS_RECON><TRANS_AMOUNT>1.00</TRANS_AMOUNT></TRANSACTION>";
    let transaction = Transaction::decode(doc).unwrap();
    assert_eq!(transaction.counter(), Some(Ok(Counter::new(42).unwrap())));
    assert_eq!(transaction.counter_text(), Some("42"));
    assert_eq!(transaction.mac(), Some("q1w2e3=="));
    assert_eq!(transaction.mac_label(), Some("P_ABC"));
    assert_eq!(transaction.pos_recon(), Some("r-1"));
    assert!(transaction.needs_session());
    // The MAC'd fields stay in document order among the others.
    let names: Vec<_> = transaction.fields().iter().map(|f| f.name()).collect();
    assert_eq!(
        names,
        ["COUNTER", "MAC", "MAC_LABEL", "POS_RECON", "TRANS_AMOUNT"]
    );
}

#[test]
fn out_of_range_counter_parses_but_reads_as_invalid() {
    let doc = b"<TRANSACTION><FUNCTION_TYPE>ADMIN</FUNCTION_TYPE><COMMAND>SETTIME</COMMAND>\
        <COUNTER>4294967296</COUNTER></TRANSACTION>";
    let transaction = Transaction::decode(doc).unwrap();
    assert!(matches!(transaction.counter(), Some(Err(_))));
}

#[test]
fn builder_sets_replace_singletons() {
    let mut transaction = Transaction::new(FunctionType::Payment, Command::Capture);
    transaction.set_counter(Counter::new(7).unwrap()).unwrap();
    transaction.push_field("TRANS_AMOUNT", "5.00").unwrap();
    transaction
        .set_counter(Counter::new(4_000_000_000).unwrap())
        .unwrap();
    transaction.push_field("MAC", "a").unwrap();
    transaction.push_field("MAC", "b").unwrap();
    assert_eq!(transaction.counter_text(), Some("4000000000"));
    assert_eq!(transaction.mac(), Some("b"));
    let reparsed = Transaction::decode(&encode_transaction(&transaction)).unwrap();
    assert_eq!(reparsed, transaction);
}

#[test]
fn builder_refuses_typed_slots_and_bad_names() {
    let mut transaction = Transaction::new(FunctionType::Session, Command::Finish);
    assert!(transaction.push_field("COMMAND", "START").is_err());
    assert!(transaction.push_field("lower", "x").is_err());
    let mut response = Response::success("ok");
    assert!(response.push_field("RESULT_CODE", "1").is_err());
    assert!(response.push_field("COUNTER", "1").is_err());
    assert!(transaction.fields().is_empty() && response.fields().is_empty());
}
