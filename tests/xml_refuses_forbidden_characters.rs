//! The XML reader refuses the characters XML 1.0 forbids (NUL, the other C0 controls except
//! tab / CR / LF, U+FFFE, U+FFFF) wherever they appear, and the terminal answers such a
//! request with the -2 "XML Format Incorrect" answer.

mod common;

use std::time::Duration;

use common::{Pair, code, transaction};
use sca_ws::xml::{Error as XmlError, Response, Transaction};

/// Every forbidden character, as text.
fn forbidden() -> Vec<char> {
    let mut chars: Vec<char> = (0u8..0x20)
        .filter(|b| !matches!(b, b'\t' | b'\n' | b'\r'))
        .map(char::from)
        .collect();
    chars.extend(['\u{FFFE}', '\u{FFFF}']);
    chars
}

/// Documents with `c` in a field value, a comment, a CDATA section and between elements.
fn carriers(c: char) -> Vec<(String, usize)> {
    let head = "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND>";
    let offset = head.len() + "<INVOICE>12".len();
    vec![
        (
            format!("{head}<INVOICE>12{c}3</INVOICE></TRANSACTION>"),
            offset,
        ),
        (format!("{head}<!-- a{c} --></TRANSACTION>"), head.len() + 6),
        (
            format!("{head}<NOTE><![CDATA[x{c}]]></NOTE></TRANSACTION>"),
            head.len() + 16,
        ),
        (format!("{head}{c}</TRANSACTION>"), head.len()),
    ]
}

#[test]
fn transactions_with_a_forbidden_character_are_refused_where_it_is() {
    for c in forbidden() {
        for (doc, offset) in carriers(c) {
            assert_eq!(
                Transaction::decode(doc.as_bytes()),
                Err(XmlError::ForbiddenChar { offset }),
                "U+{:04X} in {doc:?}",
                c as u32
            );
        }
    }
}

#[test]
fn responses_with_a_forbidden_character_are_refused() {
    for c in forbidden() {
        let doc =
            format!("<RESPONSE><RESULT>OK{c}</RESULT><RESULT_CODE>-1</RESULT_CODE></RESPONSE>");
        assert!(
            matches!(
                Response::decode(doc.as_bytes()),
                Err(XmlError::ForbiddenChar { offset: 20 })
            ),
            "U+{:04X}",
            c as u32
        );
    }
}

#[test]
fn tab_cr_lf_and_other_characters_stay_allowed() {
    let doc = "<TRANSACTION>\r\n<FUNCTION_TYPE>SESSION</FUNCTION_TYPE>\t<COMMAND>START</COMMAND>\n\
<INVOICE>a\tb \u{7f}\u{85}\u{FFFD}\u{10000}</INVOICE></TRANSACTION>";
    let tx = Transaction::decode(doc.as_bytes()).expect("allowed characters");
    assert_eq!(
        tx.fields().get("INVOICE"),
        Some("a\tb \u{7f}\u{85}\u{FFFD}\u{10000}")
    );
}

#[test]
fn the_terminal_answers_minus_2() {
    let mut pair = Pair::new(Pair::skip_auth_config());
    pair.connect_within(Duration::from_secs(1));
    for c in ['\0', '\u{1b}', '\u{FFFF}'] {
        let request = transaction("SESSION", "START", &[("INVOICE", &format!("1{c}"))]);
        pair.inject(&request);
        let answer = pair.one_response();
        assert_eq!(code(&answer), -2, "U+{:04X}", c as u32);
        assert!(
            pair.take_requests().is_empty(),
            "not delivered to the application"
        );
    }
    assert!(
        pair.terminal.is_connected(),
        "a bad document does not end the link"
    );
}
