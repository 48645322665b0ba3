//! `POST /terminals/{id}/transactions`: the POS sends one TRANSACTION and gets the
//! terminal's RESPONSE, or a status that says why not.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sca_ws::Transaction;

use super::metrics::outcome;
use super::{Api, refuse};
use crate::brokerage::{Brokerage, Refusal};

/// The status for each refusal.
pub(super) fn status(refusal: &Refusal) -> StatusCode {
    match refusal {
        Refusal::NotConnected => StatusCode::NOT_FOUND,
        Refusal::QueueFull => StatusCode::SERVICE_UNAVAILABLE,
        Refusal::Timeout => StatusCode::GATEWAY_TIMEOUT,
        // The terminal went away mid-request: the upstream failed, the POS may retry.
        Refusal::LinkLost | Refusal::Replaced => StatusCode::BAD_GATEWAY,
        Refusal::Invalid(_) => StatusCode::BAD_REQUEST,
        Refusal::Pairing(_) => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

pub(super) async fn post<B: Brokerage>(
    State(api): State<Arc<Api<B>>>,
    Path(pinpad_id): Path<String>,
    body: Bytes,
) -> Response {
    let transaction = match Transaction::decode(&body) {
        Ok(tx) => tx,
        Err(e) => {
            api.metrics.record_bad_request();
            return refuse(
                StatusCode::BAD_REQUEST,
                format_args!("the body is not a TRANSACTION document: {e}"),
            );
        }
    };
    let started = Instant::now();
    let result = api.broker.submit(&pinpad_id, transaction).await;
    match result {
        Ok(response) => {
            api.metrics
                .record(outcome(&Ok(())), Some(started.elapsed()));
            let mut xml = String::new();
            response.encode_to_string(&mut xml);
            (
                [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
                xml,
            )
                .into_response()
        }
        Err(refusal) => {
            api.metrics.record(outcome(&Err(&refusal)), None);
            refuse(
                status(&refusal),
                format_args!("terminal {pinpad_id:?}: {refusal}"),
            )
        }
    }
}
