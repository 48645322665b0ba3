//! `GET /terminals`: who is connected, from where, since when.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::Api;
use super::time::rfc3339;
use crate::brokerage::Brokerage;

/// One element of the array.
#[derive(Serialize)]
pub(super) struct Entry {
    pinpad_id: String,
    remote_addr: String,
    /// RFC 3339, UTC.
    connected_since: String,
    /// The node holding it, in a cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<String>,
}

pub(super) async fn list<B: Brokerage>(State(api): State<Arc<Api<B>>>) -> Json<Vec<Entry>> {
    let mut terminals = api.broker.terminals();
    terminals.sort_by(|a, b| a.pinpad_id.cmp(&b.pinpad_id));
    Json(
        terminals
            .into_iter()
            .map(|t| Entry {
                pinpad_id: t.pinpad_id,
                remote_addr: t.remote.to_string(),
                connected_since: rfc3339(t.since),
                node: t.node,
            })
            .collect(),
    )
}
