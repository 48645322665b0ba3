//! Any bytes into both SCA decoders: never a panic; whatever parses, written and parsed again,
//! is equal, and writing it twice gives the same bytes.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use sca_ws::xml::{Response, Transaction};

fuzz_target!(|data: &[u8]| {
    if let Ok(transaction) = Transaction::decode(data) {
        let mut out = BytesMut::new();
        transaction.encode(&mut out);
        let again = Transaction::decode(&out).expect("written transaction reparses");
        assert_eq!(again, transaction);
        let mut out2 = BytesMut::new();
        again.encode(&mut out2);
        assert_eq!(out, out2);
        // The text writer writes the same bytes.
        let mut text = String::new();
        transaction.encode_to_string(&mut text);
        assert_eq!(text.as_bytes(), &out[..]);
        // Classification is total.
        let _ = (transaction.needs_session(), transaction.is_secondary());
        let _ = transaction.is_mac_exempt();
        let _ = transaction.counter();
    }
    if let Ok(response) = Response::decode(data) {
        let mut out = BytesMut::new();
        response.encode(&mut out);
        let again = Response::decode(&out).expect("written response reparses");
        assert_eq!(again, response);
        let mut out2 = BytesMut::new();
        again.encode(&mut out2);
        assert_eq!(out, out2);
    }
});
