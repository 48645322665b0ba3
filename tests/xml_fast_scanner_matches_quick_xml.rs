//! The SCA subset scanner and the quick-xml path decide alike: for SCA-like documents, valid
//! or mutated (truncated, bytes flipped, markup outside the subset inserted, limits hit), the
//! scanner either declines or returns exactly what quick-xml returns, and `decode_with` (which
//! tries the scanner first) always returns what quick-xml alone returns.

use proptest::prelude::*;
use sca_ws::__private::xml_paths::{
    response_by_quick_xml, response_by_scanner, transaction_by_quick_xml, transaction_by_scanner,
};
use sca_ws::xml::{Limits as XmlLimits, Response, Transaction};

/// Asserts the equivalence for one document under one set of limits; true when the scanner
/// took the document (for both roots together).
fn assert_paths_agree(doc: &[u8], limits: &XmlLimits) -> bool {
    let general = transaction_by_quick_xml(doc, limits);
    assert_eq!(Transaction::decode_with(doc, limits), general, "{doc:?}");
    let scanned_transaction = transaction_by_scanner(doc, limits);
    if let Some(fast) = &scanned_transaction {
        assert_eq!(
            fast,
            &general,
            "transaction {:?}",
            String::from_utf8_lossy(doc)
        );
    }
    let general = response_by_quick_xml(doc, limits);
    assert_eq!(Response::decode_with(doc, limits), general, "{doc:?}");
    let scanned_response = response_by_scanner(doc, limits);
    if let Some(fast) = &scanned_response {
        assert_eq!(
            Ok(fast),
            general.as_ref(),
            "response {:?}",
            String::from_utf8_lossy(doc)
        );
    }
    scanned_transaction.is_some() || scanned_response.is_some()
}

#[derive(Debug, Clone)]
enum Element {
    /// A text field; `exact` keeps the generated pieces even for a typed name (which then
    /// often holds an invalid value).
    Leaf(&'static str, Vec<&'static str>, bool),
    Group(&'static str, Vec<Element>),
}

/// Names with a typed slot or a once-only rule in one of the two roots.
const SPECIAL: &[&str] = &[
    "FUNCTION_TYPE",
    "COMMAND",
    "COUNTER",
    "MAC",
    "MAC_LABEL",
    "POS_RECON",
    "RESULT_CODE",
    "RESULT",
    "RESPONSE_TEXT",
    "TERMINATION_STATUS",
];

fn name() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        96 => prop::sample::select(vec!["INVOICE", "NOTE", "AMOUNT", "SKU", "DESCRIPTION", "QTY"]),
        12 => prop::sample::select(SPECIAL),
        32 => prop::sample::select(vec!["LINE_ITEMS", "MERCHANDISE", "A.B-C_9", "_X"]),
        1 => prop::sample::select(vec!["lower", "9LEAD", "A:B"]),
    ]
}

/// A valid value for a typed name (so that most documents decode).
fn typed_value(name: &str) -> Option<&'static str> {
    Some(match name {
        "FUNCTION_TYPE" => "SESSION",
        "COMMAND" => "START",
        "COUNTER" => "1700000017",
        "RESULT_CODE" => "-1",
        "TERMINATION_STATUS" => "SUCCESS",
        "RESULT" | "RESPONSE_TEXT" => "OK",
        _ => return None,
    })
}

fn piece() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        48 => prop::sample::select(vec!["SESSION", "1700000017", "-5", "x y", "caf\u{e9} \u{20ac}"]),
        16 => prop::sample::select(vec![" ", "\n  ", "\t", "\r\n", "a\rb"]),
        16 => prop::sample::select(vec!["&amp;", "&lt;&gt;&quot;&apos;", "&#x41;&#65;&#13;", "&#32;"]),
        // Rare: one in a document makes it fail, whatever else it holds.
        1 => prop::sample::select(vec!["&#0;", "&nbsp;", "&amp", "a > b ]]>", "&#xD800;"]),
    ]
}

fn element() -> impl Strategy<Value = Element> {
    let leaf = (
        name(),
        prop::collection::vec(piece(), 0..4),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(name, pieces, exact)| Element::Leaf(name, pieces, exact));
    leaf.prop_recursive(5, 32, 5, |inner| {
        (name(), prop::collection::vec(inner, 1..6))
            .prop_map(|(name, children)| Element::Group(name, children))
    })
}

/// How elements are laid out: separators, empty-element form, end-tag blanks.
#[derive(Debug, Clone, Copy)]
struct Layout {
    separator: &'static str,
    empty: &'static str,
    end_blank: &'static str,
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        prop_oneof![
            Just(""),
            Just("\n"),
            Just("\r\n"),
            Just("\n  "),
            Just(" \t")
        ],
        prop_oneof![Just(" />"), Just("/>"), Just("></EMPTY>")],
        prop_oneof![Just(""), Just(" "), Just("\n")],
    )
        .prop_map(|(separator, empty, end_blank)| Layout {
            separator,
            empty,
            end_blank,
        })
}

fn render(element: &Element, layout: Layout, out: &mut String) {
    out.push_str(layout.separator);
    match element {
        Element::Leaf(name, _, false) if typed_value(name).is_some() => {
            let value = typed_value(name).unwrap_or_default();
            out.push_str(&format!("<{name}>{value}</{name}{}>", layout.end_blank));
        }
        Element::Leaf(name, pieces, _) if pieces.is_empty() => {
            out.push('<');
            out.push_str(name);
            out.push_str(&layout.empty.replace("EMPTY", name));
        }
        Element::Leaf(name, pieces, _) => {
            out.push_str(&format!("<{name}>"));
            pieces.iter().for_each(|p| out.push_str(p));
            out.push_str(&format!("</{name}{}>", layout.end_blank));
        }
        Element::Group(name, children) => {
            out.push_str(&format!("<{name}>"));
            children.iter().for_each(|c| render(c, layout, out));
            out.push_str(layout.separator);
            out.push_str(&format!("</{name}{}>", layout.end_blank));
        }
    }
}

fn document() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![
            Just(""),
            Just("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            Just("<?xml version='1.0'?>"),
            Just("\u{feff}"),
            Just("\u{feff}<?xml version=\"1.0\"?>\r\n"),
            Just("  <?xml version=\"1.0\"?>"),
            Just("<?xml?>"),
        ],
        prop_oneof![
            4 => Just("TRANSACTION"),
            4 => Just("RESPONSE"),
            1 => Just("transaction"),
        ],
        prop::bool::weighted(0.8),
        prop::collection::vec(element(), 0..8),
        layout(),
        prop_oneof![6 => Just(""), 6 => Just("\n"), 1 => Just("\n<X/>"), 1 => Just("x")],
    )
        .prop_map(|(prolog, root, required, children, layout, trailer)| {
            let mut doc = String::from(prolog);
            doc.push_str(&format!("<{root}>"));
            if required {
                // What a transaction must carry (a response accepts them as ordinary fields).
                doc.push_str(layout.separator);
                doc.push_str("<FUNCTION_TYPE>DEVICE</FUNCTION_TYPE>");
                doc.push_str(layout.separator);
                doc.push_str("<COMMAND>VERSION</COMMAND>");
            }
            children.iter().for_each(|c| render(c, layout, &mut doc));
            doc.push_str(layout.separator);
            doc.push_str(&format!("</{root}>"));
            doc.push_str(trailer);
            doc.into_bytes()
        })
}

/// Markup outside the scanner's subset, or plain breakage, to insert somewhere.
const INSERTS: &[&[u8]] = &[
    b"<!-- note -->",
    b"<![CDATA[x<y]]>",
    b" a=\"1\"",
    b"&unknown;",
    b"<?pi x?>",
    b"<?xml version=\"1.0\"?>",
    b"<!DOCTYPE TRANSACTION>",
    b"<",
    b">",
    b"&",
    b"</X>",
    b"<X>",
    b"\r",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"&#x110000;",
    b"&#00000000000000065;",
    b"<X/ >",
    b"</ X>",
];

#[derive(Debug, Clone)]
enum Mutation {
    None,
    Truncate(prop::sample::Index),
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        8 => Just(Mutation::None),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        2 => (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        3 => (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(i, j)| Mutation::Insert(i, j)),
    ]
}

fn mutate(mut doc: Vec<u8>, mutation: &Mutation) -> Vec<u8> {
    match mutation {
        Mutation::None => {}
        Mutation::Truncate(at) => doc.truncate(at.index(doc.len() + 1)),
        Mutation::Flip(at, byte) => {
            if !doc.is_empty() {
                let at = at.index(doc.len());
                doc[at] = *byte;
            }
        }
        Mutation::Insert(at, which) => {
            let at = at.index(doc.len() + 1);
            let insert = INSERTS[which.index(INSERTS.len())];
            doc.splice(at..at, insert.iter().copied());
        }
    }
    doc
}

fn limits() -> impl Strategy<Value = XmlLimits> {
    prop_oneof![
        3 => Just(XmlLimits::DEFAULT),
        1 => (10usize..600, 1usize..8, 0usize..24).prop_map(|(bytes, depth, fields)| XmlLimits {
            max_document_bytes: bytes,
            max_depth: depth,
            max_fields: fields,
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn scanner_declines_or_matches_quick_xml(
        doc in document(),
        mutations in prop::collection::vec(mutation(), 0..3),
        limits in limits(),
    ) {
        let doc = mutations.iter().fold(doc, mutate);
        assert_paths_agree(&doc, &limits);
    }
}

#[test]
fn scanner_takes_the_common_documents() {
    let documents: &[&str] = &[
        "<TRANSACTION>\n<FUNCTION_TYPE>SESSION</FUNCTION_TYPE>\n<COMMAND>START</COMMAND>\n\
         <INVOICE>1234567</INVOICE>\n<COUNTER>1700000017</COUNTER>\n</TRANSACTION>\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<TRANSACTION>\r\n  \
         <FUNCTION_TYPE>LINE_ITEM</FUNCTION_TYPE>\r\n  <COMMAND>ADD</COMMAND>\r\n  <LINE_ITEMS>\r\n    \
         <MERCHANDISE>\r\n      <DESCRIPTION>Item &amp; co. &#x23;1</DESCRIPTION>\r\n      \
         <SKU />\r\n    </MERCHANDISE>\r\n  </LINE_ITEMS>\r\n</TRANSACTION>\r\n",
        "<RESPONSE>\n<RESPONSE_TEXT>Version</RESPONSE_TEXT>\n<RESULT>OK</RESULT>\n\
         <RESULT_CODE>-1</RESULT_CODE>\n<TERMINATION_STATUS>SUCCESS</TERMINATION_STATUS>\n\
         <COUNTER>12</COUNTER>\n<VERSION_INFO>SCA 2.19.5</VERSION_INFO>\n</RESPONSE>\n",
    ];
    for doc in documents {
        let limits = XmlLimits::DEFAULT;
        let took = transaction_by_scanner(doc.as_bytes(), &limits).is_some()
            || response_by_scanner(doc.as_bytes(), &limits).is_some();
        assert!(took, "scanner declined {doc:?}");
        assert!(assert_paths_agree(doc.as_bytes(), &limits));
    }
}

#[test]
fn scanner_declines_markup_outside_the_subset() {
    let limits = XmlLimits::DEFAULT;
    for doc in [
        "<TRANSACTION><!-- c --><FUNCTION_TYPE>A</FUNCTION_TYPE><COMMAND>B</COMMAND></TRANSACTION>",
        "<TRANSACTION><FUNCTION_TYPE><![CDATA[A]]></FUNCTION_TYPE><COMMAND>B</COMMAND></TRANSACTION>",
        "<TRANSACTION a=\"1\"><FUNCTION_TYPE>A</FUNCTION_TYPE><COMMAND>B</COMMAND></TRANSACTION>",
        "<TRANSACTION><FUNCTION_TYPE>A</FUNCTION_TYPE><COMMAND>B</COMMAND></TRANSACTION><?pi?>",
        "<TRANSACTION><FUNCTION_TYPE>A</FUNCTION_TYPE><COMMAND>B</COMMAND>",
    ] {
        assert_eq!(
            transaction_by_scanner(doc.as_bytes(), &limits),
            None,
            "{doc}"
        );
        assert_paths_agree(doc.as_bytes(), &limits);
    }
}
