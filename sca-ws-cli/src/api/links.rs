//! `POST /terminals/{id}/close` and `POST /terminals/{id}/drop`: end one terminal's link, with
//! the close handshake (1000) or by cutting TCP. The terminal dials again as it is configured
//! to; 204 once the link was told, else the status of the refusal.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::transactions::status;
use super::{Api, refuse};
use crate::brokerage::{Brokerage, Refusal};

pub(super) async fn close<B: Brokerage>(
    State(api): State<Arc<Api<B>>>,
    Path(pinpad_id): Path<String>,
) -> Response {
    answer(&pinpad_id, api.broker.close(&pinpad_id))
}

pub(super) async fn drop_link<B: Brokerage>(
    State(api): State<Arc<Api<B>>>,
    Path(pinpad_id): Path<String>,
) -> Response {
    answer(&pinpad_id, api.broker.drop_link(&pinpad_id))
}

fn answer(pinpad_id: &str, result: Result<(), Refusal>) -> Response {
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(refusal) => refuse(
            status(&refusal),
            format_args!("terminal {pinpad_id:?}: {refusal}"),
        ),
    }
}
