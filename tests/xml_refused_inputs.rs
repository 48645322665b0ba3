//! Every kind of input the decoder refuses, one named test each, with the typed error saying
//! what and where.

use sca_ws::xml::{Error as XmlError, Limits as XmlLimits, Response, SyntaxKind, Transaction};

const HEAD: &str = "<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>START</COMMAND>";

fn tx(body: &str) -> Result<Transaction, XmlError> {
    Transaction::decode(format!("{HEAD}{body}</TRANSACTION>").as_bytes())
}

#[test]
fn lower_case_root_is_refused() {
    let doc = b"<transaction><FUNCTION_TYPE>SESSION</FUNCTION_TYPE></transaction>";
    assert_eq!(
        Transaction::decode(doc),
        Err(XmlError::WrongRoot {
            offset: 0,
            expected: "TRANSACTION"
        })
    );
}

#[test]
fn response_given_to_the_transaction_decoder_is_refused() {
    let doc = b"\n<RESPONSE><RESULT>OK</RESULT></RESPONSE>";
    assert_eq!(
        Transaction::decode(doc),
        Err(XmlError::WrongRoot {
            offset: 1,
            expected: "TRANSACTION"
        })
    );
}

#[test]
fn transaction_given_to_the_response_decoder_is_refused() {
    let err = Response::decode(HEAD.as_bytes()).unwrap_err();
    assert_eq!(
        err,
        XmlError::WrongRoot {
            offset: 0,
            expected: "RESPONSE"
        }
    );
}

#[test]
fn missing_function_type_is_refused() {
    let doc = b"<TRANSACTION><COMMAND>START</COMMAND></TRANSACTION>";
    assert_eq!(
        Transaction::decode(doc),
        Err(XmlError::MissingField {
            field: "FUNCTION_TYPE"
        })
    );
}

#[test]
fn missing_command_is_refused() {
    let doc = b"<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE></TRANSACTION>";
    assert_eq!(
        Transaction::decode(doc),
        Err(XmlError::MissingField { field: "COMMAND" })
    );
}

#[test]
fn empty_root_is_refused_for_missing_fields() {
    assert_eq!(
        Transaction::decode(b"<TRANSACTION />"),
        Err(XmlError::MissingField {
            field: "FUNCTION_TYPE"
        })
    );
}

#[test]
fn empty_command_is_refused() {
    let doc = b"<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND /></TRANSACTION>";
    assert_eq!(
        Transaction::decode(doc),
        Err(XmlError::InvalidValue { field: "COMMAND" })
    );
}

#[test]
fn command_holding_elements_is_refused() {
    let doc = b"<TRANSACTION><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND><A>1</A></COMMAND></TRANSACTION>";
    assert!(matches!(
        Transaction::decode(doc),
        Err(XmlError::NotText {
            field: "COMMAND",
            ..
        })
    ));
}

#[test]
fn duplicate_function_type_is_refused() {
    let err = tx("<FUNCTION_TYPE>ADMIN</FUNCTION_TYPE>").unwrap_err();
    assert_eq!(
        err,
        XmlError::DuplicateField {
            field: "FUNCTION_TYPE",
            offset: HEAD.len()
        }
    );
}

#[test]
fn duplicate_counter_is_refused() {
    let err = tx("<COUNTER>1</COUNTER><COUNTER>2</COUNTER>").unwrap_err();
    assert_eq!(
        err,
        XmlError::DuplicateField {
            field: "COUNTER",
            offset: HEAD.len() + 20
        }
    );
}

#[test]
fn duplicate_mac_label_is_refused() {
    assert!(matches!(
        tx("<MAC_LABEL>A</MAC_LABEL><X/><MAC_LABEL>A</MAC_LABEL>"),
        Err(XmlError::DuplicateField {
            field: "MAC_LABEL",
            ..
        })
    ));
}

#[test]
fn repeated_ordinary_fields_are_kept() {
    let transaction = tx("<NOTE>a</NOTE><NOTE>b</NOTE>").unwrap();
    assert_eq!(transaction.fields().len(), 2);
}

#[test]
fn text_before_a_child_is_mixed_content() {
    let err = tx("<GROUP>text<CHILD>1</CHILD></GROUP>").unwrap_err();
    assert_eq!(
        err,
        XmlError::MixedContent {
            offset: HEAD.len() + 11
        }
    );
}

#[test]
fn text_after_a_child_is_mixed_content() {
    assert!(matches!(
        tx("<GROUP><CHILD>1</CHILD>tail</GROUP>"),
        Err(XmlError::MixedContent { .. })
    ));
}

#[test]
fn text_directly_in_the_root_is_mixed_content() {
    assert!(matches!(tx("loose"), Err(XmlError::MixedContent { .. })));
}

#[test]
fn invalid_utf8_in_a_value_is_refused() {
    let mut doc = HEAD.as_bytes().to_vec();
    doc.extend_from_slice(b"<NAME>caf\xC3</NAME></TRANSACTION>");
    assert_eq!(
        Transaction::decode(&doc),
        Err(XmlError::InvalidUtf8 {
            offset: HEAD.len() + 6
        })
    );
}

#[test]
fn invalid_utf8_in_a_name_is_refused() {
    let mut doc = HEAD.as_bytes().to_vec();
    doc.extend_from_slice(b"<N\xFF>1</N\xFF></TRANSACTION>");
    assert!(matches!(
        Transaction::decode(&doc),
        Err(XmlError::InvalidUtf8 { .. })
    ));
}

#[test]
fn billion_laughs_entities_are_refused_unexpanded() {
    let mut doc =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE TRANSACTION [\n<!ENTITY lol \"lol\">\n");
    for level in 1..10 {
        let previous = if level == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", level - 1)
        };
        doc.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">\n",
            format!("&{previous};").repeat(10)
        ));
    }
    doc.push_str("]>\n");
    doc.push_str(&format!("{HEAD}<X>&lol9;</X></TRANSACTION>"));
    assert_eq!(
        Transaction::decode(doc.as_bytes()),
        Err(XmlError::Doctype { offset: 22 })
    );
}

#[test]
fn doctype_without_entities_is_refused() {
    let doc = format!("<!DOCTYPE TRANSACTION>{HEAD}</TRANSACTION>");
    assert_eq!(
        Transaction::decode(doc.as_bytes()),
        Err(XmlError::Doctype { offset: 0 })
    );
}

#[test]
fn external_entity_doctype_is_refused() {
    let doc = format!(
        "<!DOCTYPE TRANSACTION [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{HEAD}<X>&xxe;</X></TRANSACTION>"
    );
    assert!(matches!(
        Transaction::decode(doc.as_bytes()),
        Err(XmlError::Doctype { .. })
    ));
}

#[test]
fn undeclared_entity_reference_is_refused() {
    let err = tx("<X>a&nbsp;b</X>").unwrap_err();
    assert_eq!(
        err,
        XmlError::UnknownEntity {
            offset: HEAD.len() + 4
        }
    );
}

#[test]
fn nul_character_reference_is_refused() {
    assert!(matches!(
        tx("<X>&#0;</X>"),
        Err(XmlError::UnknownEntity { .. })
    ));
}

#[test]
fn unterminated_reference_is_refused() {
    assert!(matches!(
        tx("<X>a & b</X>"),
        Err(XmlError::Malformed {
            kind: SyntaxKind::UnclosedReference,
            ..
        })
    ));
}

#[test]
fn processing_instruction_is_refused() {
    let doc = format!("<?xml-stylesheet href=\"a\"?>{HEAD}</TRANSACTION>");
    assert_eq!(
        Transaction::decode(doc.as_bytes()),
        Err(XmlError::ProcessingInstruction { offset: 0 })
    );
}

#[test]
fn processing_instruction_inside_the_root_is_refused() {
    assert!(matches!(
        tx("<?php echo 1; ?>"),
        Err(XmlError::ProcessingInstruction { .. })
    ));
}

#[test]
fn xml_declaration_after_content_is_refused() {
    let doc = format!("<!-- c --><?xml version=\"1.0\"?>{HEAD}</TRANSACTION>");
    assert!(matches!(
        Transaction::decode(doc.as_bytes()),
        Err(XmlError::Malformed {
            kind: SyntaxKind::MisplacedDeclaration,
            offset: 10
        })
    ));
}

#[test]
fn ten_thousand_deep_nesting_is_refused() {
    let depth = 10_000;
    let doc = format!(
        "{HEAD}{}{}</TRANSACTION>",
        "<A>".repeat(depth),
        "</A>".repeat(depth)
    );
    assert_eq!(
        Transaction::decode(doc.as_bytes()),
        Err(XmlError::TooDeep {
            offset: HEAD.len() + 3 * 15,
            limit: 16
        })
    );
}

#[test]
fn depth_limit_is_exact() {
    let limits = XmlLimits {
        max_depth: 3,
        ..XmlLimits::default()
    };
    let ok = format!("{HEAD}<A><B>1</B></A></TRANSACTION>");
    assert!(Transaction::decode_with(ok.as_bytes(), &limits).is_ok());
    let deep = format!("{HEAD}<A><B><C>1</C></B></A></TRANSACTION>");
    assert!(matches!(
        Transaction::decode_with(deep.as_bytes(), &limits),
        Err(XmlError::TooDeep { limit: 3, .. })
    ));
}

#[test]
fn eight_mib_document_is_refused() {
    let filler = "x".repeat(8 * 1024 * 1024);
    let doc = format!("{HEAD}<BIG>{filler}</BIG></TRANSACTION>");
    assert_eq!(
        Transaction::decode(doc.as_bytes()),
        Err(XmlError::TooLarge {
            size: doc.len(),
            limit: 1024 * 1024
        })
    );
}

#[test]
fn too_many_fields_are_refused() {
    let limits = XmlLimits {
        max_fields: 10,
        ..XmlLimits::default()
    };
    let doc = format!("{HEAD}{}</TRANSACTION>", "<F />".repeat(9));
    // FUNCTION_TYPE and COMMAND count: 2 + 8 fit, the 9th <F /> is the 11th element.
    assert_eq!(
        Transaction::decode_with(doc.as_bytes(), &limits),
        Err(XmlError::TooManyFields {
            offset: HEAD.len() + 5 * 8,
            limit: 10
        })
    );
}

#[test]
fn attribute_is_refused() {
    let err = tx("<AMOUNT currency=\"EUR\">1</AMOUNT>").unwrap_err();
    assert_eq!(err, XmlError::Attribute { offset: HEAD.len() });
}

#[test]
fn attribute_on_root_is_refused() {
    let doc = b"<TRANSACTION xmlns=\"urn:x\"></TRANSACTION>";
    assert_eq!(
        Transaction::decode(doc),
        Err(XmlError::Attribute { offset: 0 })
    );
}

#[test]
fn lower_case_field_name_is_refused() {
    let err = tx("<invoice>1</invoice>").unwrap_err();
    assert_eq!(
        err,
        XmlError::InvalidName {
            offset: Some(HEAD.len())
        }
    );
}

#[test]
fn namespaced_field_name_is_refused() {
    assert!(matches!(
        tx("<A:B>1</A:B>"),
        Err(XmlError::InvalidName { .. })
    ));
}

#[test]
fn text_before_the_root_is_refused() {
    let doc = format!("junk{HEAD}</TRANSACTION>");
    assert_eq!(
        Transaction::decode(doc.as_bytes()),
        Err(XmlError::TextOutsideRoot { offset: 0 })
    );
}

#[test]
fn second_root_is_refused() {
    let doc = format!("{HEAD}</TRANSACTION>\n{HEAD}</TRANSACTION>");
    assert_eq!(
        Transaction::decode(doc.as_bytes()),
        Err(XmlError::TrailingContent {
            offset: HEAD.len() + 15
        })
    );
}

#[test]
fn unclosed_root_is_refused() {
    assert!(matches!(
        Transaction::decode(HEAD.as_bytes()),
        Err(XmlError::Malformed {
            kind: SyntaxKind::MissingEndTag,
            ..
        })
    ));
}

#[test]
fn mismatched_end_tag_is_refused() {
    assert!(matches!(
        tx("<A>1</B>"),
        Err(XmlError::Malformed {
            kind: SyntaxKind::MismatchedEndTag,
            ..
        })
    ));
}

#[test]
fn truncated_tag_is_refused() {
    assert!(matches!(
        Transaction::decode(b"<TRANSACTION><FUNCTION_TY"),
        Err(XmlError::Malformed {
            kind: SyntaxKind::Unclosed,
            ..
        })
    ));
}

#[test]
fn empty_input_has_no_root() {
    assert_eq!(Transaction::decode(b""), Err(XmlError::NoRoot));
    assert_eq!(
        Transaction::decode(b" \n<!-- only -->\n"),
        Err(XmlError::NoRoot)
    );
}

#[test]
fn non_integer_result_code_is_refused() {
    let doc = b"<RESPONSE><RESULT_CODE>-1x</RESULT_CODE></RESPONSE>";
    assert_eq!(
        Response::decode(doc),
        Err(XmlError::InvalidValue {
            field: "RESULT_CODE"
        })
    );
}

#[test]
fn zero_response_counter_is_refused() {
    let doc = b"<RESPONSE><COUNTER>0</COUNTER></RESPONSE>";
    assert_eq!(
        Response::decode(doc),
        Err(XmlError::InvalidValue { field: "COUNTER" })
    );
}

#[test]
fn duplicate_result_code_is_refused() {
    let doc = b"<RESPONSE><RESULT_CODE>1</RESULT_CODE><RESULT_CODE>2</RESULT_CODE></RESPONSE>";
    assert!(matches!(
        Response::decode(doc),
        Err(XmlError::DuplicateField {
            field: "RESULT_CODE",
            ..
        })
    ));
}

#[test]
fn errors_say_what_and_where() {
    let err = tx("<invoice>1</invoice>").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "element name outside the sca alphabet at byte {}",
            HEAD.len()
        )
    );
}
