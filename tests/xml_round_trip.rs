//! Property: any transaction or response, written and parsed again, is equal to itself; and
//! writing is idempotent (write ∘ parse ∘ write = write).

use bytes::BytesMut;
use proptest::prelude::*;
use sca_ws::xml::{
    Command, Counter, Fields, FunctionType, Response, ResultCode, TerminationStatus, Transaction,
};

/// Field names from the SCA alphabet, avoiding the names either root keeps in typed slots.
fn name() -> impl Strategy<Value = String> {
    "[A-Z_][A-Z0-9_.-]{0,12}".prop_filter("typed slot", |n| {
        !matches!(
            n.as_str(),
            "FUNCTION_TYPE"
                | "COMMAND"
                | "COUNTER"
                | "MAC"
                | "MAC_LABEL"
                | "POS_RECON"
                | "RESPONSE_TEXT"
                | "RESULT"
                | "RESULT_CODE"
                | "TERMINATION_STATUS"
        )
    })
}

/// Values with characters that need escaping, CR, whitespace-only values and non-ASCII.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 .]{0,12}",
        "[<>&\"' \r\n\t]{0,6}",
        "\\PC{0,12}".prop_map(|s| s.replace('\u{0}', "")),
        Just("]]>".to_string()),
    ]
    .prop_filter("xml chars only", |s| {
        s.chars().all(|c| {
            matches!(c, '\t' | '\n' | '\r')
                || ('\u{20}'..='\u{D7FF}').contains(&c)
                || ('\u{E000}'..='\u{FFFD}').contains(&c)
                || c >= '\u{10000}'
        })
    })
}

#[derive(Debug, Clone)]
enum Tree {
    Leaf(String, String),
    Group(String, Vec<Tree>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = (name(), value()).prop_map(|(n, v)| Tree::Leaf(n, v));
    leaf.prop_recursive(4, 24, 4, |inner| {
        (name(), prop::collection::vec(inner, 1..4)).prop_map(|(n, c)| Tree::Group(n, c))
    })
}

fn build(trees: &[Tree]) -> Fields {
    let mut fields = Fields::new();
    for tree in trees {
        match tree {
            Tree::Leaf(n, v) => fields.push(n, v).unwrap(),
            Tree::Group(n, children) => fields.push_group(n, &build(children)).unwrap(),
        }
    }
    fields
}

fn function_type() -> impl Strategy<Value = FunctionType> {
    prop_oneof![
        Just("SESSION".to_string()),
        Just("PAYMENT".to_string()),
        Just("SECONDARYPORT".to_string()),
        "[A-Z_]{1,10}",
        "[a-z<&]{1,5}",
    ]
    .prop_map(|s| FunctionType::from_name(&s))
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        Just("START".to_string()),
        Just("CANCEL".to_string()),
        "[A-Z_]{1,10}",
    ]
    .prop_map(|s| Command::from_name(&s))
}

fn transaction() -> impl Strategy<Value = Transaction> {
    (
        function_type(),
        command(),
        prop::collection::vec(tree(), 0..6),
        prop::option::of(1u32..),
        prop::option::of(value()),
    )
        .prop_map(|(ft, cmd, trees, counter, mac)| {
            let mut t = Transaction::new(ft, cmd);
            for tree in &trees {
                match tree {
                    Tree::Leaf(n, v) => t.push_field(n, v).unwrap(),
                    Tree::Group(n, children) => t.push_group(n, &build(children)).unwrap(),
                }
            }
            if let Some(counter) = counter.and_then(Counter::new) {
                t.set_counter(counter).unwrap();
            }
            if let Some(mac) = mac {
                t.set_mac(&mac).unwrap();
            }
            t
        })
}

fn response() -> impl Strategy<Value = Response> {
    (
        prop::option::of(value()),
        prop::option::of(value()),
        prop::option::of(any::<i64>()),
        prop::option::of(prop_oneof![
            Just("SUCCESS".to_string()),
            Just("FAILURE".to_string()),
            "[A-Z]{1,8}",
        ]),
        prop::option::of(1u32..),
        prop::collection::vec(tree(), 0..5),
    )
        .prop_map(|(text, result, code, status, counter, trees)| {
            let mut r = Response::new();
            r.response_text = text.map(Into::into);
            r.result = result.map(Into::into);
            r.result_code = code.map(ResultCode);
            r.termination_status = status.map(|s| TerminationStatus::from_name(&s));
            r.counter = counter.and_then(Counter::new);
            for tree in &trees {
                match tree {
                    Tree::Leaf(n, v) => r.push_field(n, v).unwrap(),
                    Tree::Group(n, children) => r.push_group(n, &build(children)).unwrap(),
                }
            }
            r
        })
}

proptest! {
    #[test]
    fn transaction_written_and_reparsed_is_equal(t in transaction()) {
        let mut out = BytesMut::new();
        t.encode(&mut out);
        let reparsed = Transaction::decode(&out);
        prop_assert_eq!(reparsed.as_ref(), Ok(&t), "{}", String::from_utf8_lossy(&out));
        let mut again = BytesMut::new();
        reparsed.unwrap().encode(&mut again);
        prop_assert_eq!(out, again);
    }

    #[test]
    fn response_written_and_reparsed_is_equal(r in response()) {
        let mut out = BytesMut::new();
        r.encode(&mut out);
        let reparsed = Response::decode(&out);
        prop_assert_eq!(reparsed.as_ref(), Ok(&r), "{}", String::from_utf8_lossy(&out));
        let mut again = BytesMut::new();
        reparsed.unwrap().encode(&mut again);
        prop_assert_eq!(out, again);
    }

    #[test]
    fn encoding_appends_without_touching_existing_bytes(t in transaction(), prefix in "[a-z]{0,8}") {
        let mut out = BytesMut::from(prefix.as_bytes());
        t.encode(&mut out);
        prop_assert!(out.starts_with(prefix.as_bytes()));
        prop_assert_eq!(Transaction::decode(&out[prefix.len()..]), Ok(t));
    }
}
