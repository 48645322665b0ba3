//! Build → parse round trips on both sides, for random hosts, paths, pinpad ids, subprotocols
//! and extra headers: what the terminal writes, the broker reads back unchanged, and the
//! broker's answer is accepted by the terminal.

use bytes::BytesMut;
use proptest::prelude::*;
use sca_ws::handshake::{
    Client as ClientHandshake, ClientConfig as ClientHandshakeConfig,
    ServerConfig as ServerHandshakeConfig, decode_request, encode_accept,
};

/// Visible ASCII text with no surrounding whitespace (what a header value can carry intact).
fn value() -> impl Strategy<Value = String> {
    "[!-~]([ -~]{0,14}[!-~])?"
}

fn config() -> impl Strategy<Value = ClientHandshakeConfig> {
    (
        "[a-z0-9][a-z0-9.-]{0,30}(:[0-9]{1,5})?",
        "/[A-Za-z0-9._~!$&'()*+,;=:@/%-]{0,40}(\\?[A-Za-z0-9=&]{0,20})?",
        proptest::option::of(value()),
        proptest::option::of(value()),
        proptest::collection::vec("[a-z][a-z0-9.]{0,8}", 0..4),
        proptest::collection::vec(("X-Extra-[A-Za-z0-9-]{1,12}", value()), 0..5),
        any::<bool>(),
    )
        .prop_map(
            |(host, path, origin, pinpad_id, protocols, extra_headers, seed_pinpad_spacing)| {
                ClientHandshakeConfig {
                    host,
                    path,
                    origin,
                    pinpad_id,
                    protocols,
                    extra_headers,
                    seed_pinpad_spacing,
                    ..ClientHandshakeConfig::default()
                }
            },
        )
}

proptest! {
    #[test]
    fn request_and_answer_round_trip(
        config in config(),
        nonce in any::<[u8; 16]>(),
        pick in any::<prop::sample::Index>(),
        select in any::<bool>(),
        frames in proptest::collection::vec(any::<u8>(), 0..16),
    ) {
        let client = ClientHandshake::new(config.clone(), nonce).unwrap();
        let mut wire = BytesMut::new();
        client.encode_request(&mut wire);
        let head_len = wire.len();
        wire.extend_from_slice(&frames);

        let (req, used) = decode_request(&wire, &ServerHandshakeConfig::default())
            .unwrap()
            .unwrap();
        prop_assert_eq!(used, head_len);
        prop_assert_eq!(req.host(), config.host.as_str());
        prop_assert_eq!(req.path(), config.path.as_str());
        prop_assert_eq!(req.origin(), config.origin.as_deref());
        prop_assert_eq!(req.pinpad_id(), config.pinpad_id.as_deref());
        prop_assert_eq!(req.key(), client.key());
        prop_assert_eq!(req.protocols().collect::<Vec<_>>(), config.protocols.iter().map(String::as_str).collect::<Vec<_>>());
        let extras: Vec<(&str, &str)> = req
            .headers()
            .iter()
            .filter(|h| h.name.starts_with("X-Extra-"))
            .map(|h| (h.name, h.value))
            .collect();
        let wanted: Vec<(&str, &str)> = config
            .extra_headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        prop_assert_eq!(extras, wanted);

        // The owned copy and the canonical re-encoding give the same request.
        let owned = req.clone().into_owned();
        prop_assert_eq!(owned.as_request(), req.clone());
        let mut again = BytesMut::new();
        req.encode(&mut again);
        let (reparsed, _) = decode_request(&again, &ServerHandshakeConfig::default()).unwrap().unwrap();
        prop_assert_eq!(&reparsed, &req);

        let protocol = if select && !config.protocols.is_empty() {
            Some(config.protocols[pick.index(config.protocols.len())].as_str())
        } else {
            None
        };
        let mut answer = BytesMut::new();
        encode_accept(&req, protocol, &[("Server", "sca-ws")], &mut answer).unwrap();
        let answer_len = answer.len();
        answer.extend_from_slice(&frames);
        let (resp, used) = client.decode_response(&answer).unwrap().unwrap();
        prop_assert_eq!(used, answer_len);
        prop_assert_eq!(resp.protocol(), protocol);
        prop_assert_eq!(resp.header("server"), Some("sca-ws"));
    }
}
