//! Any bytes through the SCA subset scanner and through quick-xml: the scanner either declines
//! or returns exactly what quick-xml returns, and the decoder (scanner first) always returns
//! what quick-xml alone returns. A first byte with the high bit set picks small limits from
//! its other bits, so limits are reached as well.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sca_ws::__private::xml_paths::{
    response_by_quick_xml, response_by_scanner, transaction_by_quick_xml, transaction_by_scanner,
};
use sca_ws::xml::{Limits as XmlLimits, Response, Transaction};

fuzz_target!(|data: &[u8]| {
    let (limits, doc) = match data.split_first() {
        Some((&first, rest)) if first & 0x80 != 0 => (
            XmlLimits {
                max_document_bytes: 32 + usize::from(first & 0x7f) * 4,
                max_depth: 1 + usize::from(first & 0x07),
                max_fields: usize::from((first >> 3) & 0x0f),
            },
            rest,
        ),
        _ => (XmlLimits::DEFAULT, data),
    };

    let general = transaction_by_quick_xml(doc, &limits);
    if let Some(fast) = transaction_by_scanner(doc, &limits) {
        assert_eq!(fast, general, "scanner and quick-xml disagree on a transaction");
    }
    assert_eq!(Transaction::decode_with(doc, &limits), general);

    let general = response_by_quick_xml(doc, &limits);
    if let Some(fast) = response_by_scanner(doc, &limits) {
        assert_eq!(Ok(fast), general, "scanner and quick-xml disagree on a response");
    }
    assert_eq!(Response::decode_with(doc, &limits), general);
});
