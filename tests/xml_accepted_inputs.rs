//! What real senders produce and the decoder must accept: layout whitespace, both empty-element
//! forms, escapes, CDATA, a BOM, an XML declaration, comments, CRLF line ends, nesting.

use sca_ws::xml::{Command, FunctionType, Response, Transaction};

fn decode(doc: &str) -> Transaction {
    Transaction::decode(doc.as_bytes()).unwrap()
}

fn value<'a>(transaction: &'a Transaction, name: &str) -> &'a str {
    transaction.fields().get(name).unwrap()
}

#[test]
fn accepts_tabs_crlf_and_indentation_between_elements() {
    let doc = "<TRANSACTION>\r\n\t<FUNCTION_TYPE>ADMIN</FUNCTION_TYPE>\r\n\t<COMMAND>GET_COUNTER</COMMAND>\r\n</TRANSACTION>\r\n";
    let transaction = decode(doc);
    assert_eq!(transaction.function_type, FunctionType::Admin);
    assert_eq!(transaction.command, Command::GetCounter);
    assert!(transaction.fields().is_empty());
    assert!(transaction.is_mac_exempt());
}

#[test]
fn accepts_both_empty_element_forms_as_the_same_value() {
    let a = decode(
        "<TRANSACTION><FUNCTION_TYPE>DEVICE</FUNCTION_TYPE><COMMAND>VERSION</COMMAND><X /><Y/></TRANSACTION>",
    );
    let b = decode(
        "<TRANSACTION><FUNCTION_TYPE>DEVICE</FUNCTION_TYPE><COMMAND>VERSION</COMMAND><X></X><Y></Y></TRANSACTION>",
    );
    assert_eq!(a, b);
    assert_eq!(value(&a, "X"), "");
}

#[test]
fn accepts_predefined_entities_and_character_references() {
    let t = decode(
        "<TRANSACTION><FUNCTION_TYPE>DEVICE</FUNCTION_TYPE><COMMAND>DISPLAY_MESSAGE</COMMAND><DISPLAY_TEXT>A &amp; B &lt;3&gt; &quot;x&quot; &apos;y&apos; &#233;&#x20AC;</DISPLAY_TEXT></TRANSACTION>",
    );
    assert_eq!(value(&t, "DISPLAY_TEXT"), "A & B <3> \"x\" 'y' é€");
}

#[test]
fn accepts_cdata_verbatim() {
    let t = decode(
        "<TRANSACTION><FUNCTION_TYPE>DEVICE</FUNCTION_TYPE><COMMAND>DISPLAY_MESSAGE</COMMAND><DISPLAY_TEXT>a<![CDATA[<b>&amp;</b>]]>c</DISPLAY_TEXT></TRANSACTION>",
    );
    assert_eq!(value(&t, "DISPLAY_TEXT"), "a<b>&amp;</b>c");
}

#[test]
fn accepts_leading_bom_declaration_and_comments() {
    let doc = "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- from the POS -->\n<TRANSACTION><!-- c --><FUNCTION_TYPE>SESSION</FUNCTION_TYPE><COMMAND>FINISH</COMMAND></TRANSACTION>\n<!-- end -->";
    let transaction = decode(doc);
    assert_eq!(transaction.command, Command::Finish);
}

#[test]
fn keeps_values_verbatim_including_inner_whitespace() {
    let t = decode(
        "<TRANSACTION><FUNCTION_TYPE> SESSION </FUNCTION_TYPE><COMMAND>START</COMMAND><A>  two  words </A><B>  </B></TRANSACTION>",
    );
    assert_eq!(t.function_type, FunctionType::Session);
    assert_eq!(value(&t, "A"), "  two  words ");
    assert_eq!(value(&t, "B"), "  ");
}

#[test]
fn normalizes_crlf_inside_values_as_xml_requires() {
    let t = decode(
        "<TRANSACTION><FUNCTION_TYPE>DEVICE</FUNCTION_TYPE><COMMAND>DISPLAY_MESSAGE</COMMAND><T>a\r\nb\rc&#13;</T></TRANSACTION>",
    );
    assert_eq!(value(&t, "T"), "a\nb\nc\r");
}

#[test]
fn keeps_nested_line_items_in_document_order() {
    let doc = "<TRANSACTION>
  <FUNCTION_TYPE>LINE_ITEM</FUNCTION_TYPE>
  <COMMAND>ADD</COMMAND>
  <RUNNING_SUB_TOTAL>7.00</RUNNING_SUB_TOTAL>
  <LINE_ITEMS>
    <MERCHANDISE>
      <LINE_ITEM_ID>1</LINE_ITEM_ID>
      <DESCRIPTION>Coffee</DESCRIPTION>
    </MERCHANDISE>
    <MERCHANDISE>
      <LINE_ITEM_ID>2</LINE_ITEM_ID>
      <DESCRIPTION>Tea &amp; Cake</DESCRIPTION>
    </MERCHANDISE>
  </LINE_ITEMS>
  <RUNNING_TAX_AMOUNT>0.70</RUNNING_TAX_AMOUNT>
</TRANSACTION>";
    let t = decode(doc);
    assert!(t.needs_session());
    let names: Vec<_> = t.fields().iter().map(|f| f.name()).collect();
    assert_eq!(
        names,
        ["RUNNING_SUB_TOTAL", "LINE_ITEMS", "RUNNING_TAX_AMOUNT"]
    );
    let items = t.fields().find("LINE_ITEMS").unwrap();
    assert!(items.is_group());
    let descriptions: Vec<_> = items
        .children()
        .map(|m| m.children().nth(1).unwrap().value().unwrap())
        .collect();
    assert_eq!(descriptions, ["Coffee", "Tea & Cake"]);
}

#[test]
fn unknown_function_type_and_command_round_trip() {
    let t = decode(
        "<TRANSACTION><FUNCTION_TYPE>LOYALTY</FUNCTION_TYPE><COMMAND>STAMP</COMMAND></TRANSACTION>",
    );
    assert_eq!(t.function_type.as_str(), "LOYALTY");
    assert!(matches!(t.command, Command::Other(_)));
    let mut out = bytes::BytesMut::new();
    t.encode(&mut out);
    assert_eq!(Transaction::decode(&out).unwrap(), t);
}

#[test]
fn accepts_a_response_without_the_leading_fields() {
    let response =
        Response::decode(b"<RESPONSE><DEVICE_STATUS>IDLE</DEVICE_STATUS></RESPONSE>").unwrap();
    assert_eq!(response.result_code, None);
    assert_eq!(response.fields().get("DEVICE_STATUS"), Some("IDLE"));
}
