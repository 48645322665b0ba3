//! `POST /terminals/{id}/register`, `.../unregister`, `.../testmac`: the pairing commands of
//! the stdin line mode, over HTTP.
//!
//! `register` takes an optional JSON body `{"entry_code": "1234"}`: the code the POS shows
//! its cashier. Without one the broker draws a code and writes it to its stderr. The answer
//! `{"pinpad_id": ..., "label": ...}` comes once the terminal's cashier typed the code.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::transactions::status;
use super::{Api, refuse};
use crate::brokerage::{Brokerage, PairingCommand, PairingOutcome};
use crate::pos_pairing::entry_code;

/// Longest code accepted: the terminal compares at most 32 characters.
const MAX_CODE: usize = 32;

#[derive(Deserialize)]
struct RegisterBody {
    entry_code: Option<String>,
}

pub(super) async fn register<B: Brokerage>(
    State(api): State<Arc<Api<B>>>,
    Path(pinpad_id): Path<String>,
    body: Bytes,
) -> Response {
    let given = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice::<RegisterBody>(&body) {
            Ok(body) => body.entry_code,
            Err(e) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    format_args!("the body is not {{\"entry_code\": \"...\"}}: {e}"),
                );
            }
        }
    };
    let code = match given {
        Some(code) if code.is_empty() || code.len() > MAX_CODE => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format_args!("entry_code must be 1 to {MAX_CODE} characters"),
            );
        }
        Some(code) => code,
        None => match entry_code() {
            Ok(code) => {
                eprintln!("pairing code for {pinpad_id}: {code}");
                code
            }
            Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
        },
    };
    let command = PairingCommand::Register { entry_code: code };
    match api.broker.pairing(&pinpad_id, command).await {
        Ok(PairingOutcome::Registered(label)) => axum::Json(serde_json::json!({
            "pinpad_id": pinpad_id,
            "label": label,
        }))
        .into_response(),
        Ok(PairingOutcome::Answered(_)) => {
            refuse(StatusCode::BAD_GATEWAY, "the terminal did not register")
        }
        Err(refusal) => refuse(
            status(&refusal),
            format_args!("terminal {pinpad_id:?}: {refusal}"),
        ),
    }
}

pub(super) async fn unregister<B: Brokerage>(
    state: State<Arc<Api<B>>>,
    pinpad_id: Path<String>,
) -> Response {
    answered(state, pinpad_id, PairingCommand::Unregister).await
}

pub(super) async fn test_mac<B: Brokerage>(
    state: State<Arc<Api<B>>>,
    pinpad_id: Path<String>,
) -> Response {
    answered(state, pinpad_id, PairingCommand::TestMac).await
}

async fn answered<B: Brokerage>(
    State(api): State<Arc<Api<B>>>,
    Path(pinpad_id): Path<String>,
    command: PairingCommand,
) -> Response {
    match api.broker.pairing(&pinpad_id, command).await {
        Ok(PairingOutcome::Answered(response)) => {
            let mut xml = String::new();
            response.encode_to_string(&mut xml);
            (
                [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
                xml,
            )
                .into_response()
        }
        Ok(PairingOutcome::Registered(_)) => refuse(StatusCode::BAD_GATEWAY, "unexpected"),
        Err(refusal) => refuse(
            status(&refusal),
            format_args!("terminal {pinpad_id:?}: {refusal}"),
        ),
    }
}
