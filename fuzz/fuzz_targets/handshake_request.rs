//! Broker side: any bytes given to `decode_request` give "need more", an error with a status to
//! answer, or a request that, written back in canonical form and parsed again (strictly),
//! is equal. A prefix at a data-chosen split gives "need more" or the same result.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use sca_ws::handshake::{ServerConfig as ServerHandshakeConfig, decode_request, encode_accept, encode_error_response, select_protocol};

fuzz_target!(|data: &[u8]| {
    let config = ServerHandshakeConfig {
        max_request_bytes: 2048,
        max_headers: 16,
        allow_space_before_colon: true,
    };
    let whole = decode_request(data, &config);

    let split = data.first().map_or(0, |&b| usize::from(b) * data.len() / 256);
    let part = decode_request(&data[..split], &config);
    assert!(matches!(part, Ok(None)) || part == whole, "split {split}");

    match whole {
        Ok(Some((request, used))) => {
            assert!(used > 0 && used <= data.len() && used <= config.max_request_bytes);
            let mut canonical = BytesMut::new();
            request.encode(&mut canonical);
            let strict = ServerHandshakeConfig {
                max_request_bytes: 1 << 16,
                max_headers: 16,
                allow_space_before_colon: false,
            };
            let (again, n) = decode_request(&canonical, &strict)
                .expect("canonical form parses strictly")
                .expect("canonical form is complete");
            assert_eq!(n, canonical.len());
            assert_eq!(again, request);
            let owned = request.clone().into_owned();
            assert_eq!(owned.as_request(), request);

            let mut answer = BytesMut::new();
            let protocol = request.protocols().next();
            encode_accept(&request, protocol, &[], &mut answer).expect("offered protocol");
            assert!(answer.starts_with(b"HTTP/1.1 101 "));
            let _ = select_protocol(&request, &["sci"]);
        }
        Ok(None) => assert!(data.len() < config.max_request_bytes),
        Err(error) => {
            let status = error.response_status().expect("request errors carry a status");
            assert!((400..=499).contains(&status));
            let mut out = BytesMut::new();
            encode_error_response(&error, &mut out);
            assert!(out.starts_with(format!("HTTP/1.1 {status} ").as_bytes()));
        }
    }
});
